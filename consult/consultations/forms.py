"""The consultation settings form, with one title and one summary field per offered language.

The languages decide which text fields exist, so the form class is built per request; the
"update the language fields" button re-renders it with new fields and everything typed kept,
without JavaScript.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import SelectField, StringField, SubmitField, TextAreaField

from consult.consultations.models import (
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Consultation,
    Status,
)
from consult.consultations.services import ConsultationDraft
from consult.forms import MultiCheckboxField, at_most, choices, required
from consult.i18n.content import country_choices
from consult.i18n.locales import UI_LOCALES, display_name

LOCALE_CODE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?")


class ConsultationForm(FlaskForm):
    slug = StringField(
        _l("Web address"),
        validators=[required(), at_most(SLUG_MAX)],
        description=_l(
            "Lowercase letters, digits and hyphens, e.g. npm-2027. "
            "It cannot change once the consultation opens."
        ),
    )
    # Choices are checked by the service, with messages of our own.
    country = SelectField(_l("Country"), validate_choice=False)
    languages = MultiCheckboxField(_l("Languages of the consultation"), validate_choice=False)
    other_languages = StringField(
        _l("Other languages"),
        validators=[at_most(100)],
        description=_l(
            "Language codes separated by commas, e.g. ka, rw. The interface will "
            "be shown in a language of your choice; the content in these languages."
        ),
    )
    default_locale = SelectField(
        _l("Main language"),
        validate_choice=False,
        description=_l("Shown when a text is missing in the reader's language."),
    )
    update_languages = SubmitField(_l("Update the language fields"))
    submit = SubmitField(_l("Save"))

    def chosen_locales(self) -> list[str]:
        """Checked languages, then the other codes typed, without repeats, in that order."""
        typed = [code.strip() for code in re.split(r"[,\s]+", self.other_languages.data or "")]
        chosen = [*(self.languages.data or []), *(code for code in typed if code)]
        return list(dict.fromkeys(chosen))

    def text_fields(self, locales: Iterable[str]) -> list[tuple[str, StringField, TextAreaField]]:
        return [(code, self[f"title_{code}"], self[f"summary_{code}"]) for code in locales]

    #: Languages that have text fields in this form (set by :func:`consultation_form`).
    locales: ClassVar[list[str]] = []

    def draft(self) -> ConsultationDraft:
        return ConsultationDraft(
            slug=(self.slug.data or "").strip().lower(),
            country=self.country.data or "",
            default_locale=self.default_locale.data or "",
            offered_locales=self.chosen_locales(),
            title={code: self[f"title_{code}"].data or "" for code in self.locales},
            summary={code: self[f"summary_{code}"].data or "" for code in self.locales},
        )


def consultation_form(
    formdata: MultiDict[str, str] | None, consultation: Consultation | None = None
) -> ConsultationForm:
    """A form for the languages in ``formdata`` (else the consultation's, else the UI's)."""
    ui = get_locale().language if get_locale() else "en"
    if consultation is not None and consultation.status is not Status.DRAFT:
        locales = list(consultation.offered_locales)  # fixed once open
    elif formdata:
        probe = ConsultationForm(formdata=formdata, meta={"csrf": False})
        locales = probe.chosen_locales()
    elif consultation is not None:
        locales = list(consultation.offered_locales)
    else:
        locales = [ui]
    # Only plausible codes become field names; the service reports the others.
    locales = [code for code in locales if LOCALE_CODE.fullmatch(code)]

    class BoundForm(ConsultationForm):
        pass

    BoundForm.locales = locales
    for code in locales:
        name = display_name(code, ui)
        setattr(
            BoundForm,
            f"title_{code}",
            StringField(_l("Title (%(language)s)", language=name), validators=[at_most(TITLE_MAX)]),
        )
        setattr(
            BoundForm,
            f"summary_{code}",
            TextAreaField(
                _l("Summary (%(language)s)", language=name), validators=[at_most(SUMMARY_MAX)]
            ),
        )
    form = BoundForm(
        formdata=formdata, obj=None, data=_initial(consultation) if not formdata else None
    )
    form.country.choices = choices([("", _l("Choose…")), *country_choices(ui)])
    form.languages.choices = choices(((code, display_name(code)) for code in UI_LOCALES), lang=True)
    form.default_locale.choices = choices((code, display_name(code, ui)) for code in locales)
    if not formdata and consultation is None:
        form.languages.data, form.default_locale.data = [ui], ui
    return form


def _initial(consultation: Consultation | None) -> dict[str, object] | None:
    if consultation is None:
        return None
    data: dict[str, object] = {
        "slug": consultation.slug,
        "country": consultation.country,
        "languages": [c for c in consultation.offered_locales if c in UI_LOCALES],
        "other_languages": ", ".join(
            c for c in consultation.offered_locales if c not in UI_LOCALES
        ),
        "default_locale": consultation.default_locale,
    }
    for code in consultation.offered_locales:
        data[f"title_{code}"] = consultation.title.get(code, "")
        data[f"summary_{code}"] = consultation.summary.get(code, "")
    return data
