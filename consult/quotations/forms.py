"""The analyst's proposal form: the passage to publish, redacted, and a note for the reviewer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, TextAreaField
from wtforms.validators import ValidationError

from consult.forms import at_most, required, too_long
from consult.questionnaires.answers import clean_text
from consult.quotations.services import NOTE_MAX


class ProposeForm(FlaskForm):
    """``limit`` is the length of the original answer: a redacted passage is never longer."""

    text = TextAreaField(
        _l("Passage to publish"),
        validators=[required()],
        description=_l(
            "Start from the answer as written: keep only the passage to quote, and remove or "
            "replace with […] every name, place, date or detail that could identify someone."
        ),
        render_kw={"rows": 8, "dir": "auto"},
    )
    note = TextAreaField(
        _l("Note for the reviewer (optional, never published)"),
        validators=[at_most(NOTE_MAX)],
        description=_l("What you removed or changed, and why."),
        render_kw={"rows": 3, "maxlength": NOTE_MAX},
    )
    limit: int = 0

    def validate_text(self, field: Field) -> None:
        # Browsers send a line break as two characters and count it as one: count as stored.
        if len(clean_text(field.data or "")) > self.limit:
            raise ValidationError(str(too_long(self.limit)))


def propose_form(limit: int, lang: str, prefill: str | None = None) -> ProposeForm:
    """The form, read from the request when sent, else pre-filled with the original answer.

    ``limit`` is the original's length, ``lang`` its language (the passage keeps it).
    """
    form = ProposeForm(data={"text": prefill} if prefill is not None else None)
    form.limit = limit
    form.text.render_kw = {**(form.text.render_kw or {}), "maxlength": limit, "lang": lang}
    return form
