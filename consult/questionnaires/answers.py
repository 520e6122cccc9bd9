"""Reading a respondent's form into checked answers: one row per answer (DESIGN.md §9).

Pure Python: takes the submitted fields (anything with ``getlist``), the questionnaire and the
allowed profile values, and returns the answers the database will store, or field-by-field
errors with messages a respondent can act on. Nothing here raises on hostile input: unknown
fields are ignored, text is cleaned of control characters, every value is checked against
what the question offers, and questions hidden by their conditions are dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Protocol

from babel import UnknownLocaleError
from babel.numbers import get_decimal_symbol
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from consult.forms import too_long, whole_number
from consult.i18n.numbers import lazy_number
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.schema import (
    MATRIX_COLUMNS,
    TEXT_TYPES,
    YES_NO_CHOICES,
    Condition,
    ConditionOp,
    Question,
    Questionnaire,
    QuestionType,
)

ORGANISATION_MAX = 200
#: Control characters that have no place in an answer: C0 except tab and newlines, DEL,
#: and the bidi embeddings, overrides and isolates that can disguise text (LRM/RLM stay).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

ANSWER_THIS = _l("Answer this question.")
CHOOSE_OFFERED = _l("Choose one of the answers offered.")


class FormData(Protocol):
    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True, order=True)
class AnswerRow:
    """One stored answer: a choice, a ranked item, a rated row, a number or a text."""

    question_key: str
    item_key: str = ""
    choice_key: str = ""
    rank: int | None = None
    number: float | None = None
    text: str | None = None


#: The order of :class:`AnswerRow` (field by field, as ``order=True`` compares them), as a
#: sort key: tuples compared in C, where ``sorted(rows)`` calls the generated ``__lt__``
#: for every comparison (five times slower on a form of thirty answers).
ROW_ORDER = attrgetter(*(f.name for f in fields(AnswerRow)))


@dataclass
class ProfileAnswers:
    category: str = ""
    jurisdiction: str = ""
    place: str = ""
    organisation: str = ""


@dataclass
class Submission:
    """What a respondent sent, checked: the profile, answers by question, and errors by field."""

    profile: ProfileAnswers = field(default_factory=ProfileAnswers)
    answers: dict[str, list[AnswerRow]] = field(default_factory=dict)
    errors: dict[str, LazyString] = field(default_factory=dict)

    @property
    def rows(self) -> list[AnswerRow]:
        return [row for rows in self.answers.values() for row in rows]

    def digest(self) -> str:
        """SHA-256 of the profile and the answers, to tell a retry from a different answer."""
        rows = [
            {**vars(r), "number": None if r.number is None else float(r.number)}
            for r in sorted(self.rows, key=ROW_ORDER)
        ]
        data = {"profile": vars(self.profile), "rows": rows}
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def field_name(question: Question | str, item: str | None = None) -> str:
    """The form field of a question (or of one item of a ranking or matrix)."""
    key = question if isinstance(question, str) else question.key
    return f"q-{key}" if item is None else f"q-{key}-{item}"


def field_names(question: Question, document: Questionnaire) -> list[str]:
    """Every form field a question uses."""
    if question.type is QuestionType.RANKING:
        return [field_name(question, c.key) for c in document.items_of(question)]
    if question.type is QuestionType.MATRIX:
        return [field_name(question, row) for row in question.rows]
    return [field_name(question)]


PROFILE_FIELDS = ("p-category", "p-jurisdiction", "p-place", "p-organisation")


def clean_text(value: str) -> str:
    """Text as stored: no control characters, ``\\n`` newlines, no surrounding blanks."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _values(form: FormData, name: str) -> list[str]:
    return [cleaned for value in form.getlist(name) if (cleaned := clean_text(value))]


# Conditions --------------------------------------------------------------------------------


def condition_met(condition: Condition | None, answers: dict[str, list[AnswerRow]]) -> bool:
    """Whether a question with ``condition`` is shown, given the answers so far."""
    if condition is None:
        return True
    rows = answers.get(condition.question, [])
    chosen = {row.choice_key for row in rows}
    if condition.op is ConditionOp.ANSWERED:
        return bool(rows)
    if condition.op is ConditionOp.EQUALS:
        return chosen == {condition.value}
    if condition.op is ConditionOp.NOT_EQUALS:
        return chosen != {condition.value}
    return condition.value in chosen


