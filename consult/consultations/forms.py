"""The consultation settings form, with its texts in every offered language side by side.

The languages decide which text fields exist, so the form class is built per request; the
"update the language fields" button re-renders it with new fields and everything typed kept,
without JavaScript. Dates are typed in the consultation's time zone and stored in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import ClassVar

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Optional

from consult.consultations.models import (
    SLUG_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    Consultation,
    Status,
)
from consult.consultations.services import ConsultationDraft
from consult.forms import MultiCheckboxField, at_most, choices, required
from consult.i18n.content import country_choices, timezones
from consult.i18n.content import zone as zone_info
from consult.i18n.locales import UI_LOCALES, display_name

LOCALE_CODE = re.compile(r"[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?")
#: The consultation's own texts: field prefix, label, widget, limit, required.
TEXTS = (
    ("title", _l("Title"), StringField, TITLE_MAX),
    ("summary", _l("Purpose of the consultation"), TextAreaField, SUMMARY_MAX),
    ("use_of_input", _l("How the answers will be used"), TextAreaField, SUMMARY_MAX),
)
DATE_FORMAT = "%Y-%m-%dT%H:%M"
BAD_DATE = _l("Enter a date and time, such as 2027-03-01 09:00.")


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input whose parse error speaks the site's words."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE)) from None


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
    ui_fallback_locale = SelectField(
        _l("Interface language for the other languages"),
        validate_choice=False,
        description=_l(
            "Used for buttons and messages when the interface does not speak the reader's language."
        ),
    )
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    opens_at = LocalDateTimeField(
        _l("Opens on"),
        format=DATE_FORMAT,
        validators=[Optional()],
        description=_l("Leave empty to open by hand."),
    )
    closes_at = LocalDateTimeField(
        _l("Closes on"),
        format=DATE_FORMAT,
        validators=[Optional()],
        description=_l("Leave empty to close by hand."),
    )
    #: ``path|locale`` of stale translations marked as still accurate.
    reviewed = MultiCheckboxField(validate_choice=False)
    update_languages = SubmitField(_l("Update the language fields"))
    submit = SubmitField(_l("Save"))

    #: Languages that have text fields in this form (set by :func:`consultation_form`).
    locales: ClassVar[list[str]] = []

    def chosen_locales(self) -> list[str]:
        """Checked languages, then the other codes typed, without repeats, in that order."""
        typed = [code.strip() for code in re.split(r"[,\s]+", self.other_languages.data or "")]
        chosen = [*(self.languages.data or []), *(code for code in typed if code)]
        return list(dict.fromkeys(chosen))

    def texts(self, name: str) -> dict[str, str]:
        """The texts typed for ``name``, by language; empty ones left out (as stored)."""
        typed = {code: (self[f"{name}_{code}"].data or "").strip() for code in self.locales}
        return {code: text for code, text in typed.items() if text}

    def reviewed_paths(self) -> dict[str, set[str]]:
        marks: dict[str, set[str]] = {}
        for value in self.reviewed.data or []:
            path, _sep, code = value.rpartition("|")
            marks.setdefault(path, set()).add(code)
        return marks

    def draft(self) -> ConsultationDraft:
        zone = self.timezone.data or "UTC"
        return ConsultationDraft(
            slug=(self.slug.data or "").strip().lower(),
            country=self.country.data or "",
            default_locale=self.default_locale.data or "",
            offered_locales=self.chosen_locales(),
            title=self.texts("title"),
            summary=self.texts("summary"),
            use_of_input=self.texts("use_of_input"),
            timezone=zone,
            ui_fallback_locale=self.ui_fallback_locale.data or "en",
            opens_at=to_utc(self.opens_at.data, zone),
            closes_at=to_utc(self.closes_at.data, zone),
        )


def to_utc(local: datetime | None, zone: str) -> datetime | None:
    """A wall-clock time typed in ``zone``, as UTC (``None`` stays ``None``)."""
    if local is None:
        return None
    return local.replace(tzinfo=zone_info(zone)).astimezone(UTC)


def to_local(moment: datetime | None, zone: str) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone_info(zone)).replace(tzinfo=None)


def consultation_form(
    formdata: MultiDict[str, str] | None, consultation: Consultation | None = None
) -> ConsultationForm:
    """A form for the languages in ``formdata`` (else the consultation's, else the UI's)."""
    ui = get_locale().language if get_locale() else "en"
    locales = _locales(formdata, consultation, ui)

    class BoundForm(ConsultationForm):
        pass

    BoundForm.locales = locales
    for code in locales:
        language = display_name(code, ui)
        for name, label, widget, limit in TEXTS:
            setattr(
                BoundForm,
                f"{name}_{code}",
                widget(
                    _l("%(label)s (%(language)s)", label=label, language=language),
                    validators=[at_most(limit)],
                ),
            )
    form = BoundForm(formdata=formdata, data=None if formdata else _initial(consultation))
    form.opens_at.render_kw = form.closes_at.render_kw = {"step": 60}
    _set_choices(form, ui, locales)
    if not formdata and consultation is None:
        form.languages.data, form.default_locale.data = [ui], ui
        form.ui_fallback_locale.data, form.timezone.data = ui, "UTC"
    return form


def _locales(
    formdata: Mapping[str, str] | None, consultation: Consultation | None, ui: str
) -> list[str]:
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
    return [code for code in locales if LOCALE_CODE.fullmatch(code)]


def _set_choices(form: ConsultationForm, ui: str, locales: list[str]) -> None:
    form.country.choices = choices([("", _l("Choose…")), *country_choices(ui)])
    form.languages.choices = choices(((code, display_name(code)) for code in UI_LOCALES), lang=True)
    form.default_locale.choices = choices((code, display_name(code, ui)) for code in locales)
    form.ui_fallback_locale.choices = choices(
        ((code, display_name(code)) for code in UI_LOCALES), lang=True
    )
    form.timezone.choices = choices((zone, zone.replace("_", " ")) for zone in sorted(timezones()))


def _initial(consultation: Consultation | None) -> dict[str, object] | None:
    if consultation is None:
        return None
    zone = consultation.timezone
    data: dict[str, object] = {
        "slug": consultation.slug,
        "country": consultation.country,
        "languages": [c for c in consultation.offered_locales if c in UI_LOCALES],
        "other_languages": ", ".join(
            c for c in consultation.offered_locales if c not in UI_LOCALES
        ),
        "default_locale": consultation.default_locale,
        "ui_fallback_locale": consultation.ui_fallback_locale,
        "timezone": zone,
        "opens_at": to_local(consultation.opens_at, zone),
        "closes_at": to_local(consultation.closes_at, zone),
    }
    for code in consultation.offered_locales:
        for name, *_rest in TEXTS:
            data[f"{name}_{code}"] = (getattr(consultation, name) or {}).get(code, "")
    return data
