"""Pages in French, Spanish and Arabic: nothing left in English, Arabic right to left."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.locales import UI_LOCALES
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login, visible_text

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
TRANSLATED = [code for code in UI_LOCALES if code != "en"]
#: English that comes from libraries rather than our catalog, should any slip through.
LIBRARY_ENGLISH = [
    "This field is required",
    "Not a valid choice",
    "Please log in",
    "Invalid email address",
    "Field must be",
    "The CSRF token",
    "Method Not Allowed",
    "Internal Server Error",
    "Not Found",
]


def english_left(text: str, locale: str) -> list[str]:
    """English UI strings of our catalog (and of libraries) that appear in ``text``.

    A fragment that the language itself also uses ("Consultation", Spanish "Complete") or
    that is a code ("(ISO 3166-2)") proves nothing and is skipped.
    """
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translations = " ".join(_strings(message.string) for message in catalog if message.id)
    found = [phrase for phrase in LIBRARY_ENGLISH if phrase in text]
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        for fragment in re.split(r"%\(\w+\)[sd]", source):
            fragment = fragment.strip(" .,:;…")
            if len(fragment) < 4 or not re.search(r"[a-z]{3}", fragment):
                continue
            word = rf"(?<!\w){re.escape(fragment)}(?!\w)"
            if re.search(word, text) and not re.search(word, translations):
                found.append(fragment)
    return found


def prose(page: Page) -> str:
    """The page's text without code: command lines keep their English flags."""
    assert page.response is not None
    return visible_text(page.response.get_data(as_text=True), prose_only=True)


def _strings(value: object) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value or "")


@pytest.fixture
def site(app: Flask, make: Factory) -> dict[str, str]:
    """A consultation open in four languages, a draft, an invitation and a reset link."""
    make.consultation("acme", "npm-2027", ("en", "fr", "es", "ar"), opened=True)
    make.consultation(
        "acme",
        "draft-one",
        ("en", "fr", "es", "ar"),
        questionnaire=sample_questionnaire(("en", "fr", "es", "ar")),
    )
    make.consultation("acme", "closed-one", ("en", "fr", "es", "ar"), opened=True)
    with app.app_context():
        for consultation in db.session.scalars(select(Consultation)):
            codes = consultation.offered_locales
            consultation.title = {code: f"«{code}» {consultation.slug}" for code in codes}
            consultation.summary = {code: f"{code}: {consultation.slug}" for code in codes}
            if consultation.slug == "closed-one":
                consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    return {"slug": "npm-2027"}


ORGANISER_PAGES = [
    "/admin/acme/",
    "/admin/acme/consultations/new",
    "/admin/acme/consultations/npm-2027/",
    "/admin/acme/consultations/draft-one/",
    "/admin/acme/consultations/draft-one/edit",
    "/admin/acme/consultations/npm-2027/edit",
    "/admin/acme/members/",
    "/admin/account",
    "/admin/acme/no-such-thing/",
    "/admin/acme/consultations/npm-2027/responses/",
    "/admin/acme/consultations/npm-2027/responses/list",
    "/admin/acme/consultations/npm-2027/questionnaire/",
    "/admin/acme/consultations/draft-one/questionnaire/",
    "/admin/acme/consultations/draft-one/questionnaire/options/new",
    "/admin/acme/consultations/draft-one/questionnaire/options/ombuds/edit",
    "/admin/acme/consultations/draft-one/questionnaire/profile",
    "/admin/acme/consultations/draft-one/questionnaire/sections/new",
    "/admin/acme/consultations/draft-one/questionnaire/sections/s1/edit",
    "/admin/acme/consultations/draft-one/questionnaire/sections/s1/questions/new",
    "/admin/acme/consultations/draft-one/questionnaire/questions/model/edit",
    "/admin/acme/consultations/draft-one/questionnaire/questions/matrix/edit",
    "/admin/acme/consultations/draft-one/questionnaire/questions/ranking/edit",
    "/admin/acme/consultations/npm-2027/questionnaire/questions/visits/edit",
    "/{locale}/c/draft-one/preview",
    "/{locale}/c/draft-one/preview?mode=steps&channel=sealed",
    "/admin/acme/consultations/npm-2027/ceremony",
    "/admin/acme/consultations/npm-2027/ceremony/check",
    "/admin/acme/consultations/draft-one/ceremony",
    "/admin/acme/consultations/draft-one/ceremony/upload",
    "/admin/acme/consultations/npm-2027/sealed-settings",
    "/admin/acme/consultations/npm-2027/invitations/",
    "/admin/acme/consultations/npm-2027/invitations/new",
    "/admin/acme/consultations/npm-2027/invitations/import",
    "/admin/acme/consultations/draft-one/sealed-settings",
]


@pytest.mark.parametrize("locale", TRANSLATED)
def test_public_pages_have_no_english_left(app: Flask, page: Page, site: dict, locale: str) -> None:
    for url in (
        f"/{locale}/",
        f"/{locale}/c/npm-2027/",
        f"/{locale}/c/draft-one/",
        f"/{locale}/nothing-here",
        f"/{locale}/c/npm-2027/respond",
        f"/{locale}/c/npm-2027/respond?mode=steps",
        f"/{locale}/c/npm-2027/thanks",
        f"/{locale}/c/closed-one/",
        f"/{locale}/c/closed-one/respond",
        f"/{locale}/c/npm-2027/sealed",
        f"/{locale}/c/npm-2027/sealed/thanks",
        f"/{locale}/privacy",
        f"/{locale}/c/npm-2027/privacy",
    ):
        page.get(url)
        assert english_left(prose(page), locale) == [], url


