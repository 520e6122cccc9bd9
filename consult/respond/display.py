"""Words for what a questionnaire shows: choice labels, condition hints, answer summaries."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from consult.i18n.content import resolve
from consult.opcat.vocabulary import GUARANTEES
from consult.questionnaires.answers import AnswerRow
from consult.questionnaires.schema import (
    MATRIX_COLUMNS,
    YES_NO_CHOICES,
    ConditionOp,
    Question,
    Questionnaire,
    QuestionType,
)
from consult.text import contain_bidi

PROFILE_LABELS: dict[str, LazyString] = {
    "p-category": _l("Which group do you belong to?"),
    "p-jurisdiction": _l("Which part of the country does your answer concern?"),
    "p-place": _l("Which kind of place of detention does your answer concern?"),
    "p-organisation": _l("Organisation you answer for"),
}


class Words:
    """Texts of one questionnaire in one content language (falling back to the default)."""

    def __init__(self, document: Questionnaire, locale: str, default: str) -> None:
        self.document, self.locale, self.default = document, locale, default

    def text(self, texts: dict[str, str]) -> str:
        return resolve(texts, self.default, self.locale)

    def choices(self, question: Question) -> list[tuple[str, str]]:
        """``(key, label)`` of what a question offers, in order."""
        if question.type is QuestionType.YES_NO:
            return [(key, str(label)) for key, label in YES_NO_CHOICES.items()]
        return [(c.key, self.text(c.label)) for c in self.document.items_of(question)]

    def rows(self, question: Question) -> list[tuple[str, str]]:
        return [(key, GUARANTEES.label(key)) for key in question.rows]

    @staticmethod
    def columns() -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in MATRIX_COLUMNS.items()]

    def label_of(self, question: Question, key: str) -> str:
        return dict(self.choices(question)).get(key, key)

    def condition_hint(self, question: Question) -> str:
        """ "Answer only if …", for pages that show every question at once."""
        condition = question.condition
        if condition is None:
            return ""
        source = self.document.question(condition.question)
        if source is None:
            return ""
        asked = contain_bidi(self.text(source.text))
        if condition.op is ConditionOp.ANSWERED:
            return _("Answer only if you answered “%(question)s”.", question=asked)
        answer = contain_bidi(self.label_of(source, condition.value))
        if condition.op is ConditionOp.NOT_EQUALS:
            return _(
                "Answer only if your answer to “%(question)s” was not “%(answer)s”.",
                question=asked,
                answer=answer,
            )
        if condition.op is ConditionOp.INCLUDES:
            return _(
                "Answer only if you chose “%(answer)s” in “%(question)s”.",
                question=asked,
                answer=answer,
            )
        return _(
            "Answer only if you answered “%(answer)s” to “%(question)s”.",
            question=asked,
            answer=answer,
        )

    def errors(
        self, flow_steps: list[tuple[str, list[str]]], errors: dict[str, LazyString]
    ) -> list[tuple[str, str, str]]:
        """``(field, label, message)`` for the error summary, in the order of the page."""
        items = []
        for step, names in flow_steps:
            question = self.document.question(step)
            for name in names:
                if name in errors:
                    label = (
                        self.text(question.text)
                        if question is not None
                        else str(PROFILE_LABELS.get(name, ""))
                    )
                    items.append((name, label, str(errors[name])))
        return items

    def summary(self, question: Question, rows: list[AnswerRow]) -> list[str]:
        """An answer as lines a person can check."""
        if not rows:
            return [_("Not answered")]
        kind = question.type
        if kind is QuestionType.RANKING:
            return [
                f"{row.rank}. {self.label_of(question, row.choice_key)}"
                for row in sorted(rows, key=lambda r: r.rank or 0)
            ]
        if kind is QuestionType.MATRIX:
            columns = dict(self.columns())
            return [
                f"{GUARANTEES.label(row.item_key)}: {columns.get(row.choice_key, '')}"
                for row in rows
            ]
        if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            return [row.text or "" for row in rows]
        if kind is QuestionType.NUMBER:
            number = float(rows[0].number or 0)
            return [str(int(number)) if number.is_integer() else str(number)]
        return [self.label_of(question, row.choice_key) for row in rows]