# Questions ---------------------------------------------------------------------------------


def read_question(
    question: Question, document: Questionnaire, form: FormData
) -> tuple[list[AnswerRow], dict[str, LazyString]]:
    """The answer rows of one question, or the errors of its fields."""
    reader = _READERS[question.type]
    rows, errors = reader(question, document, form)
    if not rows and not errors and question.required:
        errors = {field_names(question, document)[0]: ANSWER_THIS}
    if rows and question.required and question.type is QuestionType.MATRIX:
        rated = {row.item_key for row in rows}
        errors = {
            field_name(question, r): _l("Rate this guarantee too.")
            for r in question.rows
            if r not in rated
        }
    return (rows, {}) if not errors else ([], errors)


Result = tuple[list[AnswerRow], dict[str, LazyString]]


def _choices(question: Question, document: Questionnaire, form: FormData) -> Result:
    name = field_name(question)
    values = _values(form, name)
    offered = (
        [*YES_NO_CHOICES]
        if question.type is QuestionType.YES_NO
        else [c.key for c in question.choices]
    )
    many = question.type is QuestionType.MULTIPLE
    if any(v not in offered for v in values) or (len(values) > 1 and not many):
        return [], {name: CHOOSE_OFFERED}
    rows = []
    for value in dict.fromkeys(values):
        number = float(offered.index(value) + 1) if question.type is QuestionType.SCALE else None
        rows.append(AnswerRow(question.key, choice_key=value, number=number))
    return rows, {}


def _ranking(question: Question, document: Questionnaire, form: FormData) -> Result:
    items = [c.key for c in document.items_of(question)]
    ranks: dict[str, int] = {}
    errors: dict[str, LazyString] = {}
    for item in items:
        name = field_name(question, item)
        values = _values(form, name)
        if not values:
            continue
        rank = whole_number(values[0]) if len(values) == 1 else None
        if rank is None or not 1 <= rank <= len(items):
            errors[name] = _l(
                "Choose a rank from 1 to %(n)s, or leave it empty.", n=lazy_number(len(items))
            )
            continue
        ranks[item] = rank
    seen: dict[int, str] = {}
    for item, rank in ranks.items():
        if rank in seen:
            errors[field_name(question, item)] = _l("Give each rank only once.")
        seen[rank] = item
    if errors:
        return [], errors
    # Only some items may be ranked; gaps close up (ranks 1 and 3 become 1 and 2).
    ordered = sorted(ranks, key=lambda item: ranks[item])
    return [
        AnswerRow(question.key, choice_key=item, rank=n) for n, item in enumerate(ordered, start=1)
    ], {}


def _matrix(question: Question, document: Questionnaire, form: FormData) -> Result:
    rows, errors = [], {}
    for row in question.rows:
        name = field_name(question, row)
        values = _values(form, name)
        if not values:
            continue
        if len(values) > 1 or values[0] not in MATRIX_COLUMNS:
            errors[name] = CHOOSE_OFFERED
            continue
        rows.append(AnswerRow(question.key, item_key=row, choice_key=values[0]))
    return (rows, errors) if not errors else ([], errors)


def _text(question: Question, document: Questionnaire, form: FormData) -> Result:
    name = field_name(question)
    text = "\n".join(_values(form, name))
    if not text:
        return [], {}
    if len(text) > question.max_length:
        return [], {name: too_long(question.max_length)}
    return [AnswerRow(question.key, text=text)], {}


def _number(question: Question, document: Questionnaire, form: FormData) -> Result:
    name = field_name(question)
    values = _values(form, name)
    if not values:
        return [], {}
    raw = values[0].replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if len(values) > 1 or len(raw) > 30 or not re.fullmatch(r"[-+]?\d+(\.\d+)?", raw):
        return [], {name: _l("Enter a number, such as 12 or 3.5.")}
    number = float(raw)
    if question.integer and not number.is_integer():
        return [], {name: _l("Enter a whole number.")}
    low, high = question.min_value, question.max_value
    if (low is not None and number < low) or (high is not None and number > high):
        return [], {name: _range_message(low, high)}
    return [AnswerRow(question.key, number=number)], {}


