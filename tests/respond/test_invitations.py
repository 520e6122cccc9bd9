"""Invited stakeholders, the organiser's side: adding, importing, links, mail and reminders."""

from __future__ import annotations

import csv
import io
import re
import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask_babel import gettext
from sqlalchemy import select, text
from werkzeug.test import TestResponse

from consult import create_app
from consult.accounts.models import User
from consult.accounts.permissions import Role
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.errors import NotFound
from consult.extensions import db
from consult.respond import invitations
from consult.respond.models import Invitation, InvitationDraft
from consult.tokens import digest
from tests.factories import Factory, Member
from tests.helpers import Page, login

BASE = "/admin/acme/consultations/npm-2027/invitations/"
HEADER = "organisation,category,jurisdiction,contact,language\n"
LINK = re.compile(r"https?://[^/\s\"]+/(\w+)/c/npm-2027/i/([A-Za-z0-9_-]+)")


# Fixtures and helpers ----------------------------------------------------------------------


class Inbox:
    """An SMTP server on localhost that keeps what it receives."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def mailing_app(settings_for: Callable[..., dict[str, Any]], port: int) -> Flask:
    app = create_app(
        settings_for(smtp_host="127.0.0.1", smtp_port=port, base_url="https://consult.example")
    )
    app.config.update(TESTING=True)
    return app


@pytest.fixture
def organiser(make: Factory, page: Page) -> Member:
    """An open consultation in English, French and Spanish, and an organiser signed in."""
    make.consultation("acme", "npm-2027", ("en", "fr", "es"), opened=True)
    member = make.member("acme", [Role.ORGANISER])
    login(page, member.email)
    return member


def upload(page: Page, content: bytes | str) -> TestResponse:
    data = content.encode() if isinstance(content, str) else content
    return page.post(
        BASE + "import", {"file": (io.BytesIO(data), "invitations.csv")}, form_page=BASE + "import"
    )


def stored(app: Flask) -> dict[str, Invitation]:
    with app.app_context():
        rows = db.session.scalars(select(Invitation)).all()
        db.session.expunge_all()
        return {row.organisation_name: row for row in rows}


def invite(app: Flask, member: Member, organisation: str, **values: str) -> tuple[int, str]:
    """An invitation made through the services; returns its id and its token."""
    row = {"organisation": organisation, "category": "parliament", **values}
    with app.test_request_context("/admin/"):
        consultation = db.session.scalar(select(Consultation))
        fields, problems = invitations.check_row(consultation, row)
        assert fields is not None, problems
        invitation, token = invitations.create(
            consultation, fields, db.session.get(User, member.user_id)
        )
        db.session.commit()
        return invitation.id, token


def every_stored_value(app: Flask) -> str:
    """Every value of every row of every table, as one text."""
    with app.app_context():
        return "\n".join(
            repr(tuple(row))
            for table in db.metadata.sorted_tables
            for row in db.session.execute(select(table))
        )


# Importing ---------------------------------------------------------------------------------


def test_a_good_file_creates_every_invitation(app: Flask, page: Page, organiser: Member) -> None:
    upload(
        page,
        HEADER
        + "Ministry of Justice,government_national,north,desk@justice.example,fr\n"
        + "Senate Committee,PARLIAMENT,[en] South,,\n"
        + "Bar Association,  professional body  ,,Lawyers@Bar.example,Spanish\n",
    )
    assert page.response.status_code == 200, page.text  # type: ignore[union-attr]
    assert "3 invitations created." in page.text
    assert "Download the new links (CSV)" in page.text
    found = stored(app)
    justice = found["Ministry of Justice"]
    assert (justice.stakeholder_category, justice.jurisdiction) == ("government_national", "north")
    assert (justice.contact, justice.language) == ("desk@justice.example", "fr")
    senate = found["Senate Committee"]
    assert (senate.stakeholder_category, senate.jurisdiction) == ("parliament", "south")
    assert (senate.contact, senate.language) == (None, "en")  # empty: the default language
    bar = found["Bar Association"]
    assert bar.stakeholder_category == "professional_body"
    assert bar.jurisdiction is None  # the invitee chooses
    assert (bar.contact, bar.language) == ("Lawyers@bar.example", "es")


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(
    app: Flask, page: Page, organiser: Member
) -> None:
    invite(app, organiser, "Ombudsman Office")
    upload(
        page,
        HEADER
        + "Good One,parliament,,,\n"  # line 2
        + "\n"  # line 3: skipped
        + ",parliament,,,\n"  # line 4
        + "Bad Category,astronauts,,,\n"
        + "Bad Place,parliament,atlantis,,\n"
        + "Bad Mail,parliament,,not-an-address,\n"
        + "Bad Language,parliament,,,de\n"
        + "good one,judiciary,,,\n"  # line 9: same as line 2, whatever the case
        + "ombudsman  office,nhri,,,\n"  # already invited
        + f"{'x' * 201},parliament,,,\n"
        + '"Two\nLines",media,,,\n'  # lines 12-13: one record over two lines
        + "After,media,,,,\n"  # line 14: a trailing empty cell is fine
        + "Too Many,media,,,,surprise\n"
        + "Worst,nothing,nowhere,@,xx\n",
    )
    assert page.response.status_code == 200  # type: ignore[union-attr]
    text = page.text
    assert "3 invitations created." in text
    assert "10 lines were not imported." in text
    expected = [
        (4, "The organisation is missing."),
        (5, "Unknown stakeholder category “astronauts”."),
        (6, "Unknown jurisdiction “atlantis”."),
        (7, "“not-an-address” is not a valid e-mail address."),
        (8, "“de” is not a language of this consultation (en, fr, es)."),
        (9, "“good one” is already on line 2."),
        (10, "“ombudsman office” is already invited to this consultation."),
        (11, "The organisation's name is longer than 200 characters."),
        (15, "This line has more cells than the header line."),
        (16, "Unknown stakeholder category “nothing”."),
        (16, "Unknown jurisdiction “nowhere”."),
        (16, "“@” is not a valid e-mail address."),
        (16, "“xx” is not a language of this consultation (en, fr, es)."),
    ]
    for line, reason in expected:
        assert f"{line}\n{reason}" in text
    assert set(stored(app)) == {"Ombudsman Office", "Good One", "Two Lines", "After"}


def test_semicolons_a_bom_and_header_names_are_read_leniently(
    app: Flask, page: Page, organiser: Member
) -> None:
    content = " Organisation ; Stakeholder_Category;E-mail;Notes\nSénat;parliament;;call first\n"
    upload(page, "\ufeff".encode() + content.encode())
    assert "1 invitation created." in page.text
    assert "These columns are not known and were not read: Notes." in page.text
    assert stored(app)["Sénat"].stakeholder_category == "parliament"
    upload(page, "organisation\tcategory\nTabbed\tmedia\n".encode("utf-16"))
    assert "1 invitation created." in page.text


def test_labels_are_accepted_in_the_ui_language_and_in_english(
    app: Flask, make: Factory, organiser: Member
) -> None:
    with app.test_request_context("/fr/"):
        consultation = db.session.scalar(select(Consultation))
        for label in ("Parlement", "parliament", "PARLIAMENT"):
            fields, problems = invitations.check_row(
                consultation, {"organisation": "X", "category": label, "language": "Espagnol"}
            )
            assert fields is not None, problems
            assert (fields.category, fields.language) == ("parliament", "es")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((HEADER + "Ministère,parliament,,,\n").encode("latin-1"), "The file is not in UTF-8."),
        (b"Senate,parliament,,,\n", "The first line must name the columns: organisation,"),
        (HEADER.encode(), "The file has no invitation below its header line."),
        (b"\n\n", "The file is empty."),
    ],
)
def test_unreadable_files_import_nothing(
    app: Flask, page: Page, organiser: Member, content: bytes, message: str
) -> None:
    response = upload(page, content)
    assert response.status_code == 400
    assert message in page.text
    assert stored(app) == {}


def test_a_file_holds_at_most_2000_invitations(app: Flask, organiser: Member) -> None:
    rows = "".join(f"Organisation {n},media,,,\n" for n in range(2001))
    with app.test_request_context("/admin/"):
        consultation = db.session.scalar(select(Consultation))
        actor = db.session.get(User, organiser.user_id)
        with pytest.raises(invitations.BadFile, match="at most 2,000 invitations"):
            invitations.import_csv(consultation, (HEADER + rows).encode(), actor)


def test_a_consultation_without_jurisdictions_refuses_one(
    app: Flask, make: Factory, page: Page
) -> None:
    make.consultation("acme", "plain", ("en",))
    with app.test_request_context("/admin/"):
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "plain"))
        _fields, problems = invitations.check_row(
            consultation, {"organisation": "X", "category": "media", "jurisdiction": "north"}
        )
    assert [str(p) for p in problems] == [
        "This consultation does not ask for a jurisdiction; leave it empty."
    ]


# One by one, links and tokens --------------------------------------------------------------


def test_adding_one_shows_its_link_once_and_stores_only_its_hash(
    app: Flask, page: Page, organiser: Member
) -> None:
    page.get(BASE + "new")
    assert "Chosen by the invitee" in page.text
    response = page.post(
        BASE + "new",
        {
            "organisation": "Ministry of Health",
            "category": "government_national",
            "jurisdiction": "",
            "contact": "minister@health.example",
            "language": "fr",
        },
        form_page=BASE + "new",
    )
    assert response.status_code == 200, page.text
    assert "Copy this link now: it is shown only once." in page.text
    match = LINK.search(response.get_data(as_text=True))
    assert match and match.group(1) == "fr"
    token = match.group(2)
    invitation = stored(app)["Ministry of Health"]
    assert invitation.token_hash == digest(token)
    everything = every_stored_value(app)
    assert token not in everything
    assert digest(token) in everything
    with app.app_context():
        details = db.session.execute(text("SELECT details FROM audit_event")).scalars().all()
    assert "minister@health.example" not in repr(details)
    assert "Ministry of Health" in page.get(BASE).get_data(as_text=True)


def test_the_form_says_what_is_wrong_under_each_field(
    app: Flask, page: Page, organiser: Member
) -> None:
    invite(app, organiser, "Senate")
    response = page.post(
        BASE + "new",
        {"organisation": "senate", "category": "", "contact": "nope", "language": "de"},
        form_page=BASE + "new",
    )
    assert response.status_code == 400
    text = page.text
    assert "Organisation: “senate” is already invited to this consultation." in text
    assert "Stakeholder category: The stakeholder category is missing." in text
    assert "“nope” is not a valid e-mail address." in text
    assert "“de” is not a language of this consultation" in text
    assert list(stored(app)) == ["Senate"]


def test_a_new_link_voids_the_old_one(app: Flask, page: Page, organiser: Member) -> None:
    invitation_id, old = invite(app, organiser, "Senate")
    response = page.post(f"{BASE}{invitation_id}/link", {}, form_page=BASE)
    assert response.status_code == 200
    assert "The earlier link of this invitation no longer works." in page.text
    match = LINK.search(response.get_data(as_text=True))
    assert match
    new = match.group(2)
    assert new != old
    values = every_stored_value(app)
    assert digest(old) not in values
    assert stored(app)["Senate"].token_hash == digest(new)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_withdrawn_invitation_has_no_link(app: Flask, page: Page, organiser: Member) -> None:
    invitation_id, _token = invite(app, organiser, "Senate")
    invite(app, organiser, "Bar")
    page.post(f"{BASE}{invitation_id}/revoke", {}, form_page=BASE)
    page.get(BASE)
    assert "The invitation of Senate was withdrawn: its link no longer works." in page.text
    assert "Senate\nParliament\nChosen by the invitee\n—\nEnglish\nWithdrawn" in page.text
    assert stored(app)["Senate"].revoked_at is not None
    assert page.post(f"{BASE}{invitation_id}/link", {}, form_page=BASE).status_code == 409
    csv_text = page.post(BASE + "links.csv", {}, form_page=BASE).get_data(as_text=True)
    assert "Bar" in csv_text and "Senate" not in csv_text


def test_statuses_and_filters(app: Flask, page: Page, organiser: Member) -> None:
    answered, _token = invite(app, organiser, "Answered Org")
    drafted, _token = invite(app, organiser, "Drafting Org", category="media")
    revoked, _token = invite(app, organiser, "Withdrawn Org")
    invite(app, organiser, "Silent Org")
    with app.app_context():
        db.session.get(Invitation, answered).answered_at = utcnow()  # type: ignore[union-attr]
        db.session.get(Invitation, revoked).revoked_at = utcnow()  # type: ignore[union-attr]
        db.session.add(InvitationDraft(invitation_id=drafted, fields=[], saved_at=utcnow()))
        db.session.commit()
    page.get(BASE)
    for name, label in [
        ("Answered Org", "Answered"),
        ("Drafting Org", "Draft saved"),
        ("Withdrawn Org", "Withdrawn"),
        ("Silent Org", "Not yet answered"),
    ]:
        assert re.search(
            rf"{name}\n[^\n]+\nChosen by the invitee\n—\nEnglish\n{label}\n", page.text
        ), name
    page.get(BASE + "?status=draft")
    assert "Drafting Org" in page.text and "Silent Org" not in page.text
    page.get(BASE + "?category=parliament")
    assert "Drafting Org" not in page.text and "Silent Org" in page.text
    assert "3 invitations" in page.text
    # Only those still waiting for an answer get a link.
    csv_text = page.post(BASE + "links.csv", {}, form_page=BASE).get_data(as_text=True)
    assert [row[0] for row in csv.reader(io.StringIO(csv_text.lstrip("\ufeff")))] == [
        "organisation",
        "Drafting Org",
        "Silent Org",
    ]


def test_the_links_csv_neutralises_formulas_and_replaces_the_links(
    app: Flask, page: Page, organiser: Member
) -> None:
    formula = '=HYPERLINK("https://evil.example","Click")'
    _id, old = invite(app, organiser, formula, contact="+tricky@example.org", language="es")
    invite(app, organiser, "@Mention")
    page.get(BASE)
    assert "links sent earlier stop working" in page.text
    response = page.post(BASE + "links.csv", {}, form_page=BASE)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=npm-2027-invitation-links.csv"
    )
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["organisation", "contact", "language", "link"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"'" + formula, "'@Mention"}
    cells = by_name["'" + formula]
    assert cells[1:3] == ["'+tricky@example.org", "es"]
    match = LINK.fullmatch(cells[3])
    assert match and match.group(1) == "es"
    assert stored(app)[formula].token_hash == digest(match.group(2))
    assert digest(old) not in every_stored_value(app)


def test_the_links_of_an_import_can_be_downloaded(
    app: Flask, page: Page, organiser: Member
) -> None:
    invite(app, organiser, "Earlier")
    upload(page, HEADER + "New One,media,,,\nNew Two,media,,,\n")
    ids = re.findall(
        r'name="invitation" value="(\d+)"',
        page.response.get_data(as_text=True),  # type: ignore[union-attr]
    )
    assert len(ids) == 2
    response = page.post(BASE + "links.csv", {"invitation": ids}, form_page=BASE)
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted(row[0] for row in rows[1:]) == ["New One", "New Two"]


# Mail --------------------------------------------------------------------------------------


def test_without_mail_sending_is_refused_and_the_page_points_to_the_csv(
    app: Flask, page: Page, organiser: Member
) -> None:
    invitation_id, _token = invite(app, organiser, "Senate", contact="clerk@senate.example")
    page.get(BASE)
    assert "No e-mail from this site: use the CSV of links." in page.text
    assert "Send by e-mail" not in page.text
    assert "Send reminders to all who have not answered" not in page.text
    response = page.post(f"{BASE}{invitation_id}/send", {}, form_page=BASE)
    assert response.status_code == 409
    assert "This site does not send e-mail. Download the links as a CSV file" in page.text
    assert page.post(BASE + "remind", {}, form_page=BASE).status_code == 409
    assert stored(app)["Senate"].sent_at is None


def test_mail_goes_out_in_the_invitees_language_and_reminders_follow(
    app: Flask, inbox: Inbox, settings_for: Callable[..., dict[str, Any]], organiser: Member
) -> None:
    mailing = mailing_app(settings_for, inbox.port)
    page = Page(mailing.test_client())
    login(page, organiser.email)
    invitation_id, first = invite(
        app, organiser, "Senado", contact="secretaria@senado.example", language="es"
    )
    page.get(BASE)
    assert "Send by e-mail" in page.text
    response = page.post(f"{BASE}{invitation_id}/send", {}, form_page=BASE)
    assert response.status_code == 302
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "secretaria@senado.example"
    title = "Title npm-2027 [es]"
    with app.test_request_context("/es/"):
        subject = gettext("Invitation to a consultation: %(title)s", title=title)
        reminder_subject = gettext("Reminder: %(title)s", title=title)
        answer = gettext(
            "Open this link to answer. It is personal to your organisation: please do not "
            "forward it."
        )
    assert message["Subject"] == subject
    body = message.get_content()
    assert answer in body
    assert "Senado" in body and title in body
    match = LINK.search(body)
    assert match and match.group(0).startswith("https://consult.example/es/c/npm-2027/i/")
    sent = stored(app)["Senado"]
    assert sent.token_hash == digest(match.group(2)) != digest(first)
    assert sent.sent_at is not None and sent.reminded_at is None

    page.get(BASE)
    assert "Send a reminder" in page.text
    page.post(f"{BASE}{invitation_id}/remind", {}, form_page=BASE)
    assert len(inbox.messages) == 2
    assert inbox.messages[1]["Subject"] == reminder_subject
    again = LINK.search(inbox.messages[1].get_content())
    assert again and again.group(2) != match.group(2)
    reminded = stored(app)["Senado"]
    assert reminded.reminded_at is not None
    assert reminded.token_hash == digest(again.group(2))


def test_reminders_to_all_who_have_not_answered(
    app: Flask, inbox: Inbox, settings_for: Callable[..., dict[str, Any]], organiser: Member
) -> None:
    mailing = mailing_app(settings_for, inbox.port)
    page = Page(mailing.test_client())
    login(page, organiser.email)
    earlier, _token = invite(app, organiser, "Earlier", contact="a@earlier.example")
    invite(app, organiser, "Never mailed", contact="b@never.example", language="fr")
    invite(app, organiser, "No address")
    done, _token = invite(app, organiser, "Done", contact="c@done.example")
    with app.app_context():
        db.session.get(Invitation, earlier).sent_at = utcnow()  # type: ignore[union-attr]
        db.session.get(Invitation, done).answered_at = utcnow()  # type: ignore[union-attr]
        db.session.commit()
    page.post(BASE + "remind", {}, form_page=BASE)
    page.get(BASE)
    assert "1 reminder sent." in page.text
    assert "1 invitation sent." in page.text
    assert "1 invitation has no e-mail address: use the CSV of links for it." in page.text
    assert sorted(str(m["To"]) for m in inbox.messages) == ["a@earlier.example", "b@never.example"]
    found = stored(app)
    assert found["Earlier"].reminded_at is not None
    assert found["Never mailed"].sent_at is not None and found["Never mailed"].reminded_at is None
    assert found["Done"].reminded_at is None


def test_a_draft_consultation_prepares_invitations_but_mails_none(
    app: Flask,
    make: Factory,
    inbox: Inbox,
    settings_for: Callable[..., dict[str, Any]],
) -> None:
    make.consultation("acme", "npm-2027", ("en", "fr"))
    member = make.member("acme", [Role.ORGANISER])
    page = Page(mailing_app(settings_for, inbox.port).test_client())
    login(page, member.email)
    upload(page, HEADER + "Senate,parliament,,clerk@senate.example,fr\n")
    assert "1 invitation created." in page.text
    page.get(BASE)
    assert "links will work once the consultation is open" in page.text
    assert "E-mail can be sent once the consultation is open." in page.text
    assert "Send by e-mail" not in page.text
    invitation = stored(app)["Senate"]
    response = page.post(f"{BASE}{invitation.id}/send", {}, form_page=BASE)
    assert response.status_code == 409
    assert "Invitations can be mailed while the consultation is open" in page.text
    assert page.post(BASE + "remind", {}, form_page=BASE).status_code == 409
    assert inbox.messages == []
    assert page.post(BASE + "links.csv", {}, form_page=BASE).status_code == 200


def test_a_refused_message_keeps_the_old_link(
    app: Flask, settings_for: Callable[..., dict[str, Any]], organiser: Member
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = int(sock.getsockname()[1])
    page = Page(mailing_app(settings_for, closed).test_client())
    login(page, organiser.email)
    invitation_id, token = invite(app, organiser, "Senate", contact="clerk@senate.example")
    response = page.post(f"{BASE}{invitation_id}/send", {}, form_page=BASE)
    assert response.status_code == 502
    assert "The mail server did not accept the message." in page.text
    assert stored(app)["Senate"].token_hash == digest(token)
    assert stored(app)["Senate"].sent_at is None
    # Sending to all: each refused message leaves its own link as it was.
    invite(app, organiser, "Bar", contact="desk@bar.example")
    assert page.post(BASE + "remind", {}, form_page=BASE).status_code == 302
    page.get(BASE)
    assert "2 messages were refused by the mail server; their links are unchanged." in page.text
    assert stored(app)["Senate"].token_hash == digest(token)


# Who may ---------------------------------------------------------------------------------


def test_only_those_who_edit_consultations_see_invitations(
    app: Flask, page: Page, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    login(page, make.member("acme", [Role.ANALYST]).email)
    assert page.get(BASE).status_code == 403
    other = Page(app.test_client())
    login(other, make.member("other", [Role.OWNER]).email)
    assert other.get(BASE).status_code == 404
    with app.test_request_context("/admin/"):
        consultation = db.session.scalar(select(Consultation))
        with pytest.raises(NotFound):
            invitations.get(consultation, 12345)
