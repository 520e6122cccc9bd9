"""Invited stakeholders, the organiser's side: invitations, their links, and the mail.

An invitation names one organisation, its stakeholder category, optionally its jurisdiction,
a contact address and the language to write to it in. It carries a single-use token of which
the database keeps only the SHA-256 (a leaked table opens nothing): a link is therefore shown,
exported or mailed once, when it is issued, and issuing a new one voids the old. A draft the
invitee saved belongs to the invitation, not to the link, so it survives a new link.

Services take plain values, ``flush()`` but never commit, and audit what they change without
contact addresses or tokens.
"""

from __future__ import annotations

import smtplib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from flask import render_template
from flask_babel import LazyString, force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import User
from consult.audit.services import record
from consult.consultations.models import Consultation, Phase
from consult.db import utcnow
from consult.errors import Conflict, ConsultError, NotFound, ValidationFailed
from consult.extensions import db
from consult.i18n.locales import is_ui_locale
from consult.mail import mailer
from consult.respond.invitation_rows import (
    BadFile,
    InvitationFields,
    RowChecker,
    check_cells,
    check_row,
    read_csv,
)
from consult.respond.models import Invitation
from consult.settings import current_settings
from consult.spreadsheets import to_csv
from consult.tokens import new_token

__all__ = [
    "BadFile",
    "ImportReport",
    "InvitationFields",
    "InvitationStatus",
    "SendReport",
    "can_send",
    "check_row",
    "create",
    "get",
    "import_csv",
    "is_pending",
    "issue_link",
    "link",
    "links_csv",
    "listing",
    "only",
    "pending",
    "remind_all",
    "revoke",
    "send",
    "status",
]


class InvitationStatus(StrEnum):
    ANSWERED = "answered"
    DRAFT = "draft"
    NOT_YET = "not_yet"
    REVOKED = "revoked"

    @property
    def label(self) -> LazyString:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[InvitationStatus, LazyString] = {
    InvitationStatus.ANSWERED: _l("Answered"),
    InvitationStatus.DRAFT: _l("Draft saved"),
    InvitationStatus.NOT_YET: _l("Not yet answered"),
    InvitationStatus.REVOKED: _l("Withdrawn"),
}


class MailDisabled(Conflict):
    default_message = _l(
        "This site does not send e-mail. Download the links as a CSV file and send them "
        "with your own mail program (mail merge)."
    )


class MailFailed(ConsultError):
    status = 502
    default_message = _l(
        "The mail server did not accept the message. Nothing was changed: try again later, "
        "or download the links as a CSV file."
    )


class NotSendable(Conflict):
    default_message = _l(
        "Invitations can be mailed while the consultation is open or about to open: "
        "its links do not work before, nor after it closes."
    )


class NoContact(ValidationFailed):
    default_message = _l("This invitation has no e-mail address to send it to.")


class NotPending(Conflict):
    default_message = _l("This invitation was answered or withdrawn: it has no link any more.")


@dataclass
class ImportReport:
    #: The invitations created, each with the token of its link.
    created: list[tuple[Invitation, str]] = field(default_factory=list)
    #: ``(line number in the file, reason)`` for each refused value of each refused row.
    problems: list[tuple[int, str]] = field(default_factory=list)
    #: Header names that are none of the known columns (their cells were not read).
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class SendReport:
    sent: int = 0
    reminded: int = 0
    without_contact: int = 0
    failed: int = 0


# Creating ----------------------------------------------------------------------------------


def create(
    consultation: Consultation, fields: InvitationFields, actor: User
) -> tuple[Invitation, str]:
    """A new invitation from checked fields; returns it with the token of its link."""
    invitation, token = _add(consultation, fields)
    record(
        "invitation.created",
        f"invitation:{invitation.id}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={"category": fields.category, "language": fields.language},
    )
    return invitation, token


