"""The responses analysts read: which ones (filters), and the same rows as CSV and XLSX.

Exports hold every answer, free text from the sealed and assisted channels included, so only
analysts get them (DESIGN.md §2). Respondents write what they like and analysts open these
files in spreadsheet programs, so every text cell is defused (:mod:`consult.spreadsheets`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import selectinload

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.content import resolve
from consult.i18n.locales import display_name
from consult.opcat.vocabulary import GUARANTEES, PLACES, STAKEHOLDERS
from consult.questionnaires.answers import AnswerRow
from consult.questionnaires.schema import (
    CHANNEL_LABELS,
    CHANNELS,
    Channel,
    Question,
    Questionnaire,
    QuestionType,
)
from consult.respond import services
from consult.respond.display import Words
from consult.respond.models import Invitation, Response
from consult.spreadsheets import (
    BOLD,
    Cell,
    sheet_title,
    workbook,
    workbook_bytes,
    xlsx_cell,
)
from consult.spreadsheets import XLSX_MIMETYPE as XLSX_MIMETYPE  # the views' import
from consult.spreadsheets import to_csv as csv_bytes

#: Responses loaded (with their answers) per round trip while exporting.
BATCH = 500


# Which responses -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseFilter:
    """What an analyst narrowed the responses to; empty fields select everything."""

    channel: Channel | None = None
    category: str = ""
    jurisdiction: str = ""
    #: Only invited organisations that agreed to publication under their name.
    consenting: bool = False

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> ResponseFilter:
        """Read the filters from query parameters; an unknown channel selects every channel."""
        channel = args.get("channel", "")
        return cls(
            channel=Channel(channel) if channel in CHANNELS else None,
            category=args.get("category", "")[:40],
            jurisdiction=args.get("jurisdiction", "")[:80],
            consenting=args.get("consent", "") == "1",
        )

    def params(self) -> dict[str, str]:
        """The query parameters that select the same responses (for pager and export links)."""
        values = {
            "channel": self.channel.value if self.channel else "",
            "category": self.category,
            "jurisdiction": self.jurisdiction,
            "consent": "1" if self.consenting else "",
        }
        return {key: value for key, value in values.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        """The ``WHERE`` clauses these filters add."""
        clauses = []
        if self.channel is not None:
            clauses.append(Response.channel == self.channel)
        if self.category:
            clauses.append(Response.stakeholder_category == self.category)
        if self.jurisdiction:
            clauses.append(Response.jurisdiction == self.jurisdiction)
        if self.consenting:
            clauses.append(Response.channel == Channel.INVITED)
            clauses.append(Response.publication_consent.is_(True))
        return clauses


def selected(consultation: Consultation, filters: ResponseFilter) -> Select[Response, str | None]:
    """The responses passing ``filters``, latest day first, with the invited organisation's name.

    Sealed and assisted responses have no day: they come last, in the order of their random
    identifiers, which says nothing about when they arrived.
    """
    query = (
        select(Response, Invitation.organisation_name)
        .outerjoin(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.consultation_id == consultation.id)
    )
    return query.where(*filters.conditions()).order_by(
        Response.received_on.desc().nulls_last(), Response.id
    )


def count(consultation: Consultation, filters: ResponseFilter) -> int:
    query = select(func.count()).select_from(Response)
    query = query.where(Response.consultation_id == consultation.id)
    return db.session.scalar(query.where(*filters.conditions())) or 0


# Labels ------------------------------------------------------------------------------------


def category_labels(
    consultation: Consultation, document: Questionnaire, locale: str
) -> dict[str, str]:
    """Every stakeholder category's label, the questionnaire's own ones included."""
    labels = {term.key: str(term.label) for term in STAKEHOLDERS}
    for choice in document.profile.custom_categories:
        labels[choice.key] = resolve(choice.label, consultation.default_locale, locale)
    return labels


@dataclass(frozen=True)
class Labels:
    """Names of the keys a response carries, in the reader's language."""

    categories: dict[str, str]
    jurisdictions: dict[str, str]
    channels: dict[str, str] = field(
        default_factory=lambda: {key: str(label) for key, label in CHANNEL_LABELS.items()}
    )

    @classmethod
    def of(cls, consultation: Consultation, document: Questionnaire, locale: str) -> Labels:
        return cls(
            categories=category_labels(consultation, document, locale),
            jurisdictions=dict(services.jurisdiction_choices(consultation, document, locale)),
        )

    def category(self, key: str) -> str:
        return self.categories.get(key, key)

    def jurisdiction(self, key: str | None) -> str:
        return self.jurisdictions.get(key, key) if key else ""


# The table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One response as the table reads it."""

    number: int
    response: Response
    #: Name of the invited organisation (invited channel only).
    organisation: str | None
    answers: dict[str, list[AnswerRow]]


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Row], Cell]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[list[Cell]]


