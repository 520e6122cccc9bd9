"""Answering by invitation: a named organisation, a fixed profile, drafts, and a consent."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.respond.models import Invitation, InvitationDraft, Response
from consult.tokens import new_token
from tests.factories import Factory
from tests.helpers import Page, visible_text
from tests.respond.test_open_channel import carried_form, hidden

ORGANISATION = "Senate Committee on Justice"
NEED_CONSENT = "Say whether your organisation's response may be published in full."
ANSWERS = {
    "p-place": "psychiatric",
    "q-model": "c",
    "q-why": "Because of reasons",
    "q-ranking-new-body": "1",
    "q-topics": ["x", "y"],
    "q-more": "about y",
    "q-scale": "2",
    "q-matrix-functional_independence": "essential",
    "q-matrix-resources": "important",
    "q-visited": "yes",
    "q-visits": "12",
    "q-detail": "short",
}


def invite(
    app: Flask,
    slug: str = "npm-2027",
    *,
    organisation: str = ORGANISATION,
    jurisdiction: str | None = "north",
    revoked: bool = False,
) -> tuple[str, str]:
    """An invitation made directly in the database: its link (in English) and its token."""
    token, hashed = new_token()
    with app.app_context():
        consultation = db.session.scalars(
            select(Consultation).where(Consultation.slug == slug)
        ).one()
        db.session.add(
            Invitation(
                consultation_id=consultation.id,
                organisation_name=organisation,
                stakeholder_category="parliament",
                jurisdiction=jurisdiction,
                contact=None,
                language="fr",
                token_hash=hashed,
                revoked_at=datetime.now(UTC) if revoked else None,
            )
        )
        db.session.commit()
    return f"/en/c/{slug}/i/{token}", token


def opened(make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)


def form_of(page: Page, url: str, **extra: object) -> dict[str, object]:
    """The page's own fields (CSRF token, submission key, mode) with ``extra`` answers."""
    html = page.get(url).get_data(as_text=True)
    return {
        "csrf_token": hidden(html, "csrf_token"),
        "submission_key": hidden(html, "submission_key"),
        "mode": hidden(html, "mode"),
        **extra,
    }


def invitation_of(app: Flask) -> Invitation:
    with app.app_context():
        invitation = db.session.scalars(select(Invitation)).one()
        db.session.expunge(invitation)
        return invitation


def responses(app: Flask) -> list[Response]:
    with app.app_context():
        found = db.session.scalars(select(Response)).all()
        for response in found:
            db.session.expunge(response)
        return list(found)


def draft_fields(app: Flask) -> list[list[str]] | None:
    with app.app_context():
        draft = db.session.scalars(select(InvitationDraft)).one_or_none()
        return draft.fields if draft else None


