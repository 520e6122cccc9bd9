"""The report PDF: the same numbers in four languages, tagged, fenced, cached.

Rendering takes a moment, so each language is fetched once per module (with hostile text in
every place a person can type), while a spy records every address WeasyPrint asks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult import pdf
from consult.questionnaires.schema import Channel
from consult.reports import render
from consult.reports.models import ReportStatus
from tests.factories import Factory, sample_questionnaire
from tests.paper.test_paper import Paper, empty_database, says
from tests.reports.sample import (
    HOSTILE,
    LANGS,
    SLUG,
    add_response,
    approve_quotation,
    store_report,
)
from tests.reports.test_comparison_page import build, ranked_data, record


@dataclass(frozen=True)
class Rendered:
    papers: dict[str, Paper]
    #: Every address WeasyPrint asked the fetcher for.
    fetched: list[str]


@pytest.fixture(scope="module")
def rendered(_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rendered]:
    fetched: list[str] = []
    real = pdf.StaticFetcher.fetch

    def spy(self: pdf.StaticFetcher, url: str, headers: object = None):  # type: ignore[no-untyped-def]
        fetched.append(url)
        return real(self, url, headers)

    client = _app.test_client()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf.StaticFetcher, "fetch", spy)
        folder = tmp_path_factory.mktemp("pdfs")
        patch.setattr(render, "_folder", lambda: folder)
        try:
            Factory(_app).consultation(
                "acme", SLUG, LANGS, opened=True, questionnaire=sample_questionnaire(LANGS)
            )
            store_report(
                _app, narrative={"en": HOSTILE, "ar": HOSTILE}, limitations={"en": HOSTILE}
            )
            sealed = add_response(_app, Channel.SEALED, {"why": HOSTILE})
            approve_quotation(_app, sealed, HOSTILE)
            add_response(
                _app, Channel.INVITED, {"why": HOSTILE}, organisation="Bar Council", consent=True
            )
            papers = {}
            for lang in LANGS:
                response = client.get(f"/{lang}/c/{SLUG}/report.pdf")
                papers[lang] = Paper(
                    response.status_code, dict(response.headers), response.get_data()
                )
        finally:
            empty_database(_app)
    yield Rendered(papers, fetched)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_says_the_title_and_the_key_numbers(rendered: Rendered, lang: str) -> None:
    paper = rendered.papers[lang]
    assert paper.status == 200
    assert says(paper, f"Title {SLUG} [{lang}]", lang)
    assert says(paper, f"[{lang}] Preferred model", lang)
    text = paper.text
    for number in ("20", "16", "40", "24", "38"):
        assert re.search(rf"(?<!\d){number}(?!\d)", text), number
    assert "50" in text and "63" in text  # shares, written the reader's way
    assert "d" * 64 in unspaced(paper)


@pytest.mark.parametrize("lang", LANGS)
def test_the_pdf_is_tagged_and_in_the_reader_language(rendered: Rendered, lang: str) -> None:
    paper = rendered.papers[lang]
    catalog: Any = paper.reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == lang
    assert paper.headers["Content-Type"] == "application/pdf"
    assert paper.headers["Content-Disposition"] == f'inline; filename="{SLUG}-report-{lang}.pdf"'


def test_contents_give_page_numbers_and_pages_are_numbered(rendered: Rendered) -> None:
    paper = rendered.papers["en"]
    pages = paper.pages
    contents = next(page for page in pages if "Contents" in page)
    found = re.search(r"Methodology\s*\.+\s*(\d+)", contents)
    assert found is not None
    assert "Methodology" in pages[int(found.group(1)) - 1]
    assert f"Page 2 of {len(pages)}" in pages[1]


def test_hostile_text_is_printed_as_text_and_fetches_nothing(rendered: Rendered) -> None:
    assert rendered.fetched  # the stylesheet was asked for
    assert all(url.startswith(f"{pdf.ORIGIN}/static/") for url in rendered.fetched)
    assert says(rendered.papers["en"], "script alert 1 script file etc passwd", "en")
    assert says(rendered.papers["en"], "Bar Council", "en")


def test_a_withdrawn_report_prints_the_notice(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.consultation(
        "acme", SLUG, ("en",), opened=True, questionnaire=sample_questionnaire(("en",))
    )
    store_report(app, status=ReportStatus.WITHDRAWN, reason={"en": "Counted twice."})
    response = client.get(f"/en/c/{SLUG}/report.pdf")
    paper = Paper(response.status_code, dict(response.headers), response.get_data())
    assert paper.status == 200
    assert says(paper, "This report has been withdrawn", "en")
    assert says(paper, "Counted twice.", "en")
    assert "Results, question by question" not in paper.text


def test_a_second_fetch_comes_from_disk(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    make.consultation(
        "acme", SLUG, ("en",), opened=True, questionnaire=sample_questionnaire(("en",))
    )
    store_report(app)
    rendered: list[str] = []
    real = render.html_to_pdf

    def counting(html: str, static_root: Path) -> bytes:
        rendered.append(html)
        return real(html, static_root)

    monkeypatch.setattr(render, "_folder", lambda: tmp_path)
    monkeypatch.setattr(render, "html_to_pdf", counting)
    first = client.get(f"/en/c/{SLUG}/report.pdf")
    again = client.get(f"/en/c/{SLUG}/report.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/en/c/{SLUG}/report.pdf").status_code == 200
    assert len(rendered) == 1
    # Kept on disk, where every worker process (and the next start) finds it.
    [stored] = tmp_path.glob("*.pdf")
    assert stored.read_bytes() == first.get_data()


def test_a_new_designation_revision_or_new_numbers_give_a_new_pdf(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    build(app, make)
    record(app, model="ombuds", option_key="ombuds")
    rendered: list[str] = []
    real = render.html_to_pdf

    def counting(html: str, static_root: Path) -> bytes:
        rendered.append(html)
        return real(html, static_root)

    monkeypatch.setattr(render, "_folder", lambda: tmp_path)
    monkeypatch.setattr(render, "html_to_pdf", counting)

    def fetch() -> Paper:
        return Paper(200, {}, client.get(f"/en/c/{SLUG}/report.pdf").get_data())

    first = fetch()
    assert fetch().data == first.data and len(rendered) == 1
    assert says(first, "as last recorded (revision 1)", "en")

    record(app)  # the State designated another option: revision 2
    second = fetch()
    assert second.data != first.data and len(rendered) == 2
    assert says(second, "as last recorded (revision 2)", "en")
    assert fetch().data == second.data and len(rendered) == 2

    # A new report revision with other numbers, from another dataset.
    store_report(
        app, data=replace(ranked_data(), responses=41), revision=2, dataset_digest="e" * 64
    )
    third = fetch()
    assert third.data != second.data and len(rendered) == 3
    assert says(third, "Responses counted 41", "en") and "e" * 64 in unspaced(third)
    assert not says(second, "Responses counted 41", "en") and "e" * 64 not in unspaced(second)
    assert fetch().data == third.data and len(rendered) == 3
    assert len(list(tmp_path.glob("*.pdf"))) == 3


def unspaced(paper: Paper) -> str:
    """The PDF's text without white space: a long label may push a digest to two lines."""
    return re.sub(r"\s", "", paper.text)
