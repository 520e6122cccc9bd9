"""Every benchmark, at a size that finishes in under 10 minutes on 2 cores: ``make bench``.

    .venv/bin/python bench/run.py [--full] [--only submission,unsealing,report]

Runs each part in its own process (so that one part's memory does not count in the next's
peak), then writes ``bench/results.json``: one entry per figure, ``{"ratio", "target", "met",
...raw numbers}`` (see ``bench/common.py``), and prints a summary table.

Default scale: 20,000 envelopes to unseal and 20,000 responses x 20 questions (about 650,000
answer rows) to aggregate, best of 3. ``--full`` runs the issue's scale, 100,000 of each, best
of 1 (about 15 minutes on 2 cores); the ratios barely move with the scale, the times do.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
PARTS = ("submission", "unsealing", "report")


def commands(full: bool) -> dict[str, list[str]]:
    count = "100000" if full else "20000"
    return {
        "submission": ["submission.py", "--seconds", "10", "--warmup", "3"],
        "unsealing": ["opening.py", "--count", count],
        "report": ["report.py", "--responses", count, "--runs", "1" if full else "3"],
    }


def run(parts: tuple[str, ...], full: bool) -> dict[str, Any]:
    entries: dict[str, Any] = {}
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-run-"))
    for part in parts:
        out = folder / f"{part}.json"
        script, *arguments = commands(full)[part]
        print(f"== {part}", flush=True)
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own scripts, fixed arguments
            [sys.executable, str(HERE / script), *arguments, "--json", str(out)],
            check=True,
            cwd=HERE.parent,
        )
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        entries.update(json.loads(out.read_text()))
    return entries


def table(entries: dict[str, Any]) -> str:
    """One line per figure: the ratio and its target, or the value and its limit."""
    lines = [f"{'figure':<30} {'ratio':>7} {'target':>8}  {'value':>16}  met", "-" * 72]
    for name, entry in entries.items():
        if "value" in entry:  # absolute: the ratio is the value over the limit
            target, value = "<= 1", f"{entry['value']:g} / {entry['target']:g} {entry['unit']}"
        else:
            sign = ">=" if name.startswith("submission.") else "<="
            target, value = f"{sign} {entry['target']:g}", ""
        met = "yes" if entry["met"] else "NO"
        lines.append(f"{name:<30} {entry['ratio']:>7.2f} {target:>8}  {value:>16}  {met}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="100,000 envelopes and responses")
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--table", action="store_true", help="print the table of --out and stop")
    options = parser.parse_args()
    if options.table:
        print(table(json.loads(Path(options.out).read_text())))
        return
    parts = tuple(part for part in options.only.split(",") if part)
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown parts: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    entries = run(parts, options.full)
    Path(options.out).write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n")
    print()
    print(table(entries))
    print(f"\n{len(entries)} figures in {time.perf_counter() - started:.0f} s -> {options.out}")


if __name__ == "__main__":
    main()
