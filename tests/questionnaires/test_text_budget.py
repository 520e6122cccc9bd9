"""Text answers together stay within what one request can carry (``schema.TEXT_BUDGET``).

A whole questionnaire is sent at once (one page, or every step carried in hidden fields). If
its text answers could add up to more than the request limit, a respondent who wrote at length
would get the 413 page instead of the field checks that keep what they wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from consult import create_app
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires import schema, services
from consult.questionnaires.schema import (
    TEXT_BUDGET,
    TEXT_TYPES,
    Question,
    QuestionType,
    SchemaError,
    Section,
)
from consult.respond.models import Response
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page
from tests.respond.test_open_channel import FULL, hidden

LONGEST = schema.TEXT_LIMITS[QuestionType.LONG_TEXT][1]
#: The widest character there is: 4 bytes in UTF-8, 12 once percent-encoded.
WIDE = "\U0001f92f"


def at_the_budget(extra: int = 0) -> schema.Questionnaire:
    """The sample questionnaire, plus long-text questions bringing its text answers to
    :data:`TEXT_BUDGET` characters (``extra`` more)."""
    document = sample_questionnaire(("en",))
    room = (
        TEXT_BUDGET
        + extra
        - sum(q.max_length for q in document.questions() if q.type in TEXT_TYPES)
    )
    questions = []
    while room > 0:
        length = min(room, LONGEST)
        questions.append(
            Question(
                f"essay{len(questions)}",
                QuestionType.LONG_TEXT,
                {"en": "Tell us more"},
                max_length=length,
            )
        )
        room -= length
    document.sections.append(Section("essays", {"en": "In your words"}, questions=questions))
    return document


def test_the_budget_fits_the_smallest_request_limit_at_the_widest_characters() -> None:
    assert TEXT_BUDGET * len(WIDE.encode()) * 3 < 1024 * 1024  # percent-encoding triples it


def test_a_questionnaire_past_the_budget_is_refused_where_it_goes_past() -> None:
    schema.check_text_budget(at_the_budget())
    document = at_the_budget(extra=1)
    schema.check(document)  # a stored document past the budget still opens
    with pytest.raises(SchemaError) as refused:
        schema.check_text_budget(document)
    essays = len(document.sections) - 1
    last = len(document.sections[essays].questions) - 1
    assert refused.value.path == f"sections[{essays}].questions[{last}].max_length"
    said = str(refused.value.message)
    assert said.startswith("All text answers together may hold at most")
    assert str(TEXT_BUDGET) in said.replace(",", "")


def test_saving_a_questionnaire_past_the_budget_is_refused_and_changes_nothing(
    app: Flask, make: Factory
) -> None:
    make.consultation("acme", "npm-2027", ("en",), questionnaire=sample_questionnaire(("en",)))
    with app.test_request_context():
        consultation = db.session.scalars(select(Consultation)).one()
        before = dict(consultation.questionnaire)
        owner = consultation.organisation.memberships[0].user
        with pytest.raises(services.InvalidQuestionnaire) as refused:
            services.save(consultation, at_the_budget(extra=1), owner, "questionnaire.edited")
        assert refused.value.path.endswith(".max_length")
        db.session.rollback()
        assert db.session.scalars(select(Consultation)).one().questionnaire == before
        services.save(consultation, at_the_budget(), owner, "questionnaire.edited")
        db.session.commit()
        stored = schema.from_dict(db.session.scalars(select(Consultation)).one().questionnaire)
        assert schema.version(stored) == schema.version(at_the_budget())


@pytest.mark.parametrize(("extra", "status"), [(0, 303), (10_000, 413)])
def test_a_whole_form_written_to_every_limit_reaches_the_checks_under_the_smallest_limit(
    app: Flask,
    make: Factory,
    settings_for: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    extra: int,
    status: int,
) -> None:
    """Every text answer at its maximum length, in 4-byte characters, sent to an app with the
    smallest request limit: stored within the budget. With a budget 10,000 characters larger,
    the same form gets the 413 page: what the rule prevents."""
    monkeypatch.setattr(schema, "TEXT_BUDGET", TEXT_BUDGET + extra)
    document = at_the_budget(extra)
    make.consultation("acme", "npm-2027", ("en",), opened=True, questionnaire=document)
    small = create_app(settings_for(max_request_bytes=1024 * 1024))
    page = Page(small.test_client())
    url = "/en/c/npm-2027/respond"
    form = page.get(url).get_data(as_text=True)
    essays = {f"q-{q.key}": WIDE * q.max_length for q in document.sections[-1].questions}
    sent = {
        **FULL,
        "q-why": WIDE * 500,
        "q-more": WIDE * 50,
        "q-detail": WIDE * 20,
        **essays,
        **{name: hidden(form, name) for name in ("submission_key", "csrf_token")},
    }
    response = page.post(url, sent, csrf=False)
    assert response.status_code == status, page.text[:300]
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Response))
    assert stored == (1 if status == 303 else 0)
