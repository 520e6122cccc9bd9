"""Reports at scale: ``ReportData`` against hand-written SQL for the same numbers.

    .venv/bin/python bench/report.py [--responses 100000] [--database-url URL] [--json FILE]

Fills a scratch SQLite database (or the given one) with RESPONSES responses to a questionnaire
of 20 questions of every type, then times, in this run and on this machine:

1. **SQL**: hand-written ``GROUP BY`` statements that fetch the same counts the report
   publishes, one per dimension, with nothing done with the rows;
2. **ReportData**: :func:`consult.reports.aggregate.build`, the queries plus arranging every
   table and suppressing it;
3. the report's **HTML page** and its **PDF**, once the numbers are published (absolute
   targets: 0.5 s and 10 s);
4. the size of each respondent page (:mod:`pages`).

Prints each time, the ratio ReportData / SQL (what to compare between changes), and the peak
resident memory. :func:`measure` returns the figures as entries of ``bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pages
from common import absolute, best_of, compared, peak_mib, say, scratch_app, scratch_database
from sqlalchemy import insert, text

from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.opcat.vocabulary import GUARANTEES, PLACES
from consult.questionnaires.schema import (
    Choice,
    JurisdictionMode,
    Option,
    Profile,
    Question,
    Questionnaire,
    QuestionType,
    Section,
)
from consult.reports import aggregate, services
from consult.reports.data import ReportData, digest, to_dict
from consult.reports.models import Report
from consult.respond.models import Answer, Response
from tests.factories import Factory

CATEGORIES = ("deprived_of_liberty", "civil_society", "parliament", "judiciary", "nhri", "other")
CHANNELS = ("open", "invited", "sealed", "assisted")
REGIONS = ("north", "south", "east", "west", "capital")
BATCH = 5000
AGGREGATION_TARGET = 1.5
HTML_TARGET_S = 0.5
PDF_TARGET_S = 10.0

#: The dimensions the report groups by, as SQL, for the hand-written baseline.
DIMENSIONS = {
    "group": "CASE WHEN r.stakeholder_category = 'deprived_of_liberty' "
    "THEN 'deprived_of_liberty' ELSE 'others' END",
    "category": "r.stakeholder_category",
    "jurisdiction": "COALESCE(r.jurisdiction, 'not_stated')",
    "place": "COALESCE(r.place_category, 'not_stated')",
    "channel": "r.channel",
}


def questionnaire() -> Questionnaire:
    """Twenty questions: every type, with matrices of six guarantees."""

    def t(words: str) -> dict[str, str]:
        return {"en": words}

    def choices(n: int) -> list[Choice]:
        return [Choice(f"c{i}", t(f"Choice {i}")) for i in range(n)]

    kinds = [
        *[(QuestionType.SINGLE, 4)] * 6,
        *[(QuestionType.MULTIPLE, 5)] * 3,
        *[(QuestionType.RANKING, 0)] * 2,
        *[(QuestionType.SCALE, 5)] * 2,
        *[(QuestionType.MATRIX, 0)] * 2,
        *[(QuestionType.YES_NO, 0)] * 2,
        (QuestionType.NUMBER, 0),
        *[(QuestionType.LONG_TEXT, 0)] * 2,
    ]
    questions = [
        Question(
            f"q{n}",
            kind,
            t(f"Question {n}"),
            choices=choices(size),
            rows=list(GUARANTEES.keys()[:6]) if kind is QuestionType.MATRIX else [],
            max_length=2000 if kind is QuestionType.LONG_TEXT else 0,
            min_value=0 if kind is QuestionType.NUMBER else None,
            max_value=1000 if kind is QuestionType.NUMBER else None,
        )
        for n, (kind, size) in enumerate(kinds)
    ]
    return Questionnaire(
        options=[
            Option(key, key, t(key.title()))
            for key in ("ombuds", "nhri_commission", "new_specialised", "multiple_bodies")
        ],
        profile=Profile(
            jurisdiction=JurisdictionMode.CUSTOM,
            ask_place=True,
            custom_jurisdictions=[Choice(key, t(key.title())) for key in REGIONS],
        ),
        sections=[Section("s", t("Questions"), questions=questions)],
    )


def answers(rng: random.Random, document: Questionnaire, response_id: uuid.UUID) -> Iterator[dict]:
    """One respondent's answer rows, as dictionaries for a bulk insert."""
    for question in document.questions():
        if rng.random() < 0.1:
            continue  # not every question is answered
        for item, choice, rank, number, words in _rows(rng, document, question):
            yield {
                "response_id": response_id,
                "question_key": question.key,
                "item_key": item,
                "choice_key": choice,
                "rank": rank,
                "number": number,
                "text": words,
            }


