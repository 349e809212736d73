"""Document numbers: what giving a result its number costs.

N dossiers in a fresh database each get the next number of one register (one short
transaction: look for the dossier's entry, bump the counter, insert the entry), first
one after another, then from T threads at once, all on the same register (the worst
case: every issue waits for the counter row). Prints per backend the median and p95
ms per number and numbers per second; and checks the numbers are exactly 1..N.

    .venv/bin/python -m bench.registers [--n 300] [--threads 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bench.bench_db import backends, percentile, scratch_database, with_dossiers
from engine.db import transaction
from engine.documents.registers import number_for
from engine.models import RegisterEntry
from engine.procedures.numbering import Numbering

NUMBERING = Numbering("XNTTHN", "{number:02d}/XNTTHN")


def run(url: str, n: int, threads: int) -> dict[str, float]:
    engine, sessions, codes = with_dossiers(url, "marital_status", 2 * n, pool_size=threads + 2)

    def give(code: str) -> float:
        started = time.perf_counter()
        with transaction(sessions) as s:
            number_for(s, dossier_code=code, procedure_code="marital_status", agency="UBND-PHK",
                       numbering=NUMBERING, on=date(2026, 3, 2))
        return (time.perf_counter() - started) * 1000

    try:
        alone = [give(code) for code in codes[:n]]
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=threads) as pool:
            together = list(pool.map(give, codes[n:]))
        wall = time.perf_counter() - started
        with transaction(sessions) as s:
            numbers = sorted(s.scalars(select(RegisterEntry.number)))
        assert numbers == list(range(1, 2 * n + 1)), "numbers lost or shared"
    finally:
        engine.dispose()
    return {"median": statistics.median(alone), "p95": percentile(alone, 0.95),
            "per_s": 1000 * n / sum(alone), "threads_median": statistics.median(together),
            "threads_per_s": n / wall}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MOTCUA_INSTANCE"] = folder
        tmp = Path(folder)
        print(f"n={args.n} numbers one after another, then {args.n} from {args.threads} "
              f"threads; median of {args.repeat} runs")
        print(f"{'backend':14} {'median ms':>10} {'p95 ms':>8} {'numbers/s':>10} "
              f"{f'{args.threads} thr median ms':>17} {f'{args.threads} thr numbers/s':>17}")
        for label, url, admin in backends(tmp):
            runs = []
            for i in range(args.repeat):
                with scratch_database(url, admin, tmp, i) as target:
                    runs.append(run(target, args.n, args.threads))
            pick = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(f"{label:14} {pick['median']:10.2f} {pick['p95']:8.2f} {pick['per_s']:10.1f} "
                  f"{pick['threads_median']:17.2f} {pick['threads_per_s']:17.1f}")


if __name__ == "__main__":
    main()
