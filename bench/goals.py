"""The goals of issue #22 ("Scale"), judged on what the benchmark modules measured.

Each function takes one module's result (the dict written to ``bench/results/``) and returns
its goals as rows ``{"goal", "measured", "ok"}``; ``bench/run.py`` prints them all at the end
with a pass mark and writes them to ``bench/results/goals-<timestamp>.json``. A goal is never
loosened here: what is not met prints FAIL. The deadline-rush knee (§2) is measured by the
load test, not by ``make bench``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DASHBOARD_P95_MS = 100.0  # §1: every dashboard page and data endpoint, p95
DASHBOARD_RATIO = 2.0  # §1: ≤ 2× its bare-SQL floor, right after a save and read again
PERIOD_OPENING_S = 5.0  # §4: opening a period for every region
ANNEX_P50_S = 2.0  # §4: one-region annex
ANNEX_MAX_S = 3.0
CSV_FIRST_BYTE_MS = 300.0  # §4: national report-list CSV, streamed
CSV_WHOLE_S = 1.5

Goal = dict[str, Any]


def _goal(goal: str, measured: str, ok: bool) -> Goal:
    return {"goal": goal, "measured": measured, "ok": ok}


def dashboard(result: dict[str, Any]) -> list[Goal]:
    goals = []
    for row in result.get("results", []):
        read = "setelah simpan" if row["read"] == "after_save" else "dibaca ulang"
        t = row["time_ms"]
        ratio = row["ratio_p50"]
        goals.append(
            _goal(
                f"§1 dashboard {row['dashboard']} {row['endpoint']}, {read}: "
                f"≤ {DASHBOARD_RATIO:g}× lantai SQL, p95 < {DASHBOARD_P95_MS:.0f} ms",
                f"{ratio:.2f}× (p50 {t['p50']:.1f} / SQL {row['sql_ms']['p50']:.1f} ms), "
                f"p95 {t['p95']:.1f} ms",
                ratio <= DASHBOARD_RATIO and t["p95"] < DASHBOARD_P95_MS,
            )
        )
    return goals


def _row(result: dict[str, Any], item: str) -> dict[str, Any] | None:
    return next((r for r in result.get("results", []) if r["item"] == item), None)


def pages(result: dict[str, Any]) -> list[Goal]:
    goals = []
    opening = _row(result, "buka periode untuk semua wilayah")
    text = f"§4 buka periode untuk semua wilayah < {PERIOD_OPENING_S:g} s (p50)"
    if opening is None:
        goals.append(_goal(text, "tidak diukur", False))
    else:
        t = opening["time_ms"]
        goals.append(
            _goal(
                text,
                f"p50 {t['p50'] / 1000:.2f} s, maks {t['max'] / 1000:.2f} s ({t['n']}×)",
                t["p50"] < PERIOD_OPENING_S * 1000,
            )
        )
    first = _row(result, "ekspor CSV nasional: byte pertama")
    whole = _row(result, "ekspor CSV nasional: seluruh berkas")
    text_first = f"§4 ekspor CSV nasional, byte pertama < {CSV_FIRST_BYTE_MS:.0f} ms (p50)"
    text_whole = f"§4 ekspor CSV nasional, seluruh berkas < {CSV_WHOLE_S:g} s (p50)"
    if first is None or whole is None:
        goals += [
            _goal(text_first, "tidak diukur", False),
            _goal(text_whole, "tidak diukur", False),
        ]
    else:
        f, w = first["time_ms"], whole["time_ms"]
        goals.append(
            _goal(
                text_first,
                f"p50 {f['p50']:.0f} ms, p95 {f['p95']:.0f} ms ({f['n']}×)",
                f["p50"] < CSV_FIRST_BYTE_MS,
            )
        )
        goals.append(
            _goal(
                text_whole,
                f"p50 {w['p50'] / 1000:.2f} s, p95 {w['p95'] / 1000:.2f} s ({w['n']}×)",
                w["p50"] < CSV_WHOLE_S * 1000,
            )
        )
    return goals


def pdf(result: dict[str, Any]) -> list[Goal]:
    p50, top = result["annex_p50_s"], result["annex_max_s"]
    return [
        _goal(
            f"§4 lampiran LPPD 1 wilayah < {ANNEX_P50_S:g} s (p50), maks < {ANNEX_MAX_S:g} s",
            f"p50 {p50:.2f} s, maks {top:.2f} s ({result['runs']}×, {result['region']} "
            f"{result['year']})",
            p50 < ANNEX_P50_S and top < ANNEX_MAX_S,
        )
    ]


BY_MODULE: dict[str, Callable[[dict[str, Any]], list[Goal]]] = {
    "dashboard": dashboard,
    "pages": pages,
    "pdf": pdf,
}


def of(name: str, result: dict[str, Any]) -> list[Goal]:
    """The issue's goals a module's result answers (none for a module without goals)."""
    judge = BY_MODULE.get(name)
    return judge(result) if judge else []


def print_table(goals: list[Goal]) -> None:
    print("\nSasaran issue #22 (Scale)\n")
    for g in goals:
        mark = "✓ PASS" if g["ok"] else "✗ FAIL"
        print(f"  {mark}  {g['goal']}\n           terukur: {g['measured']}")
    met = sum(g["ok"] for g in goals)
    print(f"\n  {met} dari {len(goals)} sasaran terpenuhi.")
