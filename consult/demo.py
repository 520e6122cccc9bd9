"""The demo organisation, members and consultation loaded by ``flask consult demo``.

Everything here is fictional and labelled so; a production instance refuses to start while
it is in the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select

from consult.accounts import services as accounts
from consult.accounts.models import Membership, Organisation, User
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db

ORGANISATION_SLUG = "demo"
PASSWORD = "demo-password-not-secret"  # noqa: S105 - printed for demo users, by design

MEMBERS: tuple[tuple[str, str, tuple[Role, ...], str], ...] = (
    ("owner@demo.example", "Amina Haddad", (Role.OWNER, Role.ORGANISER), "ar"),
    ("organiser@demo.example", "Lucía Fernández", (Role.ORGANISER,), "es"),
    ("trustee1@demo.example", "Jean Dupont", (Role.TRUSTEE,), "fr"),
    ("trustee2@demo.example", "Grace Okafor", (Role.TRUSTEE,), "en"),
    ("trustee3@demo.example", "Nadia Benali", (Role.TRUSTEE,), "fr"),
    ("facilitator@demo.example", "Tomás Silva", (Role.FACILITATOR,), "es"),
    ("analyst@demo.example", "Mei Lin", (Role.ANALYST,), "en"),
    ("publisher@demo.example", "Omar Khalil", (Role.PUBLISHER,), "ar"),
)

TITLE = {
    "en": "Demo: which National Preventive Mechanism should we create? (fictional)",
    "fr": "Démo : quel mécanisme national de prévention créer ? (fictif)",
    "es": "Demostración: ¿qué mecanismo nacional de prevención debemos crear? (ficticio)",
    "ar": "عرض تجريبي: أي آلية وقائية وطنية ينبغي إنشاؤها؟ (افتراضي)",
}
SUMMARY = {
    "en": "This demonstration consultation is fictional. It shows how a State that has "
    "ratified the Optional Protocol to the Convention against Torture can ask everyone "
    "concerned, including persons deprived of liberty, which body should visit places "
    "of detention to prevent torture and ill-treatment.",
    "fr": "Cette consultation de démonstration est fictive. Elle montre comment un État ayant "
    "ratifié le Protocole facultatif se rapportant à la Convention contre la torture peut "
    "demander à toutes les personnes concernées, y compris les personnes privées de "
    "liberté, quel organe devrait visiter les lieux de détention pour prévenir la torture "
    "et les mauvais traitements.",
    "es": "Esta consulta de demostración es ficticia. Muestra cómo un Estado que ha ratificado "
    "el Protocolo Facultativo de la Convención contra la Tortura puede preguntar a todas "
    "las personas interesadas, incluidas las personas privadas de libertad, qué órgano "
    "debería visitar los lugares de detención para prevenir la tortura y los malos tratos.",
    "ar": "هذه استشارة تجريبية افتراضية. وهي توضّح كيف يمكن لدولة صادقت على البروتوكول "
    "الاختياري لاتفاقية مناهضة التعذيب أن تسأل جميع المعنيين، بمن فيهم الأشخاص "
    "المحرومون من حريتهم، عن الهيئة التي ينبغي أن تزور أماكن الاحتجاز لمنع التعذيب "
    "وسوء المعاملة.",
}


@dataclass(frozen=True)
class DemoLoaded:
    organisation: Organisation
    consultation: Consultation
    accounts: tuple[tuple[str, str, tuple[Role, ...]], ...]


def is_loaded() -> bool:
    return db.session.scalar(select(Organisation.id).where(Organisation.is_demo)) is not None


def database_is_empty() -> bool:
    return db.session.scalar(select(Organisation.id).limit(1)) is None


def load() -> DemoLoaded:
    """Create the demo organisation, its members and an open consultation (flushed)."""
    organisation = accounts.create_organisation(
        ORGANISATION_SLUG, "Demo Coalition for the Prevention of Torture (fictional)", is_demo=True
    )
    users = []
    for email, name, roles, locale in MEMBERS:
        user = accounts.find_user(email) or accounts.create_user(email, name, PASSWORD, locale)
        accounts.add_member(organisation, user, roles)
        users.append(user)
    owner = users[0]
    consultation = consultations.create(
        organisation,
        consultations.ConsultationDraft(
            slug="demo-npm-options",
            country="CH",
            default_locale="en",
            offered_locales=["en", "fr", "es", "ar"],
            title=dict(TITLE),
            summary=dict(SUMMARY),
        ),
        owner,
    )
    consultations.open_(consultation, owner)
    return DemoLoaded(
        organisation, consultation, tuple((email, name, roles) for email, name, roles, _ in MEMBERS)
    )


def remove() -> None:
    """Delete the demo organisation, its consultations, and accounts that belong nowhere else.

    The audit log keeps its events: it is append-only, and says that the demo was removed.
    """
    for organisation in db.session.scalars(select(Organisation).where(Organisation.is_demo)):
        db.session.execute(
            delete(Consultation).where(Consultation.organisation_id == organisation.id)
        )
        member_ids = [m.user_id for m in organisation.memberships]
        db.session.delete(organisation)
        db.session.flush()
        for user in db.session.scalars(select(User).where(User.id.in_(member_ids))):
            if not db.session.scalar(select(Membership.id).where(Membership.user_id == user.id)):
                db.session.delete(user)
    db.session.flush()
