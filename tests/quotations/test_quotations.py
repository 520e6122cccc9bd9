"""Quotations: an analyst redacts a passage, another person approves it, reports print it."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.quotations import services
from consult.quotations.models import Quotation, QuotationStatus
from consult.respond.models import Answer, Response
from tests.factories import Factory, Member
from tests.helpers import Page, login

SLUG = "npm-2027"
BASE = f"/admin/acme/consultations/{SLUG}/quotations"
TESTIMONY = (
    "My name is Ana Lopez. In cell 12 of block B, on 3 March,\n"
    "the guards beat us when we asked for water."
)
REDACTED = "In […], the guards beat us when we asked for water."
NOT_YOURS = "You proposed this quotation: another person must approve or reject it."


def consultation_id(slug: str = SLUG) -> int:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert consultation is not None
    return int(consultation.id)


def add_answer(
    app: Flask,
    text: str,
    channel: Channel = Channel.SEALED,
    key: str = "why",
    slug: str = SLUG,
) -> str:
    """A response as unsealing stores it (no date), with one text answer; its id."""
    with app.app_context():
        response = Response(
            consultation_id=consultation_id(slug),
            channel=channel,
            questionnaire_version="0" * 64,
            locale="en",
            received_on=None,
            stakeholder_category="deprived_of_liberty",
            answers=[Answer(question_key=key, text=text)],
        )
        db.session.add(response)
        db.session.commit()
        return str(response.id)


def quotations() -> list[tuple[int, str, QuotationStatus, int | None, int | None]]:
    rows = db.session.scalars(select(Quotation).order_by(Quotation.id)).all()
    return [(q.id, q.text, q.status, q.proposed_by_id, q.decided_by_id) for q in rows]


def stored(app: Flask) -> list[tuple[int, str, QuotationStatus, int | None, int | None]]:
    with app.app_context():
        return quotations()


def approved_texts(app: Flask) -> list[str]:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id())
        return [q.text for q in services.approved(consultation)]


def signed_in(app: Flask, member: Member) -> Page:
    other = Page(app.test_client())
    login(other, member.email)
    return other


def propose(page: Page, response_id: str, text: str, note: str = "", key: str = "why"):
    return page.post(f"{BASE}/new/{response_id}/{key}", {"text": text, "note": note})


def html_of(page: Page) -> str:
    assert page.response is not None
    return page.response.get_data(as_text=True)


@pytest.fixture
def world(app: Flask, make: Factory) -> dict[str, str]:
    """An open consultation with a sealed, an assisted and an open-channel answer."""
    make.consultation("acme", SLUG, opened=True)
    return {
        "sealed": add_answer(app, TESTIMONY),
        "assisted": add_answer(app, "Told on a visit: no doctor came.", Channel.ASSISTED),
        "open": add_answer(app, "An open-channel opinion.", Channel.OPEN),
    }


@pytest.fixture
def analyst(page: Page, login_as: Callable[..., Member], world: dict[str, str]) -> Member:
    return login_as(Role.ANALYST)


# Analysts ------------------------------------------------------------------------------------


def test_analysts_read_the_sealed_and_assisted_free_text(
    page: Page, analyst: Member, world: dict[str, str]
) -> None:
    response = page.get(f"{BASE}/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = page.text
    assert "My name is Ana Lopez. In cell 12 of block B, on 3 March," in text
    assert "Told on a visit: no doctor came." in text
    assert "An open-channel opinion." not in text
    assert "Nobody may be recognisable in a quotation." in text
    assert "Answers 1 to 2 of 2" in text
    for kind in ("sealed", "assisted"):
        assert f"{BASE}/new/{world[kind]}/why" in html_of(page)


def test_an_analyst_proposes_a_redacted_passage(
    app: Flask, page: Page, analyst: Member, world: dict[str, str]
) -> None:
    url = f"{BASE}/new/{world['sealed']}/why"
    form = page.get(url)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    html = html_of(page)
    textarea = re.search(r"<textarea[^>]*name=\"text\"[^>]*>", html)
    assert textarea is not None and f'maxlength="{len(TESTIMONY)}"' in textarea.group(0)
    assert "My name is Ana Lopez." in html.split('name="text"')[1]  # pre-filled with the original
    assert "remove or replace with […]" in page.text

    response = propose(page, world["sealed"], "  " + REDACTED + "\n", "Removed a name and a cell.")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/?question=why")
    [(_id, text, status, proposer, decider)] = stored(app)
    assert (text, status, proposer, decider) == (
        REDACTED,
        QuotationStatus.PROPOSED,
        analyst.user_id,
        None,
    )
    page.get(f"{BASE}/")
    assert "The quotation is proposed: a publisher will review it." in page.text
    assert "Quoted already" in page.text and "Waiting for review" in page.text
    assert approved_texts(app) == []  # not before another person approves


def test_a_passage_is_never_longer_than_the_answer(
    app: Flask, page: Page, analyst: Member, world: dict[str, str]
) -> None:
    assert propose(page, world["sealed"], TESTIMONY + " And more.").status_code == 400
    assert f"Use at most {len(TESTIMONY)} characters." in page.text
    assert "And more." in html_of(page)  # what the analyst typed comes back to be fixed
    assert propose(page, world["sealed"], "   ").status_code == 400
    assert "Type the passage to publish." in page.text
    assert propose(page, world["sealed"], "x", "n" * 1001).status_code == 400
    assert "Use at most 1,000 characters." in page.text
    assert stored(app) == []
    # A browser sends each line break as two characters: the whole answer still fits.
    assert propose(page, world["sealed"], TESTIMONY.replace("\n", "\r\n")).status_code == 302
    assert [text for _, text, *_ in stored(app)] == [TESTIMONY]


def test_only_quotable_answers_of_this_consultation_can_be_quoted(
    app: Flask, page: Page, make: Factory, analyst: Member, world: dict[str, str]
) -> None:
    make.consultation("acme", "another", opened=True)
    elsewhere = add_answer(app, "Another consultation's answer.", slug="another")
    for url in (
        f"{BASE}/new/{world['open']}/why",  # the open channel is not quoted here
        f"{BASE}/new/{world['sealed']}/model",  # no text answer to this question
        f"{BASE}/new/{elsewhere}/why",
        f"{BASE}/new/not-a-uuid/why",
    ):
        assert page.get(url).status_code == 404, url
    assert propose(page, elsewhere, "Another").status_code == 404
    assert stored(app) == []


# Publishers -----------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_even_holding_the_publisher_role(
    app: Flask, page: Page, make: Factory, login_as, world: dict[str, str]
) -> None:
    both = login_as(Role.ANALYST, Role.PUBLISHER)
    assert propose(page, world["sealed"], REDACTED).status_code == 302
    [(quotation_id, *_)] = stored(app)
    page.get(f"{BASE}/review")
    assert NOT_YOURS in page.text
    assert f"{BASE}/{quotation_id}/approve" not in html_of(page)
    for decision in ("approve", "reject"):
        response = page.post(f"{BASE}/{quotation_id}/{decision}", form_page=f"{BASE}/review")
        assert response.status_code == 403
        assert NOT_YOURS in page.text
    assert stored(app)[0][2:] == (QuotationStatus.PROPOSED, both.user_id, None)
    assert approved_texts(app) == []

    # Another publisher sees the passage beside the original, and approves it.
    publisher = signed_in(app, make.member("acme", [Role.PUBLISHER]))
    review = publisher.get(f"{BASE}/review")
    assert review.status_code == 200 and review.headers["Cache-Control"] == "no-store"
    assert REDACTED in publisher.text and "My name is Ana Lopez." in publisher.text
    assert "Original answer (never published)" in publisher.text
    assert "Told on a visit" not in publisher.text  # no original without a proposal
    response = publisher.post(f"{BASE}/{quotation_id}/approve", form_page=f"{BASE}/review")
    assert response.status_code == 302
    assert approved_texts(app) == [REDACTED]
    publisher.get(f"{BASE}/review")
    assert "The quotation is approved: reports may publish it." in publisher.text
    assert "My name is Ana Lopez." not in publisher.text  # decided: the original is gone
    assert publisher.post(f"{BASE}/{quotation_id}/approve").status_code == 409


def test_publishers_reject_and_withdraw(
    app: Flask, page: Page, make: Factory, analyst: Member, world: dict[str, str]
) -> None:
    propose(page, world["sealed"], REDACTED)
    propose(page, world["assisted"], "No doctor came.")
    (first, *_), (second, *_) = stored(app)
    publisher = signed_in(app, make.member("acme", [Role.PUBLISHER]))
    assert publisher.post(f"{BASE}/{first}/reject").status_code == 302
    assert publisher.post(f"{BASE}/{second}/approve").status_code == 302
    assert approved_texts(app) == ["No doctor came."]
    # An approved quotation can be withdrawn before a report prints it.
    assert publisher.post(f"{BASE}/{second}/reject").status_code == 302
    assert approved_texts(app) == []
    assert [status for _, _, status, *_ in stored(app)] == [QuotationStatus.REJECTED] * 2
    assert publisher.post(f"{BASE}/{first}/reject").status_code == 409
    assert publisher.post(f"{BASE}/{first}/approve").status_code == 409
    # The analyst sees what became of them.
    page.get(f"{BASE}/")
    assert page.text.count("Rejected") >= 2


def test_the_database_refuses_a_decision_by_the_proposer(
    app: Flask, page: Page, analyst: Member, world: dict[str, str]
) -> None:
    propose(page, world["sealed"], REDACTED)
    with app.app_context():
        quotation = db.session.scalars(select(Quotation)).one()
        quotation.status = QuotationStatus.APPROVED
        quotation.decided_by_id = quotation.proposed_by_id
        quotation.decided_at = quotation.proposed_at
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


# Who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles",
    [[Role.TRUSTEE], [Role.ORGANISER], [Role.OWNER], [Role.FACILITATOR], [Role.PUBLISHER]],
)
def test_nobody_else_reads_the_free_text(
    app: Flask, page: Page, make: Factory, world: dict[str, str], roles: list[Role]
) -> None:
    member = make.member("acme", roles)
    login(page, member.email)
    for url in (f"{BASE}/", f"{BASE}/new/{world['sealed']}/why"):
        assert page.get(url).status_code == 403, url
        assert "Ana Lopez" not in html_of(page)
    assert propose(page, world["sealed"], REDACTED).status_code == 403
    assert stored(app) == []


def test_only_publishers_review(
    app: Flask, page: Page, make: Factory, analyst: Member, world: dict[str, str]
) -> None:
    propose(page, world["sealed"], REDACTED)
    [(quotation_id, *_)] = stored(app)
    assert page.get(f"{BASE}/review").status_code == 403
    assert page.post(f"{BASE}/{quotation_id}/approve").status_code == 403
    for roles in ([Role.TRUSTEE], [Role.ORGANISER, Role.OWNER]):
        other = signed_in(app, make.member("acme", roles))
        assert other.get(f"{BASE}/review").status_code == 403
        assert "Ana Lopez" not in html_of(other) and REDACTED not in html_of(other)
    assert stored(app)[0][2] is QuotationStatus.PROPOSED


def test_members_of_another_organisation_get_404(
    app: Flask, page: Page, make: Factory, world: dict[str, str]
) -> None:
    outsider = make.member("other", list(Role))
    login(page, outsider.email)
    for url in (f"{BASE}/", f"{BASE}/review", f"{BASE}/new/{world['sealed']}/why"):
        assert page.get(url).status_code == 404, url
    # Their own organisation's address for this consultation does not exist either.
    assert page.get(f"/admin/other/consultations/{SLUG}/quotations/").status_code == 404


def test_texts_are_escaped(app: Flask, page: Page, make: Factory, world: dict[str, str]) -> None:
    hostile = add_answer(app, "<script>alert(1)</script> & <b>bold</b> words here")
    analyst = make.member("acme", [Role.ANALYST])
    login(page, analyst.email)
    page.get(f"{BASE}/")
    html = html_of(page)
    assert "<script>alert(1)</script>" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert propose(page, hostile, "<img src=x onerror=alert(2)>", "<i>note</i>").status_code == 302
    publisher = signed_in(app, make.member("acme", [Role.PUBLISHER]))
    publisher.get(f"{BASE}/review")
    html = html_of(publisher)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<i>note</i>" not in html and "&lt;i&gt;note&lt;/i&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_the_audit_log_names_quotations_but_never_quotes_them(
    app: Flask, page: Page, make: Factory, analyst: Member, world: dict[str, str]
) -> None:
    propose(page, world["sealed"], REDACTED, "Removed Ana's name.")
    [(quotation_id, *_)] = stored(app)
    publisher = make.member("acme", [Role.PUBLISHER])
    signed_in(app, publisher).post(f"{BASE}/{quotation_id}/approve")
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("quotation.%")).order_by(AuditEvent.seq)
        ).all()
        logged = [(e.action, e.actor_id, e.details) for e in events]
        written = " ".join(f"{e.subject} {e.details}" for e in events)
    details = {"quotation": quotation_id, "question": "why"}
    assert logged == [
        ("quotation.proposed", analyst.user_id, details),
        ("quotation.approved", publisher.user_id, details),
    ]
    for secret in ("guards beat us", "Ana", "Removed", "block B"):
        assert secret not in written
