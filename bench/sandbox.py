"""The cost of the expression sandbox: BPMN conditions and scripts evaluated by
motcua's evaluator (RestrictedPython policy, guarded attribute/item/iteration access,
work and size budget) against the same code compiled by plain `compile` and run with
`eval`/`exec` over the same data and builtins (what ran before the sandbox, and an
unreachable floor: it guards nothing).

Prints, per case, the median microseconds per evaluation over --repeat runs of
--number evaluations each, and the ratio sandbox / plain.

    .venv/bin/python -m bench.sandbox [--number 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from engine.bpmn import sandbox

APPLICATION = {"ho_ten": "Nguyễn Văn An", "so_tang": 5, "dien_tich_san": 412.5,
               "co_tang_ham": False, "giay_to": [{"ma": f"GT{i}", "so_ban": i % 3 + 1}
                                                 for i in range(20)]}
DATA = {"application": APPLICATION, "reception_decision": "receive", "fee_amount": 150000,
        "channel": "online"}
CASES: list[tuple[str, str, str]] = [
    ("gateway condition", "eval", 'reception_decision == "receive"'),
    ("fee by area and floors", "eval",
     'round(application["dien_tich_san"] * 1500 + application.get("so_tang", 1) * 20000, -3)'),
    ("count copies over 20 documents", "eval",
     'sum(d["so_ban"] for d in application["giay_to"] if d["ma"].startswith("GT"))'),
    ("script: build a list and a text", "exec",
     'codes = []\nfor d in application["giay_to"]:\n    codes.append(d["ma"].lower())\n'
     'summary = ", ".join(codes[:5]) + " …"\ncopies = max(1, len(codes) % 3)'),
]
BUILTINS = {name: __builtins__[name] if isinstance(__builtins__, dict)  # type: ignore[index]
            else getattr(__builtins__, name)
            for name in ("len", "min", "max", "sum", "round", "abs", "int", "float", "str",
                         "bool", "list", "dict", "set", "tuple", "sorted", "any", "all",
                         "enumerate", "zip", "isinstance", "range")}


def sandboxed(mode: str, source: str) -> Callable[[], Any]:
    if mode == "eval":
        return lambda: sandbox.evaluate(source, dict(DATA))
    return lambda: sandbox.execute(source, dict(DATA))


def plain(mode: str, source: str) -> Callable[[], Any]:
    code = compile(source, "<bpmn>", mode)
    run = eval if mode == "eval" else exec
    return lambda: run(code, {"__builtins__": BUILTINS, **DATA})


def per_call_us(fn: Callable[[], Any], number: int, repeat: int) -> float:
    fn()  # compile caches warmed
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - start) / number * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=2000, help="evaluations per run")
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (median)")
    args = parser.parse_args()
    print(f"{'case':34} {'sandbox µs':>11} {'plain µs':>9} {'ratio':>6}")
    for label, mode, source in CASES:
        ours = per_call_us(sandboxed(mode, source), args.number, args.repeat)
        floor = per_call_us(plain(mode, source), args.number, args.repeat)
        print(f"{label:34} {ours:11.1f} {floor:9.1f} {ours / floor:6.1f}")


if __name__ == "__main__":
    main()
