"""Fee payments: what an IPN costs.

N construction-permit dossiers wait for their fee; a sandbox-bank-signed
notification for each goes through what the IPN endpoint does (bench/ may not
import web, so without the HTTP layer): the gateway adapter checks the
signature, then one transaction checks amount and reference, marks the payment
paid, logs the notice and resumes fee.collect (the workflow moves on). Prints, per backend, median and p95 ms per IPN and
IPNs per second; then the same notification replayed (refused as already
confirmed); then signing alone.

    .venv/bin/python -m bench.payments [--n 100] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import select

from bench.bench_db import backends, percentile, scratch_database, with_dossiers
from connectors.payment import current_gateway
from connectors.payment import protocol as p
from engine import config
from engine.db import transaction
from engine.models import Payment
from engine.outbox.worker import run_once
from engine.payments import payments
from engine.payments.payments import GatewayWord


def ipn(reference: str, amount: int) -> str:
    params = {"vnp_Amount": p.to_wire_amount(amount), "vnp_BankCode": "NCB",
              "vnp_OrderInfo": "bench", "vnp_PayDate": "20260302090000",
              "vnp_ResponseCode": "00", "vnp_TmnCode": config.SANDBOX_TMN_CODE,
              "vnp_TransactionNo": "14000000", "vnp_TransactionStatus": "00",
              "vnp_TxnRef": reference}
    return p.signed_query(params, config.sandbox_secret())


def run(url: str, n: int) -> dict[str, float]:
    engine, sessions, _ = with_dossiers(url, "construction_permit", n)
    run_once(sessions, batch=n)
    with transaction(sessions) as s:
        refs = [(r.reference, r.amount) for r in s.scalars(select(Payment))]
    gateway = current_gateway("http://127.0.0.1")

    def notify(query: str) -> str:
        params = dict(urllib.parse.parse_qsl(query))
        notice = gateway.handle_notification(params)
        with transaction(sessions) as s:
            code, _ = payments.settle(s, GatewayWord(
                valid_signature=notice.valid_signature, reference=notice.reference,
                amount=notice.amount, success=notice.success, cancelled=notice.cancelled,
                response_code=notice.response_code, transaction_no=notice.transaction_no,
                bank_code=notice.bank_code, paid_at=notice.paid_at), source="ipn", params=params)
        return code

    timings, replays = [], []
    try:
        for reference, amount in refs:
            query = ipn(reference, amount)
            started = time.perf_counter()
            assert notify(query) == "00"
            timings.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assert notify(query) == "02"
            replays.append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    return {"median": statistics.median(timings), "p95": percentile(timings, 0.95),
            "per_s": 1000 * len(timings) / sum(timings), "replay": statistics.median(replays)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MOTCUA_INSTANCE"] = folder
        tmp = Path(folder)
        print(f"n={args.n} IPNs per run, median of {args.repeat} runs")
        print(f"{'backend':16} {'median ms':>10} {'p95 ms':>8} {'IPN/s':>7} {'replay ms':>10}")
        for label, url, admin in backends(tmp):
            runs = []
            for i in range(args.repeat):
                with scratch_database(url, admin, tmp, i) as target:
                    runs.append(run(target, args.n))
            pick = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"{label:16} {pick['median']:10.2f} {pick['p95']:8.2f} {pick['per_s']:7.1f} "
                  f"{pick['replay']:10.2f}")
        params = {"vnp_Amount": "7500000", "vnp_TxnRef": "TT0000011234ABCD", "vnp_OrderInfo": "x" * 60,
                  "vnp_ReturnUrl": "https://motcua.example.vn/thanh-toan/ket-qua",
                  "vnp_CreateDate": "20260302090000", "vnp_TmnCode": "MOTCUA01"}
        samples = []
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(10000):
                p.sign(params, "s" * 64)
            samples.append((time.perf_counter() - started) / 10000 * 1e6)
        print(f"signing a payment URL: median {statistics.median(samples):.1f} µs")


if __name__ == "__main__":
    main()
