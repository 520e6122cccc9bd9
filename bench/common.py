"""What every benchmark shares: scratch databases, a scratch app, timing, and result entries.

Each figure is an entry ``{"ratio": r, "target": t, "met": bool, ...raw numbers}``. For a
comparison, ``ratio`` is the app's figure over the baseline's, measured in the same run; for an
absolute indicator it is the measured value over the target (so ``met`` means ``ratio <= 1``).
"""

from __future__ import annotations

import logging
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # ``tests.factories`` builds the scratch consultations

#: The server of scratch PostgreSQL databases (trust authentication, as in CI).
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"
SECRET = "b" * 48


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The fastest of ``runs`` runs: the one least disturbed by the rest of the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def compared(measured: float, baseline: float, target: float, *, higher_is_better: bool) -> dict:
    """A comparison entry: ``ratio`` = measured / baseline, met against ``target``."""
    ratio = measured / baseline if baseline else float("inf")
    met = ratio >= target if higher_is_better else ratio <= target
    return {"ratio": round(ratio, 3), "target": target, "met": bool(met)}


def absolute(value: float, target: float, unit: str) -> dict:
    """An absolute indicator: ``ratio`` = value / target, met when it is at most 1."""
    return {
        "ratio": round(value / target, 3),
        "target": target,
        "met": value <= target,
        "value": round(value, 4),
        "unit": unit,
    }


@contextmanager
def scratch_database(kind: str) -> Iterator[str]:
    """A new, empty database's SQLAlchemy URL: a file for ``sqlite``, or a PostgreSQL database
    created for the run and dropped after it (never the shared ``test`` one)."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="consult-bench-"))
        yield f"sqlite:///{folder / 'bench.sqlite'}"
        return
    import psycopg

    name = f"consult_bench_{uuid.uuid4().hex[:12]}"
    server = POSTGRES.replace("+psycopg", "")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def scratch_app(database_url: str) -> Any:
    """The real app on ``database_url``, migrated to the head revision."""
    from flask_migrate import upgrade

    from consult import create_app

    folder = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    app = create_app(
        {
            "env": "development",
            "secret_key": SECRET,
            "instance_path": folder,
            "database_url": database_url,
        }
    )
    logging.disable(logging.INFO)  # Alembic's lines, one per migration, would bury the figures
    try:
        with app.app_context():
            upgrade()
    finally:
        logging.disable(logging.NOTSET)
    return app


def say(line: str) -> None:
    print(line, flush=True)
