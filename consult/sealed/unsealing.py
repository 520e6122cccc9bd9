"""Unsealing a closed consultation: in the app, or by importing what ``consult-open`` opened.

Both ways end in :func:`_store`: each admitted payload becomes a response with the channel it
came through and **no date**, in the shuffled order; the counts and the digest of the envelope
set go to the audit log; the consultation becomes *unsealed*. Services flush, never commit.
"""

from __future__ import annotations

import base64
import gc
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Dialect, Table, select

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase, Status
from consult.errors import Conflict, ValidationFailed
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.respond import services as respond
from consult.respond.models import Answer, Response
from consult.sealed import admission, alongside, crypto, payload
from consult.sealed.models import Envelope, SealingKey
from consult.sealed.services import NoKey, sealing_key
from consult.sealed.unseal import (
    Sealed,
    Tally,
    admitting,
    counted,
    opened_in_turn,
    private_key,
    set_digest,
    shuffled,
)

#: Envelopes read at a time.
BATCH = 500
#: Responses written at a time: few enough that the process opening envelopes
#: (:mod:`consult.sealed.alongside`) has work queued for as long as a batch takes to write.
STORE_BATCH = 200
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
    """Open every envelope of ``consultation`` with ``shares``, in one sitting (flushed).

    With many envelopes, a forked process opens and checks them while this one stores the
    answers (:mod:`consult.sealed.alongside`): the same answers in the same order, or, if it
    cannot, they are opened here."""
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
    ids, digest = _shuffled_ids(consultation)
    opening = alongside.opened if alongside.worthwhile(len(ids)) else opened_in_turn
    then = admitting(admitter(consultation))
    with closing(opening(_stored(ids), private, where, then)) as opened:
        _store(consultation, counted(opened, tally))
    del private
    _finish(consultation, actor, tally, "in_app", digest)
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


def _shuffled_ids(consultation: Consultation) -> tuple[list[str], str]:
    """The ids of the consultation's envelopes in a fresh shuffled order, and the digest of
    the set (:func:`envelope_digest`), from one reading of the table."""
    query = select(Envelope.id, Envelope.sha256).where(Envelope.consultation_id == consultation.id)
    rows = db.session.execute(query).all()
    return shuffled(row.id for row in rows), set_digest(row.sha256 for row in rows)


def _stored(ids: list[str]) -> Iterator[Sealed]:
    """The envelopes of ``ids`` in that order, read a batch at a time."""
    columns = (Envelope.id, Envelope.suite, Envelope.key_id, Envelope.ciphertext, Envelope.sha256)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        query = select(*columns, Envelope.is_held).where(Envelope.id.in_(batch))
        rows = {row.id: row for row in db.session.execute(query)}
        for envelope_id in batch:
            yield Sealed(*rows.pop(envelope_id))


#: What :func:`admitter` makes of an admitted payload, and :func:`_store` stores: the channel,
#: the language, the profile's category, jurisdiction and place (``None`` when empty), and
#: the rows, each the six values of an :class:`AnswerRow`. Plain values, cheap to pass from
#: the process that opens envelopes (:mod:`consult.sealed.alongside`).
Admitted = tuple[Channel, str, str, str | None, str | None, list[tuple[Any, ...]]]


def admitter(consultation: Consultation) -> Callable[[dict[str, Any]], Admitted | None]:
    """Checks an opened payload against the consultation's frozen questionnaire, as the form
    of its channel would (:mod:`consult.sealed.admission`); ``None`` refuses it."""
    document = consultation.document()
    version, offered = consultation.version, frozenset(consultation.offered_locales)
    checkers = {
        str(channel): (
            channel,
            admission.Checker(
                document,
                respond.questions_for(document, channel),
                # The rules' keys are the same in every language: only their labels differ.
                respond.profile_rules(consultation, document, channel, consultation.default_locale),
            ),
        )
        for channel in payload.SEALED_CHANNELS
    }

    def admit(body: dict[str, Any]) -> Admitted | None:
        try:
            found = checkers.get(body["channel"])
            locale = body["locale"]
            profile, rows = payload.read_profile(body), body["answers"]
        except (KeyError, TypeError, ValueError):
            return None
        if (
            found is None  # not a sealed channel
            or body.get("version") != version
            or type(locale) is not str
            or locale not in offered  # the forms speak no other language
        ):
            return None
        channel, checker = found
        checked = checker.check(profile, rows)
        if checked is None:
            return None
        kept = checked.profile
        return (
            channel,
            locale,
            kept.category,
            kept.jurisdiction or None,
            kept.place or None,
            [
                (a.question_key, a.item_key, a.choice_key, a.rank, a.number, a.text)
                for found_rows in checked.answers.values()
                for a in found_rows
            ],
        )

    return admit


