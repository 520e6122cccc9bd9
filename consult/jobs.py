"""Long work behind one small interface (DESIGN.md §9): inline by default, RQ on Redis if set.

A job is a function of this package named by its dotted path, with plain arguments (ids,
language codes: never answers, never anything secret, since a queue is stored in Redis). The
**inline** runner calls it at once, in the current application context; the **queue** runner
puts it on an RQ queue for ``flask consult worker``, which runs it inside an application
context of its own. Callers that only want to get ahead of a reader (rendering a PDF before
anyone asks for it) check :attr:`Jobs.background` and skip the work when it would run inline,
since the reader's request will do it anyway.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, Protocol

from flask import Flask, current_app

#: Name of the RQ queue.
QUEUE = "consult"
#: Longest a job may run before RQ stops it (a big report's PDFs in every language).
TIMEOUT = 15 * 60
#: The application the worker process serves, set by ``flask consult worker``.
worker_app: Flask | None = None


class Jobs(Protocol):
    #: Whether jobs run apart from the request that asked for them.
    background: bool

    def enqueue(self, function: str, *args: Any) -> None: ...


class InlineJobs:
    """Runs each job at once, in the caller's application context."""

    background = False

    def enqueue(self, function: str, *args: Any) -> None:
        resolve(function)(*args)


class QueueJobs:
    """Puts each job on an RQ queue in Redis, for ``flask consult worker``."""

    background = True

    def __init__(self, redis_url: str, name: str = QUEUE) -> None:
        from redis import Redis
        from rq import Queue

        self.queue = Queue(name, connection=Redis.from_url(redis_url))

    def enqueue(self, function: str, *args: Any) -> None:
        resolve(function)  # fail here, in the request, for a mistyped name
        self.queue.enqueue_call(run, args=(function, *args), timeout=TIMEOUT)


def init_app(app: Flask, redis_url: str) -> None:
    app.extensions["consult.jobs"] = QueueJobs(redis_url) if redis_url else InlineJobs()


def jobs() -> Jobs:
    """The job runner of the current application."""
    runner: Jobs = current_app.extensions["consult.jobs"]
    return runner


def resolve(function: str) -> Callable[..., Any]:
    """The function a dotted path names; only functions of this package may be jobs."""
    module, _, name = function.rpartition(".")
    if not module.startswith("consult."):
        raise ValueError(f"not a consult job: {function}")
    found: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return found


def run(function: str, *args: Any) -> None:
    """What the worker runs: the job, in an application context, committed once at the end."""
    from consult.extensions import db

    app = worker_app or _worker_app()
    with app.app_context():
        try:
            resolve(function)(*args)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def _worker_app() -> Flask:
    from consult import create_app

    global worker_app
    worker_app = create_app()
    return worker_app
