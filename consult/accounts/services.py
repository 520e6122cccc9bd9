"""Organisations, accounts, members, invitations and password resets.

Services take plain values, ``flush()`` but never commit, record what they change in the audit
log, and raise :mod:`consult.errors` exceptions with messages a user may read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import render_template
from flask_babel import LazyString, force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.accounts import sessions
from consult.accounts.models import (
    SLUG_PATTERN,
    MemberInvitation,
    Membership,
    Organisation,
    PasswordReset,
    User,
)
from consult.accounts.permissions import Role
from consult.audit.services import record
from consult.db import utcnow
from consult.errors import Conflict, LinkInvalid, NotFound, ValidationFailed
from consult.extensions import db
from consult.i18n.locales import DEFAULT_LOCALE, is_ui_locale
from consult.i18n.numbers import lazy_ngettext as _ln
from consult.mail import mailer
from consult.settings import current_settings
from consult.tokens import digest, new_token

#: Words that organiser URLs use next to organisation slugs (``/admin/<slug>/``).
RESERVED_SLUGS = frozenset({"login", "logout", "password", "join", "account", "static", "api"})
PASSWORD_MIN = 12
PASSWORD_MAX = 256
_hasher = PasswordHasher()
#: Verified when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class LoginFailed(ValidationFailed):
    default_message = _l("The e-mail address or the password is wrong.")


# Organisations and users ---------------------------------------------------------------------


def create_organisation(slug: str, name: str, *, is_demo: bool = False) -> Organisation:
    """A new organisation; raises ``ValidationFailed`` or ``Conflict`` for a bad or taken slug."""
    slug = slug.strip().lower()
    if not re.fullmatch(SLUG_PATTERN, slug) or not 2 <= len(slug) <= 60:
        raise ValidationFailed(_l("Use 2 to 60 lowercase letters, digits and single hyphens."))
    if slug in RESERVED_SLUGS or db.session.scalar(
        select(Organisation.id).where(Organisation.slug == slug)
    ):
        raise Conflict(_l("This short name is already taken."))
    organisation = Organisation(slug=slug, name=name.strip(), is_demo=is_demo)
    db.session.add(organisation)
    db.session.flush()
    record("organisation.created", f"organisation:{slug}", organisation_id=organisation.id)
    return organisation


def check_password(password: str) -> None:
    """Raise ``ValidationFailed`` unless ``password`` is long enough (and not absurdly long)."""
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(
            _ln(
                "Choose a password of at least %(num)s character.",
                "Choose a password of at least %(num)s characters.",
                PASSWORD_MIN,
            )
        )
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(
            _ln(
                "Choose a password of at most %(num)s character.",
                "Choose a password of at most %(num)s characters.",
                PASSWORD_MAX,
            )
        )


def create_user(email: str, name: str, password: str, locale: str = DEFAULT_LOCALE) -> User:
    """A new account; raises ``Conflict`` when the address is taken."""
    email = email.strip().lower()
    check_password(password)
    if find_user(email) is not None:
        raise Conflict(_l("An account with this e-mail address already exists."))
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=_hasher.hash(password),
        locale=locale if is_ui_locale(locale) else DEFAULT_LOCALE,
    )
    db.session.add(user)
    db.session.flush()
    return user


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User:
    """The active user with this e-mail and password; ``LoginFailed`` otherwise."""
    user = find_user(email)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise LoginFailed() from None
    if user is None or not user.is_active:
        raise LoginFailed()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, password: str) -> None:
    """Change the password and sign the user out of every session."""
    check_password(password)
    user.password_hash = _hasher.hash(password)
    user.password_changed_at = utcnow()
    sessions.end_all(user)
    record("user.password_changed", f"user:{user.id}", actor_id=user.id)


def update_account(user: User, name: str, locale: str) -> None:
    user.name = name.strip() or user.name
    if is_ui_locale(locale):
        user.locale = locale


# Members ----------------------------------------------------------------------------------


def add_member(
    organisation: Organisation, user: User, roles: Iterable[Role], actor: User | None = None
) -> Membership:
    """Give ``user`` the ``roles`` in ``organisation`` (reactivating an old membership)."""
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation.id
        )
    )
    if membership is None:
        membership = Membership(user=user, organisation=organisation)
        db.session.add(membership)
    membership.is_active = True
    membership.roles = frozenset(roles)
    db.session.flush()
    record(
        "member.added",
        f"user:{user.id}",
        organisation_id=organisation.id,
        actor_id=actor.id if actor else None,
        details={"roles": sorted(membership.roles)},
    )
    return membership


def members(organisation: Organisation) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .join(Membership.user)
            .where(Membership.organisation_id == organisation.id)
            .order_by(Membership.is_active.desc(), User.name)
        )
    )


def get_membership(organisation: Organisation, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != organisation.id:
        raise NotFound()
    return membership


def set_roles(membership: Membership, roles: Iterable[Role], actor: User) -> None:
    """Replace a member's roles; refuses to leave the organisation without an active owner."""
    wanted = frozenset(Role(role) for role in roles)
    if not wanted:
        raise ValidationFailed(_l("Choose at least one role."))
    if Role.OWNER in membership.roles and Role.OWNER not in wanted:
        _keep_an_owner(membership)
    before = sorted(membership.roles)
    membership.roles = wanted
    db.session.flush()
    record(
        "member.roles_changed",
        f"user:{membership.user_id}",
        organisation_id=membership.organisation_id,
        actor_id=actor.id,
        details={"before": before, "after": sorted(wanted)},
    )


