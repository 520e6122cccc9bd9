"""Shared pieces of the questionnaire builder's forms (items, questions and import are beside).

The offered languages decide which text fields exist, so each form class is built per request
(as the consultation settings form is). Every translatable text is a small sub-form with one
field per language, the main language first; a stale translation gets a "still accurate" box
whose ``path|locale`` value lands in the form's ``reviewed`` field.

Once the consultation has opened, the same forms correct texts only: structural fields are
shown disabled and filled from the stored item, and :meth:`ItemForm.result` lays the new texts
over the stored item, so its structure (and the questionnaire's version) stays as it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, ClassVar

from flask import request
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.core import Label
from wtforms.validators import DataRequired, ValidationError

from consult.consultations.models import Consultation
from consult.errors import Conflict, NotFound
from consult.forms import REQUIRED, MultiCheckboxField, at_most
from consult.i18n.content import resolve
from consult.i18n.locales import display_name
from consult.i18n.numbers import format_number
from consult.questionnaires import schema, services
from consult.questionnaires.schema import (
    YES_NO_CHOICES,
    Choice,
    Question,
    Questionnaire,
    QuestionType,
    TextState,
)

TITLE_MAX = 200
LABEL_MAX = 200
QUESTION_MAX = 2000
DESCRIPTION_MAX = 5000
#: Empty rows offered under the stored ones, and added by the "add more rows" button.
SPARE_ROWS = 2
MORE_ROWS = 3
Reviewed = dict[str, set[str]]

CHOOSE = _l("Choose one of the options offered.")
KEY_RULE = _l("Keys use 1 to 40 lowercase letters, digits, - and _.")
KEY_HINT = _l(
    "A short identifier for exports and reports, such as independence. Leave it "
    "empty to get one automatically. It cannot change once the consultation opens."
)
BAD_NUMBER = _l("Enter a number, such as 12 or 3.5.")


def clean(value: str | None) -> str | None:
    """Trimmed text with newlines as stored: browsers send CRLF, which would otherwise count
    as a change of the text (and make its translations stale) on every save."""
    if value is None:
        return None
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def sent() -> bool:
    """Whether the request sends a form (else the page shows the stored item)."""
    return request.method == "POST"


def key_format(form: Form, field: Field) -> None:
    if field.data and not schema.KEY.match(field.data):
        raise ValidationError(str(KEY_RULE))


def key_field() -> StringField:
    return StringField(
        _l("Key"),
        filters=[clean],
        validators=[at_most(40), key_format],
        description=KEY_HINT,
        render_kw={"autocomplete": "off", "dir": "ltr"},
    )


def parse_number(text: str | None) -> float | None:
    """A number typed with a point or a comma; ``None`` when empty; ``ValueError`` if bad."""
    if not text:
        return None
    number = float(text.replace(",", "."))
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def number_format(form: Form, field: Field) -> None:
    try:
        parse_number(field.data)
    except ValueError:
        raise ValidationError(str(BAD_NUMBER)) from None


def show_number(number: float | None) -> str:
    return "" if number is None else f"{number:g}"


# What every builder form knows -------------------------------------------------------------


@dataclass(frozen=True)
class Builder:
    """The consultation a builder form edits: its languages, document and review state."""

    document: Questionnaire
    #: Offered languages, the main one first.
    locales: list[str]
    default: str
    country: str
    #: Opened: only texts may change.
    frozen: bool
    #: ``{language: texts missing and texts gone stale}``
    states: Mapping[str, TextState]
    #: ``{text path: current text in the main language}``
    sources: Mapping[str, str]

    @classmethod
    def of(cls, consultation: Consultation) -> Builder:
        document = services.document(consultation)
        default = consultation.default_locale
        return cls(
            document=document,
            locales=[default, *(c for c in consultation.offered_locales if c != default)],
            default=default,
            country=consultation.country,
            frozen=not services.structure_editable(consultation),
            states=consultation.text_states(),
            sources={
                slot.path: slot.texts.get(default, "") for slot in consultation.text_slots(document)
            },
        )

    @cached_property
    def stale(self) -> dict[str, set[str]]:
        """``{text path: languages whose translation went stale}``"""
        stale: dict[str, set[str]] = {}
        for code, state in self.states.items():
            for path in state.stale:
                stale.setdefault(path, set()).add(code)
        return stale

    @property
    def ui(self) -> str:
        locale = get_locale()
        return locale.language if locale else "en"

    def is_stale(self, path: str, code: str) -> bool:
        return code in self.stale.get(path, ())

    def refuse_new_items(self) -> None:
        """Adding an item changes the structure: refused once the consultation has opened."""
        if self.frozen:
            raise Conflict(services.STRUCTURE_FIXED)

    def resolve(self, texts: Mapping[str, str]) -> str:
        """A text in the interface language, else the main language."""
        return resolve(texts, self.default)

    @cached_property
    def numbers(self) -> dict[str, int]:
        """Each question's number in reading order (Q1, Q2 … across sections)."""
        return {q.key: n for n, q in enumerate(self.document.questions(), 1)}

    def question_label(self, question: Question) -> str:
        """ "Q2: Do you…", the question shortened to fit a select."""
        text = self.resolve(question.text) or question.key
        short = text if len(text) <= 80 else f"{text[:79]}…"
        return str(
            _l(
                "Q%(number)s: %(text)s",
                number=format_number(self.numbers[question.key]),
                text=short,
            )
        )

    def answer_labels(self, question: Question) -> list[tuple[str, str]]:
        """``(value, label)`` of the answers a display condition on ``question`` may test."""
        if question.type is QuestionType.YES_NO:
            return [(key, str(label)) for key, label in YES_NO_CHOICES.items()]
        return [(c.key, self.resolve(c.label) or c.key) for c in self.document.items_of(question)]


