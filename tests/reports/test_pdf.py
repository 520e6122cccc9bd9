"""The report PDF: the same numbers in four languages, tagged, fenced, cached.

Rendering takes a moment, so each language is fetched once per module (with hostile text in
every place a person can type), while a spy records every address WeasyPrint asks for.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PageObject
from pypdf.generic import DictionaryObject

from consult import pdf
from consult.questionnaires.schema import Channel
from consult.reports import render
from consult.reports.models import ReportStatus
from tests.factories import Factory, sample_questionnaire
from tests.paper.test_paper import Paper, empty_database, says, words
from tests.reports.designated import build, ranked_data, record
from tests.reports.sample import (
    HOSTILE,
    LANGS,
    SLUG,
    add_response,
    approve_quotation,
    store_report,
)


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
    app: Flask, client: FlaskClient, make: Factory, pdf_renders: list[str], tmp_path: Path
) -> None:
    make.consultation(
        "acme", SLUG, ("en",), opened=True, questionnaire=sample_questionnaire(("en",))
    )
    store_report(app)
    rendered = pdf_renders
    first = client.get(f"/en/c/{SLUG}/report.pdf")
    again = client.get(f"/en/c/{SLUG}/report.pdf", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/en/c/{SLUG}/report.pdf").status_code == 200
    assert len(rendered) == 1
    # Kept on disk, where every worker process (and the next start) finds it.
    [stored] = tmp_path.glob("*.pdf")
    assert stored.read_bytes() == first.get_data()


def test_a_new_designation_revision_or_new_numbers_give_a_new_pdf(
    app: Flask, client: FlaskClient, make: Factory, pdf_renders: list[str], tmp_path: Path
) -> None:
    build(app, make)
    record(app, model="ombuds", option_key="ombuds")
    rendered = pdf_renders

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


# Right to left ------------------------------------------------------------------------------

#: Side margins of the report's pages (static/css/report.css: ``margin: 20mm 16mm 22mm``).
MARGIN = 16 * 72 / 25.4
#: Well away from a margin: a line this far from it does not keep to it.
AWAY = 36
#: The methodology's headings, in order: short lines, so they show the side they keep to.
#: Between the last two, the paragraphs on hiding small numbers.
HEADINGS = (
    "Methodology",
    "Who answered",
    "What we record",
    "Small numbers are hidden",
    "Checking this report",
)


@dataclass(frozen=True)
class Line:
    """What a page prints on one baseline: its pieces of text from left to right, and where
    its glyphs start and end (in points from the left edge of the page)."""

    pieces: tuple[str, ...]
    start: float
    end: float

    def reads(self, text: str) -> bool:
        """Whether the line is ``text``, word for word (in any order, as bidi may set it)."""
        return sorted(words(" ".join(self.pieces))) == sorted(words(text))


@dataclass(frozen=True)
class Methodology:
    """Where the methodology page of a report PDF prints its lines."""

    width: float
    #: The lines of :data:`HEADINGS`, in order.
    headings: list[Line]
    #: The lines that say what hiding small numbers does and does not protect.
    suppression: list[Line]
    #: The line that says who organised the consultation.
    organiser: Line


def methodology(app: Flask, paper: Paper, lang: str) -> Methodology:
    """The lines of the page that has every heading of the methodology in ``lang``."""
    with app.test_request_context(), force_locale(lang):
        headings = [_(heading) for heading in HEADINGS]
        organised_by = _("Organised by")
    for page in paper.reader.pages:
        found = lines(page)
        places = [next((n for n, line in enumerate(found) if line.reads(h)), -1) for h in headings]
        if -1 not in places:
            return Methodology(
                float(page.mediabox.width),
                [found[n] for n in places],
                found[places[-2] + 1 : places[-1]],
                next(line for line in found if organised_by in " ".join(line.pieces)),
            )
    raise AssertionError(f"no page of the {lang} PDF has every heading of the methodology")


def lines(page: PageObject) -> list[Line]:
    """The page's lines, top to bottom, measured with the glyph widths of its fonts.

    WeasyPrint places each run of text with ``Tm`` and shows it with ``TJ`` (a mark above a
    letter takes a ``TJ`` of its own): the pen moves on from one to the next.
    """
    resources: Any = page["/Resources"]
    fonts = {name: _widths(font.get_object()) for name, font in resources["/Font"].items()}
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    texts: dict[int, list[tuple[float, str]]] = defaultdict(list)
    pen: dict[str, Any] = {}

    def operation(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"Tf":
            pen.update(font=fonts[args[0]], size=float(args[1]))
        elif op == b"Tm":
            pen["x"], pen["y"] = _place(cm, [float(a) for a in args])
        elif op in (b"TJ", b"Tj"):
            start = pen["x"]
            pen["x"] += _advance(args[0], pen["font"], pen["size"]) * cm[0]
            spans[pen["y"]].append((start, pen["x"]))

    def text(found: str, cm: list[float], tm: list[float], *_: object) -> None:
        if found.strip():
            x, y = _place(cm, tm)
            texts[y].append((x, found.strip()))

    page.extract_text(visitor_operand_before=operation, visitor_text=text)
    return [
        Line(
            tuple(piece for _, piece in sorted(texts[y])),
            min(start for start, _ in spans[y]),
            max(end for _, end in spans[y]),
        )
        for y in sorted(spans, reverse=True)  # PDF's y runs up the page
        if texts[y]
    ]


def _place(cm: list[float], tm: list[float]) -> tuple[float, int]:
    """Where the text matrix puts the pen on the page: x, and the baseline to the point."""
    x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
    return x, round(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])


def _widths(font: DictionaryObject) -> tuple[dict[int, float], float]:
    """The advance widths, by glyph, of a font as WeasyPrint embeds it (Type0, Identity-H),
    in thousandths of the font size; and the width of glyphs not listed."""
    assert font["/Encoding"] == "/Identity-H"
    descendants: Any = font["/DescendantFonts"]
    glyphs = descendants[0].get_object()
    found: dict[int, float] = {}
    w, i = list(glyphs.get("/W", [])), 0
    while i < len(w):
        if isinstance(w[i + 1], list):  # first [width width ...]
            found.update({int(w[i]) + n: float(v) for n, v in enumerate(w[i + 1])})
            i += 2
        else:  # first last width
            found.update(dict.fromkeys(range(int(w[i]), int(w[i + 1]) + 1), float(w[i + 2])))
            i += 3
    return found, float(glyphs.get("/DW", 1000))


def _advance(shown: Any, widths: tuple[dict[int, float], float], size: float) -> float:
    """How far a TJ or Tj operand moves the pen, in text space units."""
    table, default = widths
    total = 0.0
    for item in shown if isinstance(shown, list) else [shown]:
        if isinstance(item, int | float):  # a kerning adjustment
            total -= float(item)
        else:
            raw = item if isinstance(item, bytes) else item.get_original_bytes()
            total += sum(
                table.get(int.from_bytes(raw[n : n + 2]), default) for n in range(0, len(raw), 2)
            )
    return total * size / 1000


def test_the_arabic_pdf_is_laid_out_right_to_left(_app: Flask, rendered: Rendered) -> None:
    """Arabic lines end at the right margin, English ones start at the left margin.

    Laid out left to right, the Arabic headings would start at the left margin and the
    paragraphs' last lines would stop short of the right one.
    """
    en, ar = (methodology(_app, rendered.papers[lang], lang) for lang in ("en", "ar"))
    assert en.width == ar.width == pytest.approx(595.28, abs=0.01)  # A4
    right = ar.width - MARGIN
    assert len(en.suppression) >= 5 and len(ar.suppression) >= 5  # three paragraphs
    for line in en.headings:
        assert line.start == pytest.approx(MARGIN, abs=1) and line.end < right - AWAY
    for line in ar.headings:
        assert line.end == pytest.approx(right, abs=1) and line.start > MARGIN + AWAY, line
    assert all(line.start == pytest.approx(MARGIN, abs=1) for line in en.suppression)
    assert all(line.end == pytest.approx(right, abs=1) for line in ar.suppression)
    # Each paragraph's last line is short: it stops away from the margin opposite.
    assert any(line.end < right - AWAY for line in en.suppression)
    assert any(line.start > MARGIN + AWAY for line in ar.suppression)


def test_the_arabic_pdf_puts_each_fact_to_the_right_of_its_value(
    _app: Flask, rendered: Rendered
) -> None:
    en, ar = (methodology(_app, rendered.papers[lang], lang) for lang in ("en", "ar"))
    with _app.test_request_context():
        assert _("Organised by") in en.organiser.pieces[0]
        with force_locale("ar"):
            assert _("Organised by") in ar.organiser.pieces[-1]
