"""Forms for NPM options, sections, the respondent profile, and importing a questionnaire."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, ValidationError

from consult.forms import MultiCheckboxField, choices
from consult.opcat.vocabulary import NPM_MODELS, STAKEHOLDERS
from consult.questionnaires.forms.common import (
    CHOOSE,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Builder,
    ItemForm,
    bind,
    key_field,
    parse_rows,
    row_data,
    rows_field,
    stored_item,
    texts_field,
)
from consult.questionnaires.schema import (
    JurisdictionMode,
    Option,
    Profile,
    Section,
)


class OptionForm(ItemForm):
    text_kind = "option"
    template = "questionnaires/option.html"
    key = key_field()
    model = SelectField(
        _l("NPM model"),
        validate_choice=False,
        validators=[AnyOf(NPM_MODELS.keys(), message=CHOOSE)],
    )

    def result(self) -> Option:
        title, description = self["title"].form.texts(), self["description"].form.texts()
        if self.builder.frozen:
            return replace(self.stored, title=title, description=description)
        key = self.key.data or (self.stored.key if self.stored else "")
        return Option(key, self.model.data, title, description)


def option_form(builder: Builder, key: str | None) -> OptionForm:
    stored = stored_item(builder.document.option(key) if key else None, key, builder)

    class Bound(OptionForm):
        pass

    Bound.title = texts_field(builder, _l("Title"), TITLE_MAX, required=True)
    Bound.description = texts_field(builder, _l("Description"), DESCRIPTION_MAX, multiline=True)
    initial = vars(stored) if stored else {"model": ""}
    form: OptionForm = bind(Bound, builder, stored, initial)
    form.model.choices = choices([("", _l("Choose…")), *NPM_MODELS.choices()])
    return form


class SectionForm(ItemForm):
    text_kind = "section"
    template = "questionnaires/section.html"
    key = key_field()

    def result(self) -> Section:
        title, intro = self["title"].form.texts(), self["intro"].form.texts()
        if self.builder.frozen:
            return replace(self.stored, title=title, intro=intro)
        return Section(self.key.data or (self.stored.key if self.stored else ""), title, intro)


def section_form(builder: Builder, key: str | None) -> SectionForm:
    stored = stored_item(builder.document.section(key) if key else None, key, builder)

    class Bound(SectionForm):
        pass

    Bound.title = texts_field(builder, _l("Title"), TITLE_MAX, required=True)
    Bound.intro = texts_field(
        builder,
        _l("Introduction"),
        DESCRIPTION_MAX,
        multiline=True,
        description=_l("Shown above the section's questions."),
    )
    initial = {"key": stored.key, "title": stored.title, "intro": stored.intro} if stored else {}
    form: SectionForm = bind(Bound, builder, stored, initial)
    return form


# Profile -----------------------------------------------------------------------------------


class ProfileForm(ItemForm):
    template = "questionnaires/profile.html"
    row_fields = ("custom_categories", "custom_jurisdictions")

    categories = MultiCheckboxField(
        _l("OPCAT stakeholder categories offered"), validate_choice=False
    )
    jurisdiction = RadioField(
        _l("Jurisdiction"),
        validate_choice=False,
        validators=[AnyOf([m.value for m in JurisdictionMode], message=CHOOSE)],
    )
    ask_place = BooleanField(_l("Ask which category of place of detention the answer concerns"))
    #: Top-level subdivisions of the consultation's country (set by :func:`profile_form`).
    subdivisions: int = 0

    def validate_jurisdiction(self, field: Field) -> None:
        if field.data == JurisdictionMode.SUBDIVISIONS and not self.subdivisions:
            raise ValidationError(
                str(
                    _l(
                        "ISO 3166-2 lists no subdivisions for this country. "
                        "Give your own list instead."
                    )
                )
            )

    def result(self) -> Profile:
        stored: Profile = self.stored
        categories = parse_rows(
            self["custom_categories"], self.builder, stored.custom_categories, "category"
        )
        jurisdictions = parse_rows(
            self["custom_jurisdictions"], self.builder, stored.custom_jurisdictions, "area"
        )
        if self.builder.frozen:
            return replace(stored, custom_categories=categories, custom_jurisdictions=jurisdictions)
        chosen = set(self.categories.data or [])
        return Profile(
            categories=[term.key for term in STAKEHOLDERS if term.key in chosen],
            custom_categories=categories,
            jurisdiction=JurisdictionMode(self.jurisdiction.data),
            custom_jurisdictions=jurisdictions,
            ask_place=bool(self.ask_place.data),
        )


def profile_form(builder: Builder, subdivisions: int) -> ProfileForm:
    stored = builder.document.profile

    class Bound(ProfileForm):
        pass

    Bound.custom_categories = rows_field(
        builder,
        _l("Categories of your own"),
        _l("Category %(number)s"),
        easy=False,
        stored=len(stored.custom_categories),
    )
    Bound.custom_jurisdictions = rows_field(
        builder,
        _l("Your list of jurisdictions"),
        _l("Jurisdiction %(number)s"),
        easy=False,
        stored=len(stored.custom_jurisdictions),
    )
    initial = {
        "categories": stored.categories,
        "custom_categories": row_data(stored.custom_categories),
        "jurisdiction": stored.jurisdiction.value,
        "custom_jurisdictions": row_data(stored.custom_jurisdictions),
        "ask_place": stored.ask_place,
    }
    form: ProfileForm = bind(Bound, builder, stored, initial)
    form.subdivisions = subdivisions
    form.categories.choices = choices(STAKEHOLDERS.choices())
    form.jurisdiction.choices = choices(
        [
            (JurisdictionMode.NONE.value, _l("Do not ask")),
            (JurisdictionMode.SUBDIVISIONS.value, _l("The country's subdivisions (ISO 3166-2)")),
            (JurisdictionMode.CUSTOM.value, _l("A list of our own")),
        ]
    )
    return form


# Questions ---------------------------------------------------------------------------------


class ImportForm(FlaskForm):
    """A questionnaire exported as JSON, from this site or another: a file or pasted text."""

    file = FileField(_l("JSON file"))
    text = TextAreaField(
        _l("Or paste the JSON"),
        render_kw={"dir": "ltr", "spellcheck": "false", "autocomplete": "off"},
    )
    #: The JSON text, once :meth:`validate` has read it.
    content: str = ""

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        if not super().validate(extra_validators):
            return False
        upload = self.file.data
        if upload:
            try:
                self.content = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.file.errors.append(str(_l("The file must be JSON text in UTF-8.")))
                return False
        else:
            self.content = self.text.data or ""
        if not self.content.strip():
            self.text.errors.append(str(_l("Choose a file or paste the JSON.")))
            return False
        return True
