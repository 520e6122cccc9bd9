"""Unsealing a closed consultation: in the app, or by importing what ``consult-open`` opened.

Both ways end in :func:`_store`: each admitted payload becomes a response with the channel it
came through and **no date**, in the shuffled order; the counts and the digest of the envelope
set go to the audit log; the consultation becomes *unsealed*. Services flush, never commit.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase, Status
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.questionnaires.answers import Submission, read_submission, to_form
from consult.questionnaires.schema import Channel, Questionnaire
from consult.respond import services as respond
from consult.respond.models import Answer, Response
from consult.sealed import crypto, payload
from consult.sealed.models import Envelope, SealingKey
from consult.sealed.services import NoKey, sealing_key
from consult.sealed.unseal import Sealed, Tally, open_all, private_key, set_digest, shuffled

BATCH = 500
EXPORT_FORMAT = "consult-envelopes/1"
OPENED_FORMAT = "consult-opened/1"


class UnsealFailed(ValidationFailed):
    """The shares typed do not open the key; says why without repeating them."""


SHARE_MESSAGES = {
    crypto.NotEnoughShares: _l("More shares are needed: type as many as the threshold says."),
    crypto.ForeignShare: _l("A share belongs to another key ceremony."),
    crypto.WrongOpeningKey: _l("These shares do not open this consultation's key."),
    crypto.ShareError: _l("A share is mistyped or given twice: check every word."),
}


def ready(consultation: Consultation) -> None:
    """Raise a clear ``Conflict`` unless the consultation can be unsealed now."""
    if consultation.status is Status.UNSEALED or consultation.status is Status.PUBLISHED:
        raise Conflict(_l("This consultation has already been unsealed."))
    if consultation.phase() is not Phase.CLOSED:
        raise Conflict(_l("Sealed answers can only be opened after the consultation closes."))
    if sealing_key(consultation) is None:
        raise NoKey()


def unseal(consultation: Consultation, shares: Iterable[str], actor: User | None) -> Tally:
    """Open every envelope of ``consultation`` with ``shares``, in one sitting (flushed)."""
    ready(consultation)
    key = _key(consultation)
    try:
        private = private_key(
            shares, key.share_identifier, key.threshold, key.wrapped_private_key, key.key_id
        )
    except crypto.SealedError as error:
        raise UnsealFailed(_share_message(error)) from None
    tally = Tally()
    where = crypto.info(str(consultation.uuid), consultation.version or "", key.key_id)
    _store(
        consultation, open_all(_stored(consultation), private, where, admitter(consultation), tally)
    )
    del private
    _finish(consultation, actor, tally, "in_app")
    return tally


def _share_message(error: Exception) -> object:
    return next(
        (message for kind, message in SHARE_MESSAGES.items() if isinstance(error, kind)),
        SHARE_MESSAGES[crypto.ShareError],
    )


def _key(consultation: Consultation) -> SealingKey:
    key = sealing_key(consultation)
    if key is None:
        raise NoKey()
    return key


def _stored(consultation: Consultation) -> Iterator[Sealed]:
    """The consultation's envelopes in a fresh shuffled order, a batch at a time."""
    ids = shuffled(
        db.session.scalars(select(Envelope.id).where(Envelope.consultation_id == consultation.id))
    )
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        rows = {e.id: e for e in db.session.scalars(select(Envelope).where(Envelope.id.in_(batch)))}
        for envelope_id in batch:
            e = rows[envelope_id]
            yield Sealed(e.id, e.suite, e.key_id, e.ciphertext, e.sha256, e.is_held)


def admitter(consultation: Consultation) -> Any:
    """Checks an opened payload against the consultation's frozen questionnaire."""
    document = consultation.document()
    cache: dict[tuple[Channel, str], Any] = {}

    def admit(body: dict[str, Any]) -> tuple[Channel, str, Submission] | None:
        try:
            channel = Channel(body["channel"])
            locale = str(body["locale"])
            profile, rows = payload.read(body)
        except (KeyError, TypeError, ValueError):
            return None
        if channel not in payload.SEALED_CHANNELS or body.get("version") != consultation.version:
            return None
        rules = cache.get((channel, locale))
        if rules is None:
            rules = cache[(channel, locale)] = respond.profile_rules(
                consultation, document, channel, locale
            )
        checked = _check(document, channel, rules, Submission(profile, _by_question(rows)))
        return (channel, locale, checked) if checked is not None else None

    return admit


def _by_question(rows: Iterable[Any]) -> dict[str, list[Any]]:
    answers: dict[str, list[Any]] = {}
    for row in rows:
        answers.setdefault(row.question_key, []).append(row)
    return answers


