"""Submission throughput: the real app under gunicorn against a bare baseline app, same run.

    .venv/bin/python bench/submission.py [--seconds 10] [--clients 16] [--json FILE]
        [--databases sqlite,postgresql]

For each database (a scratch SQLite file, a scratch PostgreSQL database created and dropped)
and each channel (open, sealed), starts gunicorn with the project's ``gunicorn.conf.py`` (same
workers, same logger) on free local ports for the real app (``wsgi:app``) and for
:mod:`baseline_app` on the same database, and has 16 client threads post answers for a while.

Both servers are told to trust one proxy (``CONSULT_TRUSTED_PROXIES=1``) and each client
sends its own address in ``X-Forwarded-For``, as a reverse proxy in front of a deployment
does (docs/deployment.md): sixteen people, not one address, so the app's per-address limits
count each of them apart, as they would in production. The baseline ignores the header.

Each client first does what a browser without JavaScript does to reach the form — the open
channel's page, or the sealed channel's first page and its "Start" button — and keeps the
session cookie and the form's hidden fields (CSRF token, mode). Every post then carries those
fields, a fresh random submission key (a new form each time, as after reloading the page),
answers drawn from the demo's fictional respondents, and ``nav=send``. The baseline gets the
very same bytes. Both servers run side by side and take turns (three turns each after a
warm-up), so a change in the machine's load falls on both; only requests that start and end
within a turn count, and only those that stored an answer (303).

Figures: requests per second, p50 and p99 latency of each server, and ratio = app / baseline
(target >= 0.8).
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from common import ROOT, SECRET, compared, say, scratch_app, scratch_database

CHANNELS = ("open", "sealed")
DATABASES = ("sqlite", "postgresql")
TARGET = 0.8
SLUG = "bench-submit"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
FORM = "application/x-www-form-urlencoded"
#: Sent like a browser's, so that a test can check no log keeps it.
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; consult-bench) Firefox/140.0"
#: Fictional respondents per channel whose answers the clients send in turn.
RESPONDENTS = 200


@dataclass
class Setup:
    """A scratch database holding one open consultation with a sealing key."""

    database_url: str
    folder: Path
    baseline_config: Path
    #: The URL-encoded answers of fictional respondents, per channel.
    answers: dict[str, list[str]]
    #: The trustees' shares of the consultation's key (2 of 3 open the envelopes).
    shares: tuple[str, ...] = ()


def prepare(database_url: str) -> Setup:
    """Migrate, create the consultation (the demo's questionnaire), and write the baseline's
    configuration: the ids, the key and the field of every question, read from the app."""
    from consult import demo
    from consult.consultations.models import Consultation
    from consult.extensions import db
    from consult.questionnaires.answers import to_form
    from consult.questionnaires.schema import Channel
    from consult.sealed import services as sealed
    from tests.factories import Factory

    app = scratch_app(database_url)
    factory = Factory(app)
    factory.consultation("bench", SLUG, ("en",), opened=True, questionnaire=demo.questionnaire())
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-submit-"))
    with app.app_context():
        consultation = db.session.scalars(
            db.select(Consultation).where(Consultation.slug == SLUG)
        ).one()
        document = consultation.document()
        key = sealed.sealing_key(consultation)
        assert key is not None
        config = {
            "database_url": database_url,
            "consultation_id": consultation.id,
            "consultation_uuid": str(consultation.uuid),
            "version": consultation.version,
            "key_id": key.key_id,
            "public_key": key.public_key.hex(),
            "envelope_size": sealed.envelope_size(consultation),
            "fields": field_map(document),
        }
        answers = {
            channel: [
                urlencode(list(to_form(submission, document).items(multi=True)))
                for _locale, _ago, submission in demo.submissions(
                    document,
                    RESPONDENTS,
                    channel=Channel(channel),
                    groups=demo.SEALED_GROUPS if channel == "sealed" else None,
                    languages={"en": 1},
                )
            ]
            for channel in CHANNELS
        }
        db.session.remove()
    with app.app_context():
        db.engine.dispose()
    path = folder / "baseline.json"
    path.write_text(json.dumps(config))
    return Setup(database_url, folder, path, answers, factory.shares[SLUG])


def field_map(document: Any) -> dict[str, tuple[str, str, str]]:
    """Form field -> (question, item, kind): what the baseline needs to parse a post."""
    from consult.questionnaires.answers import field_name
    from consult.questionnaires.schema import TEXT_TYPES, QuestionType

    fields: dict[str, tuple[str, str, str]] = {}
    for question in document.questions():
        if question.type is QuestionType.RANKING:
            for choice in document.items_of(question):
                fields[field_name(question, choice.key)] = (question.key, choice.key, "ranking")
        elif question.type is QuestionType.MATRIX:
            for row in question.rows:
                fields[field_name(question, row)] = (question.key, row, "matrix")
        elif question.type is QuestionType.NUMBER:
            fields[field_name(question)] = (question.key, "", "number")
        elif question.type in TEXT_TYPES:
            fields[field_name(question)] = (question.key, "", "text")
        else:
            fields[field_name(question)] = (question.key, "", "choice")
    return fields


# Servers -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn with the project's settings, for the app or the baseline, on a free port."""

    def __init__(
        self, which: str, setup: Setup, target: str = "", environment: dict[str, str] | None = None
    ) -> None:
        """``which`` is ``app`` or ``baseline``; or name the WSGI ``target`` (``module:app``,
        found in ``bench/``) of another server, with ``environment`` added to its own."""
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSULT_")}
        env.update(
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            CONSULT_ENV="development",
            CONSULT_SECRET_KEY=SECRET,
            CONSULT_DATABASE_URL=setup.database_url,
            CONSULT_INSTANCE_PATH=str(setup.folder),
            BASELINE_CONFIG=str(setup.baseline_config),
            CONSULT_TRUSTED_PROXIES="1",
            **(environment or {}),
        )
        wsgi = target or ("wsgi:app" if which == "app" else "baseline_app:app")
        # bench/ on the path of the servers it holds only: it would shadow ``profile``.
        path = [] if wsgi == "wsgi:app" else ["--pythonpath", "bench"]
        self.log = open(setup.folder / f"gunicorn-{which}.log", "ab")  # noqa: SIM115
        # No control socket: two servers at once would share its one default path.
        gunicorn = str(ROOT / ".venv/bin/gunicorn")
        command = [gunicorn, "-c", "gunicorn.conf.py", "--no-control-socket"]
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [*command, *path, wsgi],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=self.log,
        )
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log.name}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


