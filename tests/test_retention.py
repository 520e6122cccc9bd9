"""Retention: envelopes deleted a set time after unsealing; owners delete every response."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.audit.services import verify
from consult.consultations.models import Consultation, Status
from consult.db import utcnow
from consult.extensions import db
from consult.quotations.models import Quotation
from consult.respond.models import Answer, Response
from consult.retention import services as retention
from consult.sealed.models import Envelope
from consult.sealed.unseal import set_digest
from tests.factories import Factory, Member
from tests.helpers import Page, login
from tests.test_limits import _open_answer

SLUG = "npm-2027"


def _consultation(slug: str = SLUG) -> Consultation:
    return db.session.scalars(select(Consultation).where(Consultation.slug == slug)).one()


def _envelopes(consultation: Consultation, count: int, held: int = 0) -> list[str]:
    """Stored envelopes (their content does not matter here); their SHA-256s."""
    hashes = []
    for n in range(count):
        ciphertext = secrets.token_bytes(64)
        digest = secrets.token_hex(32)
        db.session.add(
            Envelope(
                consultation_id=consultation.id,
                suite="test",
                key_id="k" * 32,
                ciphertext=ciphertext,
                sha256=digest,
                received_on=utcnow().date(),
                is_held=n < held,
            )
        )
        hashes.append(digest)
    db.session.flush()
    return hashes


def _unsealed(consultation: Consultation, days_ago: float, keep: int = 30) -> None:
    consultation.status = Status.UNSEALED
    assert consultation.unsealed_at is not None  # set by the move to unsealed
    consultation.unsealed_at = utcnow() - timedelta(days=days_ago)
    consultation.sealed_retention_days = keep


def _events(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
    )


# Sealed envelopes after unsealing ---------------------------------------------------------


def test_the_purge_deletes_only_envelopes_past_their_retention(app: Flask, make: Factory) -> None:
    for slug in ("past-due", "not-yet", "closed-only", "right-away"):
        make.consultation("acme", slug, opened=True)
    with app.app_context():
        due, kept, closed, at_once = (
            _consultation(s) for s in ("past-due", "not-yet", "closed-only", "right-away")
        )
        hashes = _envelopes(due, 3, held=1)
        _envelopes(kept, 2)
        _envelopes(closed, 2)
        _envelopes(at_once, 1)
        _unsealed(due, days_ago=31)
        _unsealed(kept, days_ago=29)
        _unsealed(at_once, days_ago=0.01, keep=0)
        closed.status = Status.CLOSED
        db.session.commit()

        purged = retention.purge_due()
        db.session.commit()

        assert {p.slug: p.envelopes for p in purged} == {"past-due": 3, "right-away": 1}
        left = dict(
            db.session.execute(
                select(Consultation.slug, func.count(Envelope.id))
                .join(Envelope, Envelope.consultation_id == Consultation.id)
                .group_by(Consultation.slug)
            ).all()
        )
        assert left == {"not-yet": 2, "closed-only": 2}
        [event, _other] = sorted(_events("sealed.envelopes_deleted"), key=lambda e: e.seq)
        assert event.subject == f"consultation:{due.uuid}"
        assert event.details == {
            "envelopes": 3,
            "held": 1,
            "digest": set_digest(hashes),
            "retention_days": 30,
        }
        # Idempotent: nothing more is due, nothing more is recorded.
        assert retention.purge_due() == []
        db.session.commit()
        assert len(_events("sealed.envelopes_deleted")) == 2
        # A day later, the other one is due.
        assert [p.slug for p in retention.purge_due(utcnow() + timedelta(days=2))] == ["not-yet"]
        db.session.commit()
        assert verify().intact


def test_the_cli_purges_and_a_dry_run_deletes_nothing(app: Flask, make: Factory) -> None:
    make.consultation("acme", SLUG, opened=True)
    with app.app_context():
        consultation = _consultation()
        _envelopes(consultation, 2)
        _unsealed(consultation, days_ago=40)
        db.session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["consult", "purge", "--dry-run"])
    assert dry.exit_code == 0 and "npm-2027: 2 envelope(s)" in dry.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Envelope)) == 2
        assert _events("sealed.envelopes_deleted") == []
    done = runner.invoke(args=["consult", "purge"])
    assert done.exit_code == 0 and "for 1 consultation(s)" in done.output
    again = runner.invoke(args=["consult", "purge"])
    assert "for 0 consultation(s)" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Envelope)) == 0
        assert len(_events("sealed.envelopes_deleted")) == 1


def test_unsealing_starts_the_clock_once(app: Flask, make: Factory) -> None:
    make.consultation("acme", SLUG, opened=True)
    with app.app_context():
        consultation = _consultation()
        assert consultation.unsealed_at is None
        consultation.status = Status.UNSEALED
        first = consultation.unsealed_at
        assert first is not None
        consultation.status = Status.PUBLISHED
        consultation.status = Status.UNSEALED  # a withdrawn report: the clock does not restart
        assert consultation.unsealed_at == first


def test_organisers_set_the_retention_and_it_is_audited(
    app: Flask, make: Factory, page: Page, login_as: object
) -> None:
    make.consultation("acme", SLUG, opened=True)
    login_as(Role.ORGANISER)  # type: ignore[operator]
    url = f"/admin/acme/consultations/{SLUG}/retention"
    html = page.get(url).get_data(as_text=True)
    assert 'name="days"' in html and 'value="30"' in html and "flask consult purge" in page.text
    assert "Delete every response" not in page.text  # owners only
    assert page.post(url, {"days": "3651"}).status_code == 400
    assert "from 0 to 3,650" in page.text
    assert page.post(url, {"days": "7"}).status_code == 302
    with app.app_context():
        assert _consultation().sealed_retention_days == 7
        [event] = _events("retention.changed")
        assert event.details == {"days": 7, "before": 30}


def test_the_privacy_page_says_how_long_envelopes_are_kept(app: Flask, make: Factory) -> None:
    make.consultation("acme", SLUG, opened=True)
    page = Page(app.test_client())
    page.get(f"/en/c/{SLUG}/privacy")
    assert "The envelopes are deleted 30 days after the trustees open them" in page.text
    with app.app_context():
        _consultation().sealed_retention_days = 0
        db.session.commit()
    page.get(f"/en/c/{SLUG}/privacy")
    assert "The envelopes are deleted once the trustees have opened them" in page.text


# Deleting every response -------------------------------------------------------------------


DELETE_URL = f"/admin/acme/consultations/{SLUG}/responses/delete"


@pytest.fixture
def answered(app: Flask, make: Factory) -> str:
    """A closed consultation with two open responses, one quoted, and two envelopes."""
    make.consultation("acme", SLUG, opened=True)
    assert _open_answer(app).status_code == 303
    assert _open_answer(app).status_code == 303
    with app.app_context():
        consultation = _consultation()
        response = db.session.scalars(select(Response)).first()
        assert response is not None
        db.session.add(
            Quotation(
                consultation_id=consultation.id,
                response_id=response.id,
                question_key="why",
                text="Because",
            )
        )
        _envelopes(consultation, 2)
        consultation.status = Status.CLOSED
        db.session.commit()
    return SLUG


def _counts(app: Flask) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Response, Answer, Quotation, Envelope)
        )


def test_only_owners_may_delete_responses(
    app: Flask, page: Page, answered: str, login_as: object
) -> None:
    login_as(Role.ORGANISER, Role.ANALYST, Role.PUBLISHER)  # type: ignore[operator]
    assert page.get(DELETE_URL).status_code == 403
    assert page.post(DELETE_URL, {"confirmation": SLUG}).status_code == 403
    assert _counts(app)[0] == 2


def test_owners_cannot_delete_while_the_consultation_is_open(
    app: Flask, page: Page, make: Factory, login_as: object
) -> None:
    make.consultation("acme", SLUG, opened=True)
    assert _open_answer(app).status_code == 303
    login_as(Role.OWNER)  # type: ignore[operator]
    assert page.get(DELETE_URL).status_code == 409
    assert page.post(DELETE_URL, {"confirmation": SLUG}).status_code == 409
    assert _counts(app)[0] == 1


def test_owners_delete_every_response_after_typing_the_slug(
    app: Flask, page: Page, answered: str, login_as: object
) -> None:
    owner: Member = login_as(Role.OWNER)  # type: ignore[operator]
    before = _counts(app)
    assert before[0] == 2 and before[2] == 1 and before[3] == 2
    page.get(DELETE_URL)
    assert "2 responses and their answers" in page.text
    assert "1 quotation taken from these responses" in page.text
    assert "keep the numbers frozen" in page.text or "keeps the numbers frozen" in page.text
    assert page.post(DELETE_URL, {"confirmation": "npm-2028"}).status_code == 400
    assert "Type the consultation's short name exactly as shown" in page.text
    assert _counts(app) == before
    response = page.post(DELETE_URL, {"confirmation": SLUG})
    assert response.status_code == 302
    assert _counts(app) == (0, 0, 0, 0)
    with app.app_context():
        [event] = _events("responses.deleted")
        assert event.actor_id == owner.user_id
        assert event.details == {
            "responses": 2,
            "answers": before[1],
            "quotations": 1,
            "envelopes": 2,
            "drafts": 0,
        }
        assert verify().intact


def test_retention_routes_need_a_signed_in_member(app: Flask, answered: str) -> None:
    client = app.test_client()
    assert client.get(DELETE_URL).status_code == 302
    assert client.get(f"/admin/acme/consultations/{SLUG}/retention").status_code == 302
    other = Page(app.test_client())
    login(other, Factory(app).member("elsewhere").email)
    assert other.get(DELETE_URL).status_code == 404
