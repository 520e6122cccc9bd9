"""The questionnaire of a consultation, as a document: NPM options, profile, sections, questions.

Pure Python (no Flask app, no database), so it can be audited, tested exhaustively, imported
and exported as JSON. The document holds the structure (keys, types, choices, conditions,
channels, limits) and the texts (``{locale: text}`` maps). The **version** is the SHA-256 of the
canonical JSON of the structure alone, so correcting a text never changes it, while any change
of structure does.

Every text has a *path* (``question.q1.choice.yes.label``); for each path and language the
document remembers which default-language text the translation was made from, so editing the
default text marks the other languages stale until someone reviews them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from copy import deepcopy
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from consult.i18n.numbers import lazy_number
from consult.opcat.vocabulary import GUARANTEES, NPM_MODELS, STAKEHOLDERS

SCHEMA = 1
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
Texts = dict[str, str]


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    RANKING = "ranking"
    SCALE = "scale"
    MATRIX = "matrix"
    YES_NO = "yes_no"
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"

    @property
    def label(self) -> LazyString:
        return QUESTION_TYPE_LABELS[self]


QUESTION_TYPE_LABELS: dict[QuestionType, LazyString] = {
    QuestionType.SINGLE: _l("Single choice"),
    QuestionType.MULTIPLE: _l("Multiple choice"),
    QuestionType.RANKING: _l("Ranking"),
    QuestionType.SCALE: _l("Labelled scale"),
    QuestionType.MATRIX: _l("OPCAT guarantee matrix"),
    QuestionType.YES_NO: _l("Yes / no / don't know"),
    QuestionType.SHORT_TEXT: _l("Short text"),
    QuestionType.LONG_TEXT: _l("Long text"),
    QuestionType.NUMBER: _l("Number"),
}

#: Types whose answer is one or more of the question's own choices.
CHOICE_TYPES = frozenset({QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SCALE})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})
TEXT_LIMITS = {QuestionType.SHORT_TEXT: (200, 500), QuestionType.LONG_TEXT: (2000, 10000)}


class Channel(StrEnum):
    """The ways answers come in (DESIGN.md §4)."""

    OPEN = "open"
    INVITED = "invited"
    SEALED = "sealed"
    ASSISTED = "assisted"


CHANNELS = tuple(channel.value for channel in Channel)
CHANNEL_LABELS: dict[str, LazyString] = {
    "open": _l("Open to everyone"),
    "invited": _l("Invited stakeholders"),
    "sealed": _l("Persons deprived of liberty (sealed)"),
    "assisted": _l("Paper and assisted interviews"),
}

#: Fixed answers of yes/no questions and of the guarantee matrix (labels from the UI catalog).
YES_NO_CHOICES: dict[str, LazyString] = {
    "yes": _l("Yes"),
    "no": _l("No"),
    "dont_know": _l("Don't know"),
}
MATRIX_COLUMNS: dict[str, LazyString] = {
    "essential": _l("Essential"),
    "important": _l("Important"),
    "not_important": _l("Not important"),
    "dont_know": _l("Don't know"),
}


class ConditionOp(StrEnum):
    ANSWERED = "answered"
    EQUALS = "equals"
    NOT_EQUALS = "not_equals"
    INCLUDES = "includes"

    @property
    def label(self) -> LazyString:
        return CONDITION_LABELS[self]


CONDITION_LABELS: dict[ConditionOp, LazyString] = {
    ConditionOp.ANSWERED: _l("is answered"),
    ConditionOp.EQUALS: _l("is"),
    ConditionOp.NOT_EQUALS: _l("is not"),
    ConditionOp.INCLUDES: _l("includes"),
}


class JurisdictionMode(StrEnum):
    NONE = "none"
    SUBDIVISIONS = "subdivisions"
    CUSTOM = "custom"


class SchemaError(ValueError):
    """The document breaks a rule; ``path`` says where (``sections[0].questions[2].key``)."""

    def __init__(self, message: LazyString | str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else str(message))
        self.message = message
        self.path = path


# The document ------------------------------------------------------------------------------


@dataclass
class Choice:
    key: str
    label: Texts = field(default_factory=dict)
    #: Easy-read wording, shown instead of ``label`` in easy-read mode.
    easy: Texts = field(default_factory=dict)


@dataclass
class Condition:
    """Show a question only when an earlier answer matches."""

    question: str
    op: ConditionOp
    #: A choice key of ``question``; unused for ``answered``.
    value: str = ""


@dataclass
class Question:
    key: str
    type: QuestionType
    text: Texts = field(default_factory=dict)
    help: Texts = field(default_factory=dict)
    easy: Texts = field(default_factory=dict)
    required: bool = False
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    #: Choices of single, multiple and scale questions, and items of custom rankings.
    choices: list[Choice] = field(default_factory=list)
    #: Rankings: ``options`` ranks the consultation's NPM options, ``custom`` its choices.
    rank_source: str = "options"
    #: Matrix rows: keys of OPCAT guarantees.
    rows: list[str] = field(default_factory=list)
    #: Longest accepted text answer.
    max_length: int = 0
    #: Bounds of number answers, and whether only whole numbers are accepted.
    min_value: float | None = None
    max_value: float | None = None
    integer: bool = False
    condition: Condition | None = None

    def __post_init__(self) -> None:
        # One spelling of each bound (12 and 12.0 alike), so the version hash is stable.
        self.min_value = None if self.min_value is None else float(self.min_value)
        self.max_value = None if self.max_value is None else float(self.max_value)


@dataclass
class Section:
    key: str
    title: Texts = field(default_factory=dict)
    intro: Texts = field(default_factory=dict)
    questions: list[Question] = field(default_factory=list)


@dataclass
class Option:
    """An NPM option the consultation asks about."""

    key: str
    model: str
    title: Texts = field(default_factory=dict)
    description: Texts = field(default_factory=dict)


@dataclass
class Profile:
    """What respondents say about themselves before the questions."""

    #: OPCAT stakeholder categories offered (keys of ``STAKEHOLDERS``).
    categories: list[str] = field(default_factory=lambda: list(STAKEHOLDERS.keys()))
    custom_categories: list[Choice] = field(default_factory=list)
    jurisdiction: JurisdictionMode = JurisdictionMode.NONE
    custom_jurisdictions: list[Choice] = field(default_factory=list)
    #: Ask for the category of place of detention the answer concerns.
    ask_place: bool = False


@dataclass
class Questionnaire:
    options: list[Option] = field(default_factory=list)
    profile: Profile = field(default_factory=Profile)
    sections: list[Section] = field(default_factory=list)
    #: ``{text path: {locale: hash of the default text it was translated from}}``.
    sources: dict[str, dict[str, str]] = field(default_factory=dict)

    def questions(self) -> Iterator[Question]:
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)

    def option(self, key: str) -> Option | None:
        return next((o for o in self.options if o.key == key), None)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def section_of(self, question_key: str) -> Section | None:
        return next(
            (s for s in self.sections if any(q.key == question_key for q in s.questions)), None
        )

    def for_channel(self, channel: str) -> list[Question]:
        return [q for q in self.questions() if channel in q.channels]

    def items_of(self, question: Question) -> list[Choice]:
        """What a question offers: its choices, or the NPM options for option rankings."""
        if question.type is QuestionType.RANKING and question.rank_source == "options":
            return [Choice(o.key, o.title) for o in self.options]
        return question.choices


# Serialisation -----------------------------------------------------------------------------


def to_dict(document: Questionnaire) -> dict[str, Any]:
    """The whole document (structure and texts) as JSON-ready data."""
    data = asdict(document)
    data["schema"] = SCHEMA
    return _drop_empty(data)


def to_json(document: Questionnaire) -> str:
    return json.dumps(to_dict(document), ensure_ascii=False, indent=2, sort_keys=True)


def _drop_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_empty(v) for k, v in value.items() if v not in (None, {}, "")}
    if isinstance(value, list):
        return [_drop_empty(v) for v in value]
    return value


TEXT_FIELDS = frozenset({"label", "easy", "text", "help", "title", "intro", "description"})


def structure(document: Questionnaire) -> dict[str, Any]:
    """The document without its texts: what a version freezes."""

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in TEXT_FIELDS}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    data = strip(to_dict(document))
    data.pop("sources", None)
    return dict(data)


def version(document: Questionnaire) -> str:
    """SHA-256 (hex) of the canonical JSON of the structure (DESIGN.md §3)."""
    canonical = json.dumps(
        structure(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def from_dict(data: Mapping[str, Any]) -> Questionnaire:
    """Build and check a document from JSON data; ``SchemaError`` says what is wrong and where."""
    if not isinstance(data, Mapping):
        raise SchemaError(_l("The file must contain a JSON object."))
    if data.get("schema", SCHEMA) != SCHEMA:
        raise SchemaError(_l("This file uses an unknown format version."), "schema")
    document = Questionnaire(
        options=[_build(Option, o, f"options[{i}]") for i, o in enumerate(_list(data, "options"))],
        profile=_profile(data.get("profile") or {}),
        sections=[_section(s, f"sections[{i}]") for i, s in enumerate(_list(data, "sections"))],
        sources=_sources(data.get("sources") or {}),
    )
    check(document)
    return document


def from_json(text: str) -> Questionnaire:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise SchemaError(_l("The file is not valid JSON.")) from None
    return from_dict(data)


def _list(data: Mapping[str, Any], name: str, path: str = "") -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SchemaError(_l("Expected a list."), f"{path}{name}")
    return value


def _texts(value: Any, path: str) -> Texts:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise SchemaError(_l('Expected texts by language, such as {"en": "…"}.'), path)
    return {k: v for k, v in value.items() if v.strip()}


def _build(cls: type[Any], data: Any, path: str) -> Any:
    """A Choice or Option from a mapping; unknown fields are refused."""
    if not isinstance(data, Mapping):
        raise SchemaError(_l("Expected an object."), path)
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise SchemaError(_l("Unknown field: %(name)s", name=sorted(unknown)[0]), path)
    values: dict[str, Any] = {}
    for name in names:
        if name in data:
            value = data[name]
            values[name] = _texts(value, f"{path}.{name}") if name in TEXT_FIELDS else value
    if not isinstance(values.get("key"), str):
        raise SchemaError(_l("Every item needs a key."), path)
    try:
        return cls(**values)
    except TypeError:
        raise SchemaError(_l("A required field is missing."), path) from None


def _profile(data: Any) -> Profile:
    if not isinstance(data, Mapping):
        raise SchemaError(_l("Expected an object."), "profile")
    try:
        jurisdiction = JurisdictionMode(data.get("jurisdiction", "none"))
    except ValueError:
        raise SchemaError(_l("Unknown jurisdiction setting."), "profile.jurisdiction") from None
    return Profile(
        categories=list(data.get("categories", STAKEHOLDERS.keys())),
        custom_categories=[
            _build(Choice, c, f"profile.custom_categories[{i}]")
            for i, c in enumerate(_list(data, "custom_categories", "profile."))
        ],
        jurisdiction=jurisdiction,
        custom_jurisdictions=[
            _build(Choice, c, f"profile.custom_jurisdictions[{i}]")
            for i, c in enumerate(_list(data, "custom_jurisdictions", "profile."))
        ],
        ask_place=bool(data.get("ask_place", False)),
    )


def _section(data: Any, path: str) -> Section:
    if not isinstance(data, Mapping) or not isinstance(data.get("key"), str):
        raise SchemaError(_l("Every item needs a key."), path)
    return Section(
        key=data["key"],
        title=_texts(data.get("title"), f"{path}.title"),
        intro=_texts(data.get("intro"), f"{path}.intro"),
        questions=[
            _question(q, f"{path}.questions[{i}]")
            for i, q in enumerate(_list(data, "questions", f"{path}."))
        ],
    )


def _question(data: Any, path: str) -> Question:
    if not isinstance(data, Mapping) or not isinstance(data.get("key"), str):
        raise SchemaError(_l("Every item needs a key."), path)
    try:
        kind = QuestionType(str(data.get("type")))
    except ValueError:
        raise SchemaError(_l("Unknown question type."), f"{path}.type") from None
    condition = data.get("condition")
    return Question(
        key=data["key"],
        type=kind,
        text=_texts(data.get("text"), f"{path}.text"),
        help=_texts(data.get("help"), f"{path}.help"),
        easy=_texts(data.get("easy"), f"{path}.easy"),
        required=bool(data.get("required", False)),
        channels=list(data.get("channels", CHANNELS)),
        choices=[
            _build(Choice, c, f"{path}.choices[{i}]")
            for i, c in enumerate(_list(data, "choices", f"{path}."))
        ],
        rank_source=str(data.get("rank_source", "options")),
        rows=list(data.get("rows", [])),
        max_length=_int(data.get("max_length", 0), f"{path}.max_length"),
        min_value=_number(data.get("min_value"), f"{path}.min_value"),
        max_value=_number(data.get("max_value"), f"{path}.max_value"),
        integer=bool(data.get("integer", False)),
        condition=_condition(condition, f"{path}.condition") if condition else None,
    )


def _condition(data: Any, path: str) -> Condition:
    if not isinstance(data, Mapping) or not isinstance(data.get("question"), str):
        raise SchemaError(_l("A condition needs the question it depends on."), path)
    try:
        op = ConditionOp(str(data.get("op")))
    except ValueError:
        raise SchemaError(_l("Unknown condition."), f"{path}.op") from None
    return Condition(question=data["question"], op=op, value=str(data.get("value", "")))


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(_l("Expected a whole number."), path)
    return value


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SchemaError(_l("Expected a number."), path)
    return float(value)


def _sources(data: Any) -> dict[str, dict[str, str]]:
    if not isinstance(data, Mapping):
        return {}
    return {
        str(path): {str(k): str(v) for k, v in value.items()}
        for path, value in data.items()
        if isinstance(value, Mapping)
    }


# Rules -------------------------------------------------------------------------------------


def check(document: Questionnaire) -> None:
    """Raise ``SchemaError`` at the first broken rule of the structure."""
    _unique_keys([o.key for o in document.options], "options")
    for i, option in enumerate(document.options):
        if option.model not in NPM_MODELS:
            raise SchemaError(_l("Unknown NPM model."), f"options[{i}].model")
    _check_profile(document.profile)
    _unique_keys([s.key for s in document.sections], "sections")
    _unique_keys([q.key for q in document.questions()], "questions")
    seen: dict[str, Question] = {}
    for s, section in enumerate(document.sections):
        for i, question in enumerate(section.questions):
            path = f"sections[{s}].questions[{i}]"
            _check_question(question, path)
            if question.condition is not None:
                _check_condition(question.condition, seen, document, f"{path}.condition")
                source = seen[question.condition.question]
                if not set(question.channels) <= set(source.channels):
                    raise SchemaError(
                        _l("A question can only depend on a question asked in the same channels."),
                        f"{path}.channels",
                    )
            seen[question.key] = question


#: Characters all text answers of a questionnaire may hold together. A whole form is sent in
#: one request (one page, or every step carried in hidden fields), and a sealed answer is
#: padded to its widest: at 12 bytes per character (a 4-byte character, percent-encoded),
#: this fits the smallest request limit the app accepts (1 MiB, ``consult.config``), so a
#: complete form always reaches the field checks instead of the 413 page.
TEXT_BUDGET = 80_000


def check_text_budget(document: Questionnaire) -> None:
    """Raise ``SchemaError`` at the text question whose maximum length goes past
    :data:`TEXT_BUDGET`. Checked when a questionnaire is saved, not when a stored one is read:
    a document saved before the rule still opens."""
    total = 0
    for s, section in enumerate(document.sections):
        for i, question in enumerate(section.questions):
            if question.type not in TEXT_TYPES:
                continue
            total += question.max_length
            if total > TEXT_BUDGET:
                raise SchemaError(
                    _l(
                        "All text answers together may hold at most %(max)s characters, so "
                        "that a whole questionnaire can always be sent: shorten some maximum "
                        "lengths.",
                        max=lazy_number(TEXT_BUDGET),
                    ),
                    f"sections[{s}].questions[{i}].max_length",
                )


def _unique_keys(keys: list[str], path: str) -> None:
    for i, key in enumerate(keys):
        if not KEY.match(key):
            raise SchemaError(
                _l("Keys use 1 to 40 lowercase letters, digits, - and _."), f"{path}[{i}].key"
            )
        if key in keys[:i]:
            raise SchemaError(_l("The key %(key)s is used twice.", key=key), f"{path}[{i}].key")


def _check_profile(profile: Profile) -> None:
    unknown = [c for c in profile.categories if c not in STAKEHOLDERS]
    if unknown:
        raise SchemaError(_l("Unknown stakeholder category."), "profile.categories")
    _unique_keys([c.key for c in profile.custom_categories], "profile.custom_categories")
    clash = set(profile.categories) & {c.key for c in profile.custom_categories}
    if clash:
        raise SchemaError(
            _l("The key %(key)s is used twice.", key=sorted(clash)[0]), "profile.custom_categories"
        )
    if not profile.categories and not profile.custom_categories:
        raise SchemaError(_l("Offer at least one stakeholder category."), "profile.categories")
    _unique_keys([c.key for c in profile.custom_jurisdictions], "profile.custom_jurisdictions")
    if profile.jurisdiction is JurisdictionMode.CUSTOM and len(profile.custom_jurisdictions) < 2:
        raise SchemaError(_l("List at least two jurisdictions."), "profile.custom_jurisdictions")


def _check_question(question: Question, path: str) -> None:
    if not question.channels or any(c not in CHANNELS for c in question.channels):
        raise SchemaError(_l("Choose at least one channel."), f"{path}.channels")
    _unique_keys([c.key for c in question.choices], f"{path}.choices")
    kind = question.type
    if kind in CHOICE_TYPES and len(question.choices) < 2:
        raise SchemaError(_l("Give at least two choices."), f"{path}.choices")
    if kind is QuestionType.RANKING:
        if question.rank_source not in ("options", "custom"):
            raise SchemaError(
                _l("Rank either the NPM options or your own items."), f"{path}.rank_source"
            )
        if question.rank_source == "custom" and len(question.choices) < 2:
            raise SchemaError(_l("Give at least two choices."), f"{path}.choices")
    if kind is QuestionType.MATRIX:
        if not question.rows or any(r not in GUARANTEES for r in question.rows):
            raise SchemaError(_l("Choose the guarantees to rate."), f"{path}.rows")
        if len(set(question.rows)) != len(question.rows):
            raise SchemaError(_l("Each guarantee may appear once."), f"{path}.rows")
    if kind in TEXT_TYPES and not 1 <= question.max_length <= TEXT_LIMITS[kind][1]:
        raise SchemaError(
            _l(
                "The maximum length must be between 1 and %(max)s.",
                max=lazy_number(TEXT_LIMITS[kind][1]),
            ),
            f"{path}.max_length",
        )
    low, high = question.min_value, question.max_value
    if kind is QuestionType.NUMBER and low is not None and high is not None and low > high:
        raise SchemaError(_l("The minimum is larger than the maximum."), f"{path}.min_value")


def answer_keys(question: Question, document: Questionnaire) -> list[str]:
    """The values a condition on ``question`` may compare with."""
    if question.type is QuestionType.YES_NO:
        return list(YES_NO_CHOICES)
    return [c.key for c in document.items_of(question)]


def _check_condition(
    condition: Condition, earlier: Mapping[str, Question], document: Questionnaire, path: str
) -> None:
    source = earlier.get(condition.question)
    if source is None:
        raise SchemaError(_l("A condition can only depend on an earlier question."), path)
    if condition.op is ConditionOp.ANSWERED:
        return
    if source.type in TEXT_TYPES | {QuestionType.NUMBER, QuestionType.MATRIX}:
        raise SchemaError(_l("This question can only be tested for an answer."), path)
    if condition.op is ConditionOp.INCLUDES and source.type not in (
        QuestionType.MULTIPLE,
        QuestionType.RANKING,
    ):
        raise SchemaError(_l('"Includes" applies to multiple choice and ranking questions.'), path)
    if condition.value not in answer_keys(source, document):
        raise SchemaError(_l("Choose one of the answers of that question."), f"{path}.value")


# Texts, completeness and staleness ---------------------------------------------------------


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class TextSlot:
    """One translatable text of the document."""

    path: str
    texts: Texts
    #: Required in every offered language (titles, questions, labels); optional texts are
    #: required in a language only when the default language has them.
    required: bool


def text_slots(document: Questionnaire) -> Iterator[TextSlot]:
    """Every translatable text, in reading order."""
    for option in document.options:
        yield TextSlot(f"option.{option.key}.title", option.title, True)
        yield TextSlot(f"option.{option.key}.description", option.description, False)
    for choice in document.profile.custom_categories:
        yield TextSlot(f"profile.category.{choice.key}.label", choice.label, True)
    if document.profile.jurisdiction is JurisdictionMode.CUSTOM:
        for choice in document.profile.custom_jurisdictions:
            yield TextSlot(f"profile.jurisdiction.{choice.key}.label", choice.label, True)
    for section in document.sections:
        yield TextSlot(f"section.{section.key}.title", section.title, True)
        yield TextSlot(f"section.{section.key}.intro", section.intro, False)
        for question in section.questions:
            yield from _question_slots(question)


def _question_slots(question: Question) -> Iterator[TextSlot]:
    prefix = f"question.{question.key}"
    yield TextSlot(f"{prefix}.text", question.text, True)
    yield TextSlot(f"{prefix}.help", question.help, False)
    yield TextSlot(f"{prefix}.easy", question.easy, False)
    if question.type in CHOICE_TYPES or (
        question.type is QuestionType.RANKING and question.rank_source == "custom"
    ):
        for choice in question.choices:
            yield TextSlot(f"{prefix}.choice.{choice.key}.label", choice.label, True)
            yield TextSlot(f"{prefix}.choice.{choice.key}.easy", choice.easy, False)


@dataclass(frozen=True)
class TextState:
    missing: list[str]
    stale: list[str]


def text_states(
    slots: Iterable[TextSlot],
    sources: Mapping[str, Mapping[str, str]],
    default: str,
    locales: list[str],
) -> dict[str, TextState]:
    """For each offered locale: paths whose text is missing, and paths whose text is stale."""
    missing: dict[str, list[str]] = {code: [] for code in locales}
    stale: dict[str, list[str]] = {code: [] for code in locales}
    for slot in slots:
        source = slot.texts.get(default, "")
        if not (slot.required or source):
            continue
        for code in locales:
            if not slot.texts.get(code):
                missing[code].append(slot.path)
            elif code != default and sources.get(slot.path, {}).get(code) != text_hash(source):
                stale[code].append(slot.path)
    return {code: TextState(missing[code], stale[code]) for code in locales}


def record_sources(
    sources: dict[str, dict[str, str]], slot: TextSlot, default: str, reviewed: set[str]
) -> None:
    """Mark the translations of ``slot`` in ``reviewed`` locales as made from today's source."""
    source = slot.texts.get(default, "")
    entry = sources.setdefault(slot.path, {})
    for code in reviewed:
        if code != default and slot.texts.get(code):
            entry[code] = text_hash(source)


