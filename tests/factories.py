"""Test data made through the real services, each call in its own application context.

Factories return plain values (ids, e-mails, slugs), never ORM objects that would outlive
their session.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask
from sqlalchemy import select

from consult.accounts import services as accounts
from consult.accounts.models import Organisation
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.extensions import db

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


@dataclass(frozen=True)
class Member:
    email: str
    organisation: str
    user_id: int
    membership_id: int
    password: str = PASSWORD


class Factory:
    def __init__(self, app: Flask) -> None:
        self.app = app

    def organisation(self, slug: str = "acme", name: str | None = None) -> str:
        with self.app.app_context():
            if db.session.scalar(select(Organisation).where(Organisation.slug == slug)) is None:
                accounts.create_organisation(slug, name or f"{slug.title()} Rights Commission")
                db.session.commit()
        return slug

    def member(
        self,
        organisation: str = "acme",
        roles: Iterable[Role] = (Role.OWNER,),
        email: str | None = None,
        locale: str = "en",
        active: bool = True,
    ) -> Member:
        self.organisation(organisation)
        email = email or f"person{next(_numbers)}@{organisation}.example"
        with self.app.app_context():
            org = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
            assert org is not None
            user = accounts.find_user(email) or accounts.create_user(
                email, email.split("@")[0].title(), PASSWORD, locale
            )
            membership = accounts.add_member(org, user, roles)
            membership.is_active = active
            db.session.commit()
            return Member(email, organisation, user.id, membership.id)

    def consultation(
        self,
        organisation: str = "acme",
        slug: str = "npm-2027",
        locales: Iterable[str] = ("en", "fr"),
        *,
        opened: bool = False,
        complete: bool = True,
    ) -> str:
        owner = self.member(organisation, [Role.OWNER])
        codes = list(locales)
        with self.app.app_context():
            org = db.session.scalar(select(Organisation).where(Organisation.slug == organisation))
            actor = accounts.find_user(owner.email)
            assert org is not None and actor is not None
            consultation = consultations.create(
                org,
                consultations.ConsultationDraft(
                    slug=slug,
                    country="FR",
                    default_locale=codes[0],
                    offered_locales=codes,
                    title={code: f"Title {slug} [{code}]" for code in codes},
                    summary={code: f"Summary {slug} [{code}]" for code in codes},
                ),
                actor,
            )
            if not complete:
                consultation.summary = {codes[0]: consultation.summary[codes[0]]}
            if opened:
                consultations.open_(consultation, actor)
            db.session.commit()
        return slug
