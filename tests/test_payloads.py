"""Hostile text through every field a person can write (issue 9).

Markup, script addresses, spreadsheet formulas and bidi controls typed into each field must
come out escaped in the HTML pages that show it, as text in PDFs, as text (never a formula)
in CSV and XLSX files, and exactly as typed in JSON. :data:`FIELDS` says, for each field, where
it is displayed; a field no page shows is a visible gap in that table, not a silent one.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from html import escape as html_escape
from typing import Any

import pytest
from flask import Flask, render_template_string
from markupsafe import Markup, escape
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from consult.accounts.models import User
from consult.accounts.permissions import Role
from consult.consultations import services as consultations
from consult.extensions import db
from consult.questionnaires.answers import clean_text
from consult.questionnaires.schema import Channel, Choice, Questionnaire
from consult.quotations.models import Quotation
from consult.reports import designation, render
from consult.reports.designation_models import DesignationRevision
from consult.respond.models import Invitation, Response
from consult.spreadsheets import FORMULA_STARTS
from consult.text import PDF, PDI, contain_bidi, displayed
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login
from tests.paper.test_paper import empty_database
from tests.reports.designated import entry
from tests.reports.sample import add_response, approve_quotation, store_report, the_consultation

RLO, RLE, LRI, RLI, FSI = "\u202e", "\u202b", "\u2066", "\u2067", "\u2068"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
#: Every bidi formatting character, for a regular expression's character class.
BIDI = "\u202a-\u202e\u2066-\u2069"


# Bidi controls: contained where the text ends --------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("plain", "plain"),
        ("مفوضية حقوق الإنسان", "مفوضية حقوق الإنسان"),
        (f"{RLM}שלום{LRM} (NHRI){ALM}", f"{RLM}שלום{LRM} (NHRI){ALM}"),
        (f"{RLO}gnp.exe", f"{RLO}gnp.exe{PDF}"),
        (f"a{RLE}b{PDF}c", f"a{RLE}b{PDF}c"),
        (f"{PDF}{PDI}x{PDF}", "x"),
        (f"{LRI}a{RLO}b", f"{LRI}a{RLO}b{PDF}{PDI}"),
        (f"{RLI}a{RLO}b{PDI}c", f"{RLI}a{RLO}b{PDI}c"),
        (f"{RLO}a{LRI}b{PDF}c", f"{RLO}a{LRI}bc{PDI}{PDF}"),
        (f"{FSI}x\n{RLE}y", f"{FSI}x\n{RLE}y{PDF}{PDI}"),
    ],
)
def test_bidi_scopes_end_where_the_text_ends(typed: str, shown: str) -> None:
    assert contain_bidi(typed) == shown


def test_markup_built_by_the_application_is_left_alone() -> None:
    built = Markup('<input value="\u202ex">')
    assert displayed(built) is built
    assert displayed(3) == 3 and displayed(None) is None


def test_every_printed_value_and_translated_placeholder_is_contained(app: Flask) -> None:
    name = f"{RLO}Acme"
    with app.test_request_context():
        html = render_template_string(
            "<p>{{ name }}</p><p title='{{ name }}'>{{ _('by %(name)s on %(date)s', "
            "name=name, date='today') }}</p><p>{% trans %}by {{ name }}{% endtrans %}</p>",
            name=name,
        )
    assert html.count(f"{RLO}Acme{PDF}") == 4
    assert html.count(RLO) == html.count(PDF) == 4


# Hostile text through every field ---------------------------------------------------------

#: Starts that open a formula in a spreadsheet program, and markup, and a right-to-left
#: override left open; each payload ends with the name of its field, to find it.
FORMULAS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-1+1")
MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
#: The one address field (the founding text's link): the database refuses anything but a web
#: address (``javascript:`` cannot be stored), so the attack left is to break out of ``href``.
SCRIPT_LINK = 'https://x.invalid/"><script>alert(1)</script>'

OPEN_SLUG, CLOSED_SLUG = "npm-open", "npm-report"


#: Fields that start with the other formula openings (the rest start with ``=HYPERLINK``).
FORMULA_OF = {
    "answer_open": FORMULAS[1],
    "answer_invited": FORMULAS[2],
    "answer_sealed": FORMULAS[3],
    "invitation": FORMULAS[1],
    "declared_organisation": FORMULAS[2],
    "choice_label": FORMULAS[3],
}


def payload(field: str) -> str:
    return f"{FORMULA_OF.get(field, FORMULAS[0])}{MARKUP}{RLO}{field}#"


#: Where each field a person writes is displayed: pages (HTML), files (``csv``, ``xlsx``,
#: ``json``, ``pdf``). ``{o}`` is the open consultation, ``{c}`` the closed, reported one.
HOME, OPEN_PAGE, FORM = "/en/", "/en/c/{o}/", "/en/c/{o}/respond"
REPORT, CSV, XLSX, JSON, PDF_ = (
    f"/en/c/{{c}}/report{x}" for x in ("", ".csv", ".xlsx", ".json", ".pdf")
)
ADMIN = "/admin/acme/consultations/{c}"
LISTING, EXPORT_CSV, EXPORT_XLSX = (
    f"{ADMIN}/responses/{x}" for x in ("list", "export.csv", "export.xlsx")
)
DESIGNATION, QUOTATIONS = "/admin/acme/c/{c}/designation/", f"{ADMIN}/quotations/review"
INVITATIONS = "/admin/acme/consultations/{o}/invitations/"
#: The mail-merge file of invitation links: a form's POST, not a page.
LINKS_CSV = f"POST {INVITATIONS}links.csv"
API = "/api/v1/consultations/{c}/report"
FIELDS: dict[str, tuple[str, ...]] = {
    "organisation": (HOME, OPEN_PAGE, REPORT, "/admin/acme/", "/en/observatory", PDF_),
    "member": ("/admin/acme/members/", DESIGNATION),
    "title": (HOME, OPEN_PAGE, REPORT, "/admin/acme/", "/en/observatory", CSV, XLSX, JSON, PDF_),
    "summary": (OPEN_PAGE,),
    "use_of_input": (OPEN_PAGE,),
    "option_title": (OPEN_PAGE, FORM, REPORT, CSV, XLSX, JSON, PDF_),
    "option_description": (OPEN_PAGE,),
    "section_title": (FORM, f"{ADMIN}/questionnaire/"),
    "section_intro": (FORM,),
    "question_text": (FORM, REPORT, CSV, XLSX, JSON, EXPORT_CSV, EXPORT_XLSX, PDF_),
    "question_help": (FORM,),
    "choice_label": (FORM, REPORT, CSV, XLSX, JSON, PDF_),
    "jurisdiction_label": (FORM,),
    "category_label": (FORM,),
    "invitation": (INVITATIONS, LINKS_CSV, LISTING, EXPORT_CSV, EXPORT_XLSX),
    "contact": (INVITATIONS, LINKS_CSV),
    "answer_open": (LISTING, EXPORT_CSV, EXPORT_XLSX),
    "answer_invited": (LISTING, EXPORT_CSV, EXPORT_XLSX),
    "answer_sealed": (LISTING, EXPORT_CSV, EXPORT_XLSX, QUOTATIONS),
    "declared_organisation": (LISTING, EXPORT_CSV, EXPORT_XLSX),
    "quotation": (QUOTATIONS, REPORT, PDF_),
    "quotation_note": (QUOTATIONS,),
    "narrative": (REPORT, PDF_),
    "limitations": (REPORT, PDF_),
    "body": (REPORT, DESIGNATION, JSON, PDF_),
    "reference": (REPORT, DESIGNATION, JSON),
    "note": (REPORT, JSON),
    "model_description": (REPORT, JSON),
    "recommendation": (REPORT, DESIGNATION, JSON, PDF_),
    "update_note": (REPORT, DESIGNATION, JSON),
}


def hostile_questionnaire() -> Questionnaire:
    """The sample questionnaire, one text of each kind replaced by its payload."""
    document = sample_questionnaire(["en"])
    option, section, question = (
        document.options[0],
        document.sections[0],
        document.question("model"),
    )
    assert question is not None
    option.title, option.description = _en("option_title"), _en("option_description")
    section.title, section.intro = _en("section_title"), _en("section_intro")
    question.text, question.help = _en("question_text"), _en("question_help")
    question.choices[0].label = _en("choice_label")
    document.profile.custom_jurisdictions[0].label = _en("jurisdiction_label")
    document.profile.custom_categories = [Choice("coalition", _en("category_label"))]
    return document


#: Fields whose services clean text as they store it (:func:`clean_text`: no bidi embeddings,
#: overrides or isolates, no control characters), so they are shown without the override.
CLEANED = frozenset(
    {"body", "reference", "note", "model_description", "recommendation", "update_note"}
)


def stored(field: str) -> str:
    """The payload of ``field`` as the database holds it."""
    return clean_text(payload(field)) if field in CLEANED else payload(field)


def _en(field: str) -> dict[str, str]:
    return {"en": payload(field)}


def build(app: Flask) -> str:
    """Every field of :data:`FIELDS` holding its payload; the e-mail of a member of all roles."""
    make = Factory(app)
    make.organisation("acme", name=payload("organisation"))
    me = make.member("acme", list(Role))
    for slug in (OPEN_SLUG, CLOSED_SLUG):
        make.consultation("acme", slug, ("en",), opened=True, questionnaire=hostile_questionnaire())
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == me.email))
        assert user is not None
        user.name = payload("member")
        for slug in (OPEN_SLUG, CLOSED_SLUG):
            c = the_consultation(slug)
            c.title, c.summary = _en("title"), _en("summary")
            c.use_of_input = _en("use_of_input")
        consultations.close(the_consultation(CLOSED_SLUG), user)
        db.session.commit()
        user_id = user.id
    store_report(app, CLOSED_SLUG, narrative=_en("narrative"), limitations=_en("limitations"))
    add_response(app, Channel.INVITED, {}, slug=OPEN_SLUG, organisation=payload("invitation"))
    add_response(app, Channel.OPEN, {"why": payload("answer_open")})
    add_response(
        app, Channel.INVITED, {"why": payload("answer_invited")}, organisation=payload("invitation")
    )
    sealed = add_response(app, Channel.SEALED, {"why": payload("answer_sealed")})
    approve_quotation(app, sealed, payload("quotation"))
    with app.test_request_context():
        response = db.session.scalars(select(Response).where(Response.channel == Channel.OPEN))
        response.one().declared_organisation = payload("declared_organisation")
        c, who = the_consultation(CLOSED_SLUG), db.session.get(User, user_id)
        # A passage waiting for review: its note, and the original answer beside it.
        db.session.add(
            Quotation(
                consultation_id=c.id,
                response_id=uuid.UUID(sealed),
                question_key="why",
                text="A passage to review.",
                note=payload("quotation_note"),
            )
        )
        # The open consultation's invitation, not answered yet, gets a contact address.
        pending = db.session.scalars(
            select(Invitation).where(Invitation.consultation_id == the_consultation(OPEN_SLUG).id)
        ).one()
        pending.contact = payload("contact")
        assert who is not None
        designation.record_revision(
            c,
            who,
            entry(
                bodies=[payload("body")],
                instrument_reference=payload("reference"),
                note=_en("note"),
                model="other",
                option_key=None,
                model_description=_en("model_description"),
            ),
        )
        revision = db.session.scalars(select(DesignationRevision)).one()
        revision.instrument_link = SCRIPT_LINK
        added = designation.add_recommendation(c, who, _en("recommendation"))
        designation.add_update(
            c, added.id, who, "in_progress", date(2025, 1, 1), _en("update_note")
        )
        db.session.commit()
    return me.email


@dataclass(frozen=True)
class Shown:
    """What a URL answered: its status, type and body."""

    status: int
    mimetype: str
    body: bytes


@pytest.fixture(scope="module")
def shown(_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Shown]]:
    """Every URL of :data:`FIELDS`, fetched once by a member holding every role."""
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("pdfs")
        patch.setattr(render, "_folder", lambda: folder)
        try:
            email = build(_app)
            page = Page(_app.test_client())
            login(page, email)
            urls = {url for displays in FIELDS.values() for url in displays} | {API}
            found = {}
            for url in sorted(urls):
                method, _, path = url.rpartition(" ")
                target = path.format(o=OPEN_SLUG, c=CLOSED_SLUG)
                response = page.post(target, {}) if method == "POST" else page.get(target)
                found[url] = Shown(response.status_code, response.mimetype, response.get_data())
        finally:
            empty_database(_app)
    yield found


def _cases() -> list[tuple[str, str]]:
    return [(field, url) for field, displays in FIELDS.items() for url in displays]


#: Pages where a text would be known to escape its bidi scope (a strict expected failure each:
#: a fix makes the case pass and its marker fail, so that it is taken off this list). None:
#: the report's charts and comparison and the questionnaire's conditions contain each text
#: they put into a sentence (``consult.text.contain_bidi``).
RUNS_ON: dict[tuple[str, str], str] = {}


def _html_cases() -> list[Any]:
    return [
        pytest.param(field, url, marks=pytest.mark.xfail(reason=RUNS_ON[field, url], strict=True))
        if (field, url) in RUNS_ON
        else (field, url)
        for field, url in _cases()
        if field not in CLEANED and "." not in url[-5:]
    ]


@pytest.mark.parametrize(("field", "url"), _cases())
def test_hostile_text_is_inert_wherever_it_is_shown(
    shown: dict[str, Shown], field: str, url: str
) -> None:
    got = shown[url]
    assert got.status == 200, (url, got.status)
    check = {"csv": _csv, "xlsx": _xlsx, "json": _json, "pdf": _pdf}
    check.get(url.rsplit(".", 1)[-1] if "." in url[-5:] else "", _html)(got.body, field)


@pytest.mark.parametrize(("field", "url"), _html_cases())
def test_an_override_ends_where_its_text_ends(
    shown: dict[str, Shown], field: str, url: str
) -> None:
    """Wherever a page shows the text, its closing character comes right after it, before
    any word of the interface (a chart's description and a sentence included)."""
    html = shown[url].body.decode()
    found = list(re.finditer(re.escape(f"{RLO}{field}#"), html))
    assert found, f"{field} is not shown"
    for match in found:
        after = html[match.end() : match.end() + 40]
        assert after.startswith(PDF), f"the override of {field} runs on: {after!r}"


def test_the_api_gives_the_texts_exactly(shown: dict[str, Shown]) -> None:
    for field in ("title", "question_text", "choice_label", "option_title"):
        _json(shown[API].body, field)


def _html(body: bytes, field: str) -> None:
    html = body.decode()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert 'href="javascript:' not in html and "href='javascript:" not in html
    # The field's own markup, escaped, just before it; its override closed just after it.
    ending = f"{field}#" if field in CLEANED else f"{RLO}{field}#{PDF}"
    escaped = {str(escape(MARKUP)), html_escape(MARKUP), html_escape(MARKUP, quote=False)}
    assert any(markup + ending in html for markup in escaped), f"{field} is not shown escaped"
    for match in re.finditer(RLO, html):
        rest = html[match.end() :]
        assert PDF in rest.split("<", 1)[0], f"an override of {field} is left open: {rest[:80]!r}"


def _csv(body: bytes, field: str) -> None:
    cells = [c for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for c in row]
    found = [c for c in cells if f"{field}#" in c]
    assert found, f"{field} is not in the file"
    assert not [c for c in found if c.startswith(FORMULA_STARTS)], found


def _xlsx(body: bytes, field: str) -> None:
    book = load_workbook(io.BytesIO(body))
    found = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and f"{field}#" in cell.value
    ]
    assert found, f"{field} is not in the workbook"
    for cell in found:
        assert cell.data_type == "s" and not cell.value.startswith(FORMULA_STARTS), cell.value


def _json(body: bytes, field: str) -> None:
    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    assert stored(field) in set(strings(json.loads(body))), f"{field} is not exactly in it"


def _pdf(body: bytes, field: str) -> None:
    reader = PdfReader(io.BytesIO(body))
    # Without white space: lines break inside long texts, and extraction drops the spaces.
    text = re.sub(r"\s", "", "".join(page.extract_text() for page in reader.pages))
    # The field printed with its markup, as text, just before it (right to left where the
    # override was kept): a PDF that read the markup as HTML would print none of it.
    printed = re.escape(re.sub(r"\s", "", MARKUP)) + f"[{BIDI}]{{0,2}}"
    printed += f"(?:{re.escape(field)}#|#{re.escape(field[::-1])})"
    assert re.search(printed, text), f"{field} is not printed with its markup as text"
    links = [
        str(annotation.get_object().get("/A", {}).get("/URI", ""))
        for page in reader.pages
        for annotation in page.get("/Annots", []) or []
    ]
    assert not [link for link in links if link and not link.startswith(("http", "#"))], links
