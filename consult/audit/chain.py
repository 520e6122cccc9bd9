"""The hash chain of the audit log, as pure functions (no Flask, no database).

Each event stores the hash of the previous event and its own hash over a canonical text of
its stored fields, so editing, inserting or deleting a row breaks the chain at that point.
Someone able to rewrite the whole table could recompute every hash: the head hash is
therefore printed by ``flask consult audit-verify`` and published in reports, so a rewritten
or truncated chain no longer matches what was published.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainedFields:
    """The stored fields of one event that its hash covers."""

    seq: int
    occurred_at: datetime
    organisation_id: int | None
    actor_id: int | None
    action: str
    subject: str
    details: Mapping[str, Any]
    prev_hash: str


@dataclass(frozen=True)
class Problem:
    """One break in the chain, located by sequence number."""

    seq: int
    kind: str
    text: str


def canonical_text(fields: ChainedFields) -> str:
    """Sorted-key, whitespace-free JSON of the fields: the exact bytes that get hashed."""
    return json.dumps(
        {
            "seq": fields.seq,
            "occurred_at": fields.occurred_at.isoformat(timespec="microseconds"),
            "organisation_id": fields.organisation_id,
            "actor_id": fields.actor_id,
            "action": fields.action,
            "subject": fields.subject,
            "details": fields.details,
            "prev_hash": fields.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def event_hash(fields: ChainedFields) -> str:
    return hashlib.sha256(canonical_text(fields).encode("utf-8")).hexdigest()


def verify_chain(
    events: Iterable[tuple[ChainedFields, str]], head: tuple[int, str] | None
) -> tuple[int, str, list[Problem]]:
    """Walk ``(fields, stored hash)`` pairs in sequence order and report every break.

    ``head`` is the stored chain head ``(seq, hash)``. Returns the number of events, the hash
    of the last event and the problems found (empty when the chain is intact).
    """
    problems: list[Problem] = []
    expected_seq, prev_hash, count = 1, GENESIS, 0
    for fields, stored in events:
        count += 1
        if fields.seq != expected_seq:
            kind = "missing" if fields.seq > expected_seq else "duplicate"
            problems.append(
                Problem(
                    fields.seq, kind, f"expected event {expected_seq}, found event {fields.seq}"
                )
            )
        if fields.prev_hash != prev_hash:
            problems.append(
                Problem(fields.seq, "link", "previous-hash does not match the event before it")
            )
        if event_hash(fields) != stored:
            problems.append(
                Problem(fields.seq, "content", "stored hash does not match the event's content")
            )
        expected_seq, prev_hash = fields.seq + 1, stored
    last_seq = expected_seq - 1
    if head is not None and head != (last_seq, prev_hash):
        problems.append(
            Problem(
                last_seq,
                "head",
                f"chain head records event {head[0]} ({head[1][:16]}…), but the "
                f"last event is {last_seq} ({prev_hash[:16]}…)",
            )
        )
    return count, prev_hash, problems
