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
from consult.accounts.models import Organisation, User
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires import services as questionnaires
from consult.questionnaires.schema import (
    Choice,
    Condition,
    ConditionOp,
    JurisdictionMode,
    Option,
    Profile,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    to_json,
)
from consult.sealed import crypto
from consult.sealed import services as sealed
from consult.sealed.models import CeremonyMode

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
        #: The trustees' shares of each consultation's key ceremony (2 of 3), by slug.
        self.shares: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def _ceremony(consultation: Consultation, actor: User) -> tuple[str, ...]:
        outcome = crypto.run_ceremony(2, 3)
        sealed.register_key(
            consultation,
            actor,
            public=outcome.public,
            wrapped=outcome.wrapped,
            identifier=outcome.identifier,
            threshold=2,
            trustee_ids=[None, None, None],
            mode=CeremonyMode.IN_APP,
        )
        return outcome.shares

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
        questionnaire: Questionnaire | None = None,
    ) -> str:
        """A consultation; ``opened`` gives it a questionnaire (the sample one by default)."""
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
            if questionnaire is not None or opened:
                document = questionnaire or sample_questionnaire(codes)
                questionnaires.import_json(consultation, actor, to_json(document))
                if sealed.uses_sealed_channels(document):
                    self.shares[slug] = self._ceremony(consultation, actor)
            if opened:
                consultations.open_(consultation, actor)
            db.session.commit()
        return slug


def texts(locales: Iterable[str], text: str) -> dict[str, str]:
    """The same text tagged by language: ``{"en": "[en] text", "ar": "[ar] text"}``."""
    return {code: f"[{code}] {text}" for code in locales}


def sample_questionnaire(locales: Iterable[str] = ("en", "fr", "ar")) -> Questionnaire:
    """A questionnaire with every question type, conditions and two NPM options."""
    codes = list(locales)

    def t(text: str) -> dict[str, str]:
        return texts(codes, text)

    def choices(*keys: str) -> list[Choice]:
        return [Choice(key, t(f"choice {key}")) for key in keys]

    return Questionnaire(
        options=[
            Option("ombuds", "ombuds", t("Ombuds"), t("An ombuds office")),
            Option("new-body", "new_specialised", t("New body"), t("A new body")),
        ],
        profile=Profile(
            jurisdiction=JurisdictionMode.CUSTOM,
            ask_place=True,
            custom_jurisdictions=[Choice("north", t("North")), Choice("south", t("South"))],
        ),
        sections=[
            Section(
                "s1",
                t("Your views"),
                questions=[
                    Question(
                        "model",
                        QuestionType.SINGLE,
                        t("Preferred model"),
                        required=True,
                        choices=choices("a", "b", "c"),
                    ),
                    Question(
                        "why",
                        QuestionType.LONG_TEXT,
                        t("Why?"),
                        max_length=500,
                        condition=Condition("model", ConditionOp.EQUALS, "c"),
                    ),
                    Question("ranking", QuestionType.RANKING, t("Rank the options")),
                    Question(
                        "topics", QuestionType.MULTIPLE, t("Topics"), choices=choices("x", "y")
                    ),
                    Question(
                        "more",
                        QuestionType.SHORT_TEXT,
                        t("More about y"),
                        max_length=50,
                        condition=Condition("topics", ConditionOp.INCLUDES, "y"),
                    ),
                ],
            ),
            Section(
                "s2",
                t("Guarantees"),
                questions=[
                    Question(
                        "scale", QuestionType.SCALE, t("Trust"), choices=choices("1", "2", "3")
                    ),
                    Question(
                        "matrix",
                        QuestionType.MATRIX,
                        t("Rate"),
                        rows=["functional_independence", "resources"],
                    ),
                    Question("visited", QuestionType.YES_NO, t("Visited?")),
                    Question(
                        "visits",
                        QuestionType.NUMBER,
                        t("How many visits?"),
                        min_value=0,
                        max_value=100,
                        integer=True,
                        condition=Condition("visited", ConditionOp.NOT_EQUALS, "no"),
                    ),
                    Question(
                        "detail",
                        QuestionType.SHORT_TEXT,
                        t("Detail"),
                        max_length=20,
                        condition=Condition("visited", ConditionOp.ANSWERED),
                    ),
                ],
            ),
        ],
    )