#: Spaces and apostrophes people put between groups of digits ("12 345", "12’345").
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f'’]")
_TYPED = re.compile(r"([-+]?)(\d[\d.,]*)")
_GROUPS = re.compile(r"\d{1,3}(?:[.,]\d{3})+")


def typed_number(text: str, locale: str) -> str | None:
    """A number as a person at ``locale`` writes it ("12,345.5", "12 345,5", "12.345"), as
    the form reads numbers ("12345.5"); ``None`` when it is written no known way.

    Of the two separators, the last one written is the decimal one, and a separator written
    more than once groups thousands. A single separator followed by exactly three digits
    ("5,000", "5.000") means thousands where it is not the reader's decimal sign: 5000 in
    English, 5 in French. Anything else with one separator is a decimal ("3,5", "3.5").
    """
    found = _TYPED.fullmatch(_GROUP_SPACES.sub("", text))
    if found is None:
        return None
    sign, digits = found.groups()
    separators = [c for c in digits if c in ".,"]
    if not separators:
        return sign + digits
    last = separators[-1]
    integer, _, fraction = digits.rpartition(last)
    if len(set(separators)) == 1 and (len(separators) > 1 or _thousands(digits, locale)):
        integer, fraction = digits, ""  # only groups of thousands
    if any(c in ".," for c in fraction) or not integer:
        return None
    if any(c in ".," for c in integer) and not _GROUPS.fullmatch(integer):
        return None
    plain = integer.replace(",", "").replace(".", "")
    return f"{sign}{plain}.{fraction}" if fraction else f"{sign}{plain}"


def _thousands(digits: str, locale: str) -> bool:
    """Whether one separator before exactly three digits groups thousands at ``locale``."""
    if not _GROUPS.fullmatch(digits) or digits.startswith("0"):
        return False
    try:
        decimal = get_decimal_symbol(locale)
    except (UnknownLocaleError, ValueError):
        decimal = "."
    return digits[-4] != decimal


def localized_numbers(
    form: MultiDict[str, str], questions: Iterable[Question], locale: str
) -> MultiDict[str, str]:
    """``form`` with the answers to number questions as the form reads them, each read the
    way people at ``locale`` write numbers (:func:`typed_number`); what cannot be read is
    left as typed, for the question to say what is wrong."""
    names = [field_name(q) for q in questions if q.type is QuestionType.NUMBER]
    if not any(name in form for name in names):
        return form
    read = form.copy()
    for name in names:
        values = form.getlist(name)
        if len(values) == 1 and (plain := typed_number(values[0], locale)) is not None:
            read.setlist(name, [plain])
    return read


def _range_message(low: float | None, high: float | None) -> LazyString:
    if low is not None and high is not None:
        return _l("Enter a number from %(min)s to %(max)s.", min=_show(low), max=_show(high))
    if low is not None:
        return _l("Enter a number of at least %(min)s.", min=_show(low))
    return _l("Enter a number of at most %(max)s.", max=_show(high or 0))


def _show(value: float) -> LazyString:
    """A bound of a number question, written the reader's way ("10,000", "2.5")."""
    value = float(value)
    return lazy_number(int(value) if value.is_integer() else value)


_READERS = {
    QuestionType.SINGLE: _choices,
    QuestionType.MULTIPLE: _choices,
    QuestionType.SCALE: _choices,
    QuestionType.YES_NO: _choices,
    QuestionType.RANKING: _ranking,
    QuestionType.MATRIX: _matrix,
    QuestionType.SHORT_TEXT: _text,
    QuestionType.LONG_TEXT: _text,
    QuestionType.NUMBER: _number,
}
assert set(_READERS) == set(QuestionType)
assert set(_READERS) >= TEXT_TYPES