# Clients -----------------------------------------------------------------------------------


@dataclass
class Client:
    """One browser's session: its cookie, the hidden fields of its form, and its address."""

    cookie: str
    hidden: list[tuple[str, str]]
    address: str


def request(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str = "",
    cookie: str = "",
    address: str = "",
) -> tuple[int, bytes, http.client.HTTPResponse]:
    headers = {"User-Agent": USER_AGENT}
    if address:
        headers["X-Forwarded-For"] = address  # as the deployment's reverse proxy adds it
    if method == "POST":
        headers["Content-Type"] = FORM
    if cookie:
        headers["Cookie"] = cookie
    connection.request(method, path, body.encode() if body else None, headers)
    response = connection.getresponse()
    return response.status, response.read(), response


def browse_to_form(port: int, channel: str, address: str = "") -> Client:
    """Reach the form as a browser at ``address`` does; keep its cookie and hidden fields."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    if channel == "open":
        path, method, start = f"/en/c/{SLUG}/respond", "GET", ""
    else:
        path, method = f"/en/c/{SLUG}/sealed", "POST"
        start = urlencode({"stage": "intro", "mode": "page"})
    status, body, response = request(connection, method, path, start, address=address)
    assert status == 200, (status, body[:500])
    cookie = "; ".join(
        value.split(";", 1)[0]
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    )
    hidden = [
        (html.unescape(name), html.unescape(value))
        for name, value in HIDDEN.findall(body.decode())
        if name != "submission_key"
    ]
    connection.close()
    return Client(cookie, hidden, address)


@dataclass
class Load:
    """What the clients saw: (latency, status) of every measured request, and first errors."""

    records: list[tuple[float, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def hammer(
    port: int,
    channel: str,
    clients: list[Client],
    answers: list[str],
    warmup: float,
    seconds: float,
) -> Load:
    """Every client posts answers without pause for ``warmup`` then ``seconds``; what the
    clients saw of the requests that started and ended within the second window."""
    from consult.respond.flow import new_submission_key

    load = Load()
    path = f"/en/c/{SLUG}/{'respond' if channel == 'open' else 'sealed'}"
    start = time.perf_counter() + 0.5
    window = (start + warmup, start + warmup + seconds)

    def work(client: Client, offset: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        prefix = urlencode(client.hidden)
        bodies = cycle(answers[offset:] + answers[:offset])
        kept = []
        while time.perf_counter() < start:
            time.sleep(0.001)
        while (began := time.perf_counter()) < window[1]:
            body = f"{prefix}&submission_key={new_submission_key()}&{next(bodies)}&nav=send"
            try:
                status, text, _ = request(
                    connection, "POST", path, body, client.cookie, client.address
                )
            except (OSError, http.client.HTTPException) as error:
                status, text = 0, repr(error).encode()
                connection.close()
            ended = time.perf_counter()
            if status != 303 and len(load.errors) < 5:
                with load.lock:
                    load.errors.append(f"{status}: {title(text)}")
            if began >= window[0] and ended <= window[1]:
                kept.append((ended - began, status))
        connection.close()
        with load.lock:
            load.records.extend(kept)

    threads = [
        threading.Thread(target=work, args=(client, n * len(answers) // len(clients)))
        for n, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return load


def figures(load: Load, seconds: float) -> dict[str, Any]:
    """Requests per second and latencies of the answers stored in ``seconds`` of load."""
    # Only answers stored count: a request that fails fast is no throughput.
    latencies = sorted(latency for latency, status in load.records if status == 303)
    return {
        "requests_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "stored": len(latencies),
        "failed": len(load.records) - len(latencies),
        "first_errors": load.errors[:5],
    }


def title(page: bytes) -> str:
    """What an error page says in its title, or its first bytes."""
    found = re.search(rb"<title>(.*?)</title>", page, re.S)
    return html.unescape(found.group(1).decode()) if found else repr(page[:200])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def take_turns(
    servers: dict[str, Server],
    setup: Setup,
    channel: str,
    clients: int,
    warmup: float,
    seconds: float,
    rounds: int,
) -> dict[str, Load]:
    """What the clients saw of each server, running side by side: the same ``clients``
    sessions (reached through ``servers["app"]``) post the same bodies to each in turn,
    ``rounds`` times, after a warm-up of each, so a change in the machine's load falls on all.
    """
    sessions = [
        browse_to_form(servers["app"].port, channel, f"198.51.100.{n + 1}") for n in range(clients)
    ]
    loads = {name: Load() for name in servers}
    answers = setup.answers[channel]
    for server in servers.values():
        hammer(server.port, channel, sessions, answers, warmup, 0.0)
    for _ in range(rounds):
        for name, server in servers.items():
            load = hammer(server.port, channel, sessions, answers, 0.0, seconds / rounds)
            loads[name].records.extend(load.records)
            loads[name].errors.extend(load.errors)
    return loads


def measure_channel(
    setup: Setup, channel: str, clients: int, warmup: float, seconds: float, rounds: int = 3
) -> dict[str, Any]:
    """The app and the baseline on the same database, with the same request bodies.

    Both servers run side by side (the idle one costs nothing) and take turns, ``rounds``
    times each, so that a change in the machine's load between two turns falls on both.
    """
    servers = {which: Server(which, setup) for which in ("app", "baseline")}
    try:
        loads = take_turns(servers, setup, channel, clients, warmup, seconds, rounds)
    finally:
        for server in servers.values():
            server.stop()
    app, baseline = (figures(loads[which], seconds) for which in ("app", "baseline"))
    entry = compared(
        app["requests_per_second"], baseline["requests_per_second"], TARGET, higher_is_better=True
    )
    if app["failed"] or baseline["failed"]:
        entry["met"] = False  # throughput of failing requests is no throughput
    return {**entry, "clients": clients, "seconds": seconds, "app": app, "baseline": baseline}


def measure(
    databases: tuple[str, ...] = DATABASES,
    clients: int = 16,
    warmup: float = 3.0,
    seconds: float = 10.0,
) -> dict[str, dict[str, Any]]:
    """Every channel on every database: ``{"submission.<channel>.<database>": entry}``."""
    results = {}
    for kind in databases:
        with scratch_database(kind) as url:
            setup = prepare(url)
            for channel in CHANNELS:
                name = f"submission.{channel}.{kind}"
                entry = measure_channel(setup, channel, clients, warmup, seconds)
                results[name] = entry
                app, baseline = entry["app"], entry["baseline"]
                say(
                    f"{name:<28} app {app['requests_per_second']:7.1f} req/s "
                    f"(p50 {app['p50_ms']:.0f} ms, p99 {app['p99_ms']:.0f} ms)  baseline "
                    f"{baseline['requests_per_second']:7.1f} req/s (p50 {baseline['p50_ms']:.0f} "
                    f"ms, p99 {baseline['p99_ms']:.0f} ms)  ratio {entry['ratio']:.2f}"
                    + (f"  app failed {app['failed']}" if app["failed"] else "")
                )
                for which in ("app", "baseline"):
                    for error in entry[which]["first_errors"]:
                        say(f"  {which} error: {error}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", default="", help="write the entries to this file")
    options = parser.parse_args()
    databases = tuple(options.databases.split(","))
    entries = measure(databases, options.clients, options.warmup, options.seconds)
    if options.json:
        Path(options.json).write_text(json.dumps(entries, indent=2))


if __name__ == "__main__":
    main()
