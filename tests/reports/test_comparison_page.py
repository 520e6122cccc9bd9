"""The report's designation section: the latest revision against what the consultation said.

A hand-built report ranks three options; the State designated the one ranked last, so the
designation *departs* from what respondents, and persons deprived of liberty, preferred.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from flask_babel import gettext as _

from consult.extensions import db
from consult.reports import render, services
from consult.reports.compare_view import web_link
from consult.reports.designation_models import DesignationRevision
from tests.factories import Factory
from tests.paper.test_paper import Paper, empty_database, says
from tests.reports.designated import (
    OPTIONS,
    build,
    designated,
    ranked_data,
    recommend,
    record,
)
from tests.reports.sample import HOSTILE, LANGS, SLUG, table
from tests.reports.sample import the_consultation as consultation

URL = f"/en/c/{SLUG}/report"
#: What the sentences name: the option each group put first.
OMBUDS, NEW_BODY = "[en] Ombuds", "[en] New body"


@pytest.fixture
def report(app: Flask, make: Factory) -> None:
    designated(app, make)


def section(html: str) -> str:
    found = re.search(r'<section id="designation">(.*?)</section>', html, re.S)
    assert found, "no designation section"
    return found.group(1)


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def rows(html: str, table: str) -> list[list[str]]:
    """The rows of the section's table of class ``table``, each as its cells' text."""
    found = re.search(rf'<table class="[^"]*\b{table}\b.*?</table>', html, re.S)
    assert found, table
    return [
        [plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S)[1:]
    ]


def page(client: FlaskClient, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


# The page ----------------------------------------------------------------------------------


def test_a_designation_that_departs_says_so_overall_and_for_persons_deprived_of_liberty(
    client: FlaskClient, report: None
) -> None:
    html = page(client)
    text = plain(section(html))
    overall = f"The designation departs from what respondents preferred (they put {OMBUDS} first)."
    deprived = (
        "The designation departs from what persons deprived of liberty preferred "
        f"(they put {NEW_BODY} first)."
    )
    assert overall in text and deprived in text
    standing = rows(section(html), "standings")
    assert standing[0] == ["All respondents", "3", "20%", "24", "3", overall]
    assert standing[1] == ["Persons deprived of liberty", "3", "0%", "9", "3", deprived]
    # Everyone else: the designated option's first choices are hidden, so is its place.
    assert standing[2][:5] == ["Everyone else", "hidden", "hidden", "15", "3"]
    assert standing[2][5].startswith("Not known")
    # Stakeholder categories: persons deprived of liberty first, whatever the table's order.
    assert [r[0] for r in standing[3:]] == [
        "Person deprived of liberty",
        "Civil society organisation",
    ]
    assert standing[3][5] == deprived
    assert 'class="number hidden-cell">hidden</td>' in section(html)


def test_the_section_shows_the_latest_revision_and_is_in_the_contents(
    client: FlaskClient, report: None
) -> None:
    html = page(client)
    contents = re.search(r'<nav class="report-contents".*?</nav>', html, re.S)
    assert contents is not None
    anchors = re.findall(r'href="#([a-z]+)"', contents.group(0))
    assert anchors.index("designation") == anchors.index("voices") + 1
    assert html.index('id="voices"') < html.index('id="designation"')
    text = plain(section(html))
    assert "revision 2" in text
    assert "June 1, 2025" in text and "Law adopted by parliament" in text
    assert "Office of the Ombudsperson" in text and "Prison Inspectorate" in text
    assert "Several existing bodies, one coordinating" in text and "[en] Several bodies" in text
    assert "Police custody, Prison" in text and "Designated by law." in text
    link = '<a href="https://example.org/law-12" rel="nofollow noopener">'
    assert link in section(html)


def test_a_verdict_is_given_without_naming_an_option_hidden_numbers_keep_unknown(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    """Nobody in civil society put the designated option (several bodies) first, and its other
    first choices are hidden: whichever option came first, it is above the designated one by
    half or more, so the designation departs; which option that is, nobody can say."""
    data = ranked_data()
    ranking = data.question("ranking")
    assert ranking is not None
    ranking.tables["category"] = table(
        OPTIONS,
        ["civil_society", "deprived_of_liberty"],
        [[None, 6], [None, 9], [0, 0]],
        [25, 15],
    )
    build(app, make, data)
    record(app)
    html = section(page(client))
    civil_society = rows(html, "standings")[4]
    assert civil_society == [
        "Civil society organisation",
        "3",
        "0%",
        "15",
        "3",
        "The designation departs from what this group preferred.",
    ]
    assert "put first" not in plain(html) and "put  first" not in plain(html)


def test_without_a_revision_there_is_no_section(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    build(app, make)
    html = page(client)
    assert 'id="designation"' not in html and 'href="#designation"' not in html


def test_a_designation_outside_the_options_consulted(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    build(app, make)
    record(app, model="other", option_key=None, model_description={"en": "A joint body."})
    html = section(page(client))
    text = plain(html)
    assert "Option of the consultation Outside the options consulted" in text
    assert "A joint body." in text
    standing = rows(html, "standings")
    assert standing[0][:5] == ["All respondents", "—", "—", "—", "—"]
    assert standing[0][5] == (
        f"The designation is outside the options consulted; respondents put {OMBUDS} first."
    )
    assert standing[1][5] == (
        "The designation is outside the options consulted; persons deprived of liberty put "
        f"{NEW_BODY} first."
    )


def test_guarantees_asked_for_are_held_against_the_founding_text(
    client: FlaskClient, report: None
) -> None:
    html = section(page(client))
    assert (
        "1 guarantee that most respondents asked for is not provided by the founding text:"
        in plain(html)
    )
    guarantees = {r[0]: r[1:] for r in rows(html, "guarantees")}
    assert guarantees["Functional independence of the mechanism"] == [
        "18(1)",
        "75%",
        "Yes",
        "Absent",
        "—",
        "Gap",
    ]
    assert guarantees["The necessary resources"] == [
        "18(3)",
        "38%",
        "No",
        "Guaranteed in the founding text",
        "Art. 9",
        "",
    ]
    # A guarantee the questionnaire did not ask about still shows what the law says.
    assert guarantees["Privileges and immunities of the members"][1:3] == ["not asked", "—"]
    assert '<tr class="gap">' in html


def test_a_guarantee_asked_for_but_not_recorded_is_never_called_a_gap(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    """``unknown`` is the form's default: a publisher who records nothing about a guarantee
    has not said the text lacks it, so the report says it is not recorded."""
    build(app, make)
    record(
        app,
        guarantees={"functional_independence": ("unknown", ""), "resources": ("in_law", "Art. 9")},
    )
    html = section(page(client))
    text = plain(html)
    assert "not provided by the founding text" not in text
    assert (
        "For 1 guarantee that most respondents asked for, what the founding text provides has "
        "not been recorded: Functional independence of the mechanism"
    ) in text
    guarantees = {r[0]: r[1:] for r in rows(html, "guarantees")}
    assert guarantees["Functional independence of the mechanism"] == [
        "18(1)",
        "75%",
        "Yes",
        "Unknown",
        "—",
        "Not recorded",
    ]
    assert '<tr class="gap">' not in html
    block = client.get(f"/en/c/{SLUG}/report.json").get_json()["designation"]
    statuses = {g["key"]: (g["status"], g["gap"]) for g in block["guarantees"]}
    assert statuses["functional_independence"] == ("unknown", False)


def test_stages_are_reached_pending_or_skipped_in_order(client: FlaskClient, report: None) -> None:
    stages = rows(section(page(client)), "stages")
    assert stages[0] == ["OPCAT ratified or acceded to", "Reached", "January 1, 2020"]
    states = {label: state for label, state, _day in stages}
    assert states["Obligations postponed under article 24"] == "Not reached yet"
    assert states["Bill tabled in parliament"] == "Skipped"
    assert states["Law or other legal basis adopted"] == "Reached"
    assert states["First visits carried out"] == "Not reached yet"
    assert stages[-1][0] == "First annual report published"


def test_recommendations_show_where_they_stand_and_what_came_before(
    client: FlaskClient, report: None
) -> None:
    html = section(page(client))
    items = re.findall(r"<li>(.*?)</li>", html.split('<ol class="recommendations">')[1], re.S)
    first, second = plain(items[0]), plain(items[1])
    assert first.startswith("Create an independent mechanism. Adopted · as of September 1, 2025")
    assert "Law adopted." in first
    assert "January 1, 2024 No response from the authorities —" in first
    assert "March 1, 2025 In progress A bill was tabled." in first
    assert second == "Fund it. No update yet"


def test_the_history_lists_each_revision_and_what_changed(
    client: FlaskClient, report: None
) -> None:
    history = rows(section(page(client)), "revisions")
    assert [r[0] for r in history] == ["2", "1"]
    assert history[0][3] == "Model, Option of the consultation"
    assert history[1][3] == "First record"


@pytest.mark.parametrize("lang", LANGS)
def test_the_section_renders_in_every_language(
    app: Flask, client: FlaskClient, report: None, lang: str
) -> None:
    html = page(client, f"/{lang}/c/{SLUG}/report")
    with app.test_request_context(), force_locale(lang):
        heading = _("The designation and what the consultation said")
    assert f"<h2>{heading}</h2>" in html
    assert f"[{lang}] Several bodies" in section(html)


# Hostile text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "https://",
        "//example.org/x",
        "ftp://example.org/x",
    ],
)
def test_only_web_addresses_become_links(address: str) -> None:
    assert web_link(address) == ""


def test_web_addresses_stay_as_typed() -> None:
    assert web_link("HTTPS://example.org/a?b=1") == "HTTPS://example.org/a?b=1"


def hostile(app: Flask, make: Factory) -> None:
    """A revision full of hostile text, its link smuggling markup (stored as the database
    allows: it only checks that the address starts like a web address)."""
    build(app, make)
    record(
        app,
        bodies=[HOSTILE],
        instrument_reference=HOSTILE,
        note={"en": HOSTILE, "ar": HOSTILE},
        model="other",
        option_key=None,
        model_description={"en": HOSTILE},
    )
    with app.app_context():
        revision = db.session.scalars(db.select(DesignationRevision)).one()
        revision.instrument_link = 'https://x.invalid/"><script>alert(1)</script>'
        db.session.commit()
    recommend(app, {"en": HOSTILE, "ar": HOSTILE}, [("in_progress", date(2025, 1, 1), HOSTILE)])


def test_hostile_text_is_escaped_and_never_linked(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    hostile(app, make)
    html = section(page(client))
    assert "<script" not in html and "<img" not in html and "<link" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="file:' not in html and 'href="javascript:' not in html
    assert 'href="https://x.invalid/&#34;&gt;&lt;script&gt;' in html
    assert html.count("<a ") == 1


# Open data ---------------------------------------------------------------------------------


def test_report_json_carries_the_designation(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    build(app, make)
    assert client.get(f"/en/c/{SLUG}/report.json").get_json()["designation"] is None
    designated_later(app)
    block = client.get(f"/en/c/{SLUG}/report.json").get_json()["designation"]
    assert block["revision"] == 2 and block["option"] == "multi"
    assert block["instrument"] == {
        "reference": "Law No. 12 of 2025",
        "link": "https://example.org/law-12",
    }
    assert block["standings"][0] == {
        "dimension": "all",
        "column": "all",
        "rank": 3,
        "first_choice_share": 0.2,
        "borda": 24,
        "borda_rank": 3,
        "alignment": "departs",
        "preferred": "ombuds",
    }
    assert [(s["dimension"], s["column"]) for s in block["standings"]][1:3] == [
        ("group", "deprived_of_liberty"),
        ("group", "others"),
    ]
    assert block["standings"][2]["rank"] is None
    gaps = [g["key"] for g in block["guarantees"] if g["gap"]]
    assert gaps == ["functional_independence"]
    assert block["stages"][0] == {"key": "ratified", "state": "reached", "reached_on": "2020-01-01"}
    assert [h["changed"] for h in block["history"]] == [["model", "option"], []]
    [recommendation] = block["recommendations"]
    assert [u["status"] for u in recommendation["updates"]] == ["no_response", "adopted"]


def designated_later(app: Flask) -> None:
    record(app, model="ombuds", option_key="ombuds")
    record(app)
    recommend(
        app,
        {"en": "Create an independent mechanism."},
        [("no_response", date(2024, 1, 1), ""), ("adopted", date(2025, 9, 1), "")],
    )


# The PDF -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def papers(_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Paper]]:
    """The designated report's PDF in English and Arabic, hostile text included."""
    client = _app.test_client()
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("pdfs")
        patch.setattr(render, "_folder", lambda: folder)
        try:
            designated(_app, Factory(_app))
            recommend(_app, {"en": HOSTILE, "ar": HOSTILE}, [])
            found = {}
            for lang in ("en", "ar"):
                response = client.get(f"/{lang}/c/{SLUG}/report.pdf")
                found[lang] = Paper(
                    response.status_code, dict(response.headers), response.get_data()
                )
        finally:
            empty_database(_app)
    yield found


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_pdf_has_the_section(_app: Flask, papers: dict[str, Paper], lang: str) -> None:
    paper = papers[lang]
    assert paper.status == 200
    with _app.test_request_context(), force_locale(lang):
        heading = _("The designation and what the consultation said")
    assert says(paper, heading, lang)
    assert says(paper, "Prison Inspectorate", lang)
    assert says(paper, "Law No. 12 of 2025", lang)
    # The address is printed, not linked: the PDF has no link annotation to it.
    assert "example.org/law-12" in paper.text.replace("\n", "")
    annotations = [
        a.get_object().get("/A", {}).get("/URI")
        for page in paper.reader.pages
        for a in page.get("/Annots", []) or []
    ]
    assert "https://example.org/law-12" not in annotations


