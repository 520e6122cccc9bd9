"""Two-factor authentication: setting up, signing in with a code, recovery codes, the rule."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from consult.accounts.models import LoginChallenge, Organisation, RecoveryCode, TwoFactor
from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.db import utcnow
from consult.extensions import db
from tests.accounts.authenticator import (
    ACCOUNT,
    CODE_STEP,
    RECOVERY_CODE,
    code,
    code_step,
    later,
    password_step,
    set_up,
)
from tests.factories import Factory, Member
from tests.helpers import Page, login

pytestmark = pytest.mark.usefixtures("still_clock")


def actions(app: Flask) -> list[tuple[str, dict]]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        return [
            (e.action, e.details)
            for e in events
            if e.action.startswith(("user.", "organisation.two_factor"))
        ]


@pytest.fixture
def enrolled(app: Flask, make: Factory) -> tuple[Member, str, list[str]]:
    """A member of acme with two-factor authentication on (set up in another browser)."""
    member = make.member("acme", [Role.ORGANISER])
    secret, codes = set_up(_signed_in(app, member))
    return member, secret, codes


def _signed_in(app: Flask, member: Member) -> Page:
    page = Page(app.test_client())
    login(page, member.email)
    return page


# Setting up -------------------------------------------------------------------------------


def test_setting_up_shows_the_key_and_needs_a_right_code(app: Flask, page: Page, login_as) -> None:
    login_as(Role.ORGANISER)
    page.get(ACCOUNT)
    assert "Set up two-factor authentication" in page.text
    page.post(f"{ACCOUNT}start", form_page=ACCOUNT)
    response = page.get(ACCOUNT)
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'<code class="copy-field">([A-Z2-7]+)</code>', html).group(1)  # type: ignore[union-attr]
    assert "otpauth://totp/consult%20127.0.0.1:" in html
    assert f"secret={secret}" in html
    assert 'src="data:image/svg+xml' in html

    wrong = page.post(f"{ACCOUNT}confirm", {"code": "000000"}, form_page=ACCOUNT)
    assert wrong.status_code == 400
    assert "This code is not right, or it has already been used." in page.text
    assert "Switch two-factor authentication on" in page.text  # still off

    response = page.post(f"{ACCOUNT}confirm", {"code": code(secret)}, form_page=ACCOUNT)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert "they are shown only once" in page.text
    page.get(ACCOUNT)
    assert "Two-factor authentication is on." in page.text
    assert "10 recovery codes are left." in page.text
    assert not RECOVERY_CODE.search(page.response.get_data(as_text=True))  # type: ignore[union-attr]

    with app.app_context():
        stored = db.session.scalars(select(TwoFactor)).one()
        assert secret.encode() not in stored.secret_encrypted
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10
        assert not any(c.replace("-", "") in h or c in h for c in codes for h in hashes)
    assert ("user.two_factor_enabled", {}) in actions(app)


def test_a_new_setup_replaces_an_unfinished_one(page: Page, login_as) -> None:
    login_as(Role.ORGANISER)
    page.post(f"{ACCOUNT}start", form_page=ACCOUNT)
    first = re.search(r"secret=([A-Z2-7]+)", page.get(ACCOUNT).get_data(as_text=True))
    page.post(f"{ACCOUNT}start", form_page=ACCOUNT)
    second = re.search(r"secret=([A-Z2-7]+)", page.get(ACCOUNT).get_data(as_text=True))
    assert first and second and first.group(1) != second.group(1)
    response = page.post(f"{ACCOUNT}confirm", {"code": code(first.group(1))}, form_page=ACCOUNT)
    assert response.status_code == 400


def test_switching_on_ends_the_other_sessions_and_rotates_this_one(
    app: Flask, page: Page, login_as
) -> None:
    member = login_as(Role.ORGANISER)
    other = _signed_in(app, member)
    before = page.client.get_cookie("consult_session").value  # type: ignore[union-attr]
    set_up(page)
    assert page.client.get_cookie("consult_session").value != before  # type: ignore[union-attr]
    assert page.get("/admin/account").status_code == 200
    assert other.get("/admin/account").status_code == 302


# Signing in -------------------------------------------------------------------------------


def test_signing_in_needs_the_code_after_the_password(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    page = Page(app.test_client())
    response = password_step(page, member, "/admin/account")
    assert response.headers["Location"].startswith(CODE_STEP)
    # Halfway is not signed in: the organiser area still asks for the password.
    assert page.get("/admin/account").status_code == 302
    page.get(response.headers["Location"])
    assert "Enter the code that your authenticator app shows now." in page.text
    before = page.client.get_cookie("consult_session").value  # type: ignore[union-attr]
    response = page.post(
        CODE_STEP,
        {"code": code(secret, 1), "next": "/admin/account"},
        form_page=response.headers["Location"],
    )
    assert response.headers["Location"] == "/admin/account"
    assert page.client.get_cookie("consult_session").value != before  # type: ignore[union-attr]
    assert page.get("/admin/account").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(LoginChallenge)).all() == []


def test_the_next_target_stays_on_this_site(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    page = Page(app.test_client())
    password_step(page, member, "https://evil.example/")
    response = page.post(
        CODE_STEP, {"code": code(secret, 1), "next": "https://evil.example/"}, form_page=CODE_STEP
    )
    assert response.headers["Location"] == "/admin/"


def test_the_code_step_without_a_password_goes_back_to_sign_in(page: Page) -> None:
    response = page.get(CODE_STEP)
    assert response.headers["Location"].startswith("/admin/login")
    response = page.post(CODE_STEP, {"code": "123456"})
    assert response.headers["Location"].startswith("/admin/login")


def test_a_code_is_accepted_only_once(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    used_for_setup = code(secret)
    page = Page(app.test_client())
    password_step(page, member)
    assert code_step(page, used_for_setup).status_code == 200
    assert "This code is not right, or it has already been used." in page.text
    assert code_step(page, code(secret, 1)).status_code == 302
    # The same code again, in a new sign-in: refused.
    again = Page(app.test_client())
    password_step(again, member)
    assert code_step(again, code(secret, 1)).status_code == 200
    assert again.get("/admin/account").status_code == 302


def test_a_recovery_code_works_once(app: Flask, enrolled) -> None:
    member, _secret, codes = enrolled
    page = Page(app.test_client())
    password_step(page, member)
    response = code_step(page, codes[0].upper().replace("-", " "))
    assert response.status_code == 302
    page.get(response.headers["Location"], follow_redirects=True)
    assert "You used a recovery code: 9 are left." in page.text
    assert ("user.recovery_code_used", {"remaining": 9}) in actions(app)

    again = Page(app.test_client())
    password_step(again, member)
    assert code_step(again, codes[0]).status_code == 200
    assert "This code is not right" in again.text
    assert code_step(again, codes[1]).status_code == 302


def test_wrong_codes_end_the_pending_sign_in(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    page = Page(app.test_client())
    password_step(page, member)
    for _ in range(5):
        assert code_step(page, "000000").status_code == 200
    response = page.get(CODE_STEP)
    assert response.headers["Location"].startswith("/admin/login")
    page.get(response.headers["Location"])
    assert "Your sign-in was not finished in time. Sign in again." in page.text
    response = page.post(CODE_STEP, {"code": code(secret, 1)})
    assert response.headers["Location"].startswith("/admin/login")
    assert page.get("/admin/account").status_code == 302


def test_the_pending_sign_in_expires(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    page = Page(app.test_client())
    password_step(page, member)
    with app.app_context():
        db.session.execute(update(LoginChallenge).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    response = page.get(CODE_STEP)
    assert response.headers["Location"].startswith("/admin/login")
    page.post(CODE_STEP, {"code": code(secret, 1)}, csrf=False)
    assert page.get("/admin/account").status_code == 302


def test_joining_with_an_account_that_has_two_factor_asks_for_the_code(
    app: Flask, make: Factory, enrolled
) -> None:
    member, secret, _codes = enrolled
    inviter = _signed_in(app, make.member("other", [Role.OWNER]))
    response = inviter.post(
        "/admin/other/members/invite",
        {"email": member.email, "roles": ["analyst"]},
        form_page="/admin/other/members/",
    )
    html = response.get_data(as_text=True)
    link = re.search(r"https?://[^/\"]+(/admin/join/[A-Za-z0-9_-]+)", html)
    assert link
    page = Page(app.test_client())
    response = page.post(link.group(1), {"password": member.password}, form_page=link.group(1))
    location = response.headers["Location"]
    assert location.startswith(CODE_STEP)
    assert page.get("/admin/other/").status_code == 302
    assert 'value="/admin/other/"' in page.get(location).get_data(as_text=True)
    response = page.post(CODE_STEP, {"code": code(secret, 1), "next": "/admin/other/"})
    assert response.headers["Location"] == "/admin/other/"


# Recovery codes and switching off -----------------------------------------------------------


def test_new_recovery_codes_replace_the_old_ones(app: Flask, enrolled) -> None:
    member, secret, codes = enrolled
    page = _signed_in_with_code(app, member, secret)
    wrong = page.post(
        f"{ACCOUNT}recovery-codes",
        {"password": "not my password", "code": code(secret)},
        form_page=ACCOUNT,
    )
    assert wrong.status_code == 400
    assert "This is not your current password." in page.text
    response = page.post(
        f"{ACCOUNT}recovery-codes",
        {"password": member.password, "code": code(secret)},
        form_page=ACCOUNT,
    )
    assert response.headers["Cache-Control"] == "no-store"
    fresh = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert ("user.recovery_codes_regenerated", {}) in actions(app)
    other = Page(app.test_client())
    password_step(other, member)
    assert code_step(other, codes[0]).status_code == 200
    assert code_step(other, fresh[0]).status_code == 302


def test_switching_off_needs_the_password_and_a_code(app: Flask, enrolled) -> None:
    member, secret, _codes = enrolled
    page = _signed_in_with_code(app, member, secret)
    response = page.post(
        f"{ACCOUNT}disable", {"password": member.password, "code": "123456"}, form_page=ACCOUNT
    )
    assert response.status_code == 400
    assert "This code is not right" in page.text
    response = page.post(
        f"{ACCOUNT}disable",
        {"password": member.password, "code": code(secret)},
        form_page=ACCOUNT,
    )
    assert response.status_code == 302
    page.get(ACCOUNT)
    assert "Two-factor authentication is off." in page.text
    assert ("user.two_factor_disabled", {}) in actions(app)
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).all() == []
    fresh = Page(app.test_client())
    assert password_step(fresh, member).headers["Location"] == "/admin/"


def _signed_in_with_code(app: Flask, member: Member, secret: str) -> Page:
    page = Page(app.test_client())
    password_step(page, member)
    assert code_step(page, code(secret, 1)).status_code == 302
    later()
    later()
    return page


# The organisation's rule --------------------------------------------------------------------


def require_two_factor(page: Page, on: bool = True) -> Any:
    return page.post(
        "/admin/acme/members/two-factor",
        {"required": "y"} if on else {},
        form_page="/admin/acme/members/",
    )


def test_owners_turn_the_rule_on_and_off(app: Flask, page: Page, make: Factory, login_as) -> None:
    login_as(Role.OWNER)
    page.get("/admin/acme/members/")
    assert "Two-factor off" in page.text
    assert require_two_factor(page, on=False).status_code == 302
    assert actions(app) == []  # nothing changed, nothing recorded
    # Not before the owner has it: they would lock themselves out.
    require_two_factor(page)
    page.get("/admin/acme/members/")
    assert "Set up two-factor authentication for yourself before requiring it" in page.text
    assert actions(app) == []
    set_up(page)
    response = require_two_factor(page)
    assert response.headers["Location"] == "/admin/acme/members/"
    assert ("organisation.two_factor_required", {"required": True}) in actions(app)
    page.get("/admin/acme/members/")
    assert "Two-factor authentication is now required for these roles." in page.text
    assert "Two-factor on" in page.text
    require_two_factor(page, on=False)
    assert ("organisation.two_factor_required", {"required": False}) in actions(app)


def test_an_owner_who_switches_off_is_sent_to_set_up_again(
    app: Flask, page: Page, login_as
) -> None:
    member = login_as(Role.OWNER)
    secret, _codes = set_up(page)
    require_two_factor(page)
    later()
    page.post(
        f"{ACCOUNT}disable", {"password": member.password, "code": code(secret)}, form_page=ACCOUNT
    )
    response = page.get("/admin/acme/members/")
    assert response.headers["Location"] == f"{ACCOUNT}?next=/admin/acme/members/"
    page.get(response.headers["Location"])
    assert "requires two-factor authentication for your roles" in page.text


@pytest.mark.parametrize("role", list(Role))
def test_the_rule_covers_the_roles_that_reach_sealed_data(
    app: Flask, page: Page, make: Factory, login_as, role: Role
) -> None:
    owner = make.member("acme", [Role.OWNER])
    with app.app_context():
        db.session.execute(update(Organisation).values(is_two_factor_required=True))
        db.session.commit()
    login_as(role)
    response = page.get("/admin/acme/")
    forced = role in {Role.OWNER, Role.TRUSTEE, Role.ANALYST, Role.PUBLISHER}
    assert (response.headers.get("Location", "").startswith(ACCOUNT)) is forced, response.status
    if forced:
        assert response.headers["Location"] == f"{ACCOUNT}?next=/admin/acme/"
        # A form sent meanwhile goes nowhere either.
        assert page.post("/admin/acme/members/two-factor", {}).headers["Location"] == ACCOUNT
        _secret, _codes = set_up(page)
        assert page.get("/admin/acme/").status_code == 200
    assert owner  # the organisation keeps its owner


def test_the_rule_of_one_organisation_does_not_bind_another(
    app: Flask, page: Page, make: Factory
) -> None:
    member = make.member("acme", [Role.ANALYST])
    make.member("other", [Role.ANALYST], email=member.email)
    with app.app_context():
        db.session.execute(
            update(Organisation)
            .where(Organisation.slug == "acme")
            .values(is_two_factor_required=True)
        )
        db.session.commit()
    login(page, member.email)
    assert page.get("/admin/other/").status_code == 200
    assert page.get("/admin/acme/").headers["Location"].startswith(ACCOUNT)
