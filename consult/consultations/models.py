"""Consultations: what an organisation asks, in which languages, and where it stands."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import OrderedDict
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.accounts.models import Organisation
from consult.db import CreatedAtMixin, enum_column, new_uuid, utcnow
from consult.extensions import db
from consult.i18n.content import resolve
from consult.questionnaires.schema import (
    Questionnaire,
    TextSlot,
    TextState,
    from_dict,
    text_slots,
    text_states,
)


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


class Phase(StrEnum):
    """Where a consultation stands right now: its status, read together with its dates.

    No scheduler moves a consultation: an open consultation whose opening date is still ahead
    is *scheduled*, and one whose closing date has passed is *closed*, whenever anyone asks.
    """

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"
    UNSEALED = "unsealed"
    PUBLISHED = "published"

    @property
    def label(self) -> LazyString:
        return PHASE_LABELS[self]


STATUS_LABELS: dict[Status, LazyString] = {
    Status.DRAFT: _l("Draft"),
    Status.OPEN: _l("Open"),
    Status.CLOSED: _l("Closed"),
    Status.UNSEALED: _l("Unsealed"),
    Status.PUBLISHED: _l("Published"),
}

PHASE_LABELS: dict[Phase, LazyString] = {
    Phase.SCHEDULED: _l("Opens soon"),
    **{Phase(status.value): label for status, label in STATUS_LABELS.items()},
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
        CheckConstraint(
            "sealed_retention_days BETWEEN 0 AND 3650", name="sealed_retention_days_range"
        ),
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
    #: ``{locale: text}``: how the results will be used, shown before anyone answers.
    use_of_input: Mapped[dict[str, str]] = mapped_column(default=dict)
    status: Mapped[Status] = mapped_column(enum_column(Status), default=Status.DRAFT)
    #: When the consultation opened and closed (set by the lifecycle).
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    #: Scheduled opening and closing (UTC); the status is read together with them.
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    #: IANA time zone in which dates are entered and shown, e.g. ``Africa/Tunis``.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    #: UI language for readers of a content language the interface does not speak.
    ui_fallback_locale: Mapped[str] = mapped_column(String(8), default="en")
    #: Who the sealed channel speaks to: ``adults``, or ``all_ages`` with a path for children.
    sealed_audience: Mapped[str] = mapped_column(String(16), default="adults")
    #: ``{locale: text}``: whom to contact for urgent help (the sealed channel is not one).
    urgent_help: Mapped[dict[str, str]] = mapped_column(default=dict)
    #: Show a receipt code after a sealed answer (off by default: a receipt found in a cell
    #: can link a person to an answer).
    sealed_receipts: Mapped[bool] = mapped_column(default=False)
    #: Sealed answers from one address in one day beyond which envelopes are held for review.
    sealed_hold_after: Mapped[int] = mapped_column(default=30)
    #: Days after unsealing at which the sealed envelopes are deleted (0: at the first purge
    #: after unsealing); the opened answers stay (:mod:`consult.retention.services`).
    sealed_retention_days: Mapped[int] = mapped_column(default=30)
    #: When the sealed envelopes were opened: set when the status first becomes *unsealed*.
    unsealed_at: Mapped[datetime | None]
    #: The questionnaire document (:mod:`consult.questionnaires.schema`).
    questionnaire: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: SHA-256 of the questionnaire's structure, frozen when the consultation opens.
    version: Mapped[str | None] = mapped_column(String(64))
    #: SHA-256 of the whole questionnaire document, texts included, kept up to date by every
    #: assignment through the ORM (:func:`_forget_document`); ``None`` for a row written
    #: otherwise. It names the document in the cache of :meth:`shared_document`, so anything
    #: that writes ``questionnaire`` with plain SQL must set it too (or to ``None``).
    questionnaire_digest: Mapped[str | None] = mapped_column(String(64))

    organisation: Mapped[Organisation] = relationship()

    def phase(self, now: datetime | None = None) -> Phase:
        """The status as it stands at ``now``, dates included (see :class:`Phase`)."""
        now = now or utcnow()
        if self.status is Status.OPEN:
            if self.opens_at and now < self.opens_at:
                return Phase.SCHEDULED
            if self.closes_at and now >= self.closes_at:
                return Phase.CLOSED
        return Phase(self.status.value)

    def is_accepting(self, now: datetime | None = None) -> bool:
        """Whether answers are taken right now."""
        return self.phase(now) is Phase.OPEN

    def text(self, field: str, locale: str | None = None) -> str:
        """A translated field resolved for ``locale`` (the current one by default)."""
        return resolve(getattr(self, field), self.default_locale, locale)

    def document(self) -> Questionnaire:
        """The questionnaire, parsed (an empty one for a new consultation).

        Parsed once per loaded row: every caller in a request shares the result, so change
        it only to assign it back (``questionnaire = to_dict(document)``). The parse is kept
        with the very dict it was made from, so a reload (after a commit, expiry or refresh
        brings a new dict) parses again, and so does an assignment or ``flag_modified``
        (:func:`_forget_document`), even of the same dict changed in place.
        """
        source = self.questionnaire
        cached = self.__dict__.get(_PARSED)
        if cached is not None and cached[0] is source:
            return cached[1]
        parsed = from_dict(source) if source else Questionnaire()
        self.__dict__[_PARSED] = (source, parsed)
        return parsed

    def shared_document(self) -> Questionnaire:
        """The questionnaire parsed once per process, for requests that only read it.

        Respondents' pages ask for the same document thousands of times; this one is kept
        between requests under its :attr:`questionnaire_digest`, so a cached document is
        found without loading the questionnaire column (``get_public`` defers it).
        It is shared by every request of the process: never change it (:meth:`document`
        gives a copy of this row's own to change).
        """
        digest = self.questionnaire_digest
        if digest is None:
            return self.document()
        key = (self.id, digest)
        with _SHARED_LOCK:
            found = _SHARED.get(key)
            if found is not None:
                _SHARED.move_to_end(key)
                return found
        source = self.questionnaire
        if questionnaire_digest(source) != digest:  # written around the ORM: no sharing
            return self.document()
        parsed = from_dict(source) if source else Questionnaire()
        with _SHARED_LOCK:
            _SHARED[key] = parsed
            while len(_SHARED) > SHARED_DOCUMENTS:
                _SHARED.popitem(last=False)
        return parsed

    def text_slots(self, document: Questionnaire | None = None) -> list[TextSlot]:
        """Every translatable text: the consultation's own, then the questionnaire's."""
        own = [
            TextSlot("consultation.title", self.title, True),
            TextSlot("consultation.summary", self.summary, True),
            TextSlot("consultation.use_of_input", self.use_of_input or {}, False),
            TextSlot("consultation.urgent_help", self.urgent_help or {}, False),
        ]
        return [*own, *text_slots(document or self.document())]

    def text_states(self) -> dict[str, TextState]:
        """For each offered language, the texts still missing and those gone stale."""
        document = self.document()
        return text_states(
            self.text_slots(document),
            document.sources,
            self.default_locale,
            list(self.offered_locales),
        )

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


#: Where :meth:`Consultation.document` keeps ``(questionnaire dict, parsed document)``.
_PARSED = "_parsed_document"
#: How many documents :meth:`Consultation.shared_document` keeps per process, the most
#: recently used ones (a few open consultations at a time, a few revisions of each).
SHARED_DOCUMENTS = 16
_SHARED: OrderedDict[tuple[int, str], Questionnaire] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def questionnaire_digest(document: dict[str, Any] | None) -> str:
    """SHA-256 of a questionnaire document as canonical JSON."""
    text = json.dumps(document or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@event.listens_for(Consultation.status, "set")
def _note_unsealing(target: Consultation, value: Status, *_args: Any) -> None:
    """The first move to *unsealed* starts the envelopes' retention period, however it comes
    about (trustees in the app, an offline import); a withdrawn report's return to it does not."""
    if value == Status.UNSEALED and target.unsealed_at is None:
        target.unsealed_at = utcnow()


@event.listens_for(Consultation.questionnaire, "set")
@event.listens_for(Consultation.questionnaire, "modified")
def _forget_document(target: Consultation, value: Any = None, *_args: Any) -> None:
    """A questionnaire assigned or flagged as modified is parsed again at the next use, and
    its digest follows it (an assignment passes the new document; a flag, the attribute's
    state, so the document is read from the row)."""
    target.__dict__.pop(_PARSED, None)
    document = value if isinstance(value, dict) else target.__dict__.get("questionnaire")
    target.questionnaire_digest = questionnaire_digest(document)
