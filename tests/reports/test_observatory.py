"""The observatory: every published consultation compared with what its State designated.

Rows are computed from hand-built numbers (hidden counts included) and designations stored as
the designation desk leaves them; the page and ``/api/v1/observatory`` must say the same.
"""

from __future__ import annotations

import html as markup
import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale
from sqlalchemy import select

from consult.consultations.models import Consultation
from consult.extensions import db
from consult.i18n.content import country_name
from consult.reports.comparison import Alignment
from consult.reports.data import ALL, QuestionResult, ReportData, Table
from consult.reports.designation_models import (
    DesignationGuarantee,
    DesignationRevision,
    GuaranteeStatus,
)
from consult.reports.models import Report, ReportStatus
from consult.reports.observatory import (
    ALIGNMENT_LABELS,
    NOT_RECORDED,
    Filters,
    InvalidFilter,
    entry,
    missing_guarantees,
    participation,
)
from tests.factories import Factory
from tests.reports.sample import store_report

API = "/api/v1/observatory"
LANGS = ("en", "fr", "es", "ar")


# Hand-built numbers ------------------------------------------------------------------------


def numbers(firsts: dict[str, int | None], category: dict[str, int | None]) -> ReportData:
    """A report whose ranking has ``firsts`` first choices, and ``category`` participation."""
    ranked = sum(n or 0 for n in firsts.values())
    ranking = QuestionResult(
        "ranking",
        "ranking",
        tables={
            ALL: Table(
                list(firsts),
                ["1"],
                [[n] for n in firsts.values()],
                list(firsts.values()),
                [ranked],
                ranked,
            )
        },
    )
    counts = list(category.values())
    table = Table(list(category), ["open"], [[n] for n in counts], counts, [None], None)
    return ReportData(
        k=5,
        responses=ranked,
        held=0,
        participation={"category": table},
        questions=[ranking],
        options_question="ranking",
    )


#: New body first (50 %), ombuds second (30 %), commission third (20 %).
FIRSTS = {"new-body": 50, "ombuds": 30, "commission": 20}
PEOPLE = {"civil_society": 60, "deprived_of_liberty": 25, "parliament": None, "judiciary": 6}


def revision(
    option: str | None, model: str = "ombuds", **statuses: GuaranteeStatus
) -> DesignationRevision:
    """A designation revision as the desk stores it (not added to any session)."""
    return DesignationRevision(
        revision=1,
        designated_on=date(2027, 5, 1),
        legal_basis="statute",
        instrument_reference="Act 1",
        bodies=["Body"],
        model=model,
        option_key=option,
        places=["police_custody"],
        guarantees=[
            DesignationGuarantee(
                guarantee=key,
                status=status,
                article="1" if status is GuaranteeStatus.IN_LAW else "",
            )
            for key, status in statuses.items()
        ],
    )


def published(status: ReportStatus = ReportStatus.PUBLISHED) -> Report:
    return Report(revision=1, status=status)


@pytest.mark.parametrize(
    ("option", "firsts", "expected"),
    [
        ("new-body", FIRSTS, Alignment.FOLLOWS),
        ("ombuds", FIRSTS, Alignment.PARTLY_FOLLOWS),  # second
        ("commission", FIRSTS, Alignment.DEPARTS),  # third, 30 points behind
        ("commission", {"a": 40, "b": 36, "commission": 36, "d": 0}, Alignment.PARTLY_FOLLOWS),
        (None, FIRSTS, Alignment.OUTSIDE),
        ("ombuds", {"new-body": 50, "ombuds": None}, Alignment.UNKNOWN),  # hidden
    ],
)
def test_the_alignment_follows_the_fixed_rules(
    option: str | None, firsts: dict[str, int | None], expected: Alignment
) -> None:
    row = entry(Consultation(), published(), numbers(firsts, PEOPLE), revision(option))
    assert row.alignment == expected.value
    assert row.preferred == max(firsts, key=lambda k: firsts[k] or 0)


