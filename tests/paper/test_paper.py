"""Paper questionnaires: the PDFs say the questions, in each language, with the version code.

Rendering takes a fraction of a second per PDF, so the consultation in four languages is
rendered once per module (standard in four languages, easy-read in English and Arabic) and
every test reads those same PDFs.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import delete, select

from consult.accounts.permissions import Role
from consult.config import ROOT
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.paper import render
from consult.paper.render import NOT_A_COMPLAINT, StaticFetcher, URLRefused
from consult.questionnaires.schema import Channel, Questionnaire
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login

LANGS = ("en", "fr", "es", "ar")
EASY_LANGS = ("en", "ar")
SLUG = "npm-paper"
ARABIC_QUESTION = "ما هو النموذج الذي تفضله"
EASY = {code: f"[{code}] Which one do you like best?" for code in LANGS} | {
    "ar": "[ar] أي واحد تحب أكثر"
}
EASY_CHOICE = {code: f"[{code}] The first one" for code in LANGS}


def questionnaire() -> Questionnaire:
    """The sample questionnaire, with an Arabic question and easy-read wordings."""
    document = sample_questionnaire(LANGS)
    model = document.question("model")
    assert model is not None
    model.text["ar"] = f"[ar] {ARABIC_QUESTION}؟"
    model.easy = dict(EASY)
    model.choices[0].easy = dict(EASY_CHOICE)
    return document


@dataclass(frozen=True)
class Paper:
    """One fetched paper form."""

    status: int
    headers: dict[str, str]
    data: bytes

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(io.BytesIO(self.data))

    @cached_property
    def pages(self) -> list[str]:
        """Each page's text, NFKC-normalised (Arabic presentation forms become letters)."""
        return [unicodedata.normalize("NFKC", page.extract_text()) for page in self.reader.pages]

    @cached_property
    def text(self) -> str:
        return "\n".join(self.pages)


def words(text: str) -> list[str]:
    """Runs of letters and runs of digits: pypdf may glue a number to the word beside it."""
    return re.findall(r"[^\W\d_]+|\d+", unicodedata.normalize("NFKC", text).casefold())


def says(paper: Paper, expected: str, lang: str) -> bool:
    """Whether the PDF's text contains ``expected``, compared loosely.

    Left to right, the words must follow each other. Right to left, pypdf may give runs of
    Latin letters and numbers in visual order, so each word must be there (as often).
    """
    found = words(paper.text)
    if lang == "ar":
        return not Counter(words(expected)) - Counter(found)
    return "".join(words(expected)) in "".join(found)


def empty_database(app: Flask) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(delete(table))
        db.session.commit()


@dataclass(frozen=True)
class Forms:
    """The paper forms of one consultation, and the version code it was opened with."""

    papers: dict[tuple[str, bool], Paper]
    code: str


@pytest.fixture(scope="module")
def forms(_app: Flask) -> Forms:
    """Each form fetched once: standard in every language, easy-read in ``EASY_LANGS``."""
    client = _app.test_client()
    papers = {}
    try:
        Factory(_app).consultation("acme", SLUG, LANGS, opened=True, questionnaire=questionnaire())
        for lang in LANGS:
            for easy in (False, True) if lang in EASY_LANGS else (False,):
                response = client.get(f"/{lang}/c/{SLUG}/paper.pdf{'?easy=1' if easy else ''}")
                papers[lang, easy] = Paper(
                    response.status_code, dict(response.headers), response.get_data()
                )
        with _app.app_context():
            version = db.session.scalar(
                select(Consultation.version).where(Consultation.slug == SLUG)
            )
    finally:
        empty_database(_app)  # the tests of this module that use `app` expect it empty
    assert version is not None
    return Forms(papers, version[: render.CODE_LENGTH])


@pytest.fixture(scope="module")
def papers(forms: Forms) -> dict[tuple[str, bool], Paper]:
    return forms.papers


@pytest.fixture(scope="module")
def code(forms: Forms) -> str:
    return forms.code


