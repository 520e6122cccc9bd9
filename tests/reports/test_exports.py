"""Open data of a published report: report.csv, report.json and report.xlsx.

The three files must say the same numbers as the frozen ReportData, leave hidden counts empty,
compute shares on the published totals, and stay safe to open in a spreadsheet program.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from consult.reports.data import ReportData, Table, to_dict
from consult.reports.models import ReportStatus
from tests.factories import Factory
from tests.reports.published import (
    COMMAND,
    DANGEROUS,
    HYPERLINK,
    QUOTED,
    SLUG,
    SUM,
    TRUE_HIDDEN,
    consultation,
    publish,
    report_data,
)

BASE = f"/en/c/{SLUG}/report"
#: A number's place in the long format: question, dimension, measure, row, column.
Key = tuple[str, str, str, str, str]


@pytest.fixture
def published(app: Flask, make: Factory) -> ReportData:
    consultation(make)
    publish(app)
    return report_data()


def csv_lines(body: bytes) -> list[dict[str, str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # spreadsheet programs need the BOM to read UTF-8
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def by_key(lines: list[dict[str, Any]]) -> dict[Key, dict[str, Any]]:
    keyed = {}
    for line in lines:
        key = (
            line["question_key"] or "",
            line["dimension"],
            line["measure"],
            line["row_key"],
            line["column_key"],
        )
        keyed[key] = line
    return keyed


def xlsx_sheets(body: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(body))
    sheets = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
        sheets[sheet.title] = [list(row) for row in sheet.iter_rows(values_only=True)]
    return sheets


def xlsx_data(body: bytes) -> list[dict[str, Any]]:
    rows = xlsx_sheets(body)["Data"]
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def cells(data: ReportData) -> Iterator[tuple[str, str, Table, int, int]]:
    """Every counted cell of the hand-built data: question key, dimension, table, row, column."""
    for dimension, t in data.participation.items():
        for i in range(len(t.rows)):
            for j in range(len(t.columns)):
                yield "", dimension, t, i, j
    for result in data.questions:
        for dimension, t in result.tables.items():
            for i in range(len(t.rows)):
                for j in range(len(t.columns)):
                    yield result.key, dimension, t, i, j


def test_csv_json_and_xlsx_say_the_numbers_of_the_report(
    client: FlaskClient, published: ReportData
) -> None:
    from_csv = by_key(csv_lines(client.get(f"{BASE}.csv").data))
    from_xlsx = by_key(xlsx_data(client.get(f"{BASE}.xlsx").data))
    document = client.get(f"{BASE}.json").get_json()
    assert document["data"] == to_dict(published)
    for question, dimension, t, i, j in cells(published):
        key = (question, dimension, "count", t.rows[i], t.columns[j])
        count, total = t.cells[i][j], t.column_totals[j]
        share = None if count is None or total is None else count / total
        assert from_csv[key]["value"] == ("" if count is None else str(count)), key
        assert from_csv[key]["share"] == ("" if share is None else f"{share:.4f}"), key
        assert from_xlsx[key]["value"] == count, key
        assert from_xlsx[key]["share"] == pytest.approx(share), key
    assert from_csv[("", "all", "responses", "all", "all")]["value"] == "38"
    assert from_xlsx[("model", "all", "column_total", "_total", "all")]["value"] == 38
    assert from_csv[("ranking", "group", "borda_points", "new-body", "others")]["value"] == "11"
    assert from_xlsx[("visits", "group", "mean", "answered", "others")]["value"] == 7.25
    assert len(from_csv) == len(from_xlsx)


def test_shares_are_computed_on_the_published_totals(
    client: FlaskClient, published: ReportData
) -> None:
    lines = by_key(csv_lines(client.get(f"{BASE}.csv").data))
    # 20 of the 38 respondents chose a: the hidden b and c do not change the denominator.
    assert lines[("model", "all", "count", "a", "all")]["share"] == f"{20 / 38:.4f}"
    # Persons deprived of liberty: their total is hidden, so no share is published.
    assert lines[("model", "group", "count", "a", "deprived_of_liberty")]["share"] == ""
    assert lines[("model", "group", "count", "a", "others")]["share"] == f"{14 / 29:.4f}"
    # Several answers each: shares of respondents, which may add up to more than 1.
    assert lines[("topics", "all", "count", "y", "all")]["share"] == f"{30 / 38:.4f}"


def numbers_in(value: Any) -> Iterator[int | float]:
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from numbers_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from numbers_in(item)


def test_hidden_counts_are_empty_in_every_file_and_their_values_nowhere(
    client: FlaskClient, published: ReportData
) -> None:
    from_csv = csv_lines(client.get(f"{BASE}.csv").data)
    xlsx = client.get(f"{BASE}.xlsx").data
    document = client.get(f"{BASE}.json").get_json()
    hidden_key = ("model", "all", "count", "b", "all")
    assert by_key(from_csv)[hidden_key]["value"] == ""
    assert by_key(xlsx_data(xlsx))[hidden_key]["value"] is None
    assert document["data"]["questions"][0]["tables"]["all"]["cells"][1] == [None]
    counts = [line["value"] for line in from_csv if line["measure"] == "count"]
    assert "" in counts
    for hidden in TRUE_HIDDEN:
        assert str(hidden) not in counts
        assert hidden not in list(numbers_in(document["data"]))
        for rows in xlsx_sheets(xlsx).values():
            assert hidden not in [v for row in rows for v in row if isinstance(v, int)]


def test_hidden_cells_of_the_workbook_carry_a_note(
    client: FlaskClient, published: ReportData
) -> None:
    book = load_workbook(io.BytesIO(client.get(f"{BASE}.xlsx").data))
    assert book.sheetnames[:2] == ["About", "Participation"]
    assert "1. model" in book.sheetnames
    sheet = book["1. model"]
    noted = [cell for row in sheet.iter_rows() for cell in row if cell.comment is not None]
    assert noted, "hidden cells explain themselves"
    assert all(cell.value is None for cell in noted)
    assert "fewer than 5" in noted[0].comment.text
    about = dict(row[:2] for row in book["About"].iter_rows(values_only=True))
    assert about["Smallest count published (k)"] == 5
    assert (
        about["Digest of the numbers (SHA-256)"]
        == client.get(f"{BASE}.json").get_json()["report"]["digest"]
    )
    assert "1 to 4 are hidden" in about["Hidden cells"]


def test_formulas_in_texts_are_defused_in_csv_and_xlsx(
    client: FlaskClient, published: ReportData
) -> None:
    from_csv = list(csv.reader(io.StringIO(client.get(f"{BASE}.csv").data.decode("utf-8-sig"))))
    sheets = xlsx_sheets(client.get(f"{BASE}.xlsx").data)
    for rows in [from_csv, *sheets.values()]:
        texts = {v for row in rows for v in row if isinstance(v, str) and v}
        assert not [text for text in texts if text.startswith(DANGEROUS)]
    csv_texts = {v for row in from_csv for v in row}
    assert "'" + HYPERLINK in csv_texts  # the question
    assert "'" + COMMAND in csv_texts  # a choice label
    assert "'" + SUM in {v for row in sheets["About"] for v in row}  # the organisation
    assert "'" + HYPERLINK in {v for row in sheets["1. model"] for v in row}


def test_json_keeps_every_text_exactly_escaped(client: FlaskClient, published: ReportData) -> None:
    response = client.get(f"{BASE}.json")
    assert response.mimetype == "application/json"
    document = json.loads(response.data)
    assert document["schema"] == "consult-report/1"
    assert document["labels"]["questions"]["model"]["text"] == HYPERLINK
    assert document["labels"]["questions"]["model"]["rows"]["a"] == COMMAND
    assert document["labels"]["questions"]["topics"]["text"] == QUOTED
    assert document["consultation"]["organisation"] == SUM
    assert b'Say \\"no\\" \\\\ to' in response.data
    report = document["report"]
    assert report["revision"] == 1 and report["k"] == 5
    assert set(report) == {
        "revision",
        "published_at",
        "k",
        "digest",
        "dataset_digest",
        "audit_head",
    }


def test_labels_follow_the_language_of_the_address(
    client: FlaskClient, published: ReportData
) -> None:
    labels = client.get(f"/fr/c/{SLUG}/report.json").get_json()["labels"]
    assert labels["locale"] == "fr" and labels["ui_locale"] == "fr"
    assert labels["questions"]["model"]["text"] == f"[fr] {HYPERLINK}"
    assert labels["questions"]["ranking"]["columns"]["1"]
    lines = csv_lines(client.get(f"/fr/c/{SLUG}/report.csv").data)
    assert {line["question"] for line in lines if line["question_key"] == "model"} == {
        f"[fr] {HYPERLINK}"
    }


def test_files_are_public_cached_and_named(client: FlaskClient, published: ReportData) -> None:
    for extension, mimetype in (
        ("csv", "text/csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("json", "application/json"),
    ):
        response = client.get(f"{BASE}.{extension}")
        assert response.status_code == 200
        assert response.mimetype == mimetype
        assert response.headers["Cache-Control"] == "public, max-age=300"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        again = client.get(
            f"{BASE}.{extension}", headers={"If-None-Match": response.headers["ETag"]}
        )
        assert again.status_code == 304
    disposition = client.get(f"{BASE}.csv").headers["Content-Disposition"]
    assert disposition == f'attachment; filename="{SLUG}-report-en.csv"'


def test_a_withdrawn_report_is_gone_with_its_notice_and_no_numbers(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    consultation(make)
    publish(app, status=ReportStatus.WITHDRAWN, reason={"en": "A count was wrong"})
    for extension in ("csv", "json", "xlsx"):
        response = client.get(f"{BASE}.{extension}")
        assert response.status_code == 410
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
        assert "Report withdrawn" in page
        assert "A count was wrong" in page
        assert "HYPERLINK" not in page


@pytest.mark.parametrize("status", [None, ReportStatus.PREPARED])
def test_no_published_report_is_not_found(
    app: Flask, make: Factory, client: FlaskClient, status: ReportStatus | None
) -> None:
    consultation(make)
    if status is not None:
        publish(app, status=status)
    for extension in ("csv", "json", "xlsx"):
        assert client.get(f"{BASE}.{extension}").status_code == 404


def test_a_draft_consultation_has_no_open_data(
    app: Flask, make: Factory, client: FlaskClient
) -> None:
    make.consultation(slug="draft-one")
    publish(app, slug="draft-one")  # even a (corrupt) published row must not leak a draft
    assert client.get("/en/c/draft-one/report.json").status_code == 404