def record_all_sources(document: Questionnaire, default: str) -> None:
    """Treat every present translation as current (after an import, or a full-form save)."""
    for slot in text_slots(document):
        record_sources(document.sources, slot, default, set(slot.texts))


def update_sources(
    before: Iterable[TextSlot],
    after: Iterable[TextSlot],
    sources: dict[str, dict[str, str]],
    default: str,
    reviewed: Mapping[str, Collection[str]],
) -> None:
    """Bring ``sources`` up to date after an edit.

    A translation counts as made from today's default text when it is new, was changed, or
    was marked reviewed; an untouched translation of a changed default text keeps its old
    source, and so becomes stale.
    """
    old = {slot.path: slot for slot in before}
    for slot in after:
        previous = old.get(slot.path)
        touched = {
            code
            for code, text in slot.texts.items()
            if previous is None
            or previous.texts.get(code) != text
            or code in reviewed.get(slot.path, ())
        }
        record_sources(sources, slot, default, touched)


def _easy_worded(document: Questionnaire) -> Iterator[tuple[Question | Choice, str]]:
    """Each question and choice that may have easy-read wording, with the field it replaces."""
    for question in document.questions():
        yield question, "text"
        for choice in question.choices:
            yield choice, "label"
    for choice in document.profile.custom_jurisdictions:
        yield choice, "label"


def has_easy_read(document: Questionnaire, locale: str) -> bool:
    """Whether any question or choice of ``document`` has easy-read wording in ``locale``."""
    return any(item.easy.get(locale) for item, _field in _easy_worded(document))


def easy_read(document: Questionnaire, locale: str) -> Questionnaire:
    """A copy of ``document`` whose questions and choices use their easy-read wording.

    Only an easy wording written for ``locale`` replaces a text: another language's easy
    wording is no easier than this language's standard one.
    """
    copy = deepcopy(document)
    for item, name in _easy_worded(copy):
        if item.easy.get(locale):
            setattr(item, name, {**getattr(item, name), locale: item.easy[locale]})
    return copy
