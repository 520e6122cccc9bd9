"""Forms of the designation record: a revision, a recommendation, an update on one.

The consultation's languages decide which text fields exist, so each form class is built per
request (as the report forms are). The forms only parse (dates, choices offered); the service
checks meaning and its field errors come back onto the same form, with everything typed kept.
The revision form works without JavaScript: when no option is chosen and exactly one option of
the questionnaire has the designated model, it comes back with that option selected for the
publisher to confirm.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from consult.consultations.models import Consultation
from consult.forms import MultiCheckboxField, at_most, choices
from consult.i18n.content import resolve
from consult.i18n.locales import display_name
from consult.opcat.vocabulary import (
    GUARANTEE_STATUSES,
    GUARANTEES,
    LEGAL_BASES,
    NPM_MODELS,
    PLACES,
    SPT_GUIDELINES,
    STAGES,
    Term,
)
from consult.questionnaires.schema import Questionnaire
from consult.reports.designation import suggested_option
from consult.reports.designation_checks import NOTE_MAX, TEXT_MAX, DesignationEntry, today_in
from consult.reports.designation_models import (
    LINK_MAX,
    RECOMMENDATION_STATUS_LABELS,
    DesignationRevision,
    Recommendation,
)
from consult.reports.forms import TranslatedForm

#: The option value that means "outside the options consulted" (never a valid option key).
OUTSIDE = "-"
BAD_DATE = _l("Enter a date, such as 2027-03-01.")
CHOOSE_BLANK = _l("Choose…")
PRESELECTED = _l("The option of the designated model is now selected: check it, then save.")
TEXT_LABELS: dict[str, tuple[LazyString, int]] = {
    "note": (_l("Note on this revision"), NOTE_MAX),
    "model_description": (_l("Description of the arrangement"), TEXT_MAX),
    "text": (_l("Recommendation"), TEXT_MAX),
    "update_note": (_l("What happened"), TEXT_MAX),
}


class DayField(DateField):
    """A date (``YYYY-MM-DD``) whose parse error speaks the site's words; empty is ``None``."""

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(BAD_DATE)) from None


class RevisionForm(TranslatedForm):
    translated = ("model_description", "note")

    designated_on = DayField(_l("Date of designation"))
    legal_basis = SelectField(_l("Legal basis"), validate_choice=False)
    instrument_reference = StringField(
        _l("Founding text"),
        description=_l("Title, number and date, e.g. Law No. 2007-1545 of 30 October 2007."),
    )
    instrument_link = StringField(
        _l("Link to the founding text"),
        validators=[at_most(LINK_MAX)],
        description=_l("An address starting with https:// (optional)."),
        render_kw={"inputmode": "url", "dir": "ltr"},
    )
    bodies = TextAreaField(
        _l("Designated body or bodies"),
        description=_l("One name per line, as the founding text gives it."),
        render_kw={"rows": 3},
    )
    model = SelectField(_l("Model"), validate_choice=False)
    option = SelectField(
        _l("Option of the consultation it corresponds to"),
        validate_choice=False,
        description=_l("Leave “Choose…” to select the one option of the designated model."),
    )
    places = MultiCheckboxField(_l("Places the mandate covers"), validate_choice=False)

    #: The questionnaire, to pre-select the option by model (set by :func:`revision_form`).
    document: Questionnaire = Questionnaire()

    def place(self, errors: dict[str, list[object]]) -> None:
        """Show the service's errors; pre-select the one option of the designated model.

        The service refuses an empty option; when exactly one option of the questionnaire has
        the designated model, the form comes back with it selected, for the publisher to check.
        """
        super().place(errors)
        suggestion = suggested_option(self.document, self.model.data or "")
        if "option" in errors and not self.option.data and suggestion is not None:
            self.option.data = suggestion
            self.option.errors = [str(PRESELECTED)]

    def entry(self) -> DesignationEntry:
        """What was typed, for :func:`consult.reports.designation.record_revision`."""
        option = self.option.data or ""
        return DesignationEntry(
            designated_on=self.designated_on.data,
            legal_basis=self.legal_basis.data or "",
            model=self.model.data or "",
            option_key=None if option == OUTSIDE else option,
            bodies=(self.bodies.data or "").splitlines(),
            instrument_reference=self.instrument_reference.data or "",
            instrument_link=self.instrument_link.data or "",
            model_description=self.texts("model_description"),
            places=self.places.data or [],
            guarantees={
                t.key: (self[f"guarantee_{t.key}"].data or "", self[f"article_{t.key}"].data or "")
                for t in GUARANTEES
            },
            stages={t.key: self[f"stage_{t.key}"].data for t in STAGES},
            note=self.texts("note"),
        )


class RecommendationForm(TranslatedForm):
    translated = ("text",)


class UpdateForm(TranslatedForm):
    translated = ("update_note",)

    status = SelectField(_l("Where it stands"), validate_choice=False)
    as_of = DayField(_l("As of"), description=_l("The day this became true."))

    def note(self) -> dict[str, str]:
        return self.texts("update_note")