def test_without_a_designation_the_alignment_says_so() -> None:
    row = entry(Consultation(), published(), numbers(FIRSTS, PEOPLE), None)
    assert (row.alignment, row.model, row.missing) == (NOT_RECORDED, None, [])
    assert row.preferred == "new-body"


def test_missing_guarantees_are_those_the_founding_text_lacks_in_opcat_order() -> None:
    """Absent, or respected in practice only: either way not in the text. Unknown is neither."""
    designation = revision(
        "ombuds",
        contact_spt=GuaranteeStatus.IN_PRACTICE_ONLY,
        private_interviews=GuaranteeStatus.ABSENT,
        resources=GuaranteeStatus.ABSENT,
        legal_basis=GuaranteeStatus.IN_LAW,
        no_sanctions=GuaranteeStatus.UNKNOWN,
    )
    assert missing_guarantees(designation) == ["resources", "private_interviews", "contact_spt"]
    assert missing_guarantees(None) == []


def test_participation_keeps_hidden_counts_hidden_and_absent_groups_at_zero() -> None:
    counts = participation(numbers(FIRSTS, PEOPLE))
    assert counts == {
        "deprived_of_liberty": 25,
        "parliament": None,
        "government_subnational": 0,
        "judiciary": 6,
    }


def test_a_withdrawn_report_keeps_its_line_but_none_of_its_numbers() -> None:
    row = entry(
        Consultation(),
        published(ReportStatus.WITHDRAWN),
        numbers(FIRSTS, PEOPLE),
        revision("commission", resources=GuaranteeStatus.ABSENT),
    )
    assert row.withdrawn
    assert (row.participation, row.responses, row.preferred) == ({}, None, None)
    assert (row.designation, row.alignment, row.missing) == (None, None, [])


def test_filters_accept_offered_values_and_refuse_others() -> None:
    filters = Filters.parse({"region": "150", "model": "ombuds", "alignment": "departs"})
    assert filters.params() == {"region": "150", "model": "ombuds", "alignment": "departs"}
    assert Filters.parse({"alignment": NOT_RECORDED}).active
    assert not Filters.parse({"region": " "}).active
    for bad in ({"region": "FR"}, {"model": "prison"}, {"alignment": "good"}):
        with pytest.raises(InvalidFilter):
            Filters.parse(bad)


# Pages and API -----------------------------------------------------------------------------


def publish(
    app: Flask,
    make: Factory,
    slug: str,
    country: str,
    data: ReportData,
    *,
    status: ReportStatus = ReportStatus.PUBLISHED,
    opened: bool = True,
) -> None:
    """A consultation of ``country`` (opened, by default) with a report row of ``data``."""
    make.consultation(slug=slug, opened=opened)
    with app.app_context():
        consultation = _consultation(slug)
        consultation.country = country
        db.session.commit()
    store_report(app, slug, data, status=status, reason={"en": "An error in the numbers."})


def designate(app: Flask, slug: str, designation: DesignationRevision) -> None:
    with app.app_context():
        designation.consultation_id = _consultation(slug).id
        db.session.add(designation)
        db.session.commit()


def _consultation(slug: str) -> Consultation:
    found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert found is not None
    return found


@pytest.fixture
def world(app: Flask, make: Factory) -> None:
    """France follows with one guarantee respected in practice only, Kenya departs with two
    guarantees absent, Argentina has no designation, Chile's report was withdrawn; a draft, a
    prepared-only report and the options' two keys."""
    sample = {"ombuds": 60, "new-body": 40}
    publish(app, make, "france", "FR", numbers(sample, PEOPLE))
    designate(app, "france", revision("ombuds", contact_spt=GuaranteeStatus.IN_PRACTICE_ONLY))
    publish(app, make, "kenya", "KE", numbers({**FIRSTS}, PEOPLE))
    absent = GuaranteeStatus.ABSENT
    designate(
        app,
        "kenya",
        revision("commission", "nhri_commission", resources=absent, private_interviews=absent),
    )
    publish(app, make, "argentina", "AR", numbers(sample, PEOPLE))
    publish(app, make, "chile", "CL", numbers(sample, PEOPLE), status=ReportStatus.WITHDRAWN)
    designate(app, "chile", revision("ombuds"))
    publish(app, make, "draft", "DE", numbers(sample, PEOPLE), opened=False)
    publish(app, make, "prepared", "BE", numbers(sample, PEOPLE), status=ReportStatus.PREPARED)


