"""Form pieces every feature shares: translated validator messages and a checkbox list."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from consult.i18n.numbers import lazy_ngettext as _ln

REQUIRED = _l("This field is required.")


def whole_number(text: str | None, digits: int = 9) -> int | None:
    """``text`` as a whole number when it is one of at most ``digits`` decimal digits (in any
    script: Arabic-Indic digits read too), else ``None``.

    Not ``str.isdigit``: it accepts "¹" and "①", which ``int`` refuses; and a bound, since
    ``int`` refuses more than 4,300 digits.
    """
    if text is None or not text.isdecimal() or len(text) > digits:
        return None
    return int(text)


def required() -> InputRequired:
    return InputRequired(message=REQUIRED)


def too_long(limit: int) -> LazyString:
    """The message for a text longer than ``limit`` characters."""
    return _ln("Use at most %(num)s character.", "Use at most %(num)s characters.", limit)


def at_most(limit: int) -> Length:
    return Length(max=limit, message=too_long(limit))


def choices(pairs: Iterable[tuple[str, object]], *, lang: bool = False) -> list[SelectChoice]:
    """Select options from ``(value, label)`` pairs; ``lang`` marks each label's language."""
    return [
        SelectChoice(value, str(label), render_kw={"lang": value} if lang else {})
        for value, label in pairs
    ]


class MultiCheckboxField(SelectMultipleField):
    """A set of checkboxes, one per choice; no JavaScript needed."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