def test_the_page_names_the_organisation_and_asks_only_what_is_open(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, _token = invite(app)
    html = page.get(url).get_data(as_text=True)
    assert page.response.status_code == 200  # type: ignore[union-attr]
    assert page.response.headers["Cache-Control"] == "no-store"  # type: ignore[union-attr]
    text = page.text
    assert f"You are answering on behalf of {ORGANISATION}." in text
    assert "Stakeholder group\nParliament" in text and "Part of the country\n[en] North" in text
    # Fixed from the invitation: shown, not asked. The place is still asked.
    assert 'name="p-category"' not in html and 'name="p-organisation"' not in html
    assert 'name="p-jurisdiction"' not in html and 'name="p-place"' in html
    assert "We do not ask for your name" not in text
    assert "[en] Preferred model" in text and "Save and continue later" in text
    assert f"May the response of {ORGANISATION} be published in full, under its name?" in text


def test_a_jurisdiction_the_invitation_leaves_open_is_asked(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, _token = invite(app, jurisdiction=None)
    html = page.get(url).get_data(as_text=True)
    assert 'name="p-jurisdiction"' in html and 'name="p-category"' not in html
    data = form_of(page, url, **ANSWERS, consent="no")
    assert page.post(url, data).status_code == 400
    assert "Choose where you are." in page.text
    assert page.post(url, {**data, "p-jurisdiction": "south"}).status_code == 303
    [response] = responses(app)
    assert response.jurisdiction == "south" and response.stakeholder_category == "parliament"


def test_sending_stores_a_named_response_linked_to_the_invitation(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, token = invite(app)
    forged = {
        "p-category": "civil_society",
        "p-organisation": "Someone Else",
        "p-jurisdiction": "south",
    }
    data = form_of(page, url, **ANSWERS, **forged, consent="yes")
    response = page.post(url, data)
    assert response.status_code == 303, page.text
    location = response.headers["Location"]
    assert location.startswith("/en/c/npm-2027/invited/thanks?r=") and token not in location
    [saved] = responses(app)
    invitation = invitation_of(app)
    # Forged profile fields change nothing: the invitation decides who answers.
    assert saved.channel == "invited" and saved.declared_organisation == ORGANISATION
    assert saved.stakeholder_category == "parliament" and saved.jurisdiction == "north"
    assert saved.place_category == "psychiatric" and saved.locale == "en"
    assert saved.invitation_id == invitation.id and saved.publication_consent is True
    assert invitation.answered_at is not None
    thanks = page.get(location)
    assert thanks.headers["Cache-Control"] == "no-store"
    assert f"Thank you, {ORGANISATION}: your response has been recorded." in page.text
    assert "may be published in full" in page.text
    page.get("/en/c/npm-2027/invited/thanks?r=forged")
    assert ORGANISATION not in page.text and "Your response has been recorded." in page.text


def test_the_consent_is_required_and_stored(app: Flask, page: Page, make: Factory) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **ANSWERS)
    response = page.post(url, data)
    assert response.status_code == 400
    assert "Please correct the following" in page.text
    assert page.text.count(NEED_CONSENT) == 2  # in the summary and by the question
    assert 'value="c" checked' in response.get_data(as_text=True)  # the answers are kept
    assert responses(app) == []
    assert page.post(url, {**data, "consent": "maybe"}).status_code == 400
    assert page.post(url, {**data, "consent": "no"}).status_code == 303
    [saved] = responses(app)
    assert saved.publication_consent is False


def test_a_draft_keeps_only_the_answers_and_comes_back_with_the_link(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(
        page,
        url,
        **{"q-model": "c", "q-why": "  Because\r\nof\x07 reasons \u202e ", "q-topics": ["x", "y"]},
        **{"p-organisation": "Someone Else", "p-category": "civil_society", "q-unknown": "?"},
        consent="yes",
        other="ignored",
        nav="save",
    )
    response = page.post(url, data)
    assert response.status_code == 200, page.text
    assert "Your draft is saved. Come back with the same link" in page.text
    assert 'value="c" checked' in response.get_data(as_text=True)
    assert draft_fields(app) == [
        ["q-model", "c"],
        ["q-why", "Because\nof reasons"],
        ["q-topics", "x"],
        ["q-topics", "y"],
    ]
    assert responses(app) == []

    # Another browser, nothing in its cookies: the link alone brings the draft back.
    fresh = Page(app.test_client())
    html = fresh.get(url).get_data(as_text=True)
    assert "Here are the answers you saved on" in fresh.text
    assert 'value="c" checked' in html and 'value="y" checked' in html
    assert "Because\nof reasons</textarea>" in html

    # Saving again replaces the draft; sending deletes it.
    again = form_of(fresh, url, **{"q-model": "a"}, nav="save")
    assert fresh.post(url, again).status_code == 200
    assert draft_fields(app) == [["q-model", "a"]]
    sent = form_of(fresh, url, **ANSWERS, consent="yes")
    assert fresh.post(url, sent).status_code == 303
    assert draft_fields(app) is None


def test_a_huge_draft_is_refused_with_a_field_error(app: Flask, page: Page, make: Factory) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **{"q-model": "c", "q-why": "x" * 300_000}, nav="save")
    response = page.post(url, data)
    assert response.status_code == 400
    assert "Your draft was not saved" in page.text
    assert "This answer is too long to keep in a draft." in page.text
    assert 'id="q-why-error"' in response.get_data(as_text=True)
    assert draft_fields(app) is None


def test_a_used_link_cannot_answer_again(app: Flask, page: Page, make: Factory) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **ANSWERS, consent="yes")
    first = page.post(url, data)
    assert first.status_code == 303
    # The same form again (a double click, a retry): thanks again, nothing stored twice.
    retry = page.post(url, data)
    assert retry.status_code == 303 and retry.headers["Location"] == first.headers["Location"]
    assert len(responses(app)) == 1
    # Any other form: the link is spent.
    other = page.post(url, {**data, "submission_key": "another-key-0123456789"})
    assert other.status_code == 410
    assert "This invitation has already been used to answer. Thank you." in page.text
    again = page.get(url)
    assert again.status_code == 410 and again.headers["Cache-Control"] == "no-store"
    assert "This invitation has already been used to answer. Thank you." in page.text
    assert '<form method="post" action="/en/c/' not in again.get_data(as_text=True)
    assert "Send my answers" not in page.text
    assert len(responses(app)) == 1


def test_withdrawn_and_unknown_links_say_so_without_a_form(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    make.consultation("acme", "other", ("en",), opened=True)
    withdrawn, _token = invite(app, revoked=True)
    response = page.get(withdrawn)
    assert response.status_code == 410
    assert "This invitation was withdrawn by the organisers" in page.text
    assert "Send my answers" not in page.text
    assert page.post(withdrawn, {"q-model": "a", "consent": "yes"}, csrf=False).status_code == 410
    token, _hashed = new_token()
    unknown = page.get(f"/en/c/npm-2027/i/{token}")
    assert unknown.status_code == 404 and unknown.headers["Cache-Control"] == "no-store"
    assert "This link is not valid." in page.text and "Send my answers" not in page.text
    # A link is valid for its own consultation only.
    _url, elsewhere = invite(app, "other", organisation="Ministry of Justice")
    assert page.get(f"/en/c/npm-2027/i/{elsewhere}").status_code == 404
    assert page.get("/en/c/npm-2027/i/x").status_code == 404
    assert responses(app) == []


def test_a_closed_consultation_shows_its_closed_page(app: Flask, page: Page, make: Factory) -> None:
    from consult.consultations import services

    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **ANSWERS, consent="yes")
    with app.app_context():
        consultation = db.session.scalars(select(Consultation)).one()
        services.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    page.get(url)
    assert "This consultation is closed" in page.text and "Send my answers" not in page.text
    assert page.post(url, data).status_code == 409
    assert "Your answers were not recorded." in page.text
    assert responses(app) == []


def test_step_by_step_with_the_consent_on_the_review_page(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, token = invite(app)
    html = page.get(url + "?mode=steps").get_data(as_text=True)
    seen = []
    for _ in range(30):
        step = hidden(html, "step")
        seen.append(step)
        # The token travels in no hidden field, and the fixed profile is not carried.
        assert token not in str(carried_form(html))
        assert 'name="p-category"' not in html and 'name="p-organisation"' not in html
        data: dict[str, object] = {k: v for k, v in carried_form(html).items()}
        if step == "review":
            break
        if step == "matrix":  # a draft from the middle keeps the earlier steps' answers
            saved = page.post(url, {**data, "nav": "save"})
            assert saved.status_code == 200 and "Your draft is saved" in page.text
            assert ["q-model", "c"] in (draft_fields(app) or [])
            assert hidden(saved.get_data(as_text=True), "step") == "matrix"
        prefix = "p-" if step == "profile" else f"q-{step}"
        data.update({k: v for k, v in ANSWERS.items() if k.startswith(prefix)})
        response = page.post(url, {**data, "nav": "next"})
        assert response.status_code == 200, page.text
        html = response.get_data(as_text=True)
    assert seen[0] == "profile" and seen[-1] == "review" and "why" in seen
    assert "May the response of" in page.text and 'name="consent"' in html
    missing = page.post(url, {**data, "nav": "send"})
    assert missing.status_code == 400 and hidden(missing.get_data(as_text=True), "step") == "review"
    assert NEED_CONSENT in page.text
    sent = page.post(url, {**data, "nav": "send", "consent": "yes"})
    assert sent.status_code == 303, page.text
    [saved] = responses(app)
    assert saved.publication_consent is True and saved.declared_organisation == ORGANISATION
    assert draft_fields(app) is None


def test_the_token_appears_only_in_this_page_s_own_addresses(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, token = invite(app)
    html = page.get(url).get_data(as_text=True)
    path = url.removeprefix("/en")
    for match in re.finditer(re.escape(token), html):
        start = html.rfind("<", 0, match.start())
        tag = html[start : html.find(">", match.end()) + 1]
        # The form's action, the "one question at a time" link and the language switcher:
        # this very page, on this site (Referrer-Policy: same-origin). Never a hidden field.
        assert tag.startswith(("<form", "<a")) and 'type="hidden"' not in tag, tag
        assert re.search(r'(action|href)="/[a-z]{2}' + re.escape(path), tag), tag
    assert page.response.headers["Referrer-Policy"] == "same-origin"  # type: ignore[union-attr]
    assert token not in visible_text(html)


def test_a_parallel_send_from_another_form_is_refused(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **ANSWERS, consent="yes")
    other = form_of(page, url, **ANSWERS, consent="no")
    assert page.post(url, data).status_code == 303
    # As if the other form had read the invitation before the first one was committed.
    with app.app_context():
        db.session.scalars(select(Invitation)).one().answered_at = None
        db.session.commit()
    response = page.post(url, other)
    assert response.status_code == 410
    assert "already been used to answer" in page.text
    [saved] = responses(app)
    assert saved.publication_consent is True


def test_an_expired_form_saves_nothing_and_keeps_the_answers(
    app: Flask, page: Page, make: Factory
) -> None:
    opened(make)
    url, _token = invite(app)
    data = form_of(page, url, **{"q-model": "b"}, nav="save", csrf_token="stale")
    response = page.post(url, data)
    assert response.status_code == 400
    assert "this page had expired. Your answers are kept" in page.text
    assert 'value="b" checked' in response.get_data(as_text=True)
    assert draft_fields(app) is None
