"""Organisers preview the questionnaire, per channel and language, before it opens."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.extensions import db
from consult.respond.models import Response
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login
from tests.respond.test_open_channel import FULL, hidden

PREVIEW = "/en/c/npm-2027/preview"


def test_a_draft_can_be_previewed_by_members_only(app: Flask, page: Page, make: Factory) -> None:
    make.consultation(
        "acme", "npm-2027", ("en", "ar"), questionnaire=sample_questionnaire(("en", "ar"))
    )
    assert page.get(PREVIEW).status_code == 302  # sign in first
    # ... whatever the slug, so that a stranger cannot tell which drafts exist.
    assert page.get("/en/c/no-such-draft/preview").status_code == 302
    assert page.get("/en/c/npm-2027/respond").status_code == 404  # a draft is not public
    outsider = make.member("other", [Role.OWNER])
    login(page, outsider.email)
    assert page.get(PREVIEW).status_code == 404
    member = make.member("acme", [Role.TRUSTEE])
    login(page, member.email)
    page.get(PREVIEW + "?content=ar&channel=open")
    assert "[ar] Preferred model" in page.text
    assert "answers given here are not recorded" in page.text


def test_preview_checks_answers_but_records_nothing(app: Flask, page: Page, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), questionnaire=sample_questionnaire(("en",)))
    login(page, make.member("acme", [Role.ORGANISER]).email)
    html = page.get(PREVIEW).get_data(as_text=True)
    response = page.post(
        PREVIEW, {**FULL, "submission_key": hidden(html, "submission_key")}, form_page=PREVIEW
    )
    assert response.status_code == 200
    assert "In the preview, nothing was recorded." in page.text
    with app.app_context():
        assert db.session.scalar(select(Response.id)) is None


def test_each_channel_shows_its_own_questions(page: Page, make: Factory) -> None:
    document = sample_questionnaire(("en",))
    document.sections[0].questions[0].channels = ["open", "invited"]
    document.sections[0].questions[1].channels = ["open"]  # it depends on the first
    make.consultation("acme", "npm-2027", ("en",), questionnaire=document)
    login(page, make.member("acme", [Role.ORGANISER]).email)
    page.get(PREVIEW + "?channel=sealed")
    assert "Preferred model" not in page.text and "[en] Topics" in page.text
    # The sealed channel offers only the categories that risk reprisals.
    assert "Former detainee" in page.text and "Parliament" not in page.text
    page.get(PREVIEW + "?channel=open")
    assert "[en] Preferred model" in page.text and "Parliament" in page.text
