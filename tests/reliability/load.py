"""Clients that submit like browsers without JavaScript, and retry until acknowledged.

A submission is **acknowledged** when the server answers 303 (to the thanks page): the views
send it only after COMMIT returned. Each submission has its own submission key, kept across
its retries, as a browser re-sending the same form would: a retry must not store it twice.
"""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from submission import CHANNELS, SLUG, Client, Setup, browse_to_form, request

from consult.respond.flow import new_submission_key

#: Attempts per submission before a client gives up on it (each failure is recorded).
ATTEMPTS = 30


@dataclass
class Submission:
    channel: str
    key: str
    body: str
    #: Status of every attempt; 0 for a connection that failed or closed without an answer.
    statuses: list[int] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return bool(self.statuses) and self.statuses[-1] == 303


#: The clients' addresses, as the reverse proxy forwards them (RFC 5737 documentation range).
ADDRESSES = "198.51.100.{}"


class Load:
    """``threads`` clients, each with a session on both channels and an address of its own
    (sent as the proxy's ``X-Forwarded-For``), sending in parallel."""

    def __init__(self, port: int, setup: Setup, threads: int = 32) -> None:
        self.port, self.setup, self.threads = port, setup, threads
        self.sessions = [
            {
                channel: browse_to_form(port, channel, ADDRESSES.format(n + 1))
                for channel in CHANNELS
            }
            for n in range(threads)
        ]
        self.sent: list[Submission] = []
        self._acknowledged = 0
        self._changed = threading.Condition()

    @property
    def acknowledged(self) -> list[Submission]:
        with self._changed:
            return [s for s in self.sent if s.acknowledged]

    def wait_for(self, count: int, timeout: float = 600) -> None:
        """Block until ``count`` submissions of this load have been acknowledged."""
        with self._changed:
            if not self._changed.wait_for(lambda: self._acknowledged >= count, timeout):
                raise TimeoutError(f"fewer than {count} acknowledged in {timeout} s")

    def run(self, count: int) -> list[Submission]:
        """Send ``count`` submissions, alternating channels; what each one met."""
        batch = [self._submission(len(self.sent) + n) for n in range(count)]
        with self._changed:
            self.sent.extend(batch)
        queue = iter(batch)
        lock = threading.Lock()

        def work(sessions: dict[str, Client]) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            while True:
                with lock:
                    item = next(queue, None)
                if item is None:
                    break
                connection = self._send(connection, sessions[item.channel], item)
            connection.close()

        threads = [threading.Thread(target=work, args=(s,)) for s in self.sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return batch

    def _submission(self, number: int) -> Submission:
        channel = CHANNELS[number % len(CHANNELS)]
        answers = self.setup.answers[channel]
        key = new_submission_key()
        return Submission(channel, key, f"submission_key={key}&{answers[number % len(answers)]}")

    def _send(
        self, connection: http.client.HTTPConnection, client: Client, item: Submission
    ) -> http.client.HTTPConnection:
        """Post ``item`` until it is acknowledged, retrying on a lost connection or a 5xx."""
        path = f"/en/c/{SLUG}/{'respond' if item.channel == 'open' else 'sealed'}"
        body = f"{urlencode(client.hidden)}&{item.body}&nav=send"
        for attempt in range(ATTEMPTS):
            try:
                status, _page, _ = request(
                    connection, "POST", path, body, client.cookie, client.address
                )
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            item.statuses.append(status)
            if status == 303:
                with self._changed:
                    self._acknowledged += 1
                    self._changed.notify_all()
                return connection
            if status and status < 500:
                return connection  # refused: a retry would be refused too
            time.sleep(min(0.05 * 2**attempt, 1.0))
        return connection

    def statuses(self) -> Counter[int]:
        return Counter(status for item in self.sent for status in item.statuses)

    def secrets(self) -> set[str]:
        """What the clients sent that says who they are or what they wrote: addresses,
        session cookies, CSRF tokens, submission keys and free-text answers."""
        found = {item.key for item in self.sent}
        for sessions in self.sessions:
            for client in sessions.values():
                found.add(client.address)
                found.update(part.partition("=")[2] for part in client.cookie.split("; "))
                found.update(value for name, value in client.hidden if name == "csrf_token")
        for bodies in self.setup.answers.values():
            for body in bodies:
                found.update(v for _, v in parse_qsl(body) if len(v) > 20 and " " in v)
        return {value for value in found if value}


def worker_pids(master: int) -> list[int]:
    """The gunicorn workers: the processes whose parent is the master."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # ended while we looked
            # ``pid (name) state ppid …``: the name may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
    return children


def kill_a_worker(master: int) -> int:
    """SIGKILL one gunicorn worker; its pid."""
    pid = worker_pids(master)[0]
    os.kill(pid, signal.SIGKILL)
    return pid
