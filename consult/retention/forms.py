"""Forms of the retention page and of deleting a consultation's responses."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange

from consult.retention.services import BAD_RETENTION, RETENTION_RANGE


class RetentionForm(FlaskForm):
    days = IntegerField(
        _l("Delete the sealed envelopes this many days after they are opened"),
        description=_l(
            "The answers opened from them stay. Until then the envelopes can be checked against "
            "the digest printed in the report, or opened again offline. 0 deletes them at the "
            "first deletion run after opening."
        ),
        validators=[
            InputRequired(message=BAD_RETENTION),
            NumberRange(*RETENTION_RANGE, message=BAD_RETENTION),
        ],
    )


class DeleteResponsesForm(FlaskForm):
    confirmation = StringField(
        _l("Type the consultation's short name to confirm"),
        validators=[InputRequired(message=_l("Type the consultation's short name to confirm."))],
    )
