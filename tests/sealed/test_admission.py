"""Opened payloads are admitted exactly when the web form would have given their answers.

The reference is the form itself: the payload's answers turned into the fields a browser would
send (``to_form``), read back by the form's readers (``read_submission``), and compared with
the payload. Thousands of payloads, genuine and altered, go through both; the checker may
refuse what the reference refuses or what no form could have written, and never admits
anything else.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from consult.opcat.vocabulary import PLACES, SEALED_STAKEHOLDERS
from consult.questionnaires.answers import (
    AnswerRow,
    ProfileAnswers,
    ProfileRules,
    Submission,
    read_submission,
    to_form,
)
from consult.questionnaires.schema import (
    MATRIX_COLUMNS,
    YES_NO_CHOICES,
    Channel,
    Question,
    Questionnaire,
    QuestionType,
)
from consult.sealed import payload
from consult.sealed.admission import Checker
from tests.factories import sample_questionnaire

RULES = ProfileRules(
    categories=sorted(SEALED_STAKEHOLDERS), jurisdictions=["north", "south"], ask_place=True
)
ODD_VALUES: list[Any] = [
    "",
    " ",
    "x",
    "a",
    "c",
    "y",
    " c",
    "c ",
    "\u202ec",
    "line\r\nbreak",
    "ombuds",
    "new-body",
    "resources",
    "essential",
    "3",
    0,
    1,
    2,
    True,
    False,
    None,
    1.0,
    3.0,
    -0.0,
    2.5,
    101.0,
    1e-7,
    float("nan"),
    float("inf"),
    "y" * 600,
    [],
    {},
]


def questions(document: Questionnaire) -> list[Question]:
    return document.for_channel(Channel.SEALED)


def form_verdict(document: Questionnaire, profile: Any, rows: Any) -> Submission | None:
    """What the web form makes of the answers: what it reads, or ``None`` if it refuses them."""
    try:
        answers: dict[str, list[AnswerRow]] = {}
        for row in rows:
            answer = AnswerRow(*row)
            answers.setdefault(answer.question_key, []).append(answer)
        form = to_form(Submission(profile, answers), document)
        read = read_submission(RULES, questions(document), document, form)
        same = sorted(read.rows) == sorted(r for found in answers.values() for r in found)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return read if not read.errors and same else None


def plain(profile: ProfileAnswers, rows: Sequence[Any]) -> bool:
    """Whether every value has a type a form's reading gives it."""
    kinds = [(str,), (str,), (str,), (int, type(None)), (int, float, type(None)), (str, type(None))]
    if any(type(v) is not str for v in vars(profile).values()):
        return False
    return all(
        isinstance(row, list | tuple)
        and len(row) == 6
        and all(type(v) in k for v, k in zip(row, kinds, strict=True))
        for row in rows
    )


def random_fields(document: Questionnaire, pick: random.Random) -> MultiDict[str, str]:
    """What a browser might send that the form accepts (mostly: a few tries are refused)."""
    fields: MultiDict[str, str] = MultiDict()
    fields.add("p-category", pick.choice(sorted(SEALED_STAKEHOLDERS)))
    fields.add("p-jurisdiction", pick.choice(["north", "south"]))
    fields.add("p-place", pick.choice([*list(PLACES.keys())[:3], ""]))
    for question in questions(document):
        name = f"q-{question.key}"
        kind = question.type
        if kind is QuestionType.RANKING:
            items = [c.key for c in document.items_of(question)]
            ranks = pick.sample(range(1, len(items) + 2), len(items))
            for item, rank in zip(items, ranks, strict=True):
                fields.add(f"{name}-{item}", pick.choice([str(rank), ""]))
        elif kind is QuestionType.MATRIX:
            for row in question.rows:
                fields.add(f"{name}-{row}", pick.choice([*MATRIX_COLUMNS, ""]))
        elif kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            fields.add(name, pick.choice(["", " spaced ", "a\r\nb", "\u202eodd", "w" * 15]))
        elif kind is QuestionType.NUMBER:
            fields.add(name, pick.choice(["", "3", "0", "12", "100"]))
        else:
            offered = list(YES_NO_CHOICES) if kind is QuestionType.YES_NO else question.choices
            keys = [c if isinstance(c, str) else c.key for c in offered]
            many = kind is QuestionType.MULTIPLE
            count = pick.choice([0, 1, 2] if many else [1, 1, 0])
            for value in pick.sample(keys, min(count, len(keys))):
                fields.add(name, value)
    return fields


def genuine(document: Questionnaire, pick: random.Random) -> tuple[ProfileAnswers, list[Any]]:
    """A payload as the sealed channel builds it from a form the form accepted, once opened."""
    while True:
        submission = read_submission(
            RULES, questions(document), document, random_fields(document, pick)
        )
        if not submission.errors:
            break
    body = payload.build(submission, version="v" * 64, channel=Channel.SEALED, locale="en")
    opened = json.loads(json.dumps(body))
    return payload.read_profile(opened), opened["answers"]


