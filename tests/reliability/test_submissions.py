"""Submissions under load, a worker killed, and a backup taken meanwhile (issue 9).

gunicorn with 4 workers and the project's ``gunicorn.conf.py``, on a scratch SQLite file and
then on a scratch PostgreSQL database; 32 clients send mixed open and sealed submissions as
browsers without JavaScript do (``bench/submission.py``), each from its own address as the
proxy forwards it, retrying with the same submission key after a lost connection or a 5xx,
until the server acknowledges with 303.

1. **Steady**: 2,000 submissions. Exactly the acknowledged ones are stored, no 5xx.
2. **Under fire**: 1,000 more; 5 % of the way in a worker gets SIGKILL, at 75 % another;
   from 10 %, ``flask consult backup`` runs while the submissions go on (and they go on, 32
   at a time, until it has ended). Every acknowledged submission is stored exactly once.
3. **Restore**: the backup goes into a fresh database with ``flask consult restore``: it holds
   every submission acknowledged before the backup started (and nothing never sent), and its
   envelopes open with the trustees' shares through the real unsealing code.

Throughout: no "database is locked", and no client address (direct or forwarded by the proxy),
browser, session cookie, CSRF token, submission key, answer or sealed route in the server's
log. Run with ``make test-reliability`` (a few minutes per database).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from common import ROOT, SECRET, scratch_app
from flask import Flask
from sqlalchemy import select
from submission import SLUG, USER_AGENT, Server, Setup, prepare

from consult import backup
from consult.accounts.models import User
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.respond import services as respond
from consult.respond.models import Response
from consult.sealed import crypto, unsealing
from consult.sealed import services as sealed
from consult.sealed.models import Envelope
from tests.conftest import BACKENDS, PG_URL
from tests.helpers import temporary_postgres_database
from tests.reliability.conftest import SUMMARY
from tests.reliability.load import Load, Submission, kill_a_worker

pytestmark = pytest.mark.reliability

STEADY = int(os.environ.get("RELIABILITY_STEADY", "2000"))
UNDER_FIRE = int(os.environ.get("RELIABILITY_UNDER_FIRE", "1000"))
CLIENTS = 32
WORKERS = 4


@dataclass
class Run:
    """What one backend's run saw, for the tests below to check."""

    setup: Setup
    #: The gunicorn log: its own lines, the workers' errors, the access log.
    log: str
    steady: list[Submission]
    under_fire: list[Submission]
    #: Submission key hashes stored, by channel (open: responses; sealed: envelopes).
    after_steady: dict[str, list[str]]
    stored: dict[str, list[str]]
    restored: dict[str, list[str]]
    #: Pids of the workers killed.
    killed: list[int]
    #: Acknowledged before the backup started, and by the time it ended.
    before_backup: list[Submission]
    after_backup: list[Submission]
    backup_output: str
    backup_seconds: float
    restore_output: str
    #: Hashes of the submission keys acknowledged: "steady", "all", and "before" the backup.
    keys: dict[str, dict[str, set[str]]]
    #: What unsealing the restored database counted.
    tally: dict[str, int]
    #: What the clients sent that no log may hold (:meth:`Load.secrets`).
    secrets: set[str]
    seconds: dict[str, float] = field(default_factory=dict)


def scratch_url(kind: str, stack: ExitStack) -> str:
    """A new, empty database of ``kind``, dropped when ``stack`` closes."""
    if kind == "sqlite":
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="consult-rel-")))
        return f"sqlite:///{folder / 'consult.sqlite'}"
    return stack.enter_context(temporary_postgres_database(PG_URL))


def flask_command(url: str, folder: Path, *args: str) -> str:
    """``flask --app wsgi consult …`` on the database at ``url``, as the platform admin runs it."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("CONSULT_")}
    env.update(
        CONSULT_ENV="development",
        CONSULT_SECRET_KEY=SECRET,
        CONSULT_DATABASE_URL=url,
        CONSULT_INSTANCE_PATH=str(folder),
    )
    flask = Path(sys.executable).parent / "flask"
    done = subprocess.run(
        [flask, "--app", "wsgi", "consult", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def stored_keys(app: Flask) -> dict[str, list[str]]:
    """The submission key hashes stored: of responses (open) and of envelopes (sealed)."""
    with app.app_context():
        consultation = db.session.scalars(select(Consultation).where(Consultation.slug == SLUG))
        cid = consultation.one().id
        found = {
            "open": db.session.scalars(
                select(Response.submission_key_hash).where(Response.consultation_id == cid)
            ).all(),
            "sealed": db.session.scalars(
                select(Envelope.submission_key_hash).where(Envelope.consultation_id == cid)
            ).all(),
        }
        db.session.remove()
        return {channel: list(hashes) for channel, hashes in found.items()}


def keys_of(app: Flask, submissions: list[Submission]) -> dict[str, set[str]]:
    """What the database keeps of the submission keys of ``submissions``, by channel."""
    with app.app_context():
        consultation = db.session.scalars(
            select(Consultation).where(Consultation.slug == SLUG)
        ).one()
        found: dict[str, set[str]] = {"open": set(), "sealed": set()}
        for item in submissions:
            key_hash = respond.key_hash if item.channel == "open" else sealed.key_hash
            found[item.channel].add(key_hash(consultation, item.key))
        db.session.remove()
        return found


def unseal(app: Flask, shares: tuple[str, ...]) -> dict[str, int]:
    """Close the restored consultation and unseal it with two trustees' shares."""
    with app.app_context():
        consultation = db.session.scalars(
            select(Consultation).where(Consultation.slug == SLUG)
        ).one()
        actor = db.session.scalars(select(User)).first()
        assert actor is not None
        consultations.close(consultation, actor)
        tally = unsealing.unseal(consultation, shares[:2], actor)
        db.session.commit()
        return tally.as_dict()


class Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._started = time.monotonic()

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.seconds[name] = round(now - self._started, 1)
        self._started = now


def perform(kind: str, stack: ExitStack, folder: Path) -> Run:
    """The whole run on one backend (see the module's docstring)."""
    watch = Stopwatch()
    url = scratch_url(kind, stack)
    setup = prepare(url)
    keys = crypto.generate_keypair()
    public, private = folder / "backup.public", folder / "backup.private"
    public.write_text(backup.public_key_text(keys.public))
    private.write_text(backup.private_key_text(keys))
    stack.enter_context(pytest.MonkeyPatch.context()).setenv("GUNICORN_WORKERS", str(WORKERS))
    server = Server("app", setup)
    stack.callback(server.stop)
    load = Load(server.port, setup, CLIENTS)
    watch.lap("setup")

    steady = load.run(STEADY)
    app = scratch_app(url)
    after_steady = stored_keys(app)
    watch.lap("steady")

    chaos = Chaos(load, server, app, folder, public)
    chaos.start()
    under_fire = load.run(UNDER_FIRE)
    # The backup must end while answers still come in, however long it takes on this machine
    # (pg_dump outlived the 900 answers after its start once): more keep coming until it has
    # ended, then one batch more.
    while not chaos.backed_up.is_set():
        under_fire += load.run(CLIENTS)
    under_fire += load.run(CLIENTS)
    chaos.join()
    server.stop()
    watch.lap("under_fire")

    restored_url = scratch_url(kind, stack)
    restore_output = flask_command(
        restored_url, folder, "restore", "--from", str(chaos.file), "--key", str(private)
    )
    restored_app = scratch_app(restored_url)
    restored = stored_keys(restored_app)
    tally = unseal(restored_app, setup.shares)
    watch.lap("restore")
    return Run(
        setup=setup,
        log=(setup.folder / "gunicorn-app.log").read_text(errors="replace"),
        steady=steady,
        after_steady=after_steady,
        under_fire=under_fire,
        killed=chaos.killed,
        before_backup=chaos.before,
        after_backup=chaos.after,
        backup_output=chaos.output,
        backup_seconds=chaos.seconds,
        stored=stored_keys(app),
        restored=restored,
        restore_output=restore_output,
        tally=tally,
        secrets=load.secrets(),
        keys={
            "steady": keys_of(app, steady),
            "all": keys_of(app, steady + under_fire),
            "before": keys_of(app, chaos.before),
        },
        seconds=watch.seconds,
    )


