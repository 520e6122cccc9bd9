"""The read-only JSON API under /api/v1/: public consultations, their reports, its OpenAPI
document, and JSON errors that never turn into HTML pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from consult.reports.data import to_dict
from consult.reports.models import ReportStatus
from tests.factories import Factory
from tests.reports.published import SLUG, consultation, publish, report_data

API = "/api/v1"
REPORT = f"{API}/consultations/{SLUG}/report"


@pytest.fixture
def published(app: Flask, make: Factory) -> None:
    consultation(make)
    publish(app)


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert error["status"] == status and error["title"] and error["message"]
    return error


def test_the_list_shows_public_consultations_and_never_drafts(
    app: Flask, make: Factory, client: FlaskClient, published: None
) -> None:
    make.consultation(slug="draft-one")
    make.consultation(slug="open-two", opened=True)
    response = client.get(f"{API}/consultations")
    assert response.status_code == 200
    listed = {c["slug"]: c for c in response.get_json()["consultations"]}
    assert set(listed) == {SLUG, "open-two"}
    ours = listed[SLUG]
    assert ours["title"] == {"en": f"Title {SLUG} [en]", "fr": f"Title {SLUG} [fr]"}
    assert ours["status"] == "open" and ours["country"] == "FR"
    assert ours["links"]["report"] == f"http://localhost{REPORT}"
    assert ours["links"]["page"] == f"http://localhost/en/c/{SLUG}/"
    assert listed["open-two"]["links"]["report"] is None


def test_one_consultation_and_drafts_are_not_found(
    make: Factory, client: FlaskClient, published: None
) -> None:
    make.consultation(slug="draft-one")
    found = client.get(f"{API}/consultations/{SLUG}").get_json()
    assert found["slug"] == SLUG and found["links"]["self"].endswith(f"/consultations/{SLUG}")
    error_of(client.get(f"{API}/consultations/draft-one"), 404)
    error_of(client.get(f"{API}/consultations/draft-one/report"), 404)
    error_of(client.get(f"{API}/consultations/nowhere"), 404)
    error_of(client.get(f"{API}/no-such-thing"), 404)


def test_the_report_is_report_json(client: FlaskClient, published: None) -> None:
    from_api = client.get(REPORT).get_json()
    assert from_api == client.get(f"/en/c/{SLUG}/report.json").get_json()
    assert from_api["data"] == to_dict(report_data())
    assert from_api["labels"]["locale"] == "en"  # the consultation's default language
    french = client.get(f"{REPORT}?lang=fr").get_json()
    assert french["labels"]["locale"] == "fr"
    assert french == client.get(f"/fr/c/{SLUG}/report.json").get_json()
    assert french["data"] == from_api["data"]


def test_an_unknown_language_is_a_bad_request(client: FlaskClient, published: None) -> None:
    error_of(client.get(f"{REPORT}?lang=tlh"), 400)


def test_published_data_is_cached_and_readable_from_any_site(
    client: FlaskClient, published: None
) -> None:
    for path in (f"{API}/consultations", f"{API}/consultations/{SLUG}", REPORT):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    missing = client.get(f"{API}/consultations/nowhere")
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    assert "public" not in missing.headers.get("Cache-Control", "")


def test_a_withdrawn_report_is_gone(app: Flask, make: Factory, client: FlaskClient) -> None:
    consultation(make)
    publish(app, status=ReportStatus.WITHDRAWN, reason={"en": "A count was wrong"})
    error = error_of(client.get(REPORT), 410)
    assert "A count was wrong" in error["message"]
    assert error["title"] == "Report withdrawn"
    assert "data" not in client.get(REPORT).get_json()


def test_a_prepared_report_is_not_found(app: Flask, make: Factory, client: FlaskClient) -> None:
    consultation(make)
    publish(app, status=ReportStatus.PREPARED)
    error_of(client.get(REPORT), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_api_is_read_only(client: FlaskClient, published: None, method: str) -> None:
    response = getattr(client, method)(REPORT, data={"x": "1"})
    error_of(response, 405)
    assert "GET" in response.headers["Allow"]


def test_html_errors_stay_html(client: FlaskClient) -> None:
    response = client.get("/en/c/nowhere/")
    assert response.status_code == 404 and response.mimetype == "text/html"


# The OpenAPI document ----------------------------------------------------------------------


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.removeprefix(API))


def refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["$ref"]] if "$ref" in value else []
        return found + [ref for item in value.values() for ref in refs(item)]
    if isinstance(value, list):
        return [ref for item in value for ref in refs(item)]
    return []


def test_openapi_describes_every_api_route(app: Flask, client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": API}]
    rules = [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")]
    assert len(rules) >= 4
    for rule in rules:
        path = openapi_path(rule.rule)
        assert path in document["paths"], rule.rule
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        assert methods == set(document["paths"][path]), rule.rule
    assert len(document["paths"]) == len(rules)
    schemas = document["components"]["schemas"]
    for ref in refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_openapi_report_schema_names_every_field_of_the_report(
    client: FlaskClient, published: None
) -> None:
    schemas = client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]
    report = client.get(REPORT).get_json()
    assert set(schemas["Report"]["properties"]) == set(report)
    assert set(schemas["ReportInfo"]["properties"]) == set(report["report"])
    assert set(schemas["ConsultationSummary"]["properties"]) == set(report["consultation"])
    assert set(schemas["Labels"]["properties"]) == set(report["labels"])
    assert set(schemas["ReportData"]["properties"]) == set(report["data"])
    table = report["data"]["questions"][0]["tables"]["all"]
    assert set(schemas["Table"]["properties"]) == set(table)
