"""Owners invite members by single-use links, set their roles, deactivate them."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from consult.accounts.models import MemberInvitation, Membership, User
from consult.accounts.permissions import Role
from consult.db import utcnow
from consult.extensions import db
from tests.factories import Factory
from tests.helpers import Page, login

NEW_PASSWORD = "a long enough passphrase"


def invite(page: Page, email: str, *roles: str) -> str:
    """Invite ``email`` through the members page; return the path of the join link."""
    response = page.post(
        "/admin/acme/members/invite",
        {"email": email, "roles": list(roles)},
        form_page="/admin/acme/members/",
    )
    assert response.status_code == 200, page.text
    html = response.get_data(as_text=True)
    match = re.search(r"https?://[^/\"]+(/admin/join/[A-Za-z0-9_-]+)", html)
    assert match, page.text
    return match.group(1)


def roles_of(app: Flask, email: str) -> set[str]:
    with app.app_context():
        memberships = db.session.scalars(select(Membership)).all()
        return {str(role) for m in memberships if m.user.email == email for role in m.roles}


def test_an_owner_invites_a_new_member_who_joins(app: Flask, page: Page, login_as) -> None:
    login_as(Role.OWNER)
    link = invite(page, "Judge@Court.example", "analyst", "publisher")
    assert "Copy this link now: it is shown only once." in page.text
    with app.app_context():
        stored = db.session.scalars(select(MemberInvitation)).one()
        assert link.rsplit("/", 1)[1] not in stored.token_hash  # only a hash is kept
        assert stored.email == "judge@court.example"

    newcomer = Page(app.test_client())
    newcomer.get(link)
    assert "Join Acme Rights Commission" in newcomer.text
    response = newcomer.post(
        link,
        {"name": "Judge Ada", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "locale": "fr"},
        form_page=link,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/acme/"
    assert roles_of(app, "judge@court.example") == {"analyst", "publisher"}
    # Signed in, in the language chosen.
    newcomer.get("/admin/acme/")
    assert 'lang="fr"' in newcomer.response.get_data(as_text=True)


def test_a_used_link_cannot_be_used_again(app: Flask, page: Page, login_as) -> None:
    login_as(Role.OWNER)
    link = invite(page, "ngo@example.org", "organiser")
    newcomer = Page(app.test_client())
    newcomer.post(
        link,
        {"name": "N", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "locale": "en"},
        form_page=link,
    )
    again = Page(app.test_client())
    response = again.get(link)
    assert response.status_code == 410
    assert "This invitation has already been used." in again.text


def test_an_expired_link_says_so(app: Flask, page: Page, login_as) -> None:
    login_as(Role.OWNER)
    link = invite(page, "late@example.org", "organiser")
    with app.app_context():
        db.session.execute(update(MemberInvitation).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    response = page.get(link)
    assert response.status_code == 410
    assert "This invitation has expired." in page.text


def test_a_withdrawn_or_unknown_link_says_so(app: Flask, page: Page, login_as) -> None:
    login_as(Role.OWNER)
    link = invite(page, "maybe@example.org", "trustee")
    with app.app_context():
        invitation_id = db.session.scalars(select(MemberInvitation.id)).one()
    page.post(
        f"/admin/acme/invitations/{invitation_id}/revoke", {}, form_page="/admin/acme/members/"
    )
    assert page.get(link).status_code == 410
    assert "This invitation was withdrawn." in page.text
    assert page.get("/admin/join/not-a-real-token").status_code == 410
    assert "This invitation link is not valid." in page.text


def test_an_existing_account_joins_with_its_password(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    elsewhere = make.member("other", [Role.ANALYST])
    login_as(Role.OWNER)
    link = invite(page, elsewhere.email, "trustee")
    guest = Page(app.test_client())
    guest.get(link)
    assert "You already have an account with this address" in guest.text
    guest.post(link, {"password": "not the password"}, form_page=link)
    assert "The e-mail address or the password is wrong." in guest.text
    response = guest.post(link, {"password": elsewhere.password}, form_page=link)
    assert response.status_code == 302
    assert roles_of(app, elsewhere.email) == {"analyst", "trustee"}


def test_inviting_with_bad_input_gets_field_errors(page: Page, login_as) -> None:
    owner = login_as(Role.OWNER)
    response = page.post(
        "/admin/acme/members/invite",
        {"email": "not an address", "roles": []},
        form_page="/admin/acme/members/",
    )
    assert response.status_code == 400
    assert "Enter a valid e-mail address." in page.text
    assert "Choose at least one role." in page.text
    page.post(
        "/admin/acme/members/invite",
        {"email": owner.email, "roles": ["analyst"]},
        form_page="/admin/acme/members/",
    )
    assert "This person is already a member." in page.text


def test_owner_changes_roles_and_deactivates(
    app: Flask, page: Page, login_as, make: Factory
) -> None:
    login_as(Role.OWNER)
    target = make.member("acme", [Role.TRUSTEE])
    prefix = f"m{target.membership_id}"
    response = page.post(
        f"/admin/acme/members/{target.membership_id}/roles",
        {f"{prefix}-roles": ["analyst", "facilitator"]},
        form_page="/admin/acme/members/",
    )
    assert response.status_code == 302
    assert roles_of(app, target.email) == {"analyst", "facilitator"}

    page.post(
        f"/admin/acme/members/{target.membership_id}/deactivate",
        {},
        form_page="/admin/acme/members/",
    )
    member_page = Page(app.test_client())
    login(member_page, target.email)
    assert member_page.get("/admin/acme/").status_code == 404


def test_the_last_owner_cannot_be_removed(page: Page, login_as) -> None:
    owner = login_as(Role.OWNER)
    page.post(
        f"/admin/acme/members/{owner.membership_id}/deactivate",
        {},
        form_page="/admin/acme/members/",
    )
    assert page.response.status_code == 409
    assert "An organisation needs at least one active owner." in page.text
    prefix = f"m{owner.membership_id}"
    page.post(
        f"/admin/acme/members/{owner.membership_id}/roles",
        {f"{prefix}-roles": ["analyst"]},
        form_page="/admin/acme/members/",
    )
    assert page.response.status_code == 409


def test_members_of_another_organisation_are_not_reachable(
    page: Page, login_as, make: Factory
) -> None:
    login_as(Role.OWNER)
    foreign = make.member("other", [Role.ANALYST])
    response = page.post(
        f"/admin/acme/members/{foreign.membership_id}/deactivate",
        {},
        form_page="/admin/acme/members/",
    )
    assert response.status_code == 404


def test_a_nul_typed_into_a_name_is_dropped_on_every_database(
    app: Flask, page: Page, make: Factory
) -> None:
    """PostgreSQL refuses NUL in text; the form parser takes it out before any view."""
    member = make.member()
    login(page, member.email)
    data = {"name": "Amina\x00 Diallo", "locale": "fr"}
    assert page.post("/admin/account", data, form_page="/admin/account").status_code == 302
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == member.email)).one()
        assert user.name == "Amina Diallo"