def api(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"{API}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    entries: list[dict[str, Any]] = response.get_json()["entries"]
    return entries


def slugs(client: FlaskClient, query: str = "") -> list[str]:
    return [e["slug"] for e in api(client, query)]


def test_published_and_withdrawn_reports_are_listed_by_country_never_drafts_or_prepared(
    client: FlaskClient, world: None
) -> None:
    assert slugs(client) == ["argentina", "chile", "france", "kenya"]
    assert slugs(client, "lang=fr") == ["argentina", "chile", "france", "kenya"]
    html = client.get("/en/observatory").get_data(as_text=True)
    assert [html.index(f"/en/c/{slug}/report") for slug in ("argentina", "chile", "france")] == (
        sorted(html.index(f"/en/c/{slug}/report") for slug in ("argentina", "chile", "france"))
    )
    assert "/c/draft/" not in html and "/c/prepared/" not in html
    assert "4 published consultations" in html


def test_rows_say_who_took_part_what_was_preferred_and_designated(
    client: FlaskClient, world: None
) -> None:
    rows = {e["slug"]: e for e in api(client)}
    kenya = rows["kenya"]
    assert kenya["country"] == {"key": "KE", "label": "Kenya"}
    assert kenya["region"] == {"key": "002", "label": "Africa"}
    assert kenya["title"] == "Title kenya [en]" and kenya["title_lang"] == "en"
    assert {p["key"]: p["count"] for p in kenya["participation"]} == {
        "deprived_of_liberty": 25,
        "parliament": None,
        "government_subnational": 0,
        "judiciary": 6,
    }
    assert kenya["preferred"] == {"key": "new-body", "label": "[en] New body"}
    assert kenya["model"]["key"] == "nhri_commission" and kenya["designated_on"] == "2027-05-01"
    assert kenya["alignment"] == {"key": "departs", "label": "Departs from the consultation"}
    assert [g["key"] for g in kenya["missing_guarantees"]] == ["resources", "private_interviews"]
    assert rows["france"]["alignment"]["key"] == "follows"
    assert [g["key"] for g in rows["france"]["missing_guarantees"]] == ["contact_spt"]
    assert rows["argentina"]["alignment"]["key"] == NOT_RECORDED
    assert rows["argentina"]["model"] is None
    chile = rows["chile"]
    assert chile["withdrawn"] and chile["withdrawn_on"] == "2027-03-01"
    assert (chile["participation"], chile["alignment"], chile["model"]) == ([], None, None)


def test_the_page_shows_the_same_rows_as_the_api(client: FlaskClient, world: None) -> None:
    for lang in LANGS:
        html = client.get(f"/{lang}/observatory").get_data(as_text=True)
        rows = re.findall(r"<tr(?: class=\"withdrawn\")?>(.*?)</tr>", html, re.S)[1:]
        entries = api(client, f"lang={lang}")
        assert len(rows) == len(entries)
        for cells, found in zip(rows, entries, strict=True):
            row = markup.unescape(cells)  # labels such as « S'écarte » come back as text
            assert found["country"]["label"] in row and f"/c/{found['slug']}/report" in row
            if found["alignment"]:
                assert f">{found['alignment']['label']}<" in row
            for guarantee in found["missing_guarantees"]:
                assert guarantee["label"] in row


def test_guarantees_missing_from_the_founding_text_are_counted_and_named(
    client: FlaskClient, world: None
) -> None:
    html = client.get("/en/observatory").get_data(as_text=True)
    line = {
        slug: re.search(rf"<tr>(?:(?!</tr>).)*/c/{slug}/report.*?</tr>", html, re.S)
        for slug in ("france", "kenya", "argentina")
    }
    cells = {slug: plain(found.group()) for slug, found in line.items() if found}
    assert (
        "1 guarantee missing: Contact with the Subcommittee on Prevention of Torture"
        in cells["france"]
    )
    assert "2 guarantees missing:" in cells["kenya"]
    assert "missing" not in cells["argentina"]  # no designation: nothing to compare


def plain(html: str) -> str:
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_hidden_participation_is_shown_as_hidden(client: FlaskClient, world: None) -> None:
    html = client.get("/en/observatory").get_data(as_text=True)
    kenya = re.search(r"<tr>(?:(?!</tr>).)*/c/kenya/report.*?</tr>", html, re.S)
    assert kenya is not None
    assert '<dt>Parliament</dt><dd><span class="hidden-cell">hidden</span></dd>' in kenya.group()
    assert "<dt>Judges and prosecutors</dt><dd>6</dd>" in kenya.group()


def test_a_withdrawn_report_is_marked_and_shows_no_numbers(
    client: FlaskClient, world: None
) -> None:
    html = client.get("/en/observatory").get_data(as_text=True)
    chile = re.search(r'<tr class="withdrawn">.*?</tr>', html, re.S)
    assert chile is not None and "/c/chile/report" in chile.group()
    assert "Report withdrawn" in chile.group()
    assert "its numbers are no longer published" in chile.group()
    assert "Responses" not in chile.group()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("region=150", ["france"]),  # FR is in Europe by CLDR containment
        ("region=002", ["kenya"]),
        ("region=019", ["argentina", "chile"]),
        ("region=142", []),
        ("model=nhri_commission", ["kenya"]),
        ("model=ombuds", ["france"]),  # Chile's withdrawn report shows no designation
        ("alignment=departs", ["kenya"]),
        ("alignment=follows", ["france"]),
        (f"alignment={NOT_RECORDED}", ["argentina"]),
        ("region=150&alignment=departs", []),
    ],
)
def test_each_filter_on_the_page_and_in_the_api(
    client: FlaskClient, world: None, query: str, expected: list[str]
) -> None:
    assert slugs(client, query) == expected
    html = client.get(f"/en/observatory?{query}").get_data(as_text=True)
    assert re.findall(r'href="/en/c/([a-z-]+)/report"', html) == expected
    if not expected:
        assert "No published consultation matches these filters." in html
    key, value = query.split("&")[0].split("=")
    assert re.search(rf'<option value="{value}" selected>', html), key