def set_active(membership: Membership, active: bool, actor: User) -> None:
    """Deactivate (or reactivate) a member; the last active owner cannot be deactivated."""
    if not active and Role.OWNER in membership.roles:
        _keep_an_owner(membership)
    membership.is_active = active
    db.session.flush()
    record(
        "member.activated" if active else "member.deactivated",
        f"user:{membership.user_id}",
        organisation_id=membership.organisation_id,
        actor_id=actor.id,
    )


def _keep_an_owner(leaving: Membership) -> None:
    owners = [
        m
        for m in members(leaving.organisation)
        if m.is_active and Role.OWNER in m.roles and m.id != leaving.id
    ]
    if not owners:
        raise Conflict(_l("An organisation needs at least one active owner."))


# Invitations ------------------------------------------------------------------------------


def invite_member(
    organisation: Organisation, email: str, roles: Iterable[Role], actor: User
) -> tuple[MemberInvitation, str]:
    """A single-use, expiring invitation; returns it with the token for the link (shown once).

    Mailed to the invitee in the inviter's language when SMTP is configured.
    """
    email = email.strip().lower()
    wanted = sorted(Role(role) for role in roles)
    if not wanted:
        raise ValidationFailed(_l("Choose at least one role."))
    user = find_user(email)
    if user is not None and user.membership_in(organisation) is not None:
        raise Conflict(_l("This person is already a member."))
    token, token_hash = new_token()
    hours = current_settings().invitation_valid_hours
    invitation = MemberInvitation(
        organisation=organisation,
        email=email,
        roles=[str(role) for role in wanted],
        token_hash=token_hash,
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    db.session.add(invitation)
    db.session.flush()
    record(
        "member.invited",
        f"invitation:{invitation.id}",
        organisation_id=organisation.id,
        actor_id=actor.id,
        details={"roles": invitation.roles},
    )
    _mail_link(
        email,
        actor.locale,
        "accounts/mail/invitation.txt",
        _l("Invitation to join %(organisation)s", organisation=organisation.name),
        token=token,
        organisation=organisation,
        inviter=actor,
        hours=hours,
    )
    return invitation, token


def pending_invitations(organisation: Organisation) -> list[MemberInvitation]:
    now = utcnow()
    return list(
        db.session.scalars(
            select(MemberInvitation)
            .where(
                MemberInvitation.organisation_id == organisation.id,
                MemberInvitation.accepted_at.is_(None),
                MemberInvitation.revoked_at.is_(None),
                MemberInvitation.expires_at > now,
            )
            .order_by(MemberInvitation.created_at)
        )
    )


def revoke_invitation(organisation: Organisation, invitation_id: int, actor: User) -> None:
    invitation = db.session.get(MemberInvitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation.id:
        raise NotFound()
    if invitation.is_pending:
        invitation.revoked_at = utcnow()
        record(
            "member.invitation_revoked",
            f"invitation:{invitation.id}",
            organisation_id=organisation.id,
            actor_id=actor.id,
        )


def open_invitation(token: str) -> MemberInvitation:
    """The pending invitation behind ``token``; ``LinkInvalid`` saying why it cannot be used."""
    invitation = db.session.scalar(
        select(MemberInvitation).where(MemberInvitation.token_hash == digest(token))
    )
    if invitation is None:
        raise LinkInvalid(
            _l(
                "This invitation link is not valid. Check that you copied all of "
                "it, or ask for a new one."
            )
        )
    if invitation.accepted_at is not None:
        raise LinkInvalid(
            _l(
                "This invitation has already been used. Sign in with the account "
                "you created, or ask for a new invitation."
            )
        )
    if invitation.revoked_at is not None:
        raise LinkInvalid(_l("This invitation was withdrawn. Ask the organisation for a new one."))
    if invitation.expires_at <= utcnow():
        raise LinkInvalid(_l("This invitation has expired. Ask the organisation for a new one."))
    return invitation


def accept_invitation(
    token: str, *, password: str, name: str = "", locale: str = DEFAULT_LOCALE
) -> User:
    """Join the organisation: with a new account, or with the existing one for that address.

    For an existing account ``password`` must be its password (``LoginFailed`` otherwise).
    """
    invitation = open_invitation(token)
    user = find_user(invitation.email)
    if user is None:
        user = create_user(invitation.email, name, password, locale)
    elif not verify_password(user, password) or not user.is_active:
        raise LoginFailed()
    invitation.accepted_at = utcnow()
    add_member(invitation.organisation, user, [Role(role) for role in invitation.roles])
    return user


# Password resets --------------------------------------------------------------------------


def issue_reset_link(user: User, actor: User | None = None) -> str:
    """A single-use reset token for ``user`` (for an owner or the CLI to hand over)."""
    token, token_hash = new_token()
    hours = current_settings().reset_valid_hours
    db.session.add(
        PasswordReset(
            user=user, token_hash=token_hash, expires_at=utcnow() + timedelta(hours=hours)
        )
    )
    db.session.flush()
    record("user.reset_issued", f"user:{user.id}", actor_id=actor.id if actor else None)
    return token


def request_reset(email: str) -> None:
    """Mail a reset link when the address has an active account and SMTP is configured.

    Says nothing either way, so the form cannot be used to learn who has an account.
    """
    user = find_user(email)
    if user is None or not user.is_active or not mailer().enabled:
        return
    token = issue_reset_link(user)
    _mail_link(
        user.email,
        user.locale,
        "accounts/mail/reset.txt",
        _l("Choose a new password"),
        token=token,
        user=user,
        hours=current_settings().reset_valid_hours,
    )


def open_reset(token: str) -> PasswordReset:
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == digest(token))
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= utcnow():
        raise LinkInvalid(_l("This password link is not valid any more. Ask for a new one."))
    if reset.user.password_changed_at and reset.user.password_changed_at > reset.created_at:
        raise LinkInvalid(_l("This password link is not valid any more. Ask for a new one."))
    return reset


def reset_password(token: str, password: str) -> User:
    """Use a reset link: set the password, void the link, and end every session."""
    reset = open_reset(token)
    set_password(reset.user, password)
    reset.used_at = utcnow()
    return reset.user


def organisations_of(user: User) -> list[Organisation]:
    return sorted(
        (m.organisation for m in user.memberships if m.is_active),
        key=lambda organisation: organisation.name.casefold(),
    )


def _mail_link(to: str, locale: str, template: str, subject: LazyString, **context: object) -> None:
    """Render ``subject`` and ``template`` in ``locale`` and send them, when mail is configured."""
    sender = mailer()
    if not sender.enabled:
        return
    with force_locale(locale):
        body = render_template(template, base_url=current_settings().base_url, **context)
        sender.send(to, str(subject), body)
