"""Names of the keys a report's numbers carry, in one reader's language.

:class:`~consult.reports.data.ReportData` holds keys only (``civil_society``, ``north``,
``essential``), so every rendering in every language reads the same frozen numbers. This module
names them: questionnaire texts in the content language (falling back to the consultation's
default), vocabulary and interface words in the UI language active when it runs (call it inside
``force_locale`` to pick another).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.consultations.models import Consultation
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.schema import Question, Questionnaire, QuestionType
from consult.reports.data import ALL, DEPRIVED, NOT_STATED, OTHERS
from consult.respond.display import Words
from consult.respond.exports import Labels

#: Section key of the participation tables, beside the questionnaire's own sections.
PARTICIPATION = "participation"
#: Row key of the one-row tables of text and number questions.
ANSWERED = "answered"

#: What each breakdown of :data:`consult.reports.data.DIMENSIONS` compares.
DIMENSION_LABELS: dict[str, LazyString] = {
    "all": _l("All respondents"),
    "group": _l("Persons deprived of liberty and everyone else"),
    "category": _l("Stakeholder group"),
    "jurisdiction": _l("Jurisdiction"),
    "place": _l("Place of detention"),
    "channel": _l("Channel"),
}


@dataclass
class QuestionLabels:
    """The words of one question's tables."""

    #: The question as respondents read it.
    text: str
    #: Key of the questionnaire section it belongs to.
    section: str
    #: Names of the table rows: choices, ranked items, guarantees, or ``answered``.
    rows: dict[str, str]
    #: Names of the columns of its ``all`` table where they are not ``all``: ranking positions
    #: (``"1"``, ``"2"`` …) or matrix ratings; empty otherwise.
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class ReportLabels:
    """Every name a report's tables need, in one language."""

    #: Language of the questionnaire texts (a content language of the consultation).
    locale: str
    #: Language of the interface words and vocabularies (a UI language).
    ui_locale: str
    #: Dimension key → what it compares.
    dimensions: dict[str, str]
    #: Dimension key → column (or participation row) key → name.
    values: dict[str, dict[str, str]]
    #: Section key → title; :data:`PARTICIPATION` included.
    sections: dict[str, str]
    questions: dict[str, QuestionLabels]
    #: The mark of a hidden cell, with the threshold.
    hidden: str

    def column(self, question: str | None, dimension: str, key: str) -> str:
        """The name of column ``key`` of a question's (or a participation) table."""
        own = self.questions[question].columns if question in self.questions else {}
        if dimension == ALL and key in own:
            return own[key]
        return self.values.get(dimension, {}).get(key, key)

    def row(self, question: str | None, dimension: str, key: str) -> str:
        """The name of row ``key``: a question's item, or a participation profile value."""
        if question in self.questions:
            return self.questions[question].rows.get(key, key)
        return self.values.get(dimension, {}).get(key, key)

    def section_of(self, question: str | None) -> str:
        """The section key of a question; :data:`PARTICIPATION` for ``None``."""
        if question is None:
            return PARTICIPATION
        return self.questions[question].section if question in self.questions else ""

    def question_text(self, key: str | None) -> str:
        return self.questions[key].text if key in self.questions else ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_labels(consultation: Consultation, locale: str, ui_locale: str, k: int) -> ReportLabels:
    """Names for a report of ``consultation``: texts in ``locale``, words in the active UI
    language (``ui_locale`` is recorded, not applied)."""
    document = consultation.document()
    words = Words(document, locale, consultation.default_locale)
    sections = {s.key: words.text(s.title) for s in document.sections}
    return ReportLabels(
        locale=locale,
        ui_locale=ui_locale,
        dimensions={key: str(label) for key, label in DIMENSION_LABELS.items()},
        values=_values(Labels.of(consultation, document, locale)),
        sections={PARTICIPATION: _("Participation"), **sections},
        questions={q.key: _question(document, words, q) for q in document.questions()},
        hidden=_("Hidden: fewer than %(k)d respondents, or would reveal such a count.", k=k),
    )


def _values(labels: Labels) -> dict[str, dict[str, str]]:
    not_stated = {NOT_STATED: _("Not stated")}
    return {
        "all": {ALL: _("All respondents")},
        "group": {DEPRIVED: _("Persons deprived of liberty"), OTHERS: _("Everyone else")},
        "category": {**labels.categories, **not_stated},
        "jurisdiction": {**labels.jurisdictions, **not_stated},
        "place": {**dict(PLACES.choices()), **not_stated},
        "channel": dict(labels.channels),
    }


def _question(document: Questionnaire, words: Words, question: Question) -> QuestionLabels:
    section = document.section_of(question.key)
    return QuestionLabels(
        text=words.text(question.text),
        section=section.key if section else "",
        rows=_rows(words, question),
        columns=_columns(document, question),
    )


def _rows(words: Words, question: Question) -> dict[str, str]:
    if question.type is QuestionType.MATRIX:
        return dict(words.rows(question))
    if question.type in (QuestionType.NUMBER, QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
        return {ANSWERED: _("Answered")}
    return dict(words.choices(question))


def _columns(document: Questionnaire, question: Question) -> dict[str, str]:
    if question.type is QuestionType.MATRIX:
        return dict(Words.columns())
    if question.type is QuestionType.RANKING:
        count = len(document.items_of(question))
        return {str(n): _("Ranked %(position)d", position=n) for n in range(1, count + 1)}
    return {}
