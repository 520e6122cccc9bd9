"""Holding sealed envelopes for review past a rate, without ever refusing one (DESIGN.md §6).

A prison kiosk serves many people from one address, and whoever floods the channel must not
be able to shut it: envelopes past ``Consultation.sealed_hold_after`` from one address in one
day are stored all the same, marked *held*, and counted apart at unsealing.

The address itself is never kept: only ``HMAC(key, address)``, under a random key that lives
in this process's memory and is replaced every day, so yesterday's marks cannot be linked to
today's, nor to an address by anyone who reads them. The counts live in memory too: each
worker process counts its own requests (with several workers the threshold applies per
worker). There is no Redis implementation yet.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import Counter as Tally
from collections.abc import Callable
from datetime import date
from typing import Protocol

from flask import current_app

from consult.consultations.models import Consultation
from consult.db import utcnow

EXTENSION = "consult.sealed_rate"


class Counter(Protocol):
    """Envelopes per keyed address and day, within one scope (a consultation)."""

    def seen(self, scope: str, address: str) -> int:
        """How many envelopes ``address`` sent in ``scope`` today."""
        ...

    def add(self, scope: str, address: str) -> None:
        """Count one more envelope of ``address`` in ``scope`` today."""
        ...


def _today() -> date:
    return utcnow().date()


class MemoryCounter:
    """Counts in this process's memory, under a random key that rotates every day."""

    def __init__(self, today: Callable[[], date] = _today) -> None:
        self._today = today
        self._lock = threading.Lock()
        self._day: date | None = None
        self._key = b""
        self._counts: Tally[tuple[str, str]] = Tally()

    def _mark(self, scope: str, address: str) -> tuple[str, str]:
        """The keyed mark of ``address``; a new day brings a new key and forgets the counts."""
        day = self._today()
        if day != self._day:
            self._day, self._key, self._counts = day, secrets.token_bytes(32), Tally()
        return scope, hmac.new(self._key, address.encode(), hashlib.sha256).hexdigest()

    def seen(self, scope: str, address: str) -> int:
        with self._lock:
            return self._counts[self._mark(scope, address)]

    def add(self, scope: str, address: str) -> None:
        with self._lock:
            self._counts[self._mark(scope, address)] += 1


def counter() -> Counter:
    """The running application's counter (one per process)."""
    found: Counter = current_app.extensions.setdefault(EXTENSION, MemoryCounter())
    return found


def should_hold(consultation: Consultation, address: str) -> bool:
    """Whether the next envelope from ``address`` goes past the consultation's threshold."""
    return counter().seen(str(consultation.uuid), address) >= consultation.sealed_hold_after


def count(consultation: Consultation, address: str) -> None:
    """Count one envelope stored from ``address`` today."""
    counter().add(str(consultation.uuid), address)
