"""The SQL side of reports: a few ``GROUP BY`` queries per dimension, then :mod:`assemble`.

Answers are stored one row per answer (DESIGN.md §9), so every number of a report is a count
or a sum grouped by question, item, choice, rank and one profile dimension, on SQLite and
PostgreSQL alike. No Python loop ever walks the answer rows: the database returns groups, and
:func:`consult.reports.assemble.assemble` turns them into suppressed tables.

Responses held for review (sealed envelopes past the rate limit) are counted apart and left
out of every result.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, case, func, literal, select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.schema import CHANNELS, JurisdictionMode, Questionnaire, QuestionType
from consult.reports.assemble import Counts, assemble
from consult.reports.data import DEPRIVED, NOT_STATED, OTHERS, ReportData
from consult.respond.models import Answer, Response

#: Types with several answer rows per respondent, whose respondents are counted apart.
SEVERAL_ROWS = (QuestionType.MULTIPLE.value, QuestionType.MATRIX.value)
#: Rows fetched at a time when hashing the dataset.
CHUNK = 5000


def build(consultation: Consultation, k: int) -> ReportData:
    """The suppressed numbers of a consultation's counted responses."""
    document = consultation.document()
    return assemble(counts(consultation, document), document, k)


def counts(consultation: Consultation, document: Questionnaire) -> Counts:
    """Run the queries: participation, answers, respondents and numbers, per dimension."""
    dimensions = _dimensions(document)
    participation = {name: _participation(consultation, expr) for name, expr in dimensions.items()}
    several = [q.key for q in document.questions() if q.type.value in SEVERAL_ROWS]
    numbers = [q.key for q in document.questions() if q.type is QuestionType.NUMBER]
    return Counts(
        columns={name: _ordered(name, participation[name], document) for name in dimensions},
        channels=[c for c in CHANNELS if any(ch == c for (_v, ch) in participation["group"])],
        participation=participation,
        answers={name: _answers(consultation, expr) for name, expr in dimensions.items()},
        respondents={
            name: _respondents(consultation, expr, several) for name, expr in dimensions.items()
        },
        numbers={name: _numbers(consultation, expr, numbers) for name, expr in dimensions.items()},
        held=_held(consultation),
    )


def _dimensions(document: Questionnaire) -> dict[str, ColumnElement[Any]]:
    """The profile column each dimension groups by (only what the questionnaire asks)."""
    dimensions: dict[str, ColumnElement[Any]] = {
        "group": case(
            (Response.stakeholder_category == DEPRIVED, literal(DEPRIVED)), else_=literal(OTHERS)
        ),
        "category": Response.stakeholder_category.expression,
    }
    if document.profile.jurisdiction is not JurisdictionMode.NONE:
        dimensions["jurisdiction"] = func.coalesce(Response.jurisdiction, NOT_STATED)
    if document.profile.ask_place:
        dimensions["place"] = func.coalesce(Response.place_category, NOT_STATED)
    dimensions["channel"] = Response.channel.expression
    return dimensions


def _counted(consultation: Consultation) -> list[ColumnElement[bool]]:
    return [Response.consultation_id == consultation.id, Response.is_held.is_(False)]


def _participation(
    consultation: Consultation, expr: ColumnElement[Any]
) -> dict[tuple[str, str], int]:
    value = expr.label("value")
    rows = db.session.execute(
        select(value, Response.channel, func.count())
        .where(*_counted(consultation))
        .group_by(value, Response.channel)
    )
    return {(str(v), _channel(ch)): n for v, ch, n in rows}


def _answers(
    consultation: Consultation, expr: ColumnElement[Any]
) -> dict[tuple[str, str, str, int | None, str], int]:
    value = expr.label("value")
    rows = db.session.execute(
        select(
            Answer.question_key,
            Answer.item_key,
            Answer.choice_key,
            Answer.rank,
            value,
            func.count(),
        )
        .join(Response, Response.id == Answer.response_id)
        .where(*_counted(consultation))
        .group_by(Answer.question_key, Answer.item_key, Answer.choice_key, Answer.rank, value)
    )
    return {(q, item, choice, rank, _channel(v)): n for q, item, choice, rank, v, n in rows}


def _respondents(
    consultation: Consultation, expr: ColumnElement[Any], keys: list[str]
) -> dict[tuple[str, str], int]:
    if not keys:
        return {}
    value = expr.label("value")
    rows = db.session.execute(
        select(Answer.question_key, value, func.count(Answer.response_id.distinct()))
        .join(Response, Response.id == Answer.response_id)
        .where(*_counted(consultation), Answer.question_key.in_(keys))
        .group_by(Answer.question_key, value)
    )
    return {(q, _channel(v)): n for q, v, n in rows}


def _numbers(
    consultation: Consultation, expr: ColumnElement[Any], keys: list[str]
) -> dict[tuple[str, float, str], int]:
    if not keys:
        return {}
    value = expr.label("value")
    rows = db.session.execute(
        select(Answer.question_key, Answer.number, value, func.count())
        .join(Response, Response.id == Answer.response_id)
        .where(*_counted(consultation), Answer.question_key.in_(keys), Answer.number.is_not(None))
        .group_by(Answer.question_key, Answer.number, value)
    )
    return {(q, float(number), _channel(v)): n for q, number, v, n in rows}


def _held(consultation: Consultation) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Response)
            .where(Response.consultation_id == consultation.id, Response.is_held.is_(True))
        )
        or 0
    )


def _channel(value: Any) -> str:
    """Group values as text: channels come back as enum members."""
    return str(getattr(value, "value", value))


def _ordered(
    dimension: str, found: dict[tuple[str, str], int], document: Questionnaire
) -> list[str]:
    """A dimension's columns in report order; ``not stated`` last."""
    present = {value for value, _channel in found}
    if dimension == "group":
        return [DEPRIVED, OTHERS]
    if dimension == "channel":
        return [c for c in CHANNELS if c in present]
    order = _known_order(dimension, document)
    known = [key for key in order if key in present]
    rest = sorted(present - set(order) - {NOT_STATED})
    return [*known, *rest, *([NOT_STATED] if NOT_STATED in present else [])]


def _known_order(dimension: str, document: Questionnaire) -> list[str]:
    profile = document.profile
    if dimension == "category":
        return [*profile.categories, *(c.key for c in profile.custom_categories)]
    if dimension == "jurisdiction":
        return [c.key for c in profile.custom_jurisdictions]
    if dimension == "place":
        return list(PLACES.keys())
    return []


# The dataset digest --------------------------------------------------------------------------


def dataset_digest(consultation: Consultation) -> str:
    """SHA-256 of every counted answer with its response's profile, in a fixed order.

    Whoever holds the dataset (an auditor given an export) can recompute it and check that
    the published numbers came from exactly these answers.
    """
    statement = (
        select(
            Response.id,
            Response.channel,
            Response.stakeholder_category,
            Response.jurisdiction,
            Response.place_category,
            Answer.question_key,
            Answer.item_key,
            Answer.choice_key,
            Answer.rank,
            Answer.number,
            Answer.text,
        )
        .join(Answer, Answer.response_id == Response.id)
        .where(*_counted(consultation))
        .order_by(Response.id, Answer.question_key, Answer.item_key, Answer.choice_key)
        .execution_options(yield_per=CHUNK)
    )
    digest = hashlib.sha256()
    for row in db.session.execute(statement):
        digest.update(_line(row))
    return digest.hexdigest()


def _line(row: Iterable[Any]) -> bytes:
    fields = ["" if value is None else _channel(value) for value in row]
    return (
        "\t".join(f.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") for f in fields)
        + "\n"
    ).encode()