# What the forms say ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_asks_every_question_of_the_assisted_channel(
    papers: dict[tuple[str, bool], Paper], lang: str
) -> None:
    paper = papers[lang, False]
    assert paper.status == 200
    for question in questionnaire().for_channel(Channel.ASSISTED):
        assert says(paper, question.text[lang], lang), question.key


@pytest.mark.parametrize("lang", LANGS)
def test_every_page_carries_the_version_code(
    papers: dict[tuple[str, bool], Paper], code: str, lang: str
) -> None:
    pages = papers[lang, False].pages
    assert len(pages) > 1
    assert all(code in page for page in pages)
    assert re.fullmatch(r"[0-9a-f]{12}", code)


@pytest.mark.parametrize("lang", LANGS)
def test_the_form_says_it_is_not_a_complaint_channel(
    app: Flask, papers: dict[tuple[str, bool], Paper], lang: str
) -> None:
    with app.test_request_context(f"/{lang}/"):
        sentence = str(NOT_A_COMPLAINT)  # in the UI language, translated or not yet
    assert says(papers[lang, False], sentence, lang)


@pytest.mark.parametrize("lang", EASY_LANGS)
def test_the_easy_read_form_uses_the_easy_wording(
    papers: dict[tuple[str, bool], Paper], code: str, lang: str
) -> None:
    standard, easy = papers[lang, False], papers[lang, True]
    document = questionnaire()
    model = document.question("model")
    assert model is not None
    assert says(easy, EASY[lang], lang) and not says(standard, EASY[lang], lang)
    assert says(standard, model.text[lang], lang) and not says(easy, model.text[lang], lang)
    if lang != "ar":  # a choice's easy wording, where the question has none
        assert says(easy, EASY_CHOICE[lang], lang) and not says(standard, EASY_CHOICE[lang], lang)
    # Larger type and more space: the same questions take more pages.
    assert len(easy.pages) > len(standard.pages)
    assert all(code in page for page in easy.pages)


def test_arabic_comes_out_in_arabic_letters(papers: dict[tuple[str, bool], Paper]) -> None:
    text = papers["ar", False].text
    letters = "".join(words(ARABIC_QUESTION))
    found = "".join(words(text))
    assert letters in found or letters[::-1] in found
    assert papers["ar", False].reader.trailer["/Root"]["/Lang"] == "ar"


@pytest.mark.parametrize(("lang", "easy"), [("en", False), ("ar", True)])
def test_the_pdf_is_tagged_for_accessibility(
    papers: dict[tuple[str, bool], Paper], lang: str, easy: bool
) -> None:
    catalog = papers[lang, easy].reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    assert catalog["/MarkInfo"]["/Marked"].value is True


def test_the_pdf_is_a_public_inline_document(papers: dict[tuple[str, bool], Paper]) -> None:
    standard, easy = papers["en", False], papers["ar", True]
    assert standard.headers["Content-Type"] == "application/pdf"
    assert standard.data.startswith(b"%PDF-")
    assert standard.headers["Content-Disposition"] == f'inline; filename="{SLUG}-en.pdf"'
    assert easy.headers["Content-Disposition"] == f'inline; filename="{SLUG}-ar-easy.pdf"'
    cache = standard.headers["Cache-Control"]
    assert "public" in cache and "no-store" not in cache


# Who may fetch which form ------------------------------------------------------------------


def test_drafts_and_unknown_consultations_are_not_found(client: FlaskClient, make: Factory) -> None:
    make.consultation("acme", "draft-one", LANGS, questionnaire=questionnaire())
    assert client.get("/en/c/draft-one/paper.pdf").status_code == 404
    assert client.get("/en/c/no-such-one/paper.pdf").status_code == 404
    assert client.get("/xx/c/draft-one/paper.pdf").status_code == 404


