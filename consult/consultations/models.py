"""Consultations: what an organisation asks, in which languages, and where it stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import Organisation
from consult.db import CreatedAtMixin, enum_column, new_uuid
from consult.extensions import db
from consult.i18n.content import resolve


class Status(StrEnum):
    """The lifecycle ``draft → open → closed → unsealed → published`` (DESIGN.md §3)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    UNSEALED = "unsealed"
    PUBLISHED = "published"

    @property
    def label(self) -> LazyString:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, LazyString] = {
    Status.DRAFT: _l("Draft"),
    Status.OPEN: _l("Open"),
    Status.CLOSED: _l("Closed"),
    Status.UNSEALED: _l("Unsealed"),
    Status.PUBLISHED: _l("Published"),
}

#: Limits of the fields, shared by forms and the database.
TITLE_MAX = 200
SUMMARY_MAX = 5000
SLUG_MAX = 80


class Consultation(CreatedAtMixin, db.Model):  # type: ignore[name-defined]
    """A consultation on the NPM options of one country, in one or more languages."""

    __tablename__ = "consultation"
    __table_args__ = (
        CheckConstraint(f"length(slug) BETWEEN 3 AND {SLUG_MAX}", name="slug_length"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identity that survives backup and restore; bound into sealed envelopes.
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=new_uuid)
    #: Public address part: ``/<lang>/c/<slug>/``; lowercase letters, digits and hyphens.
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    #: ISO 3166-1 alpha-2 code of the State whose NPM is discussed.
    country: Mapped[str] = mapped_column(String(2))
    #: Content language used when a text is missing in the reader's language.
    default_locale: Mapped[str] = mapped_column(String(16))
    #: Content languages offered to respondents (the default one included).
    offered_locales: Mapped[list[str]] = mapped_column(JSON)
    #: ``{locale: text}``
    title: Mapped[dict[str, str]]
    #: ``{locale: text}``: purpose of the consultation, shown on its page.
    summary: Mapped[dict[str, str]]
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.DRAFT)
    #: When the consultation opened and closed (set by the lifecycle).
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()

    def text(self, field: str, locale: str | None = None) -> str:
        """A translated field resolved for ``locale`` (the current one by default)."""
        return resolve(getattr(self, field), self.default_locale, locale)

    def missing_translations(self) -> dict[str, list[str]]:
        """Offered locales that lack a title or summary, by field."""
        missing: dict[str, list[str]] = {}
        for field in ("title", "summary"):
            texts = getattr(self, field)
            gaps = [code for code in self.offered_locales if not texts.get(code)]
            if gaps:
                missing[field] = gaps
        return missing

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"
