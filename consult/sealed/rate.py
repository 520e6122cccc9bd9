"""Holding sealed envelopes for review past a rate, without ever refusing one (DESIGN.md §6).

A prison kiosk serves many people from one address, and whoever floods the channel must not
be able to shut it: envelopes past ``Consultation.sealed_hold_after`` from one address in one
day are stored all the same, marked *held*, and counted apart at unsealing.

The address itself is never kept: only its daily mark (:func:`consult.rate_limits.mark`, the
same fingerprint the rate limits use, under a key that changes every day and that every worker
shares), so yesterday's counts cannot be linked to today's, nor to an address by anyone who
reads them. The counts live in the rate limiter's storage: Redis when ``CONSULT_REDIS_URL`` is
set, so the threshold applies across all workers; otherwise each process's memory. A count
that cannot be read or written (Redis down) holds nothing: the channel stays open.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from consult import rate_limits
from consult.consultations.models import Consultation

log = logging.getLogger(__name__)

#: A count outlives its day by a little: the mark changes at midnight (UTC) anyway.
EXPIRY = int(timedelta(days=1, hours=1).total_seconds())


def _key(consultation: Consultation, address: str) -> str:
    return f"consult/sealed-hold/{consultation.uuid}/{rate_limits.mark(address)}"


def should_hold(consultation: Consultation, address: str) -> bool:
    """Whether the next envelope from ``address`` goes past the consultation's threshold."""
    try:
        seen = rate_limits.limiter().storage.get(_key(consultation, address))
    except Exception:
        log.warning("the hold count could not be read: the envelope is not held")
        return False
    return seen >= consultation.sealed_hold_after


def count(consultation: Consultation, address: str) -> None:
    """Count one envelope stored from ``address`` today."""
    try:
        rate_limits.limiter().storage.incr(_key(consultation, address), EXPIRY)
    except Exception:
        log.warning("the hold count could not be written")