Row = tuple[str, str, int | None, float | None, str | None]


def _rows(rng: random.Random, document: Questionnaire, question: Question) -> list[Row]:
    kind = question.type
    keys = [c.key for c in document.items_of(question)]
    if kind in (QuestionType.SINGLE, QuestionType.SCALE):
        return [("", rng.choice(keys), None, None, None)]
    if kind is QuestionType.YES_NO:
        return [("", rng.choice(("yes", "no", "dont_know")), None, None, None)]
    if kind is QuestionType.MULTIPLE:
        return [("", key, None, None, None) for key in rng.sample(keys, rng.randint(1, 3))]
    if kind is QuestionType.RANKING:
        ranked = rng.sample(keys, rng.randint(1, len(keys)))
        return [("", key, n, None, None) for n, key in enumerate(ranked, start=1)]
    if kind is QuestionType.MATRIX:
        ratings = ("essential", "important", "not_important", "dont_know")
        return [(row, rng.choice(ratings), None, None, None) for row in question.rows]
    if kind is QuestionType.NUMBER:
        return [("", "", None, float(rng.randint(0, 1000)), None)]
    return [("", "", None, None, "An answer in a few words, as people write them.")]


def fill(consultation: Consultation, document: Questionnaire, count: int) -> None:
    rng = random.Random(7)
    places = PLACES.keys()
    responses: list[dict] = []
    rows: list[dict] = []
    for n in range(count):
        response_id = uuid.UUID(int=rng.getrandbits(128))
        responses.append(
            {
                "id": response_id,
                "consultation_id": consultation.id,
                "channel": rng.choice(CHANNELS),
                "questionnaire_version": consultation.version,
                "locale": "en",
                "stakeholder_category": rng.choice(CATEGORIES),
                "jurisdiction": rng.choice((*REGIONS, None)),
                "place_category": rng.choice((*places[:6], None)),
                "is_held": False,
                "publication_consent": False,
            }
        )
        rows.extend(answers(rng, document, response_id))
        if n % BATCH == BATCH - 1 or n == count - 1:
            db.session.execute(insert(Response), responses)
            db.session.execute(insert(Answer), rows)
            responses, rows = [], []
    db.session.commit()


def hand_written_sql(consultation_id: int) -> int:
    """The same groups the report reads, by plain SQL statements; returns the rows fetched."""
    fetched = 0
    where = "r.consultation_id = :c AND NOT r.is_held"
    for dimension in DIMENSIONS.values():
        statements = [
            f"SELECT {dimension}, r.channel, COUNT(*) FROM response r WHERE {where} "
            f"GROUP BY {dimension}, r.channel",
            f"SELECT a.question_key, a.item_key, a.choice_key, a.rank, {dimension}, COUNT(*) "
            f"FROM answer a JOIN response r ON r.id = a.response_id WHERE {where} "
            f"GROUP BY a.question_key, a.item_key, a.choice_key, a.rank, {dimension}",
            f"SELECT a.question_key, {dimension}, COUNT(DISTINCT a.response_id) "
            f"FROM answer a JOIN response r ON r.id = a.response_id WHERE {where} "
            f"AND a.question_key IN ('q6', 'q7', 'q8', 'q13', 'q14') "
            f"GROUP BY a.question_key, {dimension}",
            f"SELECT a.question_key, a.number, {dimension}, COUNT(*) "
            f"FROM answer a JOIN response r ON r.id = a.response_id WHERE {where} "
            f"AND a.question_key = 'q17' AND a.number IS NOT NULL "
            f"GROUP BY a.question_key, a.number, {dimension}",
        ]
        for statement in statements:
            fetched += len(db.session.execute(text(statement), {"c": consultation_id}).all())
    return fetched


@dataclass
class Published:
    """A scratch app whose report of ``responses`` fictional responses is published."""

    app: Any
    slug: str
    page_url: str
    data: dict[str, Any]


