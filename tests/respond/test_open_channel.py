"""Answering on the open channel with a plain HTTP client: no JavaScript anywhere."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from consult.extensions import db
from consult.questionnaires.schema import Questionnaire, record_all_sources
from consult.respond.models import Answer, Response
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page

URL = "/{lang}/c/npm-2027/respond"


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def carried_form(html: str) -> dict[str, list[str]]:
    """The hidden fields of a step page, as a browser would send them back."""
    data: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        data.setdefault(name, []).append(value)
    return data


def stored(app: Flask) -> list[tuple[Response, list[Answer]]]:
    with app.app_context():
        responses = db.session.scalars(select(Response)).all()
        return [
            (r, sorted(r.answers, key=lambda a: (a.question_key, a.item_key, a.choice_key)))
            for r in responses
        ]


FULL = {
    "p-category": "civil_society",
    "p-jurisdiction": "north",
    "p-place": "psychiatric",
    "p-organisation": "Friends of Prisoners",
    "q-model": "c",
    "q-why": "Because\r\nof reasons",
    "q-ranking-new-body": "2",
    "q-ranking-ombuds": "",
    "q-topics": ["x", "y"],
    "q-more": "about y",
    "q-scale": "2",
    "q-matrix-functional_independence": "essential",
    "q-matrix-resources": "important",
    "q-visited": "yes",
    "q-visits": "12",
    "q-detail": "short",
}


def test_one_page_mode_stores_one_row_per_answer(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr", "ar"), opened=True)
    html = page.get(URL.format(lang="en")).get_data(as_text=True)
    assert page.response.headers["Cache-Control"] == "no-store"  # type: ignore[union-attr]
    assert "[en] Preferred model" in html and "Answer only if" in html
    data = {**FULL, "submission_key": hidden(html, "submission_key"), "mode": "page"}
    response = page.post(URL.format(lang="en"), data, form_page=URL.format(lang="en"))
    assert response.status_code == 303, page.text
    assert response.headers["Location"] == "/en/c/npm-2027/thanks"
    [(saved, answers)] = stored(app)
    assert saved.channel == "open" and saved.locale == "en"
    assert saved.stakeholder_category == "civil_society" and saved.jurisdiction == "north"
    assert saved.place_category == "psychiatric"
    assert saved.declared_organisation == "Friends of Prisoners"
    assert saved.received_on is not None and len(saved.questionnaire_version) == 64
    rows = {(a.question_key, a.item_key, a.choice_key): (a.rank, a.number, a.text) for a in answers}
    assert rows[("model", "", "c")] == (None, None, None)
    assert rows[("why", "", "")] == (None, None, "Because\nof reasons")
    # A respondent may rank only some; the gap closes (rank 2 alone becomes rank 1).
    assert rows[("ranking", "", "new-body")][0] == 1
    assert ("ranking", "", "ombuds") not in rows
    assert ("topics", "", "x") in rows and ("topics", "", "y") in rows
    assert rows[("scale", "", "2")][1] == 2
    assert rows[("matrix", "resources", "important")] == (None, None, None)
    assert rows[("visits", "", "")][1] == 12
    page.get("/en/c/npm-2027/thanks")
    assert "Your answers have been recorded." in page.text


def test_hidden_questions_are_dropped_and_required_ones_enforced(
    app: Flask, page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    html = page.get(URL.format(lang="en")).get_data(as_text=True)
    key = hidden(html, "submission_key")
    page.post(
        URL.format(lang="en"),
        {"submission_key": key, "q-why": "kept?"},
        form_page=URL.format(lang="en"),
    )
    assert page.response.status_code == 400  # type: ignore[union-attr]
    text = page.text
    assert "Please correct the following" in text
    assert "Choose the group you belong to." in text and "Answer this question." in text
    assert "kept?" in page.response.get_data(as_text=True)  # type: ignore[union-attr]
    data = {**FULL, "q-model": "a", "q-topics": "x", "q-visited": "no", "submission_key": key}
    assert (
        page.post(URL.format(lang="en"), data, form_page=URL.format(lang="en")).status_code == 303
    )
    [(_saved, answers)] = stored(app)
    keys = {a.question_key for a in answers}
    # "why" needs model = c, "more" needs topics ∋ y, "visits" needs visited ≠ no.
    assert not keys & {"why", "more", "visits"}
    assert "detail" in keys


def walk_steps(page: Page, lang: str, answers: dict[str, object]) -> list[str]:
    """Answer step by step, sending back each page's hidden fields; return the steps seen."""
    url = URL.format(lang=lang)
    html = page.get(url + "?mode=steps").get_data(as_text=True)
    seen = []
    for _ in range(30):
        step = hidden(html, "step")
        seen.append(step)
        data: dict[str, object] = {k: v for k, v in carried_form(html).items() if k != "csrf_token"}
        if step == "review":
            data["nav"] = "send"
        else:
            fields = (
                ("p-category", "p-jurisdiction", "p-place", "p-organisation")
                if step == "profile"
                else [k for k in answers if k == f"q-{step}" or k.startswith(f"q-{step}-")]
            )
            data.update({k: answers[k] for k in fields if k in answers})
            data["nav"] = "next"
        response = page.post(url, data, form_page=url)
        if response.status_code == 303:
            return seen
        assert response.status_code == 200, page.text
        html = response.get_data(as_text=True)
    raise AssertionError("the steps never ended")


