"""The one gate of the organiser area: who may use an ``/admin/<org>/…`` route.

Anonymous visitors go to the sign-in page; a member of another organisation (or a deactivated
member) gets 404, so the organisation's existence is not confirmed; a member lacking the
route's permission gets 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.accounts.models import Membership, Organisation
from consult.accounts.permissions import Permission
from consult.errors import Forbidden, NotFound
from consult.extensions import db

View = TypeVar("View", bound=Callable[..., Any])


def organiser_route(permission: Permission) -> Callable[[View], View]:
    """Protect a view that takes ``org`` (the organisation slug) in its URL.

    The view receives ``organisation`` and ``membership`` instead of ``org``; the permission is
    kept on the view as ``required_permission`` so tests can walk every route.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(org: str, **kwargs: Any) -> Any:
            organisation, membership = _membership(org)
            if not membership.can(permission):
                raise Forbidden()
            g.organisation, g.membership = organisation, membership
            return view(organisation=organisation, membership=membership, **kwargs)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def _membership(slug: str) -> tuple[Organisation, Membership]:
    organisation = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    membership = current_user.membership_in(organisation) if organisation else None
    if organisation is None or membership is None:
        raise NotFound()
    return organisation, membership
