"""The demo's published report, as a new user meets it: page, PDF and open data agree.

The demo is loaded once per database for this module; each language's page and PDF are
fetched once, then the tests read what came back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from consult import demo
from consult.extensions import db
from consult.reports import services
from consult.reports.compare_view import RESPONDENTS, SENTENCES
from consult.reports.comparison import Alignment
from consult.reports.data import ReportData, to_dict
from tests.helpers import visible_text
from tests.paper.test_paper import Paper, empty_database, says
from tests.reports.test_exports import by_key, cells, csv_lines, xlsx_data
from tests.test_demo import the_consultation

SLUG = "demo-npm-first-round"
LANGS = ("en", "fr", "es", "ar")
#: Key of the demo question ranking the NPM options.
OPTIONS = "ranking"


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
    # The key numbers: how many ranked each option first, in the page and in the PDF.
    options = published.data.question(OPTIONS)
    assert options is not None
    first = [row[0] for row in options.tables["all"].cells if row[0] is not None]
    assert first
    for n in first:
        assert re.search(rf"(?<!\d){n}(?!\d)", text), n
        assert re.search(rf"(?<!\d){n}(?!\d)", paper.text), n


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


def test_every_count_the_page_shows_is_the_count_csv_gives(published: Published) -> None:
    assert published.data.options_question == OPTIONS
    lines = csv_lines(published.files["csv"])
    values = {_labels(line): line["value"] for line in lines}
    columns: dict[tuple[str, str, str], set[str]] = {}
    for line in lines:
        columns.setdefault(_labels(line)[:3], set()).add(line["column"])
    questions = {line["question"] for line in lines if line["question"]}
    compared: set[tuple[str, str, str]] = set()
    question = ""  # the participation tables come first
    for table in report_tables(published.pages["en"]):
        question = table.caption if table.caption in questions else question
        measure = "borda_points" if table.caption == BORDA_CAPTION else "count"
        for row, texts in table.rows:
            for column, text in zip(table.columns, texts, strict=True):
                dimension = _dimension(columns, (question, measure), table, column)
                if dimension is None:
                    continue  # a table of the designation section, or a row total
                key = (question, dimension, measure, row, column)
                assert _count(text) == values[key], key
                compared.add(key[:3])
    # Every question and the participation: each table, and the Borda points of the options
    # overall and by group (the page leaves the other points to the files).
    options = {line["question"] for line in lines if line["question_key"] == OPTIONS}
    tables = {key for key in columns if key[2] == "count"}
    borda = {key for key in columns if key[0] in options and key[1:] in BORDA_TABLES}
    assert tables | borda == compared


def test_csv_json_xlsx_and_the_api_give_the_same_numbers(published: Published) -> None:
    data = published.data
    from_csv = by_key(csv_lines(published.files["csv"]))
    from_xlsx = by_key(xlsx_data(published.files["xlsx"]))
    report = _json(published.files["json"])
    assert report == _json(published.files["api"])
    assert report["data"] == to_dict(data)
    assert from_csv.keys() == from_xlsx.keys()
    for key, line in from_csv.items():
        value = from_xlsx[key]["value"]
        if value is None:
            assert line["value"] == "", key
        elif isinstance(value, float) or line["measure"] in DECIMALS:  # four decimals in CSV
            assert float(line["value"]) == pytest.approx(value, abs=5e-5), key
        else:
            assert line["value"] == str(value), key
    for question, dimension, t, i, j in cells(data):
        key = (question, dimension, "count", t.rows[i], t.columns[j])
        assert from_csv[key]["value"] == ("" if t.cells[i][j] is None else str(t.cells[i][j]))
    assert from_csv[("", "all", "responses", "all", "all")]["value"] == str(data.responses)


#: Measures the workbook may write as whole numbers (2.0 is 2) and the CSV with decimals.
DECIMALS = ("borda_average", "mean", "median")
#: Caption of the Borda table on the English page, and the dimensions it shows.
BORDA_CAPTION = "Borda points (mean per respondent)"
BORDA_TABLES = {
    ("All respondents", "borda_points"),
    ("Persons deprived of liberty and everyone else", "borda_points"),
}


@dataclass
class PageTable:
    """A table as the reader sees it: caption, column headers, labelled rows of cell texts."""

    caption: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple[str, list[str]]] = field(default_factory=list)


class _TableReader(HTMLParser):
    """Reads every ``<table>`` of a page; ``<tfoot>`` rows are totals and are left out."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[PageTable] = []
        self.part = ""
        self.text: list[str] | None = None
        self.row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append(PageTable())
        elif tag in ("thead", "tbody", "tfoot"):
            self.part = tag
        elif tag == "tr":
            self.row = []
        elif tag in ("caption", "th", "td"):
            self.text = []

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("caption", "th", "td") and self.text is not None:
            text = " ".join("".join(self.text).split())
            self.text = None
            if tag == "caption":
                self.tables[-1].caption = text
            else:
                self.row.append(text)
        elif tag == "tr" and self.tables:
            if self.part == "thead":
                self.tables[-1].columns = self.row[1:]
            elif self.part == "tbody":
                self.tables[-1].rows.append((self.row[0], self.row[1:]))


def report_tables(html: str) -> list[PageTable]:
    reader = _TableReader()
    reader.feed(html)
    return reader.tables


def _labels(line: dict[str, str]) -> tuple[str, str, str, str, str]:
    return (line["question"], line["dimension_label"], line["measure"], line["row"], line["column"])


def _dimension(
    columns: dict[tuple[str, str, str], set[str]],
    where: tuple[str, str],
    table: PageTable,
    column: str,
) -> str | None:
    """The dimension (its label, as in the CSV) of a page table's column.

    Breakdowns and participation tables are captioned with their dimension; a question's own
    tables (overall, and the options' first choices by group) and the Borda table are told
    apart by their columns.
    """
    question, measure = where
    if (question, table.caption, measure) in columns:
        found = [table.caption] if column in columns[question, table.caption, measure] else []
    else:
        found = [d for (q, d, m), names in columns.items() if (q, m) == where and column in names]
        if measure == "count":  # the Borda table puts the overall and group columns side by side
            every = set().union(*(n for (q, _d, m), n in columns.items() if (q, m) == where))
            shown = set(table.columns) & every  # less a total column ("Respondents")
            found = [d for d in found if shown <= columns[question, d, measure]]
    return found[0] if len(found) == 1 else None


def _count(text: str) -> str:
    """A cell as CSV writes it: the count without its share, empty where hidden."""
    if text == "hidden":
        return ""
    return text.split(" (")[0].replace(",", "")


def _json(raw: bytes) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(raw)
    return found
