"""Forms of the report workflow: prepare, edit the texts, publish, withdraw.

The languages of the consultation decide which text fields exist, so those forms are built per
request (as the consultation settings form is). Publishing and withdrawing need a ticked
confirmation box: the page works without JavaScript, so no pop-up asks "are you sure?".
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, HiddenField, IntegerField, TextAreaField
from wtforms.validators import InputRequired

from consult.consultations.models import Consultation
from consult.forms import at_most, required, whole_number
from consult.i18n.locales import display_name
from consult.reports.models import Report
from consult.reports.services import REASON_MAX, TEXT_MAX

#: Labels of the translated fields.
LABELS = {
    "narrative": _l("What the consultation found"),
    "limitations": _l("Limitations of the results"),
    "reason": _l("Why the report is withdrawn"),
}
HINTS = {
    "narrative": _l("The organisers' account of the consultation and its results."),
    "limitations": _l("Who was not reached, and what the numbers cannot show."),
    "reason": _l("Shown on the public page in place of the report. Required in the main language."),
}
NOT_A_NUMBER = _l("Enter a whole number, such as 5.")


def confirmation(label: Any) -> BooleanField:
    return BooleanField(label, validators=[InputRequired(message=_l("Tick this box to confirm."))])


class ThresholdField(IntegerField):
    """A whole number whose parse error speaks the site's words."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(NOT_A_NUMBER)) from None


class TranslatedForm(FlaskForm):
    """A form with one text field per language for each name of :attr:`translated`."""

    #: Languages with text fields, and the names of those fields (set by :func:`_build`).
    locales: ClassVar[list[str]] = []
    translated: ClassVar[tuple[str, ...]] = ()
    #: The revision the page showed, so an action never lands on one the user has not seen.
    revision = HiddenField()

    def texts(self, name: str) -> dict[str, str]:
        """What was typed for ``name``, by language."""
        return {code: self[f"{name}_{code}"].data or "" for code in self.locales}

    def revision_number(self) -> int | None:
        value = self.revision.data or ""
        return whole_number(value)

    def place(self, errors: dict[str, list[object]]) -> None:
        """Show a service's field errors next to the fields."""
        for name, messages in errors.items():
            if name in self:
                self[name].errors = [*self[name].errors, *(str(m) for m in messages)]


class TextsForm(TranslatedForm):
    translated = ("narrative", "limitations")


class PrepareForm(TextsForm):
    k = ThresholdField(
        _l("Smallest count shown"),
        validators=[required()],
        description=_l(
            "Counts between 1 and this number minus one are hidden in every table "
            "(small-cell suppression)."
        ),
    )


F = TypeVar("F", bound="TranslatedForm")


class PublishForm(FlaskForm):
    revision = HiddenField()
    confirm = confirmation(
        _l("I have checked this revision: its numbers and texts may be made public.")
    )


class WithdrawForm(TranslatedForm):
    translated = ("reason",)
    confirm = confirmation(_l("Withdraw the public report and show this notice instead."))


def _build(
    base: type[F],
    consultation: Consultation,
    formdata: MultiDict[str, str] | None,
    data: dict[str, object],
) -> F:
    """An instance of ``base`` with text fields for each language of ``consultation``."""
    ui = get_locale().language if get_locale() else "en"

    class Bound(base):  # type: ignore[valid-type,misc]
        pass

    Bound.locales = list(consultation.offered_locales)
    limit = REASON_MAX if "reason" in base.translated else TEXT_MAX
    for code in Bound.locales:
        for name in base.translated:
            label = _l(
                "%(label)s (%(language)s)", label=LABELS[name], language=display_name(code, ui)
            )
            field: Field = TextAreaField(
                label, validators=[at_most(limit)], description=HINTS[name]
            )
            setattr(Bound, f"{name}_{code}", field)
    form: F = Bound(formdata=formdata, data=None if formdata else data)
    return form


def _texts_of(report: Report | None, names: tuple[str, ...]) -> dict[str, object]:
    data: dict[str, object] = {}
    for name in names:
        for code, text in (getattr(report, name, None) or {}).items():
            data[f"{name}_{code}"] = text
    return data


def prepare_form(
    consultation: Consultation,
    formdata: MultiDict[str, str] | None,
    previous: Report | None,
    k: int,
) -> PrepareForm:
    """The prepare form, its texts taken from the previous revision so nobody types them twice."""
    data = {"k": previous.k if previous else k, **_texts_of(previous, TextsForm.translated)}
    return _build(PrepareForm, consultation, formdata, data)


def texts_form(report: Report, formdata: MultiDict[str, str] | None) -> TextsForm:
    data = {"revision": str(report.revision), **_texts_of(report, TextsForm.translated)}
    return _build(TextsForm, report.consultation, formdata, data)


def withdraw_form(report: Report, formdata: MultiDict[str, str] | None) -> WithdrawForm:
    return _build(WithdrawForm, report.consultation, formdata, {"revision": str(report.revision)})
