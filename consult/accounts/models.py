"""Organisations, their members and roles, and the secrets that let people in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.permissions import Permission, Role, allows
from consult.db import CreatedAtMixin, enum_column
from consult.extensions import db

SLUG_PATTERN = "^[a-z0-9]+(-[a-z0-9]+)*$"


class Organisation(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """An NHRI, a ministry working group or an NGO coalition that runs consultations."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("length(slug) BETWEEN 2 AND 60", name="slug_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short name used in organiser URLs (``/admin/<slug>/``); lowercase, digits and hyphens.
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    #: Name as the organisation writes it.
    name: Mapped[str] = mapped_column(String(200))
    #: Demo data loaded by ``flask consult demo``; a production instance refuses to start with it.
    is_demo: Mapped[bool] = mapped_column(default=False)
    #: Owners, trustees, analysts and publishers must set up two-factor authentication before
    #: they can use any page of the organisation (DESIGN.md §2); owners turn this on.
    is_two_factor_required: Mapped[bool] = mapped_column(default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A person who signs in to the organiser area. Respondents never have accounts."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)
    #: Lets ``session_token`` below be a plain, unmapped attribute.
    __allow_unmapped__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, stored lowercase.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    #: How the person wants to be addressed.
    name: Mapped[str] = mapped_column(String(120))
    #: Argon2id hash; never the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Preferred UI language of the organiser area.
    locale: Mapped[str] = mapped_column(String(8), default="en")
    #: A platform admin can lock an account everywhere; memberships have their own flag.
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Last change of password; sessions and reset links older than this are void.
    password_changed_at: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )
    two_factor: Mapped[TwoFactor | None] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    #: The session token this object was loaded through (set by the login manager), which
    #: Flask-Login keeps as the "user id": ending the session record logs the user out.
    session_token: str | None = None

    #: Flask-Login's user protocol; anonymous visitors get its ``AnonymousUserMixin``.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def has_two_factor(self) -> bool:
        """Whether sign-in asks this user for a second factor (set up and confirmed)."""
        return self.two_factor is not None and self.two_factor.confirmed_at is not None

    def membership_in(self, organisation: Organisation) -> Membership | None:
        """The active membership of this user in ``organisation``, if any."""
        for membership in self.memberships:
            if membership.organisation_id == organisation.id and membership.is_active:
                return membership
        return None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A user's place in an organisation, with a set of roles."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: Deactivated members keep their history but can do nothing in the organisation.
    is_active: Mapped[bool] = mapped_column(default=True)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    role_rows: Mapped[list[MembershipRole]] = relationship(
        cascade="all, delete-orphan", order_by="MembershipRole.role"
    )

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    @roles.setter
    def roles(self, roles: frozenset[Role] | set[Role]) -> None:
        wanted = {Role(role) for role in roles}
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in sorted(wanted - self.roles):
            self.role_rows.append(MembershipRole(role=role))

    def can(self, permission: Permission) -> bool:
        return self.is_active and allows(self.roles, permission)


class MembershipRole(db.Model):  # type: ignore[name-defined]
    """One role held by a membership; the set of these rows is the member's set of roles."""

    __tablename__ = "membership_role"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)


class MemberInvitation(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A single-use, expiring link by which an owner brings someone into the organisation."""

    __tablename__ = "member_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    #: Address the link was made for; the account created with it gets this address.
    email: Mapped[str] = mapped_column(String(254))
    #: Role values the new member will hold.
    roles: Mapped[list[str]] = mapped_column(JSON)
    #: SHA-256 of the token in the link; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


class PasswordReset(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A single-use, short-lived link to choose a new password."""

    __tablename__ = "password_reset"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: SHA-256 of the token in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class UserSession(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A signed-in session. The cookie holds a random token; this row holds its hash.

    Deleting the row signs the session out wherever it is; the row ends by itself after
    ``session_idle_minutes`` without a request or ``session_absolute_hours`` after login.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token kept in the (signed) session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: Last request seen, updated at most once a minute.
    last_seen_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class TwoFactor(db.Model):  # type: ignore[name-defined]
    """A user's TOTP authenticator (RFC 6238): set up, then confirmed with a first code."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    #: The TOTP secret, AES-256-GCM-encrypted under a key derived from the app secret and
    #: bound to the user (:mod:`consult.accounts.keys`): 12-byte nonce, then ciphertext.
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    #: When the person proved their app works; ``None`` while the setup is unfinished.
    confirmed_at: Mapped[datetime | None]
    #: The 30-second time step of the last accepted code: that code and older ones are refused.
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)

    user: Mapped[User] = relationship(back_populates="two_factor")


class RecoveryCode(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """One single-use recovery code, for a sign-in without the authenticator app."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: HMAC-SHA256 of the code under a key derived from the app secret; the code is shown once.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: When the code was spent; a spent code never works again.
    used_at: Mapped[datetime | None]


class LoginChallenge(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A sign-in halfway through: the password was right, the second factor is still due.

    The browser's (signed) session holds only a random token; this row decides, so no client
    flag can skip the second step. It ends on success, after a few wrong codes, or at expiry.
    """

    __tablename__ = "login_challenge"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token kept in the session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    #: After this the password must be given again.
    expires_at: Mapped[datetime]
    #: Wrong codes given to this challenge so far.
    failures: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):  # type: ignore[name-defined]
    """Failed sign-ins counted per account or per client address, in a fixed window.

    Rows live in the database so every worker process shares them; expired rows are deleted
    as new failures come in. Keys are keyed hashes, never an address or an e-mail address.
    """

    __tablename__ = "login_throttle"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures_not_negative"),)

    #: ``account:`` or ``address:`` followed by a keyed hash (:mod:`consult.accounts.throttle`).
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    #: Failures counted since the window began.
    failures: Mapped[int] = mapped_column(default=0)
    #: End of the window; the next failure after it starts a new count.
    window_ends_at: Mapped[datetime] = mapped_column(index=True)
