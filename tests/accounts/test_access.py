"""Every organiser route: anonymous → sign-in, other organisation → 404, no permission → 403,
and another organisation's records named under one's own organisation → 404."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from consult.accounts import services
from consult.accounts.models import Organisation
from consult.accounts.permissions import MATRIX, Permission, Role, allows, permissions_of
from consult.extensions import db
from consult.respond.models import Invitation
from tests.factories import Factory
from tests.helpers import Page, login
from tests.respond.test_invited import invite

#: Values for the URL parameters of organiser routes.
PARAMS = {
    "slug": "npm-2027",
    "member_id": "{member_id}",
    "invitation_id": "1",
    "key": "q1",
    "section": "s1",
    "response_id": "00000000-0000-4000-8000-000000000001",
    "quotation_id": "1",
    "visit_id": "1",
    "recommendation_id": "1",
    "revision": "1",
    "number": "1",
}


def organiser_routes(app: Flask) -> list[tuple[str, str, tuple[Permission, ...]]]:
    """``(method, URL template, accepted permissions)`` for every ``/admin/<org>/…`` route."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "<org>" not in rule.rule:
            continue
        view = app.view_functions[rule.endpoint]
        permissions = getattr(view, "accepted_permissions", None)
        assert permissions, f"{rule.endpoint} does not declare a permission"
        path = rule.rule.replace("<org>", "{org}")
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: PARAMS[m.group(1)], path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, permissions))
    return routes


def test_every_organiser_route_declares_a_permission(app: Flask) -> None:
    routes = organiser_routes(app)
    assert len(routes) >= 12
    assert {permission for *_, permissions in routes for permission in permissions} >= {
        Permission.VIEW,
        Permission.MANAGE_MEMBERS,
        Permission.EDIT_CONSULTATIONS,
        Permission.RUN_LIFECYCLE,
    }


@pytest.fixture
def world(make: Factory) -> dict[str, object]:
    """Organisation acme with a consultation and a member; organisation other next door."""
    make.consultation("acme", "npm-2027")
    target = make.member("acme", [Role.TRUSTEE])
    make.member("other", [Role.OWNER])
    return {"member_id": target.membership_id}


def _request(page: Page, method: str, url: str):
    return page.get(url) if method == "GET" else page.post(url, {})


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask, page: Page, world: dict) -> None:
    for method, template, _permission in organiser_routes(app):
        url = template.format(org="acme", **world)
        response = _request(page, method, url)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/admin/login?next="), (method, url)


def test_members_of_another_organisation_get_404(
    app: Flask, page: Page, make: Factory, world: dict
) -> None:
    outsider = make.member("other", list(Role))
    login(page, outsider.email)
    for method, template, _permission in organiser_routes(app):
        for org in ("acme", "no-such-org"):
            url = template.format(org=org, **world)
            assert _request(page, method, url).status_code == 404, (method, url)


@pytest.mark.parametrize("role", list(Role))
def test_members_lacking_the_permission_get_403(
    app: Flask, page: Page, make: Factory, world: dict, role: Role
) -> None:
    member = make.member("acme", [role])
    login(page, member.email)
    checked = 0
    for method, template, permissions in organiser_routes(app):
        if any(allows([role], permission) for permission in permissions):
            continue
        url = template.format(org="acme", **world)
        response = _request(page, method, url)
        assert response.status_code == 403, (role, method, url)
        assert "Your roles in this organisation do not allow this." in page.text
        checked += 1
    # Owners may use every route of this stage; every other role is refused somewhere.
    assert checked > 0 or role is Role.OWNER


def test_deactivated_members_are_treated_as_outsiders(page: Page, make: Factory) -> None:
    member = make.member("acme", [Role.OWNER, Role.ORGANISER], active=False)
    make.member("acme", [Role.OWNER])
    login(page, member.email)
    assert page.get("/admin/acme/").status_code == 404
    assert page.get("/admin/acme/members/").status_code == 404


def test_permission_matrix_is_the_one_of_the_design() -> None:
    assert permissions_of([Role.OWNER]) == {
        Permission.VIEW,
        Permission.MANAGE_MEMBERS,
        Permission.EDIT_CONSULTATIONS,
        Permission.RUN_LIFECYCLE,
    }
    assert MATRIX[Role.ORGANISER] == {Permission.EDIT_CONSULTATIONS, Permission.RUN_LIFECYCLE}
    assert MATRIX[Role.TRUSTEE] == {Permission.HOLD_SHARE}
    assert MATRIX[Role.FACILITATOR] == {Permission.ASSISTED_ENTRY}
    assert MATRIX[Role.ANALYST] == {Permission.READ_RESPONSES}
    assert MATRIX[Role.PUBLISHER] == {Permission.PUBLISH}
    # Only analysts read responses; a set of roles adds up, it never subtracts.
    assert [r for r in Role if allows([r], Permission.READ_RESPONSES)] == [Role.ANALYST]
    assert allows([Role.TRUSTEE, Role.ANALYST], Permission.HOLD_SHARE)


@pytest.fixture
def records(app: Flask, make: Factory, world: dict) -> dict[str, str]:
    """Ids of acme's records: a member, a member invitation and a respondent invitation."""
    invite(app, "npm-2027")
    with app.app_context():
        acme = db.session.scalars(select(Organisation).where(Organisation.slug == "acme")).one()
        owner = acme.memberships[0].user
        member_invitation, _token = services.invite_member(
            acme, "newcomer@acme.example", [Role.ANALYST], owner
        )
        db.session.commit()
        respondent_invitation = db.session.scalars(select(Invitation)).one()
        ids = {"invitation": member_invitation.id, "respondent": respondent_invitation.id}
    return {
        **PARAMS,
        "member_id": str(world["member_id"]),
        "invitation_id": str(ids["invitation"]),
        "respondent_invitation_id": str(ids["respondent"]),
    }


def test_an_organisation_cannot_reach_another_ones_records_through_its_own_path(
    app: Flask, page: Page, make: Factory, records: dict[str, str]
) -> None:
    """Slugs and ids are global: ``/admin/other/…`` naming acme's consultation, member or
    invitation must find nothing, even for a member of ``other`` holding every role."""
    outsider = make.member("other", list(Role))
    login(page, outsider.email)
    own_pages = ("/admin/other/", "/admin/other/members/", "/admin/other/members/invite")
    checked = 0
    for method, template, _permissions in organiser_routes(app):
        url = template.format(org="other", member_id=records["member_id"])
        url = url.replace("/npm-2027/invitations/1/", "/npm-2027/invitations/{respondent}/")
        url = url.replace("/other/invitations/1/", "/other/invitations/{invitation}/")
        url = url.format(
            respondent=records["respondent_invitation_id"], invitation=records["invitation_id"]
        )
        named = ("/npm-2027/", "/members/", "/invitations/")
        if url in own_pages or url.endswith("/two-factor") or not any(n in url for n in named):
            continue  # the outsider's own organisation's pages, rightly theirs
        response = _request(page, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        checked += 1
    assert checked > 60, checked