def test_the_filter_form_works_without_javascript(client: FlaskClient, world: None) -> None:
    html = client.get("/ar/observatory").get_data(as_text=True)
    assert 'dir="rtl"' in html and "<script" not in html and "style=" not in html
    assert '<form method="get"' in html and '<button class="button" type="submit">' in html
    for name in ("region", "model", "alignment"):
        assert f'<label for="filter-{name}">' in html and f'id="filter-{name}"' in html
    assert "<caption>" in html and '<th scope="row">' in html and '<th scope="col">' in html
    assert 'href="/api/v1/observatory?lang=ar"' in html


def test_bad_filters_are_a_bad_request(client: FlaskClient, world: None) -> None:
    for query in ("region=FR", "model=prison", "alignment=good", "lang=xx"):
        response = client.get(f"{API}?{query}")
        assert response.status_code == 400 and response.mimetype == "application/json"
        assert response.get_json()["error"]["message"]
    page = client.get("/en/observatory?alignment=good")
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_an_empty_observatory_says_so_and_the_home_page_links_it(client: FlaskClient) -> None:
    html = client.get("/en/observatory").get_data(as_text=True)
    assert "No consultation has published its report yet." in html
    assert api(client) == []
    assert 'href="/en/observatory"' in client.get("/en/").get_data(as_text=True)


def test_names_follow_the_readers_language(app: Flask, client: FlaskClient, world: None) -> None:
    for lang in LANGS:
        entries = {e["slug"]: e for e in api(client, f"lang={lang}")}
        with app.test_request_context(), force_locale(lang):
            assert entries["kenya"]["country"]["label"] == country_name("KE", lang)
            assert entries["kenya"]["alignment"]["label"] == str(ALIGNMENT_LABELS["departs"])
        assert entries["kenya"]["title"] == f"Title kenya [{'fr' if lang == 'fr' else 'en'}]"
