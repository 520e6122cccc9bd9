"""The public report page and the organisers' preview, from a hand-built ReportData."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.accounts.permissions import Role
from consult.questionnaires.schema import Channel
from consult.reports.models import ReportStatus
from tests.factories import Factory, Member, sample_questionnaire
from tests.helpers import Page, login
from tests.reports.sample import (
    HOSTILE,
    LANGS,
    SLUG,
    add_response,
    approve_quotation,
    store_report,
)

URL = f"/en/c/{SLUG}/report"


@pytest.fixture
def consultation(make: Factory) -> str:
    return make.consultation(
        "acme", SLUG, LANGS, opened=True, questionnaire=sample_questionnaire(LANGS)
    )


def row(html: str, label: str) -> str:
    """The HTML of the first table row headed ``label``."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', html, re.S)
    assert found, label
    return found.group(1)


def cells(html: str, label: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row(html, label), re.S)
    ]


def test_the_page_prints_counts_shares_and_hidden_cells(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Title npm-report [en]" in html
    # Preferred model: 20 and 16 of 40 respondents, the third choice hidden.
    assert cells(html, "[en] choice a") == ["20 (50%)"]
    assert cells(html, "[en] choice b") == ["16 (40%)"]
    assert cells(html, "[en] choice c") == ["hidden"]
    assert 'class="number hidden-cell">hidden</td>' in row(html, "[en] choice c")
    # The guarantee matrix: shares of each guarantee's own respondents (30 of 40).
    assert cells(html, "Functional independence of the mechanism") == [
        "30 (75%)",
        "6 (15%)",
        "hidden",
        "hidden",
        "40",
    ]
    # The chart says the same, and draws no bar for the hidden choice.
    chart = re.search(r'<svg[^>]*aria-labelledby="chart-model-title.*?</svg>', html, re.S)
    assert chart and ">50%<" in chart.group(0) and ">hidden<" in chart.group(0)
    assert chart.group(0).count('class="bar ') == 2
    assert "style=" not in chart.group(0)


def test_the_methodology_states_k_digests_and_what_suppression_does_not_protect(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app)
    html = client.get(URL).get_data(as_text=True)
    assert "Every count smaller than 5 is hidden" in html
    assert "It does not protect against combining different tables" in html
    assert "a hidden count can sometimes be narrowed down" in html
    assert "comparing this report with another, such as an earlier revision" in html
    assert "d" * 64 in html and "a" * 64 in html
    assert "2 responses arrived while their channel was flooded" in html
    assert f'href="/en/c/{SLUG}/privacy"' in html
    assert f'href="/en/c/{SLUG}/report.pdf"' in html


def test_options_and_voices_compare_persons_deprived_of_liberty_with_everyone_else(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app)
    html = client.get(URL).get_data(as_text=True)
    options = html[html.index('id="options"') : html.index('id="results"')]
    assert cells(options, "[en] Ombuds") == ["24 (63%)", "14 (37%)"]
    borda = options[options.index("Borda points") :]
    assert cells(borda, "[en] Ombuds") == ["24 (0.63)", "9 (0.64)", "15 (0.62)"]
    voices = html[html.index('id="voices"') :]
    assert "Persons deprived of liberty" in voices
    assert cells(voices, "[en] choice a") == ["6 (40%)", "14 (56%)"]


def test_every_id_on_the_page_is_unique(app: Flask, client: FlaskClient, consultation: str) -> None:
    """The options ranking is drawn in two sections; its charts must not repeat their ids."""
    store_report(app)
    html = client.get(URL).get_data(as_text=True)
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert "options-chart-ranking-title" in ids and "chart-ranking-title" in ids
    assert [i for i in set(ids) if ids.count(i) > 1] == []


def test_only_approved_quotations_and_consenting_organisations_are_printed(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app)
    sealed = add_response(app, Channel.SEALED, {"why": "The doctor never comes."})
    approve_quotation(app, sealed, "The doctor never comes.")
    add_response(app, Channel.SEALED, {"why": "Not approved at all."})
    add_response(
        app, Channel.INVITED, {"why": "We agree."}, organisation="Bar Council", consent=True
    )
    add_response(
        app, Channel.INVITED, {"why": "Secret view."}, organisation="Ministry", consent=False
    )
    html = client.get(URL).get_data(as_text=True)
    voices = html[html.index('id="voices"') :]
    assert "The doctor never comes." in voices
    assert "Not approved at all." not in html
    annex = html[html.index('id="annex"') :]
    assert "Bar Council" in annex and "We agree." in annex
    assert "Ministry" not in html and "Secret view." not in html


def test_hostile_text_is_escaped_everywhere(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app, narrative={"en": HOSTILE}, limitations={"en": HOSTILE})
    sealed = add_response(app, Channel.SEALED, {"why": HOSTILE})
    approve_quotation(app, sealed, HOSTILE)
    opened = add_response(app, Channel.OPEN, {"why": HOSTILE})
    approve_quotation(app, opened, HOSTILE)
    add_response(app, Channel.INVITED, {"why": HOSTILE}, organisation=HOSTILE, consent=True)
    html = client.get(URL).get_data(as_text=True)
    for raw in ("<script>alert(1)</script>", "<link rel=attachment", "<img src=http://10.0.0.1"):
        assert raw not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 6
    assert 'href="file:' not in html and 'src="http://' not in html


def test_a_withdrawn_report_shows_a_notice_instead_of_the_numbers(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(
        app, status=ReportStatus.WITHDRAWN, reason={"en": "Counted twice <b>by error</b>."}
    )
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This report has been withdrawn" in html
    assert "Withdrawn on March 1, 2027" in html
    assert "Counted twice &lt;b&gt;by error&lt;/b&gt;." in html
    assert "50%" not in html and 'id="results"' not in html


def test_an_unpublished_report_is_not_found(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    assert client.get(URL).status_code == 404
    store_report(app, status=ReportStatus.PREPARED)
    assert client.get(URL).status_code == 404
    assert client.get(f"/en/c/{SLUG}/report.pdf").status_code == 404
    assert client.get("/en/c/no-such-one/report").status_code == 404


def test_the_consultation_and_home_pages_link_the_report(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    assert "/report" not in client.get(f"/fr/c/{SLUG}/").get_data(as_text=True)
    store_report(app)
    assert f'href="/fr/c/{SLUG}/report"' in client.get(f"/fr/c/{SLUG}/").get_data(as_text=True)
    assert f'href="/fr/c/{SLUG}/report"' in client.get("/fr/").get_data(as_text=True)


def test_arabic_page_is_right_to_left_with_mirrored_charts(
    app: Flask, client: FlaskClient, consultation: str
) -> None:
    store_report(app)
    html = client.get(f"/ar/c/{SLUG}/report").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    chart = re.search(r"<svg.*?</svg>", html, re.S)
    assert chart and 'text-anchor="start"' not in chart.group(0)


# The preview -------------------------------------------------------------------------------

PREVIEW = f"/admin/acme/c/{SLUG}/report/1/preview"


@pytest.mark.parametrize("role", [Role.ANALYST, Role.PUBLISHER])
def test_analysts_and_publishers_preview_a_prepared_report(
    app: Flask, page: Page, consultation: str, login_as: Callable[..., Member], role: Role
) -> None:
    store_report(app, status=ReportStatus.PREPARED)
    login_as(role)
    response = page.get(PREVIEW)
    assert response.status_code == 200
    assert "Preview — not published" in page.text
    assert '20 <span class="share">(50%)</span>' in response.get_data(as_text=True)
    assert "no-store" in response.headers["Cache-Control"]
    assert page.get(f"/admin/acme/c/{SLUG}/report/2/preview").status_code == 404


def test_others_may_not_preview(
    app: Flask, make: Factory, client: FlaskClient, consultation: str
) -> None:
    store_report(app, status=ReportStatus.PREPARED)
    assert client.get(PREVIEW).status_code == 302  # to the sign-in page
    trustee = Page(app.test_client())
    login(trustee, make.member("acme", [Role.TRUSTEE]).email)
    assert trustee.get(PREVIEW).status_code == 403
    outsider = Page(app.test_client())
    login(outsider, make.member("other", list(Role)).email)
    assert outsider.get(PREVIEW).status_code == 404