def test_step_by_step_mode_in_arabic(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr", "ar"), opened=True)
    html = page.get("/ar/c/npm-2027/respond?mode=steps").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    steps = walk_steps(page, "ar", {**FULL, "q-model": "b", "q-topics": "y"})
    # "why" is skipped (model is not c); "more" is asked (topics include y).
    assert steps[0] == "profile" and "why" not in steps and "more" in steps
    assert steps[-1] == "review"
    [(saved, answers)] = stored(app)
    assert saved.locale == "ar"
    assert {a.question_key for a in answers} >= {"model", "topics", "more", "matrix"}


def test_a_step_with_an_error_stays_and_keeps_the_answer(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    url = URL.format(lang="en")
    html = page.get(url + "?mode=steps").get_data(as_text=True)
    data = {
        "submission_key": hidden(html, "submission_key"),
        "mode": "steps",
        "step": "profile",
        "nav": "next",
        "p-category": "parliament",
        "p-jurisdiction": "atlantis",
    }
    response = page.post(url, data, form_page=url)
    assert response.status_code == 400
    assert "Choose one of the answers offered." in page.text
    assert 'value="parliament" checked' in response.get_data(as_text=True)


def test_a_double_submit_stores_one_response(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    url = URL.format(lang="en")
    key = hidden(page.get(url).get_data(as_text=True), "submission_key")
    data = {**FULL, "submission_key": key}
    assert page.post(url, data, form_page=url).status_code == 303
    assert page.post(url, data, form_page=url).status_code == 303
    assert len(stored(app)) == 1
    response = page.post(url, {**data, "q-model": "a"}, form_page=url)
    assert response.status_code == 409
    assert "already sent from this form, with different content" in page.text
    assert len(stored(app)) == 1


def test_an_expired_form_comes_back_with_the_answers(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    url = URL.format(lang="en")
    key = hidden(page.get(url).get_data(as_text=True), "submission_key")
    response = page.post(url, {**FULL, "submission_key": key, "csrf_token": "stale"}, form_page=url)
    assert response.status_code == 400
    assert "this page had expired. Your answers are kept" in page.text
    html = response.get_data(as_text=True)
    assert "Friends of Prisoners" in html and 'value="c" checked' in html
    assert stored(app) == []


def test_closed_and_unopened_consultations_show_a_page_not_a_form(
    page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    url = URL.format(lang="en")
    key = hidden(page.get(url).get_data(as_text=True), "submission_key")
    from consult.consultations import services
    from consult.consultations.models import Consultation

    with page.client.application.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        services.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    page.get(url)
    assert "This consultation is closed" in page.text
    assert "Send my answers" not in page.text
    response = page.post(url, {**FULL, "submission_key": key})
    assert response.status_code == 409
    assert "Your answers were not recorded." in page.text


def easy_questionnaire() -> Questionnaire:
    """The sample questionnaire, with easy-read wording for one question and one choice."""
    document = sample_questionnaire(("en", "fr"))
    model = document.question("model")
    assert model is not None
    model.easy = {"en": "[en] Which one do you like best?", "fr": "[fr] Lequel préférez-vous ?"}
    model.choices[0].easy = {"en": "[en] The first one", "fr": "[fr] Le premier"}
    record_all_sources(document, "en")
    return document


def test_the_easy_read_version_asks_in_easy_words_one_question_at_a_time(
    app: Flask, page: Page, make: Factory
) -> None:
    make.consultation(
        "acme", "npm-2027", ("en", "fr"), opened=True, questionnaire=easy_questionnaire()
    )
    url = URL.format(lang="en")
    standard = page.get(url).get_data(as_text=True)
    assert "[en] Preferred model" in standard and "Which one do you like best" not in standard
    assert 'href="/en/c/npm-2027/respond?easy=1"' in standard
    easy = page.get(url + "?easy=1").get_data(as_text=True)
    assert "respond-form easy-read" in easy and 'name="easy" value="1"' in easy
    assert hidden(easy, "mode") == "steps" and "Standard version" in easy
    # The profile step comes first; the next step asks the model question in easy words.
    data = {
        **{k: v for k, v in carried_form(easy).items() if k != "csrf_token"},
        "p-category": "civil_society",
        "p-jurisdiction": "north",
        "nav": "next",
    }
    step = page.post(url, data, form_page=url + "?easy=1").get_data(as_text=True)
    assert page.response.status_code == 200, page.text  # type: ignore[union-attr]
    assert "[en] Which one do you like best?" in step and "[en] The first one" in step
    assert "[en] Preferred model" not in step and 'name="easy" value="1"' in step
    french = page.get(URL.format(lang="fr") + "?easy=1&mode=page").get_data(as_text=True)
    assert "[fr] Lequel préférez-vous ?" in french and "[fr] Le premier" in french


def test_no_easy_read_version_is_offered_without_easy_wording(page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    url = URL.format(lang="en")
    assert "?easy=1" not in page.get(url).get_data(as_text=True)
    asked = page.get(url + "?easy=1").get_data(as_text=True)
    assert "easy-read" not in asked and 'name="easy"' not in asked
    assert hidden(asked, "mode") == "page" and "[en] Preferred model" in asked


@pytest.mark.parametrize(("lang", "typed", "number"), [("en", "1,000", None), ("fr", "1,000", 1)])
def test_a_number_is_read_the_way_the_respondents_language_writes_it(
    app: Flask, page: Page, make: Factory, lang: str, typed: str, number: float | None
) -> None:
    """ "1,000" is a thousand to an English reader (more than this question's 100: refused,
    not stored as 1) and one to a French reader."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    url = URL.format(lang=lang)
    html = page.get(url).get_data(as_text=True)
    data = {**FULL, "q-visits": typed, "submission_key": hidden(html, "submission_key")}
    response = page.post(url, {**data, "mode": "page"}, form_page=url)
    if number is None:
        assert response.status_code == 400 and stored(app) == []
        assert "Enter a number from 0 to 100." in page.text
        return
    assert response.status_code == 303
    [(_saved, answers)] = stored(app)
    assert [a.number for a in answers if a.question_key == "visits"] == [number]
