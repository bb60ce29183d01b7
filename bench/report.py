"""Markdown tables of the latest full results in ``bench/results/`` (for the README).

``python -m bench.report`` prints one table per benchmark: metric, graph,
engine, value, the baseline measured in the same run, and the ratio.
"""

from __future__ import annotations

import json
import sys

from bench.common import RESULTS_DIR, _fmt

ORDER = ("engine", "freight", "stations", "closures", "passes", "http", "passes_http", "load")


def table(doc: dict) -> list[str]:
    load = doc["machine"].get("loadavg") or []
    load_text = " / ".join(f"{v:.1f}" for v in load) or "?"
    lines = [
        f"**{doc['benchmark']}** — {doc['date']}, load average {load_text} (1/5/15 min)",
        "",
        "| metric | graph | engine | value | baseline | ratio |",
        "|---|---|---|---:|---:|---:|",
    ]
    for f in doc["figures"]:
        unit = f.get("unit") or ""
        base = "" if f.get("baseline") is None else f"{_fmt(f['baseline'])} {unit} ({f.get('baseline_engine')})"
        ratio = "" if f.get("ratio") is None else f"{f['ratio']:,.1f}×"
        lines.append(
            f"| {f['metric']} | {f['graph']} | {f['engine']} | {_fmt(f.get('value'))} {unit} | {base} | {ratio} |"
        )
    return lines + [""]


def main(argv: list[str] | None = None) -> int:
    names = [n for n in ORDER if (RESULTS_DIR / f"{n}.json").exists()]
    names += sorted(p.stem for p in RESULTS_DIR.glob("*.json") if not p.stem.endswith("-quick") and p.stem not in names)
    for name in names:
        print("\n".join(table(json.loads((RESULTS_DIR / f"{name}.json").read_text()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
