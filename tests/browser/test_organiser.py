"""An organiser creates a consultation with NPM options and questions in two languages and
opens it (issue 10); a respondent then reads it in the second language.

Everything goes through the organiser's pages as a person would use them: links and buttons
by their names, fields by their labels (a language's field by its label inside the fieldset
of the text it belongs to).
"""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page

from tests.browser.conftest import ORG, LiveServer, sign_in

SLUG = "npm-two-languages"
OPTIONS = (
    ("ombuds", "The Ombudsman's office", "Le bureau du Médiateur"),
    ("new_specialised", "A new specialised body", "Un nouvel organe spécialisé"),
)
SINGLE = (
    "Should the mechanism visit police stations?",
    "Le mécanisme doit-il visiter les commissariats ?",
)
ANSWERS = (("Yes", "Oui"), ("No", "Non"))
RANKING = ("Rank the options, your favourite first.", "Classez les options, la préférée d'abord.")


def save(page: Page, button: str = "Save") -> None:
    """Press ``button`` and wait for the next page, which must not show errors."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    errors = page.locator(".error-summary, .flash-error")
    assert errors.count() == 0, errors.first.inner_text()


def in_languages(scope: Page | Locator, text: str, en: str, fr: str) -> None:
    """Fill the English and French fields of the text whose fieldset (in ``scope``) is named
    ``text``."""
    group = scope.get_by_role("group", name=text, exact=True)
    group.get_by_label("English").fill(en)
    group.get_by_label("French", exact=True).fill(fr)


def test_an_organiser_builds_and_opens_a_consultation_in_two_languages(
    own_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    live = own_server
    live.set_locale("owner@demo.example", "en")
    page = sign_in(new_context(live), "owner@demo.example")

    page.goto(f"/admin/{ORG}/")
    page.get_by_role("link", name="New consultation").click()
    page.get_by_label("Web address").fill(SLUG)
    page.get_by_label("Country").select_option(label="France")
    page.get_by_label("English", exact=True).check()
    page.get_by_label("Français", exact=True).check()
    save(page, "Update the language fields")
    page.get_by_label("Main language").select_option("en")
    page.get_by_label("Title (English)").fill("Which preventive mechanism? (test)")
    page.get_by_label("Title (French)").fill("Quel mécanisme de prévention ? (test)")
    page.get_by_label("Purpose of the consultation (English)").fill("Tell us which body.")
    page.get_by_label("Purpose of the consultation (French)").fill("Dites-nous quel organe.")
    save(page)
    assert page.url.endswith(f"/consultations/{SLUG}/"), page.url

    page.get_by_role("link", name="Questionnaire", exact=True).click()
    builder = page.url
    for model, en, fr in OPTIONS:
        page.get_by_role("link", name="Add an NPM option").click()
        page.get_by_label("NPM model").select_option(model)
        in_languages(page, "Title", en, fr)
        save(page)
    page.get_by_role("link", name="Add a section").click()
    in_languages(page, "Title", "Your views", "Votre avis")
    save(page)

    add_question(page, "Single choice", SINGLE)
    for index, (en, fr) in enumerate(ANSWERS):
        answer = page.get_by_role("group", name=f"Answer {index + 1}", exact=True)
        in_languages(answer, "Label", en, fr)
    save(page)
    add_question(page, "Ranking", RANKING)
    page.get_by_label("The NPM options of the consultation").check()
    save(page)
    assert page.url == builder

    page.goto(f"/admin/{ORG}/consultations/{SLUG}/")
    languages = page.get_by_role("table", name="Texts to write or review in each language")
    assert languages.get_by_role("row", name="French").get_by_text("Complete").count() == 1
    save(page, "Open to respondents")
    assert page.locator(".status-draft").count() == 0

    reader = new_context(live, locale="fr").new_page()
    reader.goto(f"/fr/c/{SLUG}/respond")
    main = reader.locator("main")
    assert reader.locator("html").get_attribute("lang") == "fr"
    for _en, fr in (SINGLE, RANKING, *ANSWERS, *((fr, fr) for _m, _e, fr in OPTIONS)):
        assert main.get_by_text(fr, exact=True).count() >= 1, f"{fr!r} missing from the French form"
    for en in (SINGLE[0], RANKING[0]):
        assert main.get_by_text(en).count() == 0, f"{en!r} shown in French"


def add_question(page: Page, kind: str, texts: tuple[str, str]) -> None:
    """Start a question of ``kind`` in the only section, its text in both languages, asked on
    the open and invited channels only (the sealed ones would need a key ceremony)."""
    page.get_by_role("link", name="Add a question to this section").click()
    page.get_by_role("link", name=kind, exact=True).click()
    in_languages(page, "Question", *texts)
    page.get_by_label("Persons deprived of liberty (sealed)").uncheck()
    page.get_by_label("Paper and assisted interviews").uncheck()