def visible_questions(
    questions: Iterable[Question], document: Questionnaire, form: FormData
) -> list[Question]:
    """The questions shown to someone who sent ``form``: conditions are followed in order."""
    answers: dict[str, list[AnswerRow]] = {}
    shown = []
    for question in questions:
        if not condition_met(question.condition, answers):
            continue
        shown.append(question)
        answers[question.key] = read_question(question, document, form)[0]
    return shown


def read_answers(
    questions: Iterable[Question], document: Questionnaire, form: FormData
) -> Submission:
    """Check every shown question of ``questions``; hidden ones are dropped whatever was sent."""
    submission = Submission()
    for question in questions:
        if not condition_met(question.condition, submission.answers):
            continue
        rows, errors = read_question(question, document, form)
        submission.errors.update(errors)
        if rows:
            submission.answers[question.key] = rows
    return submission


# Profile -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileRules:
    """What the profile may contain for this consultation and channel."""

    categories: Collection[str]
    jurisdictions: Collection[str] = ()
    ask_place: bool = False
    ask_organisation: bool = False


def read_profile(
    rules: ProfileRules, form: FormData
) -> tuple[ProfileAnswers, dict[str, LazyString]]:
    """The profile a respondent gave, or the errors of its fields."""
    profile, errors = ProfileAnswers(), {}
    picks = [("category", rules.categories, _l("Choose the group you belong to."))]
    if rules.jurisdictions:
        picks.append(("jurisdiction", rules.jurisdictions, _l("Choose where you are.")))
    if rules.ask_place:
        picks.append(("place", PLACES.keys(), None))  # optional
    for name, allowed, missing in picks:
        value, error = _one_of(form, f"p-{name}", allowed, missing)
        if error is not None:
            errors[f"p-{name}"] = error
        setattr(profile, name, value)
    if rules.ask_organisation:
        organisation = " ".join(_values(form, "p-organisation"))
        if len(organisation) > ORGANISATION_MAX:
            errors["p-organisation"] = too_long(ORGANISATION_MAX)
        else:
            profile.organisation = organisation
    return profile, errors


def _one_of(
    form: FormData, name: str, allowed: Collection[str], missing: LazyString | None
) -> tuple[str, LazyString | None]:
    """One value among ``allowed``; ``missing`` is the error when none was given (if required)."""
    values = _values(form, name)
    if not values:
        return "", missing
    if len(values) > 1 or values[0] not in allowed:
        return "", CHOOSE_OFFERED
    return values[0], None


def read_submission(
    rules: ProfileRules, questions: Iterable[Question], document: Questionnaire, form: FormData
) -> Submission:
    """The profile and every shown question, checked together."""
    submission = read_answers(questions, document, form)
    submission.profile, profile_errors = read_profile(rules, form)
    submission.errors = {**profile_errors, **submission.errors}
    return submission


def to_form(submission: Submission, document: Questionnaire) -> MultiDict[str, str]:
    """The form fields a browser would send for ``submission``: reading them back with
    :func:`read_submission` checks stored or opened answers exactly as the form does."""
    form: MultiDict[str, str] = MultiDict()
    profile = submission.profile
    for name, value in (
        ("p-category", profile.category),
        ("p-jurisdiction", profile.jurisdiction),
        ("p-place", profile.place),
        ("p-organisation", profile.organisation),
    ):
        if value:
            form.add(name, value)
    for key, rows in submission.answers.items():
        question = document.question(key)
        if question is None:
            raise KeyError(key)
        for row in rows:
            form.add(*_field_value(question, row))
    return form


def _field_value(question: Question, row: AnswerRow) -> tuple[str, str]:
    if question.type is QuestionType.RANKING:
        return field_name(question, row.choice_key), str(row.rank)
    if question.type is QuestionType.MATRIX:
        return field_name(question, row.item_key), row.choice_key
    if row.text is not None:
        return field_name(question), row.text
    if question.type is QuestionType.NUMBER and row.number is not None:
        return field_name(question), _plain_number(row.number)
    return field_name(question), row.choice_key


def _plain_number(number: float) -> str:
    """A number as the form reads it: no exponent, no needless ``.0``."""
    text = repr(float(number))
    if "e" in text or "E" in text:
        text = format(float(number), "f")
    return text[:-2] if text.endswith(".0") else text
