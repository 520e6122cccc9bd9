"""The reliability run reuses the benchmark's server and browser code (``bench/``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))  # bench/submission.py imports its neighbours by name

#: One line per backend run: how long each phase took and what the clients met.
SUMMARY: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("reliability")
        for line in SUMMARY:
            terminalreporter.write_line(line)