class Chaos:
    """While the second load runs, side by side: SIGKILL a worker at 1/20 and at 3/4 of it;
    ``flask consult backup`` at 1/10."""

    def __init__(self, load: Load, server: Server, app: Flask, folder: Path, public: Path) -> None:
        self.load, self.server, self.app = load, server, app
        self.public = public
        self.file = folder / "under-load.backup"
        self.killed: list[int] = []
        self.before: list[Submission] = []
        self.after: list[Submission] = []
        self.output = ""
        self.seconds = 0.0
        self.errors: list[BaseException] = []
        #: Set once the backup has ended (or failed).
        self.backed_up = threading.Event()
        self.base = len(load.acknowledged)
        self.threads = [
            threading.Thread(target=self._guarded, args=(job,), daemon=True)
            for job in (self._kill, self._backup)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def join(self) -> None:
        """Wait for both; raise what went wrong in either."""
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]

    def _guarded(self, job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # raised again by join(), in the test's thread
            self.errors.append(error)

    def _kill(self) -> None:
        for share in (UNDER_FIRE // 20, 3 * UNDER_FIRE // 4):
            self.load.wait_for(self.base + share)
            self.killed.append(kill_a_worker(self.server.process.pid))

    def _backup(self) -> None:
        try:
            self._take_backup()
        finally:
            self.backed_up.set()

    def _take_backup(self) -> None:
        self.load.wait_for(self.base + UNDER_FIRE // 10)
        self.before = self.load.acknowledged
        started = time.monotonic()
        # The command itself, run in this process: a new ``flask`` process spends seconds
        # importing before it copies anything, and the load might be over by then.
        arguments = ["backup", "--out", str(self.file), "--public-key", str(self.public)]
        result = self.app.test_cli_runner().invoke(args=["consult", *arguments])
        assert result.exit_code == 0, result.output
        self.output, self.seconds = result.output, round(time.monotonic() - started, 1)
        self.after = self.load.acknowledged


@pytest.fixture(scope="module", params=BACKENDS)
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with ExitStack() as stack:
        result = perform(request.param, stack, tmp_path_factory.mktemp(request.param))
        SUMMARY.append(summary(request.param, result))
        yield result


def summary(kind: str, run: Run) -> str:
    """Times per phase, and what the clients met: retries after a lost connection, statuses."""
    statuses = Counter(s for item in run.steady + run.under_fire for s in item.statuses)
    laps = ", ".join(f"{name} {seconds} s" for name, seconds in run.seconds.items())
    return (
        f"{kind}: {sum(run.seconds.values()):.0f} s ({laps}); {sent(run)} "
        f"submissions by {CLIENTS} clients on {WORKERS} workers; attempts by status "
        f"{dict(sorted(statuses.items()))} (0: connection lost); backup under load "
        f"{run.backup_seconds} s; unsealed after restore "
        f"{run.tally}"
    )


# The checks ----------------------------------------------------------------------------------


def sent(run: Run) -> int:
    """Submissions sent: the steady ones, and at least ``UNDER_FIRE`` under fire."""
    return len(run.steady) + len(run.under_fire)


def counts(stored: dict[str, list[str]]) -> dict[str, int]:
    return {channel: len(hashes) for channel, hashes in stored.items()}


def test_steady_load_stores_exactly_what_was_acknowledged(run: Run) -> None:
    assert all(item.acknowledged for item in run.steady)
    steady = run.keys["steady"]
    assert counts(run.after_steady) == {"open": STEADY // 2, "sealed": STEADY // 2}
    for channel, hashes in run.after_steady.items():
        assert set(hashes) == steady[channel]


def test_no_server_error(run: Run) -> None:
    statuses = [s for item in run.steady + run.under_fire for s in item.statuses]
    assert not [s for s in statuses if s >= 500]
    assert set(s for item in run.steady for s in item.statuses) == {303}


def test_no_database_is_locked(run: Run) -> None:
    assert "database is locked" not in run.log
    assert "Traceback" not in run.log


def test_killed_workers_lose_and_duplicate_nothing(run: Run) -> None:
    assert len(set(run.killed)) == 2
    assert all(item.acknowledged for item in run.under_fire)
    for channel, hashes in run.stored.items():
        assert len(hashes) == len(set(hashes))  # exactly once
        assert set(hashes) == run.keys["all"][channel]  # every acknowledged, nothing else
    assert sum(counts(run.stored).values()) == sent(run) >= STEADY + UNDER_FIRE


def test_a_backup_under_load_restores_what_was_acknowledged(run: Run) -> None:
    assert "Backup of the" in run.backup_output and "Restored the backup" in run.restore_output
    # Taken under load: submissions were acknowledged while it ran, and after it.
    assert len(run.before_backup) < len(run.after_backup) < sent(run)
    for channel, hashes in run.restored.items():
        assert len(hashes) == len(set(hashes))
        assert run.keys["before"][channel] <= set(hashes) <= set(run.stored[channel])


def test_the_restored_envelopes_open_with_the_trustees_shares(run: Run) -> None:
    envelopes = len(run.restored["sealed"])
    assert run.tally["received"] == run.tally["opened"] == envelopes
    assert run.tally["rejected"] == 0


def test_the_log_names_no_one(run: Run) -> None:
    requests = [line for line in run.log.splitlines() if '"POST /' in line or '"GET /' in line]
    assert any("/respond" in line for line in requests)  # the open channel is logged …
    assert not any(part in line for line in requests for part in ("/sealed", "/kiosk"))
    assert "127.0.0.1" not in "\n".join(requests)  # … without the client's address
    assert USER_AGENT not in run.log and "consult-bench" not in run.log
    # Nor the forwarded addresses, session cookies, CSRF tokens, submission keys or answers.
    assert len(run.secrets) > sent(run) + 2 * CLIENTS
    assert any(" " in secret for secret in run.secrets)  # free-text answers among them
    leaked = [secret for secret in run.secrets if secret in run.log]
    assert leaked == [], leaked[:5]
