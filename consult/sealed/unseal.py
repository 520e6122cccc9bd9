"""Unsealing: the one pipeline that opens envelopes, in the app and offline (DESIGN.md §5).

    shares → opening key → private key → envelopes in a shuffled order → decrypt → check
    against the questionnaire version → answers, counted; the key is then dropped.

The steps are plain functions over iterables so that the app (reading envelopes from the
database) and ``consult-open`` (reading an exported file, with no database and no server) run
the same code. The order of the envelopes is set by an HMAC of their ids under a key made for
this unsealing and then thrown away: responses are stored in an order that says nothing about
the order of arrival, and only the ids (not the envelopes) are held in memory to sort them.
A tampered or foreign envelope is counted as rejected; it never stops the others.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from consult.sealed import crypto


@dataclass(frozen=True)
class Sealed:
    """An envelope as stored or exported."""

    id: str
    suite: str
    key_id: str
    ciphertext: bytes
    sha256: str
    held: bool = False

    def envelope(self) -> crypto.Envelope:
        return crypto.Envelope(self.suite, self.key_id, self.ciphertext)


@dataclass
class Tally:
    """What an unsealing did: published in the audit log and the report."""

    received: int = 0
    opened: int = 0
    rejected: int = 0
    held: int = 0
    #: Ids of the envelopes that did not open or did not fit the questionnaire.
    rejected_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "received": self.received,
            "opened": self.opened,
            "rejected": self.rejected,
            "held": self.held,
        }


def set_digest(hashes: Iterable[str]) -> str:
    """SHA-256 over the sorted SHA-256s of the ciphertexts: names one set of envelopes."""
    digest = hashlib.sha256()
    for value in sorted(hashes):
        digest.update(value.encode() + b"\n")
    return digest.hexdigest()


def shuffled(ids: Iterable[str]) -> list[str]:
    """The ids in the order of an HMAC under a throwaway key: a fresh shuffle every time."""
    key = secrets.token_bytes(32)
    return sorted(
        ids, key=lambda envelope_id: hmac.new(key, envelope_id.encode(), hashlib.sha256).digest()
    )


def private_key(
    shares: Iterable[str], identifier: int, threshold: int, wrapped: bytes, kid: str
) -> bytes:
    """The private key from ``threshold`` shares (raises the share errors of ``crypto``)."""
    return crypto.unwrap(wrapped, crypto.combine(shares, identifier, threshold), kid)


#: Checks an opened payload; returns the value to keep, or ``None`` to reject it.
Admit = Callable[[dict[str, Any]], Any]


def open_all(
    envelopes: Iterable[Sealed], private: bytes, info: bytes, admit: Admit, tally: Tally
) -> Iterator[tuple[Any, bool]]:
    """Open each envelope and yield ``(admitted value, held)``; count everything in ``tally``.

    ``envelopes`` must already come in the shuffled order. Rejections are counted and their
    ids kept; nothing about them (no plaintext, no reason) is logged.
    """
    return counted(opened_in_turn(envelopes, private, info, admitting(admit)), tally)


def admitting(admit: Admit) -> Callable[[bytes], Any]:
    """What becomes of an opened payload's JSON: parsed, then ``admit``'s value or ``None``
    (:class:`crypto.EnvelopeInvalid` if it does not parse)."""

    def then(body: bytes) -> Any:
        return admit(crypto.parse(body))

    return then


def opened_in_turn(
    envelopes: Iterable[Sealed], private: bytes, info: bytes, then: Callable[[bytes], Any]
) -> Generator[tuple[Sealed, Any], None, None]:
    """Each envelope with ``then`` of its payload's JSON, or ``None`` if it does not open (or
    ``then`` raises :class:`crypto.EnvelopeInvalid`), in their order.
    :func:`consult.sealed.alongside.opened` gives the same from a second process."""
    opener = crypto.Opener(private)
    for sealed in envelopes:
        try:
            value = then(opener.open_body(sealed.envelope(), info))
        except crypto.EnvelopeInvalid:
            value = None
        yield sealed, value
    del opener


def counted(opened: Iterable[tuple[Sealed, Any]], tally: Tally) -> Iterator[tuple[Any, bool]]:
    """The values kept (not ``None``), each with whether its envelope was held, counted in
    ``tally`` as :func:`open_all` says."""
    for sealed, value in opened:
        tally.received += 1
        tally.held += sealed.held
        if value is None:
            tally.rejected += 1
            tally.rejected_ids.append(sealed.id)
            continue
        tally.opened += 1
        yield value, sealed.held
