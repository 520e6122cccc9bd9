"""The one gate of the organiser area: who may use an ``/admin/<org>/…`` route.

Anonymous visitors go to the sign-in page; a member of another organisation (or a deactivated
member) gets 404, so the organisation's existence is not confirmed; a member whom the
organisation requires to use two-factor authentication and who has not set it up is sent to
set it up; a member lacking the route's permission gets 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from consult.accounts import two_factor
from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.errors import Forbidden, NotFound
from consult.extensions import db

View = TypeVar("View", bound=Callable[..., Any])


def organiser_route(permission: Permission, *alternatives: Permission) -> Callable[[View], View]:
    """Protect a view that takes ``org`` (the organisation slug) in its URL.

    The view receives ``organisation`` and ``membership`` instead of ``org``. A member needs
    ``permission`` or one of the ``alternatives`` (a page two roles share, such as the preview
    of a report that analysts prepare and publishers publish). The permissions are kept on the
    view as ``required_permission`` and ``accepted_permissions`` so tests can walk every route.
    """
    accepted = (permission, *alternatives)

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(org: str, **kwargs: Any) -> Any:
            organisation, membership = _membership(org)
            if two_factor.must_set_up(membership):
                return _to_two_factor_setup(organisation)
            if not may(membership, accepted):
                raise Forbidden()
            g.organisation, g.membership = organisation, membership
            return view(organisation=organisation, membership=membership, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        wrapped.accepted_permissions = accepted  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def may(membership: Membership, permissions: Iterable[Permission]) -> bool:
    """Whether the member holds at least one of ``permissions``."""
    return any(membership.can(permission) for permission in permissions)


def may_open(membership: Membership, view: Callable[..., Any] | None) -> bool:
    """Whether the member may use an organiser ``view`` (to show a link to it or not)."""
    accepted = getattr(view, "accepted_permissions", None)
    return view is not None and accepted is not None and may(membership, accepted)


def _to_two_factor_setup(organisation: Organisation) -> Response:
    """Send the member to set up two-factor authentication, then back here (for a GET)."""
    flash(
        _(
            "%(organisation)s requires two-factor authentication for your roles. Set it up "
            "to continue.",
            organisation=organisation.name,
        ),
        "info",
    )
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.two_factor.overview", next=back))


def _membership(slug: str) -> tuple[Organisation, Membership]:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    membership = current_user.membership_in(organisation) if organisation else None
    if organisation is None or membership is None:
        raise NotFound()
    return organisation, membership