def _add(consultation: Consultation, fields: InvitationFields) -> tuple[Invitation, str]:
    token, token_hash = new_token()
    invitation = Invitation(
        consultation_id=consultation.id,
        organisation_name=fields.organisation,
        stakeholder_category=fields.category,
        jurisdiction=fields.jurisdiction,
        contact=fields.contact,
        language=fields.language,
        token_hash=token_hash,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


# Importing a CSV file ----------------------------------------------------------------------


def import_csv(consultation: Consultation, data: bytes, actor: User) -> ImportReport:
    """Create an invitation for each good row of a CSV file; report the others by line.

    The file format is that of :func:`~consult.respond.invitation_rows.read_csv`. Raises
    :class:`BadFile`, creating nothing, when the file as a whole cannot be read.
    """
    file = read_csv(data)
    checker = RowChecker(consultation)
    report = ImportReport(ignored_columns=file.ignored)
    for line, cells in file.records:
        fields, problems = check_cells(checker, file.columns, line, cells)
        if fields is None:
            report.problems.extend((line, str(problem)) for problem in problems)
        else:
            report.created.append(_add(consultation, fields))
    record(
        "invitation.imported",
        f"consultation:{consultation.id}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
        details={
            "created": len(report.created),
            "refused_lines": len({line for line, _reason in report.problems}),
        },
    )
    return report


# Links, status, mail -----------------------------------------------------------------------


def get(consultation: Consultation, invitation_id: int) -> Invitation:
    """The invitation ``invitation_id`` of ``consultation``; ``NotFound`` for any other."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.consultation_id != consultation.id:
        raise NotFound()
    return invitation


def listing(consultation: Consultation, *, state: str = "", category: str = "") -> list[Invitation]:
    """The consultation's invitations by organisation name, optionally only those of one
    status (``state``) or stakeholder category."""
    query = (
        select(Invitation)
        .where(Invitation.consultation_id == consultation.id)
        .options(selectinload(Invitation.draft))
    )
    found = sorted(db.session.scalars(query), key=lambda i: i.organisation_name.casefold())
    return only(found, state=state, category=category)


def only(
    invitations: Iterable[Invitation], *, state: str = "", category: str = ""
) -> list[Invitation]:
    """Those of ``invitations`` of status ``state`` and of ``category`` (empty: any)."""
    return [
        i
        for i in invitations
        if (not state or status(i) == state)
        and (not category or i.stakeholder_category == category)
    ]


def pending(consultation: Consultation, ids: Collection[int] | None = None) -> list[Invitation]:
    """Invitations that may still be answered (all, or those of ``ids``)."""
    invitations = listing(consultation)
    return [i for i in invitations if is_pending(i) and (ids is None or i.id in ids)]


def status(invitation: Invitation) -> InvitationStatus:
    """Answered, withdrawn, draft saved or not yet answered, in that precedence."""
    if invitation.answered_at is not None:
        return InvitationStatus.ANSWERED
    if invitation.revoked_at is not None:
        return InvitationStatus.REVOKED
    if invitation.draft is not None:
        return InvitationStatus.DRAFT
    return InvitationStatus.NOT_YET


def is_pending(invitation: Invitation) -> bool:
    return invitation.answered_at is None and invitation.revoked_at is None


def issue_link(invitation: Invitation, actor: User | None = None) -> str:
    """A new token for ``invitation``; the previous link stops working.

    Raises :class:`NotPending` for an answered or withdrawn invitation. Audited when an
    ``actor`` is given (callers that audit the whole operation themselves leave it out).
    """
    if not is_pending(invitation):
        raise NotPending()
    token, invitation.token_hash = new_token()
    db.session.flush()
    if actor is not None:
        _audit("invitation.link_issued", invitation, actor)
    return token


def link(invitation: Invitation, token: str, consultation: Consultation | None = None) -> str:
    """The full address of the invited channel for ``token``."""
    # The path of the public endpoint ``invited.respond`` (DESIGN.md §10), written out so that
    # this side does not depend on it being registered.
    consultation = consultation or _consultation_of(invitation)
    base = current_settings().base_url.rstrip("/")
    return f"{base}/{invitation.language}/c/{consultation.slug}/i/{token}"


def revoke(invitation: Invitation, actor: User) -> None:
    """Withdraw an invitation: its link stops working. Raises ``Conflict`` once answered."""
    if invitation.answered_at is not None:
        raise Conflict(_l("This invitation was answered: it can no longer be withdrawn."))
    if invitation.revoked_at is not None:
        return
    invitation.revoked_at = utcnow()
    db.session.flush()
    _audit("invitation.revoked", invitation, actor)


def send(invitation: Invitation, actor: User, reminder: bool = False) -> None:
    """Mail a fresh link to the invitation's contact, in the invitation's language.

    Raises :class:`MailDisabled` without SMTP; :class:`NotSendable` unless the consultation is
    open or about to open; :class:`NoContact` without an address; :class:`NotPending` once
    answered or withdrawn; :class:`MailFailed` when the mail server refuses the message (the
    caller's rollback then keeps the old link working).
    """
    sender = mailer()
    if not sender.enabled:
        raise MailDisabled()
    if not can_send(_consultation_of(invitation)):
        raise NotSendable()
    if not invitation.contact:
        raise NoContact()
    token = issue_link(invitation)
    subject, body = _message(invitation, actor, token, reminder)
    try:
        sender.send(invitation.contact, subject, body)
    except (smtplib.SMTPException, OSError) as error:
        raise MailFailed() from error
    if reminder:
        invitation.reminded_at = utcnow()
    else:
        invitation.sent_at = utcnow()
    db.session.flush()
    _audit("invitation.reminded" if reminder else "invitation.sent", invitation, actor)


def can_send(consultation: Consultation) -> bool:
    """Whether mailing links makes sense: the consultation is open, or opens soon."""
    return consultation.phase() in (Phase.SCHEDULED, Phase.OPEN)


def remind_all(consultation: Consultation, actor: User) -> SendReport:
    """Mail everyone who has not answered: a reminder, or the invitation if never sent.

    Each message is its own savepoint, so one the server refuses leaves that invitation's
    link as it was and the others go out. Raises :class:`MailDisabled` without SMTP.
    """
    if not mailer().enabled:
        raise MailDisabled()
    if not can_send(consultation):
        raise NotSendable()
    report = SendReport()
    for invitation in pending(consultation):
        if not invitation.contact:
            report.without_contact += 1
            continue
        reminder = invitation.sent_at is not None
        try:
            with db.session.begin_nested():
                send(invitation, actor, reminder=reminder)
        except MailFailed:
            report.failed += 1
            continue
        if reminder:
            report.reminded += 1
        else:
            report.sent += 1
    return report


def _message(invitation: Invitation, actor: User, token: str, reminder: bool) -> tuple[str, str]:
    """Subject and body in the invitee's language (or the consultation's fallback UI one)."""
    consultation = _consultation_of(invitation)
    language = invitation.language
    ui = language if is_ui_locale(language) else consultation.ui_fallback_locale
    with force_locale(ui):
        title = consultation.text("title", language)
        subject = (
            _("Reminder: %(title)s", title=title)
            if reminder
            else _("Invitation to a consultation: %(title)s", title=title)
        )
        body = render_template(
            "invitations/mail/reminder.txt" if reminder else "invitations/mail/invitation.txt",
            invitation=invitation,
            consultation=consultation,
            title=title,
            inviter=actor,
            organisation=consultation.organisation,
            link=link(invitation, token, consultation),
            opens_at=consultation.opens_at if consultation.phase() is Phase.SCHEDULED else None,
        )
    return " ".join(subject.split()), body


# The CSV of links --------------------------------------------------------------------------


def links_csv(
    consultation: Consultation, invitations: Iterable[Invitation], actor: User | None = None
) -> bytes:
    """A CSV (organisation, contact, language, link) for mail merge, as every export of the
    app writes one (:func:`consult.spreadsheets.to_csv`: formulas defused, UTF-8 with a BOM).

    Issues a new link for each invitation that can still be answered (the others are left
    out), so links given out earlier stop working.
    """
    rows: list[list[str]] = [["organisation", "contact", "language", "link"]]
    for invitation in invitations:
        if not is_pending(invitation):
            continue
        address = link(invitation, issue_link(invitation), consultation)
        rows.append(
            [invitation.organisation_name, invitation.contact or "", invitation.language, address]
        )
    record(
        "invitation.links_exported",
        f"consultation:{consultation.id}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id if actor else None,
        details={"count": len(rows) - 1},
    )
    return to_csv(rows)


# Helpers -----------------------------------------------------------------------------------


def _consultation_of(invitation: Invitation) -> Consultation:
    consultation = db.session.get(Consultation, invitation.consultation_id)
    assert consultation is not None  # the foreign key guarantees it
    return consultation


def _audit(action: str, invitation: Invitation, actor: User) -> None:
    consultation = _consultation_of(invitation)
    record(
        action,
        f"invitation:{invitation.id}",
        organisation_id=consultation.organisation_id,
        actor_id=actor.id,
    )