def filled(database_url: str, responses: int) -> tuple[Any, str]:
    """A scratch app and the slug of a closed consultation with ``responses`` responses."""
    app = scratch_app(database_url)
    slug = Factory(app).consultation(
        "bench", "bench-report", ("en",), questionnaire=questionnaire()
    )
    with app.app_context():
        consultation = _consultation(slug)
        actor = consultation.organisation.memberships[0].user
        consultations.open_(consultation, actor)
        started = time.perf_counter()
        fill(consultation, consultation.document(), responses)
        answers_stored = db.session.scalar(db.select(db.func.count()).select_from(Answer))
        say(
            f"stored {responses:,} responses, {answers_stored:,} answer rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
        consultations.close(consultation, actor)
        db.session.commit()
    return app, slug


def _consultation(slug: str) -> Consultation:
    return db.session.scalars(db.select(Consultation).where(Consultation.slug == slug)).one()


def aggregation(app: Any, slug: str, runs: int) -> tuple[dict[str, Any], ReportData]:
    """ReportData against the hand-written SQL, best of ``runs`` each; the entry and data."""
    with app.app_context():
        consultation = _consultation(slug)
        hand_written_sql(consultation.id)  # warm the page cache for both
        sql = best_of(runs, lambda: hand_written_sql(consultation.id))
        data = aggregate.build(consultation, 5)
        report = best_of(runs, lambda: aggregate.build(consultation, 5))
        say(f"hand-written SQL            : {sql:8.3f} s")
        say(f"ReportData (aggregate.build): {report:8.3f} s")
        say(f"ratio ReportData / SQL      : {report / sql:8.2f}   (target <= 1.5)")
        say(f"peak resident memory        : {peak_mib():,.0f} MiB")
        answers = db.session.scalar(db.select(db.func.count()).select_from(Answer))
        responses = db.session.scalar(db.select(db.func.count()).select_from(Response))
    entry = {
        **compared(report, sql, AGGREGATION_TARGET, higher_is_better=False),
        "responses": responses,
        "answer_rows": answers,
        "questions": sum(1 for _ in questionnaire().questions()),
        "report_data_s": round(report, 3),
        "hand_written_sql_s": round(sql, 3),
        "runs": runs,
        "peak_mib": round(peak_mib()),
    }
    return entry, data


def publish(app: Any, slug: str, data: ReportData) -> Published:
    """Store ``data`` as a prepared revision and publish it through the report service."""
    with app.app_context():
        consultation = _consultation(slug)
        actor = consultation.organisation.memberships[0].user
        report = Report(
            consultation_id=consultation.id,
            revision=1,
            k=data.k,
            data=to_dict(data),
            digest=digest(data),
            dataset_digest=aggregate.dataset_digest(consultation),
            audit_head="a" * 64,
            prepared_by_id=actor.id,
            narrative={"en": "What the consultation said, in a few paragraphs."},
        )
        db.session.add(report)
        db.session.flush()
        services.publish(report, actor)
        db.session.commit()
    return Published(app, slug, f"/en/c/{slug}/report", {})


def published(database_url: str, responses: int) -> Published:
    """A published report of ``responses`` responses (for profiling the page)."""
    app, slug = filled(database_url, responses)
    with app.app_context():
        data = aggregate.build(_consultation(slug), 5)
    return publish(app, slug, data)


def report_pages(built: Published, runs: int) -> dict[str, dict[str, Any]]:
    """The public page (median of ``runs`` after a first, cold request) and the PDF (cold:
    its first rendering; a later request is served from the PDF cache)."""
    client = built.app.test_client()
    html, cold_html = _timed_get(client, built.page_url)
    warm = sorted(_timed_get(client, built.page_url)[1] for _ in range(runs))
    median = warm[len(warm) // 2]
    pdf, cold_pdf = _timed_get(client, built.page_url + ".pdf")
    cached_pdf = _timed_get(client, built.page_url + ".pdf")[1]
    say(f"report page (HTML)          : {median:8.3f} s  (first request {cold_html:.3f} s)")
    say(f"report PDF                  : {cold_pdf:8.3f} s  (from the cache {cached_pdf:.3f} s)")
    return {
        "report.html": {
            **absolute(median, HTML_TARGET_S, "s"),
            "first_request_s": round(cold_html, 3),
            "runs": runs,
            "bytes": len(html),
            "via": "Flask test client, in process",
        },
        "report.pdf": {
            **absolute(cold_pdf, PDF_TARGET_S, "s"),
            "cached_s": round(cached_pdf, 4),
            "bytes": len(pdf),
            "via": "Flask test client, in process, first rendering",
        },
    }


def _timed_get(client: Any, url: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(), elapsed


def measure(responses: int, database_url: str = "", runs: int = 3) -> dict[str, dict[str, Any]]:
    """Aggregation, the report's page and PDF, and the respondent pages: their entries."""
    with scratch_database("sqlite") as scratch:
        app, slug = filled(database_url or scratch, responses)
        entry, data = aggregation(app, slug, runs)
        entries = {"aggregation": entry}
        entries.update(report_pages(publish(app, slug, data), runs=5))
        entries.update(pages.measure(app))
    return entries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", default="", help="write the entries to this file")
    options = parser.parse_args()
    entries = measure(options.responses, options.database_url, options.runs)
    if options.json:
        Path(options.json).write_text(json.dumps(entries, indent=2))


if __name__ == "__main__":
    main()