def test_the_pdf_prints_hostile_text_as_text(papers: dict[str, Paper]) -> None:
    assert says(papers["en"], "script alert 1 script file etc passwd", "en")


def test_the_pdf_document_asks_for_nothing_but_its_stylesheet(app: Flask, make: Factory) -> None:
    """What WeasyPrint reads: hostile text gives it no element that loads anything (the
    fetcher refuses such addresses anyway, see test_pdf)."""
    hostile(app, make)
    with app.test_request_context():
        c = consultation()
        html = render.report_document(
            c, services.public_report(c), content_locale="en", ui_locale="en", report_url="x"
        )
    assert 'id="designation"' in html
    assert re.findall(r"<(?:img|link|script|iframe|object|embed)\b", html) == ["<link"]
    assert "url(" not in html and "<a " not in section(html)


def test_a_new_revision_renders_a_new_pdf(
    app: Flask, client: FlaskClient, make: Factory, pdf_renders: list[str], tmp_path: Path
) -> None:
    designated(app, make)
    rendered = pdf_renders
    url = f"/en/c/{SLUG}/report.pdf"
    first = client.get(url).get_data()
    assert client.get(url).get_data() == first and len(rendered) == 1
    record(app, model="ombuds", option_key="ombuds")
    second = Paper(200, {}, client.get(url).get_data())
    assert len(rendered) == 2
    assert says(second, "The designation follows what respondents preferred", "en")
    assert len(list(tmp_path.glob("*.pdf"))) == 2
