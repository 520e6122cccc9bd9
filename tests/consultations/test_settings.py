"""Creating a consultation in several languages, editing it, opening and closing it."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page

NEW = "/admin/acme/consultations/new"


def form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "slug": "npm-2027",
        "country": "TN",
        "languages": ["ar", "fr"],
        "other_languages": "",
        "default_locale": "ar",
        "title_ar": "استشارة وطنية",
        "title_fr": "Consultation nationale",
        "summary_ar": "ما الآلية الوقائية الوطنية التي نريد؟",
        "summary_fr": "Quel MNP voulons-nous ?",
    }
    data.update(overrides)
    return data


def stored(app: Flask, slug: str = "npm-2027") -> Consultation | None:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        if consultation is not None:
            db.session.expunge(consultation)
        return consultation


def test_create_a_consultation_with_texts_in_each_language(
    app: Flask, page: Page, login_as
) -> None:
    login_as(Role.ORGANISER)
    page.get(NEW)
    assert "Title (English)" in page.text
    response = page.post(NEW, form(), form_page=NEW)
    assert response.status_code == 302, page.text
    assert response.headers["Location"] == "/admin/acme/consultations/npm-2027/"
    consultation = stored(app)
    assert consultation is not None
    assert consultation.status is Status.DRAFT
    assert consultation.offered_locales == ["ar", "fr"]
    assert consultation.title == {"ar": "استشارة وطنية", "fr": "Consultation nationale"}
    assert consultation.country == "TN" and consultation.uuid is not None
    page.get(response.headers["Location"])
    assert "Tunisia" in page.text


def test_update_languages_adds_fields_and_keeps_what_was_typed(page: Page, login_as) -> None:
    login_as(Role.ORGANISER)
    response = page.post(
        NEW,
        form(languages=["ar", "fr", "en"], other_languages="kab", update_languages="1"),
        form_page=NEW,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Title (English)" in page.text and "Title (Kabyle)" in page.text
    assert 'value="Consultation nationale"' in html
    assert "استشارة وطنية" in html
    assert "Please correct the following" not in page.text


def test_bad_input_gets_translated_field_errors_and_keeps_the_rest(page: Page, login_as) -> None:
    login_as(Role.ORGANISER)
    page.post(
        NEW,
        form(slug="Bad Slug!", title_fr="x" * 201, country="ZZ", other_languages="xx-notreal"),
        form_page=NEW,
    )
    assert page.response.status_code == 400
    text = page.text
    assert "Use 3 to 80 lowercase letters, digits and single hyphens" in text
    assert "Use at most 200 characters." in text
    assert "Choose a country from the list." in text
    assert "Unknown language code: xx-notreal" in text
    assert "استشارة وطنية" in page.response.get_data(as_text=True)
    # French interface: the same errors, in French.
    page.post("/language", {"locale": "fr", "next": NEW}, form_page=NEW)
    page.post(NEW, form(slug="Bad Slug!"), form_page=NEW)
    assert "Use 3 to 80" not in page.text
    assert "Utilisez de 3 à 80 lettres minuscules" in page.text


def test_a_missing_text_in_an_offered_language_is_an_error(page: Page, login_as) -> None:
    login_as(Role.ORGANISER)
    page.post(NEW, form(summary_fr=""), form_page=NEW)
    assert page.response.status_code == 400
    assert "Purpose of the consultation (French): This field is required." in page.text


def test_addresses_are_unique(page: Page, login_as, make: Factory) -> None:
    make.consultation("other", "npm-2027")
    login_as(Role.ORGANISER)
    page.post(NEW, form(), form_page=NEW)
    assert "Another consultation already uses this address." in page.text


def test_open_then_close_with_an_audit_trail(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", questionnaire=sample_questionnaire(("en", "fr")))
    login_as(Role.ORGANISER)
    show = "/admin/acme/consultations/npm-2027/"
    assert page.post(show + "open", {}, form_page=show).status_code == 302
    assert stored(app).status is Status.OPEN  # type: ignore[union-attr]
    page.get("/en/")
    assert "Title npm-2027 [en]" in page.text
    assert page.post(show + "close", {}, form_page=show).status_code == 302
    assert stored(app).status is Status.CLOSED  # type: ignore[union-attr]
    assert page.post(show + "close", {}, form_page=show).status_code == 409
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["consultation.opened", "consultation.closed"]


def test_a_consultation_cannot_open_while_a_language_is_incomplete(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), complete=False)
    login_as(Role.ORGANISER)
    show = "/admin/acme/consultations/npm-2027/"
    response = page.post(show + "open", {}, form_page=show)
    assert response.status_code == 409
    assert "Complete the texts in every language before opening: French." in page.text
    assert stored(app).status is Status.DRAFT  # type: ignore[union-attr]


def test_once_open_only_texts_change_and_each_correction_is_audited(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    login_as(Role.ORGANISER)
    edit = "/admin/acme/consultations/npm-2027/edit"
    page.get(edit)
    assert "its address, country and languages are fixed" in page.text
    response = page.post(
        edit,
        {
            "slug": "hijacked",
            "languages": ["en"],
            "title_en": "Corrected title",
            "title_fr": "Titre corrigé",
            "summary_en": "Summary",
            "summary_fr": "Résumé",
        },
        form_page=edit,
    )
    assert response.status_code == 302, page.text
    consultation = stored(app)
    assert consultation is not None
    assert consultation.slug == "npm-2027" and consultation.offered_locales == ["en", "fr"]
    assert consultation.title["fr"] == "Titre corrigé"
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.action == "consultation.text_corrected"
        assert last.details == {"fields": ["summary", "title"]}


def test_drafts_are_not_public(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027")
    assert page.get("/en/c/npm-2027/").status_code == 404
    make.consultation("acme", "open-one", opened=True)
    assert page.get("/fr/c/open-one/").status_code == 200
    assert "Title open-one [fr]" in page.text


def test_editing_the_main_text_marks_translations_stale_until_reviewed(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    make.consultation(
        "acme", "npm-2027", ("en", "fr"), questionnaire=sample_questionnaire(("en", "fr"))
    )
    login_as(Role.ORGANISER)
    edit = "/admin/acme/consultations/npm-2027/edit"
    show = "/admin/acme/consultations/npm-2027/"
    data = {
        "slug": "npm-2027",
        "country": "FR",
        "languages": ["en", "fr"],
        "default_locale": "en",
        "timezone": "Europe/Paris",
        "ui_fallback_locale": "en",
        "title_en": "A better title",
        "title_fr": "Title npm-2027 [fr]",
        "summary_en": "Summary npm-2027 [en]",
        "summary_fr": "Summary npm-2027 [fr]",
    }
    assert page.post(edit, data, form_page=edit).status_code == 302
    page.get(edit)
    assert "Needs review:" in page.text and "A better title" in page.text
    response = page.post(show + "open", {}, form_page=show)
    assert response.status_code == 409
    assert "Complete the texts in every language before opening: French." in page.text
    # The translator confirms the French title still says the same thing.
    assert (
        page.post(edit, {**data, "reviewed": ["consultation.title|fr"]}, form_page=edit).status_code
        == 302
    )
    page.get(edit)
    assert "Needs review:" not in page.text
    assert page.post(show + "open", {}, form_page=show).status_code == 302


def test_scheduled_dates_are_typed_in_the_consultations_time_zone(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), questionnaire=sample_questionnaire(("en",)))
    login_as(Role.ORGANISER)
    edit = "/admin/acme/consultations/npm-2027/edit"
    data = {
        "slug": "npm-2027",
        "country": "FR",
        "languages": ["en"],
        "default_locale": "en",
        "ui_fallback_locale": "en",
        "timezone": "Asia/Tokyo",
        "opens_at": "2030-01-10T09:00",
        "closes_at": "2030-01-09T09:00",
        "title_en": "T",
        "summary_en": "S",
    }
    page.post(edit, data, form_page=edit)
    assert "The closing date must come after the opening date." in page.text
    page.post(edit, {**data, "closes_at": "yesterday"}, form_page=edit)
    assert "Enter a date and time, such as 2027-03-01 09:00." in page.text
    assert (
        page.post(edit, {**data, "closes_at": "2030-03-01T18:00"}, form_page=edit).status_code
        == 302
    )
    consultation = stored(app)
    assert consultation is not None
    assert consultation.opens_at is not None
    assert consultation.opens_at.isoformat() == "2030-01-10T00:00:00+00:00"  # 09:00 in Tokyo
    show = "/admin/acme/consultations/npm-2027/"
    assert page.post(show + "open", {}, form_page=show).status_code == 302
    # Open, but not before its date: the public page says when it opens, with no form.
    page.get("/en/c/npm-2027/respond")
    assert "This consultation is not open yet." in page.text
    assert "Send my answers" not in page.text
