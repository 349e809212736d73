"""Result documents: rendering and signing speed. First the median milliseconds to render
one result (the marital-status certificate template, Jinja2 → HTML → PDF/A-2b with
WeasyPrint, signature field reserved); then PAdES B-B, B-T, B-LT and B-LTA on a one-page
result document.

Prints the median (and p95) milliseconds to sign at each level and to verify the
result, the cost of the visible stamp's font subset (first use vs. cached), of
opening a PKCS#12 file, and of pyHanko's own SimpleSigner for comparison (it
re-parses the key on every signature). Then signatures per second: one process
on one core, and N processes side by side (per core = total / N).

Everything is offline: a fresh local PKI in a temporary folder (EC P-256 CAs,
RSA-2048 officer), the in-process timestamp authority, CRLs and OCSP responses
made in-process.

    .venv/bin/python -m bench.signing [--repeat 20] [--processes 2] [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyhanko.sign.signers import SimpleSigner

from connectors.pdf import html_to_pdf
from signing.font import subset_font
from signing.keys import load_pkcs12
from signing.pki import OfficerSpec, init_pki, load_pki
from signing.sample import sample_pdf
from signing.sign import PadesLevel, sign_pdf
from signing.timestamp import InProcessTimeStamper, timestamp_authority
from signing.verify import Verdict, verify_pdf

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "mat-khau-do-toc-do"
OFFICER = OfficerSpec("Nguyễn Văn Đức", "Ủy ban nhân dân xã Tân Phú", PASSPHRASE, title="Chủ tịch")


def timed(action: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds of `repeat` runs of `action`."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(label: str, values: list[float]) -> None:
    print(f"| {label} | {statistics.median(values):.1f} | {p95(values):.1f} |")


class Bench:
    def __init__(self, folder: str):
        self.pki = load_pki(folder)
        self.signer = load_pkcs12(self.pki.officer("nguyen-van-duc").pkcs12_path, PASSPHRASE)
        self.tsa = InProcessTimeStamper(timestamp_authority(self.pki))
        self.trust = self.pki.trust()
        self.lt_trust = self.pki.trust(ocsp_for=[self.signer.certificate, self.pki.tsa.cert])
        self.pdf = sample_pdf()

    def sign(self, level: PadesLevel, signer: object | None = None) -> bytes:
        long_term = level in (PadesLevel.B_LT, PadesLevel.B_LTA)
        return sign_pdf(
            self.pdf,
            signer or self.signer,  # type: ignore[arg-type]
            level=level,
            reason="Phê duyệt kết quả",
            timestamper=None if level == PadesLevel.B_B else self.tsa,
            trust=self.lt_trust if long_term else None,
        ).pdf


_worker: Bench | None = None


def _init_worker(folder: str) -> None:
    global _worker
    _worker = Bench(folder)
    _worker.sign(PadesLevel.B_T)  # warm the font subset cache


def _sign_for(seconds: float) -> int:
    assert _worker is not None
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        _worker.sign(PadesLevel.B_T)
        done += 1
    return done


def _certificate_html() -> str:
    from engine.procedures.bundle_templates import bundle_environment

    scenario = json.loads(
        (ROOT / "examples" / "scenarios" / "marital_status.json").read_text(encoding="utf-8"))
    source = (ROOT / "processes" / "marital_status" / "templates" / "certificate.html").read_text(
        encoding="utf-8")
    return bundle_environment().from_string(source).render(
        dossier={"code": "UBND-PHK-261123-0001", "received_at": "2026-11-23"},
        application=scenario["application"],
        procedure={"agency_name_vi": "Ủy ban nhân dân phường Hoàn Kiếm", "locality_vi": "Hoàn Kiếm"},
        decision={"nguoi_ky": "Lê Quang Hải", "chuc_vu_nguoi_ky": "pho_chu_tich",
                  "ngay_ky": "2026-11-23"},
        numbering=None, qr_data_uri="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="runs per figure (≥ 5)")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the throughput runs")
    args = parser.parse_args()
    repeat = max(5, args.repeat)

    with tempfile.TemporaryDirectory() as folder:
        init_pki(folder, [OFFICER])
        started = time.perf_counter()
        bench = Bench(folder)
        setup_ms = (time.perf_counter() - started) * 1000

        html = _certificate_html()
        first = timed(lambda: html_to_pdf(html), 1)[0]
        print(f"render: first result {first:.0f} ms (fonts and styles loaded once per process)")
        print("| step | median ms | p95 ms |")
        print("|---|---:|---:|")
        row("render result (Jinja2 → PDF/A-2b, field reserved)", timed(lambda: html_to_pdf(html), repeat))
        row("render draft (watermarked, no field)", timed(lambda: html_to_pdf(html, draft=True), repeat))
        print()

        subset_font.cache_clear()
        cold = timed(lambda: bench.sign(PadesLevel.B_B), 1)[0]
        print(
            f"repeat={repeat}; PKCS#12 open + setup {setup_ms:.0f} ms; first B-B (font subset made) {cold:.0f} ms\n"
        )
        print("| step | median ms | p95 ms |")
        print("|---|---:|---:|")
        signed: dict[PadesLevel, bytes] = {}
        for level in PadesLevel:
            bench.sign(level)
            row(
                f"sign {level}",
                timed(lambda level=level: signed.__setitem__(level, bench.sign(level)), repeat),
            )
        for level in PadesLevel:
            assert verify_pdf(signed[level], bench.trust).verdict == Verdict.VALID
            row(
                f"verify {level}",
                timed(lambda level=level: verify_pdf(signed[level], bench.trust), repeat),
            )
        row(
            "open PKCS#12 (PBKDF2 100k rounds)",
            timed(
                lambda: load_pkcs12(bench.pki.officer("nguyen-van-duc").pkcs12_path, PASSPHRASE),
                repeat,
            ),
        )
        officer = bench.pki.officer("nguyen-van-duc").pkcs12_path
        simple = SimpleSigner.load_pkcs12(str(officer), passphrase=PASSPHRASE.encode())
        row(
            "sign B-B with pyHanko SimpleSigner",
            timed(lambda: bench.sign(PadesLevel.B_B, simple), repeat),
        )
        row(
            "sign B-B with KeyPairSigner (again)", timed(lambda: bench.sign(PadesLevel.B_B), repeat)
        )

        one = _throughput(folder, 1, args.seconds)
        many = _throughput(folder, args.processes, args.seconds)
        print()
        print(f"B-T signatures per second, 1 process: {one:.1f} (per core {one:.1f})")
        print(
            f"B-T signatures per second, {args.processes} processes: {many:.1f} "
            f"(per core {many / args.processes:.1f})"
        )


def _throughput(folder: str, processes: int, seconds: float) -> float:
    """B-T signatures per second over `processes` worker processes (all started and
    warmed up first), each signing for `seconds`."""
    with multiprocessing.Pool(processes, initializer=_init_worker, initargs=(folder,)) as pool:
        pool.map(time.sleep, [0.5] * processes, chunksize=1)  # every worker is up and warm
        start = time.perf_counter()
        counts = pool.map(_sign_for, [seconds] * processes, chunksize=1)
        wall = time.perf_counter() - start
    return sum(counts) / wall


if __name__ == "__main__":
    main()