F = TypeVar("F", bound=TranslatedForm)


def _build(
    base: type[F],
    consultation: Consultation,
    formdata: MultiDict[str, str] | None,
    data: Mapping[str, object],
    fields: Mapping[str, Field] | None = None,
) -> F:
    """An instance of ``base`` with ``fields`` and a text field per language and text name."""
    ui = get_locale().language if get_locale() else "en"

    class Bound(base):  # type: ignore[valid-type,misc]
        pass

    default = consultation.default_locale
    Bound.locales = [default, *(c for c in consultation.offered_locales if c != default)]
    for name, field in (fields or {}).items():
        setattr(Bound, name, field)
    for code in Bound.locales:
        for name in base.translated:
            label, limit = TEXT_LABELS[name]
            language = display_name(code, ui)
            text_label = _l("%(label)s (%(language)s)", label=label, language=language)
            setattr(Bound, f"{name}_{code}", TextAreaField(text_label, [at_most(limit)]))
    form: F = Bound(formdata=formdata, data=None if formdata else dict(data))
    return form


def revision_form(
    consultation: Consultation,
    formdata: MultiDict[str, str] | None,
    previous: DesignationRevision | None,
) -> RevisionForm:
    """The revision form, pre-filled from ``previous`` so only what changed is typed."""
    document = consultation.document()
    form = _build(RevisionForm, consultation, formdata, _revision_data(previous), _rows())
    form.document = document
    form.legal_basis.choices = choices([("", CHOOSE_BLANK), *LEGAL_BASES.choices()])
    form.model.choices = choices([("", CHOOSE_BLANK), *NPM_MODELS.choices()])
    options = [(o.key, _option_label(consultation, o.title, o.model)) for o in document.options]
    outside = (OUTSIDE, _l("Outside the options consulted"))
    form.option.choices = choices([("", CHOOSE_BLANK), *options, outside])
    form.places.choices = choices(PLACES.choices())
    for term in GUARANTEES:
        form[f"guarantee_{term.key}"].choices = choices(GUARANTEE_STATUSES.choices())
    return form


def _option_label(consultation: Consultation, title: Mapping[str, str], model: str) -> str:
    return f"{resolve(title, consultation.default_locale)} · {NPM_MODELS.label(model)}"


def _rows() -> dict[str, Field]:
    """A status and an article per guarantee, a date per stage."""
    fields: dict[str, Field] = {}
    for term in GUARANTEES:
        # Each label names its guarantee: the error summary lists fields by label alone.
        fields[f"guarantee_{term.key}"] = SelectField(
            term.label,
            validate_choice=False,
            default="unknown",
            description=_reference(term),
        )
        fields[f"article_{term.key}"] = StringField(
            _l("Article of the founding text (%(guarantee)s)", guarantee=term.label)
        )
    for term in STAGES:
        fields[f"stage_{term.key}"] = DayField(term.label)
    return fields


def _reference(term: Term) -> LazyString | str:
    if term.reference is SPT_GUIDELINES:
        return SPT_GUIDELINES
    return _l("OPCAT, article %(article)s", article=term.reference)


def _revision_data(previous: DesignationRevision | None) -> dict[str, object]:
    if previous is None:
        return {}
    data: dict[str, object] = {
        "designated_on": previous.designated_on,
        "legal_basis": previous.legal_basis,
        "instrument_reference": previous.instrument_reference,
        "instrument_link": previous.instrument_link,
        "bodies": "\n".join(previous.bodies),
        "model": previous.model,
        "option": previous.option_key or OUTSIDE,
        "places": list(previous.places),
        **_texts_of("model_description", previous.model_description),
        **_texts_of("note", previous.note),
    }
    for key, (status, article) in previous.guarantee_map().items():
        data[f"guarantee_{key}"], data[f"article_{key}"] = status.value, article
    for key, reached in previous.stage_dates().items():
        data[f"stage_{key}"] = reached
    return data


def _texts_of(name: str, texts: Mapping[str, str]) -> dict[str, object]:
    return {f"{name}_{code}": text for code, text in texts.items()}


def recommendation_form(
    consultation: Consultation,
    formdata: MultiDict[str, str] | None,
    recommendation: Recommendation | None = None,
) -> RecommendationForm:
    """A new recommendation, or the texts of ``recommendation`` to correct."""
    data = _texts_of("text", recommendation.text) if recommendation else {}
    return _build(RecommendationForm, consultation, formdata, data)


def update_form(consultation: Consultation, formdata: MultiDict[str, str] | None) -> UpdateForm:
    """An update on a recommendation, dated today unless the publisher says otherwise."""
    form = _build(UpdateForm, consultation, formdata, {"as_of": today_in(consultation)})
    labels = ((status.value, label) for status, label in RECOMMENDATION_STATUS_LABELS.items())
    form.status.choices = choices([("", CHOOSE_BLANK), *labels])
    return form
