"""Forms of the invitations pages: one invitation, a CSV file of them."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField

from consult.consultations.models import Consultation
from consult.forms import REQUIRED, choices
from consult.i18n.locales import display_name
from consult.respond.invitation_rows import COLUMNS, CONTACT_MAX, ORGANISATION_MAX, Problem


class InvitationForm(FlaskForm):
    """One invitation. The service checks every value, with the same messages as for a file
    (:func:`consult.respond.invitations.check_row`)."""

    organisation = StringField(
        _l("Organisation"),
        description=_l("As it should appear if the organisation agrees to publication."),
        render_kw={"maxlength": ORGANISATION_MAX, "dir": "auto"},
    )
    category = SelectField(_l("Stakeholder category"), validate_choice=False)
    jurisdiction = SelectField(_l("Jurisdiction"), validate_choice=False)
    contact = StringField(
        _l("E-mail address of the contact person (optional)"),
        description=_l("Used to send the link and reminders; never published."),
        render_kw={"type": "email", "maxlength": CONTACT_MAX, "dir": "ltr"},
    )
    language = SelectField(
        _l("Language of the invitation"),
        validate_choice=False,
        description=_l("The e-mail and the questionnaire open in this language."),
    )

    def bind(
        self,
        consultation: Consultation,
        categories: Iterable[tuple[str, str]],
        jurisdictions: Iterable[tuple[str, str]],
        ui: str,
    ) -> InvitationForm:
        """Offer this consultation's categories, jurisdictions and languages."""
        self.category.choices = [("", _("Choose…")), *choices(categories)]
        self.jurisdiction.choices = [("", _("Chosen by the invitee")), *choices(jurisdictions)]
        self.language.choices = choices(
            [(code, display_name(code, ui)) for code in consultation.offered_locales]
        )
        if not self.language.data:
            self.language.data = consultation.default_locale
        return self

    def row(self) -> dict[str, str]:
        return {name: str(self[name].data or "") for name in COLUMNS}

    def show(self, problems: Iterable[Problem]) -> None:
        """Put each problem the service found under its field."""
        for problem in problems:
            if problem.column in COLUMNS:
                target = self[problem.column]
                target.errors = [*target.errors, str(problem)]


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(message=REQUIRED)],
        render_kw={"accept": ".csv,.txt,text/csv,text/plain"},
    )