def test_organisers_may_print_their_draft_marked_as_such(
    app: Flask, make: Factory, page: Page, login_as: Callable[..., object]
) -> None:
    make.consultation("acme", "draft-one", ("en",), questionnaire=sample_questionnaire(("en",)))
    login_as(Role.ORGANISER)
    response = page.get("/en/c/draft-one/paper.pdf")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    paper = Paper(200, dict(response.headers), response.get_data())
    assert says(paper, "Draft: not for use in visits", "en")

    outsider = Page(app.test_client())
    login(outsider, make.member("other", [Role.OWNER]).email)
    assert outsider.get("/en/c/draft-one/paper.pdf").status_code == 404


def test_no_form_where_the_assisted_channel_asks_nothing(
    client: FlaskClient, make: Factory
) -> None:
    document = sample_questionnaire(("en",))
    for question in document.questions():
        question.channels = [Channel.OPEN.value]
    make.consultation("acme", "web-only", ("en",), opened=True, questionnaire=document)
    assert client.get("/en/c/web-only/paper.pdf").status_code == 404
    assert "paper.pdf" not in client.get("/en/c/web-only/").get_data(as_text=True)


def test_the_consultation_page_links_both_forms(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    make.consultation("acme", SLUG, LANGS, opened=True)
    html = client.get(f"/fr/c/{SLUG}/").get_data(as_text=True)
    assert f'href="/fr/c/{SLUG}/paper.pdf"' in html
    assert f'href="/fr/c/{SLUG}/paper.pdf?easy=1"' in html


def test_a_content_language_the_interface_lacks(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Content in Georgian, interface in the fallback language; the second fetch is cached."""
    make.consultation("acme", "npm-ka", ("en", "ka"), opened=True)
    real = render.html_to_pdf
    rendered: list[str] = []

    def counting(html: str, static_root: Path) -> bytes:
        rendered.append(html)
        return real(html, static_root)

    monkeypatch.setattr(render, "_cache", OrderedDict())  # another backend's run rendered it
    monkeypatch.setattr(render, "html_to_pdf", counting)
    response = client.get("/ka/c/npm-ka/paper.pdf")
    assert response.status_code == 200
    paper = Paper(200, dict(response.headers), response.get_data())
    assert says(paper, "[ka] Preferred model", "ka")
    with app.test_request_context("/en/"):
        assert says(paper, str(NOT_A_COMPLAINT), "en")
    assert paper.reader.trailer["/Root"]["/Lang"] == "en"
    assert response.headers["Content-Disposition"] == 'inline; filename="npm-ka-ka.pdf"'

    again = client.get(
        "/ka/c/npm-ka/paper.pdf", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert len(rendered) == 1


# The URL fetcher ---------------------------------------------------------------------------


@pytest.fixture
def fetcher() -> StaticFetcher:
    return StaticFetcher(ROOT / "static")


def test_the_fetcher_serves_the_paper_stylesheet(fetcher: StaticFetcher) -> None:
    response = fetcher.fetch(f"{render.ORIGIN}/static/css/paper.css")
    try:
        assert response.content_type == "text/css"
        assert response.read() == (ROOT / "static" / "css" / "paper.css").read_bytes()
    finally:
        response.close()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.org/x.png",
        "https://example.org/static/css/paper.css",
        "data:text/css,body{color:red}",
        f"{render.ORIGIN}/etc/passwd",
        f"{render.ORIGIN}/static/../consult/config.py",
        f"{render.ORIGIN}/static/%2e%2e/%2e%2e/etc/passwd",
        f"{render.ORIGIN}/static//etc/passwd",
        f"{render.ORIGIN}/static/%2Fetc/passwd",
        "https://user@consult.invalid/static/css/paper.css",
        f"{render.ORIGIN}/static/css/no-such.css",
        f"{render.ORIGIN}/static/css",
        "http://consult.invalid/static/css/paper.css",
    ],
)
def test_the_fetcher_refuses_everything_else(fetcher: StaticFetcher, url: str) -> None:
    with pytest.raises(URLRefused):
        fetcher.fetch(url)


def test_the_fetcher_refuses_a_link_out_of_the_static_folder(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.css"
    secret.write_text("body {}")
    (static / "out.css").symlink_to(secret)
    with pytest.raises(URLRefused):
        StaticFetcher(static).fetch(f"{render.ORIGIN}/static/out.css")
