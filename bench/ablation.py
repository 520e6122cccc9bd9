"""What stands between the app and the submission target: its layers taken out one by one.

    .venv/bin/python bench/ablation.py [--database sqlite] [--channel sealed] [--seconds 9]
        [--json FILE]

Serves, side by side on one scratch database, the baseline of ``bench/submission.py``, the
real app, and the real app without more and more of its layers (``bench/ablated_app.py``:
CSRF and session, after-request hooks, rate limiter, hold counting, answer checking). The
same clients post the same bodies to each in turn, as ``submission.py`` does, and each
server's requests per second is printed with its ratio to the baseline. A layer's cost is the
rise from the line before; what the last line still misses is the rest of the app's work
(routing, the page's set-up, the payload, the conditional insert and the ORM's transaction).
Not part of ``make bench``: it answers "why", ``results.json`` answers "how fast".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from common import say, scratch_database
from submission import CHANNELS, DATABASES, Server, figures, prepare, take_turns

#: Cumulative: each step takes out the layers of the one before and its own.
STEPS: tuple[tuple[str, ...], ...] = (
    (),
    ("csrf",),
    ("csrf", "hooks"),
    ("csrf", "hooks", "limiter"),
    ("csrf", "hooks", "limiter", "holding"),
    ("csrf", "hooks", "limiter", "holding", "checking"),
)


def measure(
    database: str, channel: str, clients: int, warmup: float, seconds: float, rounds: int = 3
) -> dict[str, dict[str, Any]]:
    with scratch_database(database) as url:
        setup = prepare(url)
        servers = {"baseline": Server("baseline", setup)}
        try:
            for step in STEPS:
                name = "app" if not step else "app without " + "+".join(step)
                servers[name] = Server(
                    "app", setup, "ablated_app:app", {"BENCH_WITHOUT": ",".join(step)}
                )
            loads = take_turns(servers, setup, channel, clients, warmup, seconds, rounds)
        finally:
            for server in servers.values():
                server.stop()
    results = {name: figures(load, seconds) for name, load in loads.items()}
    baseline = results["baseline"]["requests_per_second"]
    for entry in results.values():
        entry["ratio"] = round(entry["requests_per_second"] / baseline, 3)
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--channel", choices=CHANNELS, default="sealed")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, default=9.0)
    parser.add_argument("--json", default="", help="write the figures to this file")
    options = parser.parse_args()
    results = measure(
        options.database, options.channel, options.clients, options.warmup, options.seconds
    )
    say(f"submission.{options.channel}.{options.database}, {options.clients} clients")
    for name, entry in results.items():
        failed = f"  failed {entry['failed']}" if entry["failed"] else ""
        say(
            f"  {name:<52} {entry['requests_per_second']:7.1f} req/s  "
            f"p50 {entry['p50_ms']:5.0f} ms  ratio {entry['ratio']:.2f}{failed}"
        )
    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
