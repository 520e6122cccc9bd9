"""The demo's published report, as a new user meets it: page, PDF and open data agree.

The demo is loaded once per database for this module; each language's page and PDF are
fetched once, then the tests read what came back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask_babel import force_locale
from openpyxl import load_workbook

from consult import demo
from consult.extensions import db
from consult.reports import services
from consult.reports.compare_view import RESPONDENTS, SENTENCES
from consult.reports.comparison import Alignment
from consult.reports.data import ReportData
from tests.helpers import visible_text
from tests.paper.test_paper import Paper, empty_database, says
from tests.test_demo import the_consultation

SLUG = "demo-npm-first-round"
LANGS = ("en", "fr", "es", "ar")


@dataclass(frozen=True)
class Published:
    data: ReportData
    title: dict[str, str]
    pages: dict[str, str]
    papers: dict[str, Paper]
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def published(_app: Flask) -> Iterator[Published]:
    client = _app.test_client()
    try:
        with _app.app_context():
            demo.load()
            db.session.commit()
            consultation = the_consultation(SLUG)
            data = services.numbers(services.public_report(consultation))
            title = dict(consultation.title)
        pages, papers = {}, {}
        for lang in LANGS:
            page = client.get(f"/{lang}/c/{SLUG}/report")
            assert page.status_code == 200, lang
            pages[lang] = page.get_data(as_text=True)
            paper = client.get(f"/{lang}/c/{SLUG}/report.pdf")
            papers[lang] = Paper(paper.status_code, dict(paper.headers), paper.get_data())
        files = {
            kind: client.get(f"/en/c/{SLUG}/report.{kind}").get_data()
            for kind in ("csv", "json", "xlsx")
        }
        files["api"] = client.get(f"/api/v1/consultations/{SLUG}/report?lang=en").get_data()
    finally:
        empty_database(_app)
    yield Published(data, title, pages, papers, files)


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_and_the_pdf_give_the_title_and_the_responses_counted(
    published: Published, lang: str
) -> None:
    assert published.data.responses is not None
    counted = f"{published.data.responses:,}".replace(",", "")
    text = visible_text(published.pages[lang])
    assert published.title[lang] in text
    assert counted in text
    paper = published.papers[lang]
    assert paper.status == 200 and paper.headers["Content-Type"] == "application/pdf"
    assert says(paper, published.title[lang], lang)
    assert re.search(rf"(?<!\d){counted}(?!\d)", paper.text)


@pytest.mark.parametrize("lang", LANGS)
def test_the_comparison_says_the_designation_departs_in_every_language(
    app: Flask, published: Published, lang: str
) -> None:
    with app.test_request_context(), force_locale(lang):
        sentence = str(SENTENCES[RESPONDENTS, Alignment.DEPARTS])
    verdict = sentence.split("%(preferred)s")[0].rstrip(' («"“')
    assert 'id="designation"' in published.pages[lang]
    assert " ".join(verdict.split()) in " ".join(visible_text(published.pages[lang]).split())
    assert says(published.papers[lang], verdict, lang)


def test_csv_json_xlsx_and_the_api_give_the_numbers_the_page_shows(
    published: Published,
) -> None:
    data = published.data
    assert data.options_question is not None
    options = data.question(data.options_question)
    assert options is not None
    first = options.tables["all"]
    counts = [row[0] for row in first.cells]
    shown = [n for n in counts if n is not None]
    assert shown
    page = visible_text(published.pages["en"])
    for n in shown:
        assert re.search(rf"(?<!\d){n}(?!\d)", page)
    report = _json(published.files["json"])
    assert report == _json(published.files["api"])
    assert report["data"]["responses"] == data.responses
    rows = list(csv.DictReader(io.StringIO(published.files["csv"].decode("utf-8-sig"))))
    assert rows
    csv_counts = {r["value"] for r in rows if r.get("question_key") == data.options_question}
    assert {str(n) for n in shown} <= csv_counts
    book = load_workbook(io.BytesIO(published.files["xlsx"]), read_only=True)
    cells = {
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, int)
    }
    assert set(shown) <= cells


def _json(raw: bytes) -> dict:  # type: ignore[type-arg]
    import json

    found: dict = json.loads(raw)  # type: ignore[type-arg]
    return found