def table(consultation: Consultation, filters: ResponseFilter, locale: str) -> Table:
    """One row per selected response: who (as far as recorded), then one or more cells per
    question; headers, labels and texts in ``locale`` (questionnaire texts falling back to the
    consultation's default language). The rows are read lazily, a batch at a time."""
    document = consultation.document()
    labels = Labels.of(consultation, document, locale)
    words = Words(document, locale, consultation.default_locale)
    columns = _profile_columns(labels, locale) + _question_columns(document, words)
    rows = ([column.value(row) for column in columns] for row in _rows(consultation, filters))
    return Table([column.header for column in columns], rows)


def _rows(consultation: Consultation, filters: ResponseFilter) -> Iterator[Row]:
    query = selected(consultation, filters).options(selectinload(Response.answers))
    results = db.session.execute(query.execution_options(yield_per=BATCH))
    for number, (response, organisation) in enumerate(results, start=1):
        answers: dict[str, list[AnswerRow]] = {}
        for a in response.answers:
            answers.setdefault(a.question_key, []).append(
                AnswerRow(a.question_key, a.item_key, a.choice_key, a.rank, a.number, a.text)
            )
        yield Row(number, response, organisation, answers)


def _yes(flag: bool) -> str:
    return _("Yes") if flag else ""


def _consent(row: Row) -> str:
    if row.response.channel is not Channel.INVITED:
        return ""
    return _("Yes") if row.response.publication_consent else _("No")


def _profile_columns(labels: Labels, ui_language: str) -> list[Column]:
    return [
        Column(_("No."), lambda row: row.number),
        Column(_("Channel"), lambda row: labels.channels.get(row.response.channel.value, "")),
        Column(_("Group (key)"), lambda row: row.response.stakeholder_category),
        Column(_("Group"), lambda row: labels.category(row.response.stakeholder_category)),
        Column(_("Jurisdiction"), lambda row: labels.jurisdiction(row.response.jurisdiction)),
        Column(
            _("Place of detention"),
            lambda row: (
                PLACES.label(row.response.place_category) if row.response.place_category else ""
            ),
        ),
        Column(_("Language"), lambda row: display_name(row.response.locale, ui_language)),
        Column(_("Day received"), lambda row: row.response.received_on),
        Column(_("Invited organisation"), lambda row: row.organisation or ""),
        Column(_("Consents to publication"), _consent),
        Column(_("Held for review"), lambda row: _yes(row.response.is_held)),
        Column(
            _("Organisation named in the answer"),
            lambda row: row.response.declared_organisation or "",
        ),
    ]


def _question_columns(document: Questionnaire, words: Words) -> list[Column]:
    """Rankings and matrices get a column per item, so each can be sorted and counted."""
    columns = []
    for question in document.questions():
        asked = words.text(question.text)
        if question.type is QuestionType.RANKING:
            columns += [
                Column(_item_header(asked, label), _rank_of(question.key, key))
                for key, label in words.choices(question)
            ]
        elif question.type is QuestionType.MATRIX:
            columns += [
                Column(_item_header(asked, GUARANTEES.label(key)), _rating_of(question.key, key))
                for key in question.rows
            ]
        elif question.type is QuestionType.NUMBER:
            columns.append(Column(asked, _number_of(question.key)))
        else:
            columns.append(Column(asked, _summary_of(question, words)))
    return columns


def _item_header(question: str, item: str) -> str:
    return _("%(question)s: %(item)s", question=question, item=item)


def _rank_of(question_key: str, item_key: str) -> Callable[[Row], Cell]:
    def value(row: Row) -> Cell:
        rows = row.answers.get(question_key, [])
        return next((a.rank for a in rows if a.choice_key == item_key), None)

    return value


def _rating_of(question_key: str, item_key: str) -> Callable[[Row], Cell]:
    columns = dict(Words.columns())

    def value(row: Row) -> Cell:
        rows = row.answers.get(question_key, [])
        chosen = next((a.choice_key for a in rows if a.item_key == item_key), "")
        return columns.get(chosen, chosen)

    return value


def _number_of(question_key: str) -> Callable[[Row], Cell]:
    def value(row: Row) -> Cell:
        rows = row.answers.get(question_key, [])
        number = rows[0].number if rows else None
        if number is None:
            return None
        return int(number) if float(number).is_integer() else number

    return value


def _summary_of(question: Question, words: Words) -> Callable[[Row], Cell]:
    def value(row: Row) -> Cell:
        rows = row.answers.get(question.key)
        return " | ".join(words.summary(question, rows)) if rows else ""

    return value


# Files -------------------------------------------------------------------------------------


def to_csv(data: Table) -> bytes:
    """The header and the rows, as :func:`consult.spreadsheets.to_csv` writes them."""
    return csv_bytes(_with_header(data))


def to_xlsx(data: Table, title: str) -> bytes:
    """One worksheet, header frozen; texts stored as strings, never as formulas."""
    book = workbook()
    sheet = book.create_sheet(sheet_title(title))
    sheet.freeze_panes = "A2"
    sheet.append([xlsx_cell(sheet, text, BOLD) for text in data.header])
    for cells in data.rows:
        sheet.append([xlsx_cell(sheet, cell) for cell in cells])
    return workbook_bytes(book)


def _with_header(data: Table) -> Iterator[list[Cell]]:
    yield list(data.header)
    yield from data.rows
