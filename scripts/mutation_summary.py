"""Killed/total per module after `make mutate` (reads mutmut's mutants/**/*.py.meta).

A mutant counts as killed when a test failed (or it timed out) with it in place. Everything
else — survived, no test reaching it, not run — counts against the score, so the figure is
never better than what was measured. `--survivors` lists the surviving mutant names.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}


def main(argv: list[str]) -> int:
    root = Path("mutants")
    metas = sorted(root.rglob("*.py.meta"))
    if not metas:
        print("No results: run `make mutate` first.")
        return 1
    total = Counter[str]()
    print(
        f"{'module':42} {'killed':>7} {'timeout':>8} {'survived':>9} {'no test':>8} {'not run':>8}  score"
    )
    survivors: list[str] = []
    for meta in metas:
        module = str(meta.relative_to(root))[: -len(".meta")]
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        c = Counter[str]()
        for name, code in codes.items():
            if code in KILLED:
                c["killed"] += 1
            elif code in TIMEOUT:
                c["timeout"] += 1
            elif code in NO_TESTS:
                c["no_tests"] += 1
            elif code is None:
                c["not_run"] += 1
            else:
                c["survived"] += 1
                survivors.append(name)
        n = len(codes)
        score = (c["killed"] + c["timeout"]) / n * 100 if n else 100.0
        print(
            f"{module:42} {c['killed']:>7} {c['timeout']:>8} {c['survived']:>9} {c['no_tests']:>8}"
            f" {c['not_run']:>8}  {c['killed'] + c['timeout']}/{n} = {score:.1f} %"
        )
        total.update(c)
        total["all"] += n
    done = total["killed"] + total["timeout"]
    print(
        f"{'total':42} {total['killed']:>7} {total['timeout']:>8} {total['survived']:>9}"
        f" {total['no_tests']:>8} {total['not_run']:>8}  {done}/{total['all']} = "
        f"{done / total['all'] * 100:.1f} %"
    )
    if "--survivors" in argv:
        print("\n".join(sorted(survivors)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