def _check(
    document: Questionnaire, channel: Channel, rules: Any, submission: Submission
) -> Submission | None:
    """The answers as the form would read them, or ``None`` if they do not fit."""
    try:
        form = to_form(submission, document)
    except KeyError:
        return None
    read = read_submission(rules, respond.questions_for(document, channel), document, form)
    if read.errors or sorted(read.rows) != sorted(submission.rows):
        return None
    return read


def _store(
    consultation: Consultation, admitted: Iterable[tuple[tuple[Channel, str, Submission], bool]]
) -> None:
    """Insert the admitted answers a batch at a time (two bulk statements per batch)."""
    responses: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for (channel, locale, submission), held in admitted:
        response_id = uuid.uuid4()
        profile = submission.profile
        responses.append(
            {
                "id": response_id,
                "consultation_id": consultation.id,
                "channel": channel,
                "questionnaire_version": consultation.version or "",
                "locale": locale,
                "received_on": None,
                "stakeholder_category": profile.category,
                "jurisdiction": profile.jurisdiction or None,
                "place_category": profile.place or None,
                "declared_organisation": None,
                "submission_key_hash": None,
                "answers_digest": None,
                "is_held": held,
            }
        )
        answers.extend({"response_id": response_id, **vars(row)} for row in submission.rows)
        if len(responses) >= BATCH:
            _insert(responses, answers)
    _insert(responses, answers)


def _insert(responses: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    if responses:
        db.session.execute(insert(Response), responses)
    if answers:
        db.session.execute(insert(Answer), answers)
    responses.clear()
    answers.clear()


def _finish(consultation: Consultation, actor: User | None, tally: Tally, how: str) -> None:
    consultation.status = Status.UNSEALED
    db.session.flush()
    record(
        "sealed.unsealed",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id if actor else None,
        details={**tally.as_dict(), "digest": envelope_digest(consultation), "how": how},
    )


def envelope_digest(consultation: Consultation) -> str:
    return set_digest(
        db.session.scalars(
            select(Envelope.sha256).where(Envelope.consultation_id == consultation.id)
        )
    )


# Offline: export, then import what consult-open opened ----------------------------------


def export_lines(consultation: Consultation) -> Iterator[str]:
    """The envelopes and what opening them needs except the shares, as JSON lines."""
    ready(consultation)
    key = _key(consultation)
    yield json.dumps(
        {
            "format": EXPORT_FORMAT,
            "consultation": str(consultation.uuid),
            "version": consultation.version,
            "suite": key.suite,
            "key_id": key.key_id,
            "wrapped_private_key": base64.b64encode(key.wrapped_private_key).decode(),
            "share_identifier": key.share_identifier,
            "threshold": key.threshold,
            "digest": envelope_digest(consultation),
        }
    )
    query = (
        select(Envelope)
        .where(Envelope.consultation_id == consultation.id)
        .order_by(Envelope.id)
        .execution_options(yield_per=BATCH)
    )
    for e in db.session.scalars(query):
        yield json.dumps(
            {
                "id": e.id,
                "suite": e.suite,
                "key_id": e.key_id,
                "ciphertext": base64.b64encode(e.ciphertext).decode(),
                "sha256": e.sha256,
                "held": e.is_held,
            }
        )


class ImportRefused(ValidationFailed):
    pass


def import_opened(consultation: Consultation, lines: Iterable[str], actor: User | None) -> Tally:
    """Store the answers ``consult-open`` wrote, after checking they are of this very set."""
    ready(consultation)
    rows = iter(lines)
    try:
        header = json.loads(next(rows))
    except (StopIteration, ValueError):
        raise ImportRefused(_l("This is not a file written by consult-open.")) from None
    if header.get("format") != OPENED_FORMAT or header.get("consultation") != str(
        consultation.uuid
    ):
        raise ImportRefused(_l("This file was opened for another consultation."))
    if header.get("digest") != envelope_digest(consultation):
        raise ImportRefused(
            _l(
                "This file does not match the envelopes stored here: export "
                "them again and open the new file."
            )
        )
    admit = admitter(consultation)
    tally = Tally()
    summary: dict[str, Any] = {}
    _store(consultation, _admitted_lines(rows, admit, tally, summary))
    tally.rejected += int(summary.get("rejected", 0))
    tally.received = tally.opened + tally.rejected
    _finish(consultation, actor, tally, "offline")
    return tally


def _admitted_lines(
    rows: Iterator[str], admit: Any, tally: Tally, summary: dict[str, Any]
) -> Iterator[tuple[Any, bool]]:
    """Admitted answers of the opened file; its closing summary line goes into ``summary``."""
    for line in rows:
        try:
            item = json.loads(line)
            if "summary" in item:
                summary.update(item["summary"])
                continue
            admitted = admit(item["payload"])
            held = bool(item.get("held", False))
        except (ValueError, KeyError, TypeError):
            admitted, held = None, False
        tally.held += held
        if admitted is None:
            tally.rejected += 1
            continue
        tally.opened += 1
        yield admitted, held
