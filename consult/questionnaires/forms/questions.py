"""The question form: texts, answers, limits, channels and the display condition."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    Form,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, ValidationError

from consult.errors import NotFound
from consult.forms import MultiCheckboxField, choices, whole_number
from consult.i18n.numbers import format_number
from consult.opcat.vocabulary import GUARANTEES
from consult.questionnaires.forms.common import (
    CHOOSE,
    QUESTION_MAX,
    Builder,
    ItemForm,
    bind,
    clean,
    key_field,
    number_format,
    parse_number,
    parse_rows,
    row_data,
    rows_field,
    show_number,
    stored_item,
    texts_field,
)
from consult.questionnaires.schema import (
    CHANNEL_LABELS,
    CHANNELS,
    CHOICE_TYPES,
    TEXT_LIMITS,
    TEXT_TYPES,
    Choice,
    Condition,
    ConditionOp,
    Question,
    Questionnaire,
    QuestionType,
)

_NUMBER = frozenset({QuestionType.NUMBER})
#: Fields that only some question types have.
TYPE_FIELDS: dict[str, frozenset[QuestionType]] = {
    "rank_source": frozenset({QuestionType.RANKING}),
    "rows": frozenset({QuestionType.MATRIX}),
    "max_length": TEXT_TYPES,
    "min_value": _NUMBER,
    "max_value": _NUMBER,
    "integer": _NUMBER,
}
#: Types whose form lists answers (rankings: when they rank items of their own).
ROW_TYPES = CHOICE_TYPES | {QuestionType.RANKING}
#: Types a display condition can only test for an answer.
UNCOMPARABLE = TEXT_TYPES | {QuestionType.NUMBER, QuestionType.MATRIX}
OPS = frozenset(op.value for op in ConditionOp)


def some_channel(form: Form, field: Field) -> None:
    # Not DataRequired: its "required" flag would mark every checkbox as required.
    if not field.data:
        raise ValidationError(str(_l("Choose at least one channel.")))


def question_type(value: str | None) -> QuestionType | None:
    try:
        return QuestionType(value or "")
    except ValueError:
        return None


class QuestionForm(ItemForm):
    text_kind = "question"
    template = "questionnaires/question.html"
    row_fields = ("choices",)

    key = key_field()
    section = SelectField(_l("Section"), validate_choice=False)
    required = BooleanField(_l("An answer is required"))
    channels = MultiCheckboxField(
        _l("Channels that ask this question"), validate_choice=False, validators=[some_channel]
    )
    rank_source = RadioField(
        _l("What respondents rank"),
        validate_choice=False,
        validators=[AnyOf(["options", "custom"], message=CHOOSE)],
    )
    rows = MultiCheckboxField(_l("Guarantees to rate"), validate_choice=False)
    max_length = StringField(
        _l("Longest answer, in characters"),
        filters=[clean],
        render_kw={"inputmode": "numeric", "dir": "ltr"},
    )
    min_value = StringField(
        _l("Smallest number accepted"),
        filters=[clean],
        validators=[number_format],
        render_kw={"inputmode": "decimal"},
    )
    max_value = StringField(
        _l("Largest number accepted"),
        filters=[clean],
        validators=[number_format],
        render_kw={"inputmode": "decimal"},
    )
    integer = BooleanField(_l("Whole numbers only"))
    condition_question = SelectField(_l("Depends on the answer to"), validate_choice=False)
    condition_op = SelectField(_l("Condition"), validate_choice=False)
    condition_value = SelectField(_l("Answer"), validate_choice=False)

    kind: QuestionType
    #: ``[(question, [(question|answer, answer label)])]``: what a condition can compare with.
    answer_groups: list[tuple[str, list[tuple[str, str]]]]

    def validate_section(self, field: Field) -> None:
        if self.builder.document.section(field.data or "") is None:
            raise ValidationError(str(CHOOSE))

    def validate_max_length(self, field: Field) -> None:
        high = TEXT_LIMITS[self.kind][1]
        if field.data and not 1 <= (whole_number(field.data) or 0) <= high:
            raise ValidationError(
                str(_l("Enter a whole number from 1 to %(max)s.", max=format_number(high)))
            )

    def validate_condition_op(self, field: Field) -> None:
        if self.condition_question.data and field.data not in OPS:
            raise ValidationError(str(CHOOSE))

    def validate_condition_value(self, field: Field) -> None:
        source = self.condition_question.data
        if not source or self.condition_op.data == ConditionOp.ANSWERED.value:
            return
        owner, _sep, value = (field.data or "").partition("|")
        if not value:
            raise ValidationError(str(_l("Choose the answer the condition compares with.")))
        if owner != source:
            raise ValidationError(
                str(_l("Choose an answer of the question the condition depends on."))
            )

    def target_section(self) -> str:
        return str(self.section.data)

    def result(self) -> Question:
        texts = {name: self[name].form.texts() for name in ("text", "help", "easy")}
        answers = self.answers()
        if self.builder.frozen:
            stored: Question = self.stored
            return replace(
                stored, choices=answers if "choices" in self else stored.choices, **texts
            )
        return Question(
            key=self.key.data or (self.stored.key if self.stored else ""),
            type=self.kind,
            required=bool(self.required.data),
            channels=[c for c in CHANNELS if c in (self.channels.data or [])],
            choices=[] if self._value("rank_source", "") == "options" else answers,
            rank_source=self._value("rank_source", "options"),
            rows=[term.key for term in GUARANTEES if term.key in self._value("rows", [])],
            max_length=int(self._value("max_length", "") or TEXT_LIMITS.get(self.kind, (0,))[0]),
            min_value=parse_number(self._value("min_value", "")),
            max_value=parse_number(self._value("max_value", "")),
            integer=bool(self._value("integer", False)),
            condition=self._condition(),
            **texts,
        )

    def answers(self) -> list[Choice]:
        if "choices" not in self:
            return []
        stored = self.stored.choices if self.stored else []
        return parse_rows(self["choices"], self.builder, stored, "answer")

    def _value(self, name: str, default: Any) -> Any:
        return self[name].data if name in self else default

    def _condition(self) -> Condition | None:
        source = self.condition_question.data
        if not source:
            return None
        op = ConditionOp(self.condition_op.data)
        value = "" if op is ConditionOp.ANSWERED else self.condition_value.data.partition("|")[2]
        return Condition(source, op, value)


def question_form(
    builder: Builder, key: str | None, section_key: str | None, kind: QuestionType | None
) -> QuestionForm:
    """The form of question ``key``, or of a new question of ``kind`` in ``section_key``."""
    document = builder.document
    stored = stored_item(document.question(key) if key else None, key, builder)
    if stored is not None:
        kind, home = stored.type, document.section_of(stored.key)
        section_key = home.key if home else None
    if kind is None or document.section(section_key or "") is None:
        raise NotFound()

    class Bound(QuestionForm):
        pass

    Bound.text = texts_field(builder, _l("Question"), QUESTION_MAX, multiline=True, required=True)
    Bound.help = texts_field(
        builder,
        _l("Help text"),
        QUESTION_MAX,
        multiline=True,
        description=_l("Shown under the question, e.g. to explain a term."),
    )
    Bound.easy = texts_field(
        builder,
        _l("Easy-read wording"),
        QUESTION_MAX,
        multiline=True,
        description=_l(
            "Short words and sentences, shown instead of the question in easy-read "
            "mode and on easy-read paper forms."
        ),
    )
    if kind in ROW_TYPES:
        Bound.choices = rows_field(
            builder,
            _l("Answers"),
            _l("Answer %(number)s"),
            easy=True,
            stored=len(stored.choices) if stored else 2,
        )
    form: QuestionForm = bind(Bound, builder, stored, question_initial(stored, kind, section_key))
    form.kind = kind
    for name, kinds in TYPE_FIELDS.items():
        if kind not in kinds:
            del form[name]
    _question_choices(form, builder, key, section_key or "")
    return form


def question_initial(
    stored: Question | None, kind: QuestionType, section_key: str | None
) -> dict[str, Any]:
    if stored is None:
        return {
            "section": section_key,
            "channels": list(CHANNELS),
            "rank_source": "options",
            "max_length": str(TEXT_LIMITS[kind][0]) if kind in TEXT_TYPES else "",
            "condition_op": ConditionOp.EQUALS.value,
        }
    condition = stored.condition
    initial: dict[str, Any] = {
        "key": stored.key,
        "section": section_key,
        "text": stored.text,
        "help": stored.help,
        "easy": stored.easy,
        "required": stored.required,
        "channels": stored.channels,
        "rank_source": stored.rank_source,
        "rows": stored.rows,
        "max_length": str(stored.max_length) if kind in TEXT_TYPES else "",
        "min_value": show_number(stored.min_value),
        "max_value": show_number(stored.max_value),
        "integer": stored.integer,
        "condition_question": condition.question if condition else "",
        "condition_op": condition.op.value if condition else ConditionOp.EQUALS.value,
        "condition_value": f"{condition.question}|{condition.value}"
        if condition and condition.value
        else "",
    }
    if kind in ROW_TYPES:
        initial["choices"] = row_data(stored.choices)
    return initial


def earlier_questions(document: Questionnaire, key: str | None, section_key: str) -> list[Question]:
    """Questions a display condition may depend on: those before question ``key``, or, for a
    new question, those up to the end of its section."""
    earlier: list[Question] = []
    for section in document.sections:
        for question in section.questions:
            if question.key == key:
                return earlier
            earlier.append(question)
        if key is None and section.key == section_key:
            break
    return earlier


def _question_choices(
    form: QuestionForm, builder: Builder, key: str | None, section_key: str
) -> None:
    document = builder.document
    form.section.choices = choices(
        (s.key, builder.resolve(s.title) or s.key) for s in document.sections
    )
    form.channels.choices = choices(CHANNEL_LABELS.items())
    if "rank_source" in form:
        form.rank_source.choices = choices(
            [
                ("options", _l("The NPM options of the consultation")),
                ("custom", _l("Items of your own, listed below")),
            ]
        )
    if "rows" in form:
        form.rows.choices = choices(GUARANTEES.choices())
    earlier = earlier_questions(document, key, section_key)
    form.condition_question.choices = choices(
        [
            ("", _l("No question: always shown")),
            *((q.key, builder.question_label(q)) for q in earlier),
        ]
    )
    form.condition_op.choices = choices((op.value, op.label) for op in ConditionOp)
    form.answer_groups = [
        (builder.question_label(q), _answers(builder, q))
        for q in earlier
        if q.type not in UNCOMPARABLE
    ]


def _answers(builder: Builder, question: Question) -> list[tuple[str, str]]:
    """``(question|answer, "Q2: Yes")`` for each answer a condition on ``question`` can test."""
    position = format_number(builder.numbers[question.key])
    return [
        (f"{question.key}|{value}", str(_l("Q%(number)s: %(text)s", number=position, text=label)))
        for value, label in builder.answer_labels(question)
    ]


# Import ------------------------------------------------------------------------------------