#: The columns of the rows :func:`_store` writes, in the order of its tuples.
RESPONSE_COLUMNS = (
    "id",
    "consultation_id",
    "channel",
    "questionnaire_version",
    "locale",
    "received_on",
    "stakeholder_category",
    "jurisdiction",
    "place_category",
    "declared_organisation",
    "submission_key_hash",
    "answers_digest",
    "is_held",
    "publication_consent",
)
ANSWER_COLUMNS = ("response_id", "question_key", "item_key", "choice_key", "rank", "number", "text")


def _store(consultation: Consultation, admitted: Iterable[tuple[Admitted, bool]]) -> None:
    """Insert the admitted answers a batch at a time (two bulk statements per batch), in the
    order they come: a response has no date, and a random id."""
    responses: list[tuple[Any, ...]] = []
    answers: list[tuple[Any, ...]] = []
    version, consultation_id = consultation.version or "", consultation.id
    # The id as the driver takes it, once per response rather than once per answer.
    stored_id = _converter(Response.__table__, "id")
    with _heap_set_aside():
        for (channel, locale, category, jurisdiction, place, rows), held in admitted:
            stored = stored_id(uuid.uuid4())
            responses.append(
                (
                    stored,
                    consultation_id,
                    channel,
                    version,
                    locale,
                    None,  # received_on: sealed answers carry no date at all
                    category,
                    jurisdiction,
                    place,
                    None,  # declared_organisation: nobody is named on a sealed channel
                    None,  # submission_key_hash: the envelope's is not carried over
                    None,  # answers_digest
                    held,
                    False,  # publication_consent
                )
            )
            answers.extend([(stored, *row) for row in rows])
            if len(responses) >= STORE_BATCH:
                _insert(responses, answers)
        _insert(responses, answers)


def _insert(responses: list[tuple[Any, ...]], answers: list[tuple[Any, ...]]) -> None:
    if responses:
        _executemany(Response.__table__, RESPONSE_COLUMNS, responses, "id")
    if answers:
        _executemany(Answer.__table__, ANSWER_COLUMNS, answers, "response_id")
    responses.clear()
    answers.clear()


def _converter(table: Table, column: str) -> Any:
    """The function that makes a value of ``column`` what the driver takes."""
    convert = table.c[column].type.bind_processor(db.session.connection().dialect)
    return convert if convert is not None else _same


def _same(value: Any) -> Any:
    return value


def _executemany(
    table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]], converted: str
) -> None:
    """The driver's executemany of ``rows``, each value converted as SQLAlchemy converts it
    for this database (a UUID as SQLite's hex text, an enum as its value…), so the stored
    rows are the same as a Core insert's, without its per-row bookkeeping (half the time of
    a batch went there). The values of the column ``converted`` are converted already.

    Values are converted a column at a time: the rows turned into columns and back are
    tuples made in C, where a row at a time took a Python loop for each."""
    connection = db.session.connection()
    sql, positional, converters = _driver_insert(table, columns, connection.dialect)
    converting = [(index, convert) for index, convert in converters if columns[index] != converted]
    if converting:
        values = list(zip(*rows, strict=True))
        for index, convert in converting:
            values[index] = tuple(map(convert, values[index]))
        rows = list(zip(*values, strict=True))
    parameters = rows if positional else [dict(zip(columns, row, strict=True)) for row in rows]
    connection.exec_driver_sql(sql, parameters)


@contextmanager
def _heap_set_aside() -> Iterator[None]:
    """The objects that exist already left out of garbage collections while this runs.

    Opening tens of thousands of envelopes makes enough objects that outlive a young
    collection (the rows of a batch) to set off full ones, each of which would walk the
    whole application (~0.15 s for the app's 200,000 objects, several times per 20,000
    envelopes). Frozen, they are skipped; the new objects are collected as usual, and the
    frozen ones go back to the collector afterwards.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@cache
def _driver_insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, bool, tuple[tuple[int, Any], ...]]:
    """The INSERT of ``columns`` in the driver's own parameter style, whether it takes
    positional parameters, and the value converters of the columns that have one."""
    compiled = table.insert().compile(dialect=dialect, column_keys=list(columns))
    if compiled.positional and list(compiled.positiontup or ()) != list(columns):
        raise RuntimeError("unexpected order of insert parameters")
    converters = tuple(
        (index, convert)
        for index, name in enumerate(columns)
        if (convert := table.c[name].type.bind_processor(dialect)) is not None
    )
    return str(compiled), bool(compiled.positional), converters


def _finish(
    consultation: Consultation, actor: User | None, tally: Tally, how: str, digest: str
) -> None:
    consultation.status = Status.UNSEALED
    db.session.flush()
    record(
        "sealed.unsealed",
        f"consultation:{consultation.uuid}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id if actor else None,
        details={**tally.as_dict(), "digest": digest, "how": how},
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
    digest = envelope_digest(consultation)
    if header.get("digest") != digest:
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
    _finish(consultation, actor, tally, "offline", digest)
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