@pytest.mark.parametrize("locale", TRANSLATED)
def test_respondent_errors_have_no_english_left(page: Page, site: dict, locale: str) -> None:
    url = f"/{locale}/c/npm-2027/respond"
    html = page.get(url).get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    page.post(
        url,
        {"submission_key": key, "q-visits": "many", "q-ranking-ombuds": "9", "q-detail": "x" * 99},
        form_page=url,
    )
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert english_left(prose(page), locale) == []
    page.post(
        url,
        {"submission_key": key, "mode": "steps", "step": "profile", "nav": "next"},
        form_page=url,
    )
    assert english_left(prose(page), locale) == []
    page.post(url, {"submission_key": key, "csrf_token": "expired"}, form_page=url)
    assert english_left(prose(page), locale) == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_organiser_pages_have_no_english_left(
    app: Flask, page: Page, make: Factory, site: dict, locale: str
) -> None:
    owner = make.member(
        "acme", [Role.OWNER, Role.ORGANISER, Role.ANALYST, Role.TRUSTEE], locale=locale
    )
    login(page, owner.email)
    for url in ORGANISER_PAGES:
        url = url.format(locale=locale)
        page.get(url)
        assert page.response.status_code == 200 or url.endswith("no-such-thing/"), url  # type: ignore[union-attr]
        assert english_left(prose(page), locale) == [], url
    # The invitation as the owner sees it, then as the invitee does.
    page.post(
        "/admin/acme/members/invite",
        {"email": "new@example.org", "roles": ["trustee"]},
        form_page="/admin/acme/members/",
    )
    assert english_left(prose(page), locale) == []
    join = re.search(r"(/admin/join/[\w-]+)", page.response.get_data(as_text=True))  # type: ignore[union-attr]
    assert join
    guest = Page(app.test_client())
    guest.post("/language", {"locale": locale, "next": "/"})
    guest.get(join.group(1))
    assert english_left(prose(guest), locale) == []
    # Forms sent back with errors.
    page.post(
        "/admin/acme/consultations/new",
        {"slug": "X", "title_en": "x" * 300},
        form_page="/admin/acme/consultations/new",
    )
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert english_left(prose(page), locale) == []
    page.post("/admin/acme/members/invite", {"email": "bad"}, form_page="/admin/acme/members/")
    assert english_left(prose(page), locale) == []
    page.post("/admin/acme/consultations/draft-one/open", {}, form_page="/admin/acme/")
    assert english_left(prose(page), locale) == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_sign_in_and_error_pages_have_no_english_left(
    app: Flask, page: Page, make: Factory, site: dict, locale: str
) -> None:
    page.post("/language", {"locale": locale, "next": "/admin/login"})
    for url in (
        "/admin/login",
        "/admin/password/forgot",
        "/admin/join/unknown-token",
        "/admin/password/reset/unknown-token",
    ):
        page.get(url)
        assert english_left(prose(page), locale) == [], url
    page.post("/admin/login", {"email": "nobody@example.org", "password": "wrong password"})
    assert english_left(prose(page), locale) == []
    page.post("/admin/login", {"email": "x"}, csrf=False)
    assert page.response.status_code == 400  # type: ignore[union-attr]
    assert english_left(prose(page), locale) == []
    member = make.member("acme", [Role.TRUSTEE], locale=locale)
    login(page, member.email)
    page.get("/admin/acme/members/")
    assert page.response.status_code == 403  # type: ignore[union-attr]
    assert english_left(prose(page), locale) == []


def test_the_checker_finds_english(page: Page, site: dict) -> None:
    """The check above can fail: an English page is full of catalog strings."""
    page.get("/en/c/npm-2027/")
    assert "Languages" in english_left(page.text, "fr")


def test_arabic_pages_are_right_to_left(page: Page, make: Factory, site: dict) -> None:
    for url in ("/ar/", "/ar/c/npm-2027/"):
        html = page.get(url).get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in html
    html = page.get("/fr/").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    owner = make.member("acme", [Role.OWNER], locale="ar")
    login(page, owner.email)
    assert '<html lang="ar" dir="rtl">' in page.get("/admin/acme/").get_data(as_text=True)


def test_the_stylesheet_uses_logical_properties_only() -> None:
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)|(?<![\w-])(?:left|right)\s*:"
        r"|text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []


def test_every_page_offers_the_language_switcher(page: Page, site: dict) -> None:
    page.get("/es/c/npm-2027/")
    html = page.response.get_data(as_text=True)  # type: ignore[union-attr]
    for code in ("en", "fr", "ar"):
        assert f'href="/{code}/c/npm-2027/"' in html
    page.get("/admin/login")
    assert 'name="locale" value="ar"' in page.response.get_data(as_text=True)  # type: ignore[union-attr]