# Texts in every language, and rows of keyed labels -----------------------------------------


class TextsForm(Form):
    """One text in each offered language; the fields are named by language code."""

    locales: ClassVar[list[str]] = []

    def texts(self) -> dict[str, str]:
        return {code: self[code].data for code in self.locales if self[code].data}


def texts_field(
    builder: Builder,
    label: LazyString,
    limit: int,
    *,
    multiline: bool = False,
    required: bool = False,
    description: LazyString | None = None,
) -> FormField:
    """A text in each offered language; ``required`` in the main language."""

    class Texts(TextsForm):
        pass

    Texts.locales = builder.locales
    widget = TextAreaField if multiline else StringField
    for code in builder.locales:
        checks = [DataRequired(message=REQUIRED)] if required and code == builder.default else []
        setattr(
            Texts,
            code,
            widget(
                display_name(code, builder.ui),
                filters=[clean],
                validators=[*checks, at_most(limit)],
            ),
        )
    return FormField(Texts, label=label, description=description)


class RowForm(Form):
    """One answer, stakeholder category or jurisdiction: a key and its label per language."""

    key = StringField(
        _l("Key"),
        filters=[clean],
        validators=[at_most(40), key_format],
        render_kw={"autocomplete": "off", "dir": "ltr"},
    )
    #: Heading of the row, with ``%(number)s`` (written the reader's way).
    heading: ClassVar[LazyString]
    default: ClassVar[str] = ""

    def title(self, position: int) -> str:
        return str(self.heading) % {"number": format_number(position)}

    def label_texts(self) -> dict[str, str]:
        return self["labels"].form.texts()

    def easy_texts(self) -> dict[str, str]:
        return self["easy"].form.texts() if "easy" in self else {}

    def is_blank(self) -> bool:
        return not (self.key.data or self.label_texts() or self.easy_texts())

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        valid = bool(super().validate(extra_validators))
        main = self["labels"][self.default]
        if not self.is_blank() and not main.data:
            main.errors.append(str(_l("Give a label in the main language, or empty the row.")))
            return False
        return valid


def rows_field(
    builder: Builder, label: LazyString, heading: LazyString, *, easy: bool, stored: int
) -> FieldList:
    """Rows of keyed labels: the stored ones, plus spare empty rows while in draft."""

    class Row(RowForm):
        pass

    Row.heading, Row.default = heading, builder.default
    Row.labels = texts_field(builder, _l("Label"), LABEL_MAX)
    if easy:
        Row.easy = texts_field(builder, _l("Easy-read label"), LABEL_MAX)
    spare = 0 if builder.frozen else SPARE_ROWS
    # Sent rows come back as they were: padding them would re-read the last row sent.
    rows = 0 if sent() else max(stored + spare, 2 * spare)
    return FieldList(FormField(Row), label=label, min_entries=rows)


def row_data(items: Iterable[Choice]) -> list[dict[str, Any]]:
    return [{"key": c.key, "labels": c.label, "easy": c.easy} for c in items]


