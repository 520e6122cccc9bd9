"""Content in a language the interface does not speak: the content in it, the UI in a fallback."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from tests.factories import Factory
from tests.helpers import Page


def test_a_georgian_consultation_speaks_french_around_its_georgian_content(
    app: Flask, page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en", "ka"), opened=True)
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        consultation.ui_fallback_locale = "fr"
        db.session.commit()
    html = page.get("/ka/c/npm-2027/").get_data(as_text=True)
    assert page.response.status_code == 200  # type: ignore[union-attr]
    assert '<html lang="fr" dir="ltr">' in html
    assert '<article lang="ka"' in html and "Title npm-2027 [ka]" in html
    assert 'href="/ka/c/npm-2027/"' in html  # offered in the language switcher
    page.get("/ka/c/npm-2027/respond")
    assert "[ka] Preferred model" in page.text
    with app.test_request_context("/fr/"):
        send = gettext("Send my answers")
    assert send != "Send my answers" and send in page.text  # the interface in French
    # A language the consultation does not offer is not a page.
    assert page.get("/de/c/npm-2027/").status_code == 404
    assert page.get("/ka/").status_code == 404


def test_a_ui_language_the_consultation_lacks_falls_back_to_its_main_language(
    page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    page.get("/ar/c/npm-2027/")
    assert "Title npm-2027 [en]" in page.text
    html = page.response.get_data(as_text=True)  # type: ignore[union-attr]
    assert '<html lang="ar" dir="rtl">' in html and '<article lang="en" dir="ltr">' in html
