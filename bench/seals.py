"""Log seals: what the daily seal and a dossier's seal check cost.

N dossiers in a fresh database; one seal over all their chain heads (read the heads,
build the Merkle tree, one timestamp from the in-process TSA, store N leaves); then a
dossier's seal proofs (its leaf, the seal's leaves rebuilt into the root, the path).
Also the Merkle root alone over 10,000 and 100,000 leaves. Medians of the repeats.

    .venv/bin/python -m bench.seals [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.bench_db import backends, scratch_database, with_dossiers
from engine.audit.seals import make_seal, merkle_root, seal_proofs
from engine.db import transaction
from engine.models import Dossier
from signing import init_pki, load_pki
from signing.timestamp import InProcessTimeStamper, timestamp_authority
from signing.tokens import timestamp_token


def run(url: str, n: int, stamper: InProcessTimeStamper) -> dict[str, float]:
    engine, sessions, _ = with_dossiers(url, "marital_status", n)
    try:
        started = time.perf_counter()
        seal = make_seal(sessions, datetime.now(UTC).date(),
                         lambda root: (timestamp_token(stamper, root), "bench TSA"))
        sealing = (time.perf_counter() - started) * 1000
        assert seal is not None and seal.leaves == n
        proofs = []
        with transaction(sessions) as s:
            for dossier in s.scalars(select(Dossier).limit(20)):
                started = time.perf_counter()
                [proof] = seal_proofs(s, dossier)
                proofs.append((time.perf_counter() - started) * 1000)
                assert proof.intact
    finally:
        engine.dispose()
    return {"seal": sealing, "proof": statistics.median(proofs)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MOTCUA_INSTANCE"] = folder
        tmp = Path(folder)
        init_pki(tmp / "pki", [])
        stamper = InProcessTimeStamper(timestamp_authority(load_pki(tmp / "pki")))
        print(f"n={args.n} dossiers, median of {args.repeat} runs")
        print(f"{'backend':14} {'seal ms':>9} {'per dossier µs':>15} {'proof check ms':>15}")
        for label, url, admin in backends(tmp):
            runs = []
            for i in range(args.repeat):
                with scratch_database(url, admin, tmp, i) as target:
                    runs.append(run(target, args.n, stamper))
            seal = statistics.median(r["seal"] for r in runs)
            proof = statistics.median(r["proof"] for r in runs)
            print(f"{label:14} {seal:9.1f} {1000 * seal / args.n:15.1f} {proof:15.2f}")
        for size in (10_000, 100_000):
            leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                merkle_root(leaves)
                times.append((time.perf_counter() - started) * 1000)
            print(f"Merkle root over {size:,} leaves: median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