def parse_rows(
    field: FieldList, builder: Builder, stored: list[Choice], key_prefix: str
) -> list[Choice]:
    """The items of the filled rows (a missing key made from the label), or, after opening,
    the stored items with their new labels."""
    rows: list[RowForm] = [entry.form for entry in field.entries]
    if builder.frozen:
        return [
            replace(
                choice,
                label=row.label_texts(),
                easy=row.easy_texts() if "easy" in row else choice.easy,
            )
            for choice, row in zip(stored, rows, strict=False)
        ]
    filled = [row for row in rows if not row.is_blank()]
    taken = {row.key.data for row in filled if row.key.data}
    items = []
    for row in filled:
        key = row.key.data or services.slug_key(
            row.label_texts().get(builder.default, ""), taken, key_prefix
        )
        taken.add(key)
        items.append(Choice(key, row.label_texts(), row.easy_texts()))
    return items


# The forms ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A field error as the ``errors_summary`` macro reads it, named with its whole context."""

    id: str
    label: Label
    errors: list[str]


def problems(fields: Iterable[Field], context: str = "") -> Iterator[Problem]:
    for f in fields:
        if isinstance(f, FieldList):
            for number, entry in enumerate(f.entries, 1):
                yield from problems(entry.form, f"{context}{entry.form.title(number)} – ")
        elif isinstance(f, FormField):
            yield from problems(f.form, f"{context}{f.label.text} – ")
        elif f.errors:
            yield Problem(f.id, Label(f.id, f"{context}{f.label.text}"), list(f.errors))


class ItemForm(FlaskForm):
    """Base of the builder's item forms."""

    #: Template that renders the form.
    template: ClassVar[str] = ""
    #: The row fields the "add more rows" button extends.
    row_fields: ClassVar[tuple[str, ...]] = ()

    #: ``path|locale`` of stale translations marked as still accurate.
    reviewed = MultiCheckboxField(validate_choice=False)
    add_rows = SubmitField(_l("Add more rows"))

    #: First part of the text paths of this kind of item: ``option``, ``section``…
    text_kind: ClassVar[str] = ""

    builder: Builder
    stored: Any

    def path(self, *parts: str) -> str:
        """The text path of a part of the stored item; empty for a new one (nothing is stale)."""
        if self.stored is None or not self.text_kind:
            return ""
        return ".".join((self.text_kind, self.stored.key, *parts))

    def ready(self) -> bool:
        """Whether to save: sent with the save button (not "add more rows"), and valid."""
        if not self.is_submitted():
            return False
        if self.add_rows.data and not self.builder.frozen:
            for name in self.row_fields:
                if name in self:
                    for _ in range(MORE_ROWS):
                        self[name].append_entry()
            return False
        return bool(self.validate())

    def problems(self) -> list[Problem]:
        return list(problems(self))

    def reviewed_paths(self) -> Reviewed:
        marks: Reviewed = {}
        for value in self.reviewed.data or []:
            path, _sep, code = value.rpartition("|")
            marks.setdefault(path, set()).add(code)
        return marks

    def is_reviewed(self, path: str, code: str) -> bool:
        return f"{path}|{code}" in (self.reviewed.data or [])

    def result(self) -> Any:
        """The item to save (call only after :meth:`ready`)."""
        raise NotImplementedError

    def freeze(self, initial: Mapping[str, Any]) -> None:
        """After opening: show the stored structure, whatever was sent for it."""
        for name, value in initial.items():
            if name not in self:
                continue
            field = self[name]
            if isinstance(field, FieldList):
                del field.entries[len(value) :]  # no new rows either
                for entry, row in zip(field.entries, value, strict=False):
                    entry.form.key.data = row["key"]
            elif not isinstance(field, FormField):
                field.data = value


#: Fields that hold texts, not structure: never overwritten by :meth:`ItemForm.freeze`.
ITEM_TEXTS = frozenset({"title", "description", "intro", "text", "help", "easy"})


def bind(cls: type[ItemForm], builder: Builder, stored: Any, initial: Mapping[str, Any]) -> Any:
    """An instance of ``cls``: the request's form data when sent, else ``initial``."""
    form = cls(data=None if sent() else initial)
    form.builder, form.stored = builder, stored
    if builder.frozen:
        form.freeze({k: v for k, v in initial.items() if k not in ITEM_TEXTS})
    return form


def stored_item(item: Any, key: str | None, builder: Builder) -> Any:
    if key is None:
        builder.refuse_new_items()
    elif item is None:
        raise NotFound()
    return item


# NPM options and sections ------------------------------------------------------------------