def altered(
    document: Questionnaire, profile: ProfileAnswers, rows: list[Any], pick: random.Random
) -> tuple[ProfileAnswers, list[Any]]:
    """The payload with one thing changed, as a forger (or a bug) might change it."""
    rows = [list(row) if isinstance(row, list) else row for row in rows]
    editable = [row for row in rows if isinstance(row, list) and len(row) == 6]
    keys = [q.key for q in document.questions()] + ["nope"]
    how = pick.randrange(8)
    if how == 0 and editable:
        row = pick.choice(editable)
        row[pick.randrange(6)] = pick.choice(ODD_VALUES)
    elif how == 1 and editable:
        rows.append(list(pick.choice(editable)))
    elif how == 2 and rows:
        rows.pop(pick.randrange(len(rows)))
    elif how == 3:
        rows.append([pick.choice(keys), *pick.sample(ODD_VALUES, 5)])
    elif how == 4:
        pick.shuffle(rows)
    elif how == 5:
        rows.append(pick.choice([["model", "", "c"], "abcdef", {"a": 1}, 7, ["x"] * 7]))
    elif how == 6:
        name = pick.choice(["category", "jurisdiction", "place"])
        profile = ProfileAnswers(**{**vars(profile), name: pick.choice(ODD_VALUES)})
    elif editable:
        row = pick.choice(editable)
        row[pick.choice([1, 2])] = pick.choice(["resources", "ombuds", "new-body", "c", "zz"])
    return profile, rows


def colliding() -> Questionnaire:
    """The sample, plus a question whose field is also a field of the ranking."""
    document = sample_questionnaire(("en",))
    document.sections[0].questions.append(
        Question(
            "ranking-new-body",
            QuestionType.SINGLE,
            {"en": "Clash"},
            choices=sample_questionnaire(("en",)).sections[0].questions[0].choices,
        )
    )
    return document


@pytest.mark.parametrize("make_document", [lambda: sample_questionnaire(("en",)), colliding])
def test_the_checker_admits_exactly_what_the_form_gives(make_document: Any) -> None:
    document = make_document()
    checker = Checker(document, questions(document), RULES)
    pick = random.Random(11)
    admitted = refused = 0
    for _ in range(600):
        profile, rows = genuine(document, pick)
        cases = [(profile, rows)]
        for _ in range(4):
            cases.append(altered(document, *cases[-1 if pick.random() < 0.3 else 0], pick))
        for case_profile, case_rows in cases:
            found = checker.check(case_profile, case_rows)
            expected = form_verdict(document, case_profile, case_rows)
            if found is not None:
                assert expected is not None, (case_profile, case_rows)
                assert sorted(found.rows) == sorted(expected.rows)
                assert found.profile == expected.profile
                admitted += 1
            else:
                refused += 1
                if plain(case_profile, case_rows):
                    assert expected is None, (case_profile, case_rows)
        assert checker.check(profile, rows) is not None  # every genuine payload, again
    assert admitted > 600 and refused > 600  # both kinds were really tried
    assert checker.by_question is (make_document is not colliding)


def test_values_no_form_gives_are_refused_even_where_the_form_would_read_them() -> None:
    document = sample_questionnaire(("en",))
    checker = Checker(document, questions(document), RULES)
    profile = ProfileAnswers("deprived_of_liberty", "north", "")
    base = [["model", "", "a", None, None, None], ["visited", "", "yes", None, None, None]]
    assert checker.check(profile, base) is not None
    # A whole number written as an int (as many JSON writers do, and the demo) is the number
    # the form reads: admitted, as the float the form gives.
    number = [*base, ["visits", "", "", None, 3, None]]
    assert form_verdict(document, profile, number) is not None
    admitted = checker.check(profile, number)
    assert admitted is not None
    assert [row.number for row in admitted.answers["visits"]] == [3.0]
    for row in (
        ["why", "", "", None, None, 5],  # a text that is not a string
        ["ranking", "", "ombuds", True, None, None],  # a rank that is a boolean
        ["visits", "", "", None, float("nan"), None],
        ["model", "", ["a"], None, None, None],
    ):
        assert checker.check(profile, [*base, row]) is None
    assert checker.check(ProfileAnswers(5, "north", ""), base) is None  # type: ignore[arg-type]
    assert checker.check(profile, "not rows") is None  # type: ignore[arg-type]
    assert checker.check(profile, [["model", "", "a"]]) is None


def test_remembered_verdicts_are_not_shared_between_profiles() -> None:
    document = sample_questionnaire(("en",))
    checker = Checker(document, questions(document), RULES)
    rows = [["model", "", "a", None, None, None]]
    first = checker.check(ProfileAnswers("family", "south", ""), rows)
    second = checker.check(ProfileAnswers("family", "south", ""), rows)
    assert first is not None and second is not None
    first.profile.category = "changed"
    assert second.profile.category == "family"
    assert checker.check(ProfileAnswers("parliament", "south", ""), rows) is None
