"""Reports at scale: ``ReportData`` against hand-written SQL for the same numbers.

    .venv/bin/python bench/report.py [--responses 100000] [--database-url URL]

Fills a scratch SQLite database (or the given one) with RESPONSES responses to a questionnaire
of 20 questions of every type, then times, in this run and on this machine:

1. **SQL**: hand-written ``GROUP BY`` statements that fetch the same counts the report
   publishes, one per dimension, with nothing done with the rows;
2. **ReportData**: :func:`consult.reports.aggregate.build`, the queries plus arranging every
   table and suppressing it;
3. the report's **HTML page** and its **PDF**, once the numbers are published.

Prints each time, the ratio ReportData / SQL (what to compare between changes), and the peak
resident memory after each phase (it only grows, so each figure includes the earlier ones).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import create_app
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
from consult.reports import aggregate
from consult.respond.models import Answer, Response

CATEGORIES = ("deprived_of_liberty", "civil_society", "parliament", "judiciary", "nhri", "other")
CHANNELS = ("open", "invited", "sealed", "assisted")
REGIONS = ("north", "south", "east", "west", "capital")
BATCH = 5000

#: The dimensions the report groups by, as SQL, for the hand-written baseline.
DIMENSIONS = {
    "group": "CASE WHEN r.stakeholder_category = 'deprived_of_liberty' "
    "THEN 'deprived_of_liberty' ELSE 'others' END",
    "category": "r.stakeholder_category",
    "jurisdiction": "COALESCE(r.jurisdiction, 'not_stated')",
    "place": "COALESCE(r.place_category, 'not_stated')",
    "channel": "r.channel",
}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


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


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    started = time.perf_counter()
    yield
    results[label] = time.perf_counter() - started
    print(f"{label:<28}: {results[label]:8.3f} s   peak {peak_mib():,.0f} MiB")


def best_of(runs: int, work: Callable[[], Any]) -> float:
    """The fastest of ``runs`` runs: the one least disturbed by the rest of the machine."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    app = create_app(
        {
            "env": "development",
            "secret_key": "b" * 48,
            "instance_path": folder,
            "database_url": options.database_url or f"sqlite:///{folder / 'bench.sqlite'}",
        }
    )
    from flask_migrate import upgrade

    from tests.factories import Factory

    with app.app_context():
        upgrade()
    document = questionnaire()
    slug = Factory(app).consultation("bench", "bench-report", ("en",), questionnaire=document)
    with app.app_context():
        consultation = db.session.scalars(
            db.select(Consultation).where(Consultation.slug == slug)
        ).one()
        actor = consultation.organisation.memberships[0].user
        consultations.open_(consultation, actor)
        started = time.perf_counter()
        fill(consultation, consultation.document(), options.responses)
        answers_stored = db.session.scalar(db.select(db.func.count()).select_from(Answer))
        print(
            f"stored {options.responses:,} responses, {answers_stored:,} answer rows "
            f"in {time.perf_counter() - started:.1f} s"
        )
        consultations.close(consultation, actor)
        db.session.commit()

        hand_written_sql(consultation.id)  # warm the page cache for both
        sql = best_of(options.runs, lambda: hand_written_sql(consultation.id))
        report = best_of(options.runs, lambda: aggregate.build(consultation, 5))
        print(f"hand-written SQL            : {sql:8.3f} s")
        print(f"ReportData (aggregate.build): {report:8.3f} s")
        print(f"ratio ReportData / SQL      : {report / sql:8.2f}   (target <= 1.5)")
        print(f"peak resident memory        : {peak_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
