"""Reading answers: every question type, every condition, hostile values."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from consult.questionnaires.answers import (
    ROW_ORDER,
    AnswerRow,
    ProfileAnswers,
    ProfileRules,
    Submission,
    clean_text,
    condition_met,
    localized_numbers,
    read_profile,
    read_question,
    read_submission,
    typed_number,
)
from consult.questionnaires.schema import Condition, ConditionOp, QuestionType
from tests.factories import sample_questionnaire

DOC = sample_questionnaire(("en",))
Q = {q.key: q for q in DOC.questions()}
RULES = ProfileRules(
    categories=["parliament", "civil_society"],
    jurisdictions=["north"],
    ask_place=True,
    ask_organisation=True,
)


def read(key: str, **fields: object) -> tuple[list[AnswerRow], dict[str, str]]:
    rows, errors = read_question(Q[key], DOC, MultiDict(fields))
    return rows, {name: str(message) for name, message in errors.items()}


def test_every_type_is_covered_by_the_sample() -> None:
    assert {q.type for q in DOC.questions()} == set(QuestionType)


@pytest.mark.parametrize(
    ("key", "fields", "rows"),
    [
        ("model", {"q-model": "b"}, [AnswerRow("model", choice_key="b")]),
        (
            "topics",
            {"q-topics": ["x", "y", "x"]},
            [AnswerRow("topics", choice_key="x"), AnswerRow("topics", choice_key="y")],
        ),
        ("scale", {"q-scale": "3"}, [AnswerRow("scale", choice_key="3", number=3)]),
        ("visited", {"q-visited": "dont_know"}, [AnswerRow("visited", choice_key="dont_know")]),
        (
            "ranking",
            {"q-ranking-ombuds": "2", "q-ranking-new-body": "1"},
            [
                AnswerRow("ranking", choice_key="new-body", rank=1),
                AnswerRow("ranking", choice_key="ombuds", rank=2),
            ],
        ),
        (
            "matrix",
            {"q-matrix-resources": "essential"},
            [AnswerRow("matrix", item_key="resources", choice_key="essential")],
        ),
        ("detail", {"q-detail": "  fine \r\n"}, [AnswerRow("detail", text="fine")]),
        ("visits", {"q-visits": " 42 "}, [AnswerRow("visits", number=42.0)]),
        ("topics", {}, []),
    ],
)
def test_valid_answers_become_rows(key: str, fields: dict, rows: list[AnswerRow]) -> None:
    got, errors = read(key, **fields)
    assert errors == {}
    assert got == rows


@pytest.mark.parametrize(
    ("key", "fields", "field", "message"),
    [
        ("model", {}, "q-model", "Answer this question."),
        ("model", {"q-model": "zzz"}, "q-model", "Choose one of the answers offered."),
        ("model", {"q-model": ["a", "b"]}, "q-model", "Choose one of the answers offered."),
        ("topics", {"q-topics": ["x", "forged"]}, "q-topics", "Choose one of the answers offered."),
        ("scale", {"q-scale": "4"}, "q-scale", "Choose one of the answers offered."),
        ("visited", {"q-visited": "maybe"}, "q-visited", "Choose one of the answers offered."),
        (
            "ranking",
            {"q-ranking-ombuds": "1", "q-ranking-new-body": "1"},
            "q-ranking-new-body",
            "Give each rank only once.",
        ),
        (
            "ranking",
            {"q-ranking-ombuds": "3"},
            "q-ranking-ombuds",
            "Choose a rank from 1 to 2, or leave it empty.",
        ),
        (
            "ranking",
            {"q-ranking-ombuds": "-1"},
            "q-ranking-ombuds",
            "Choose a rank from 1 to 2, or leave it empty.",
        ),
        *(
            (
                "ranking",
                {"q-ranking-ombuds": typed},
                "q-ranking-ombuds",
                "Choose a rank from 1 to 2, or leave it empty.",
            )
            # Digits int() refuses (a superscript, a circled one) and more than it reads.
            for typed in ("¹", "①", "1" * 5000)
        ),
        (
            "matrix",
            {"q-matrix-resources": "vital"},
            "q-matrix-resources",
            "Choose one of the answers offered.",
        ),
        ("detail", {"q-detail": "x" * 21}, "q-detail", "Use at most 20 characters."),
        ("visits", {"q-visits": "twelve"}, "q-visits", "Enter a number, such as 12 or 3.5."),
        ("visits", {"q-visits": "1e9"}, "q-visits", "Enter a number, such as 12 or 3.5."),
        ("visits", {"q-visits": "2.5"}, "q-visits", "Enter a whole number."),
        ("visits", {"q-visits": "101"}, "q-visits", "Enter a number from 0 to 100."),
        ("visits", {"q-visits": "-3"}, "q-visits", "Enter a number from 0 to 100."),
    ],
)
def test_invalid_answers_get_field_errors(
    app, key: str, fields: dict, field: str, message: str
) -> None:
    with app.test_request_context("/en/"):
        rows, errors = read(key, **fields)
    assert rows == []
    assert errors == {field: message}


def test_a_required_matrix_needs_every_row(app) -> None:
    question = Q["matrix"]
    question.required = True
    try:
        with app.test_request_context("/en/"):
            _rows, errors = read_question(
                question, DOC, MultiDict({"q-matrix-resources": "essential"})
            )
        assert list(errors) == ["q-matrix-functional_independence"]
    finally:
        question.required = False


def test_a_rank_written_in_arabic_indic_digits_reads() -> None:
    rows, errors = read_question(Q["ranking"], DOC, MultiDict({"q-ranking-ombuds": "١"}))
    assert errors == {} and rows == [AnswerRow("ranking", choice_key="ombuds", rank=1)]


def test_numbers_accept_a_decimal_comma_and_spaces() -> None:
    question = Q["visits"]
    question.integer = False
    try:
        rows, errors = read_question(question, DOC, MultiDict({"q-visits": "1 2,5"}))
    finally:
        question.integer = True
    assert errors == {} and rows == [AnswerRow("visits", number=12.5)]


@pytest.mark.parametrize(
    ("typed", "locale", "read"),
    [
        ("5,000", "en", "5000"),  # thousands where the comma is not the decimal sign
        ("5,000", "fr", "5.000"),  # a decimal where it is
        ("5.000", "es", "5000"),
        ("5.000", "en", "5.000"),
        ("1,125", "zh", "1125"),
        ("3,5", "en", "3.5"),  # one separator before other than three digits: a decimal
        ("0,500", "en", "0.500"),
        ("12 345,5", "fr", "12345.5"),
        ("12\u202f345", "fr", "12345"),  # Babel's own French grouping space
        ("12,345.5", "en", "12345.5"),
        ("1.234,5", "en", "1234.5"),  # the last separator is the decimal one
        ("1,234,567", "en", "1234567"),
        ("1.234.567", "pt", "1234567"),
        ("-7", "en", "-7"),
        ("5,000", "xx", "5000"),  # a language Babel does not know: the decimal point
    ],
)
def test_numbers_are_read_the_way_the_readers_language_writes_them(
    typed: str, locale: str, read: str
) -> None:
    assert typed_number(typed, locale) == read


@pytest.mark.parametrize("typed", ["twelve", "12,34,567", "1,2,3", ",5", "1.234.5,6.7", ""])
def test_numbers_written_no_known_way_are_left_for_the_question_to_refuse(typed: str) -> None:
    assert typed_number(typed, "en") is None
    form = localized_numbers(MultiDict({"q-visits": typed}), [Q["visits"]], "en")
    assert form["q-visits"] == typed


@pytest.mark.parametrize(
    ("op", "value", "answers", "shown"),
    [
        (ConditionOp.ANSWERED, "", {}, False),
        (ConditionOp.ANSWERED, "", {"q": [AnswerRow("q", text="x")]}, True),
        (ConditionOp.EQUALS, "a", {"q": [AnswerRow("q", choice_key="a")]}, True),
        (ConditionOp.EQUALS, "a", {"q": [AnswerRow("q", choice_key="b")]}, False),
        (
            ConditionOp.EQUALS,
            "a",
            {"q": [AnswerRow("q", choice_key="a"), AnswerRow("q", choice_key="b")]},
            False,
        ),
        (ConditionOp.EQUALS, "a", {}, False),
        (ConditionOp.NOT_EQUALS, "a", {"q": [AnswerRow("q", choice_key="b")]}, True),
        (ConditionOp.NOT_EQUALS, "a", {"q": [AnswerRow("q", choice_key="a")]}, False),
        (ConditionOp.NOT_EQUALS, "a", {}, True),
        (
            ConditionOp.INCLUDES,
            "a",
            {"q": [AnswerRow("q", choice_key="a"), AnswerRow("q", choice_key="b")]},
            True,
        ),
        (ConditionOp.INCLUDES, "c", {"q": [AnswerRow("q", choice_key="a")]}, False),
    ],
)
def test_each_condition_operator(op: ConditionOp, value: str, answers: dict, shown: bool) -> None:
    assert condition_met(Condition("q", op, value), answers) is shown


def test_a_question_behind_a_hidden_question_is_hidden_too(app) -> None:
    """ "detail" depends on "visited"; an answer sent for a hidden question is dropped."""
    form = MultiDict(
        {
            "p-category": "parliament",
            "p-jurisdiction": "north",
            "q-model": "a",
            "q-why": "sneaky",
            "q-visits": "5",
            "q-visited": "no",
        }
    )
    with app.test_request_context("/en/"):
        submission = read_submission(RULES, DOC.questions(), DOC, form)
    assert submission.errors == {}
    assert "why" not in submission.answers and "visits" not in submission.answers
    assert "visited" in submission.answers


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({}, {"p-category", "p-jurisdiction"}),
        ({"p-category": "judiciary", "p-jurisdiction": "north"}, {"p-category"}),
        ({"p-category": "parliament", "p-jurisdiction": "atlantis"}, {"p-jurisdiction"}),
        ({"p-category": "parliament", "p-jurisdiction": "north", "p-place": "castle"}, {"p-place"}),
        (
            {"p-category": "parliament", "p-jurisdiction": "north", "p-organisation": "o" * 201},
            {"p-organisation"},
        ),
        ({"p-category": "parliament", "p-jurisdiction": "north", "p-place": "juvenile"}, set()),
    ],
)
def test_profile_values_are_checked(app, fields: dict, errors: set[str]) -> None:
    with app.test_request_context("/en/"):
        _profile, found = read_profile(RULES, MultiDict(fields))
    assert set(found) == errors


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x00b", "ab"),
        ("evil\u202eexe.txt", "evilexe.txt"),
        ("\u2067isolate\u2069", "isolate"),
        ("عربي\u200fمع علامة", "عربي\u200fمع علامة"),  # the right-to-left mark stays
        ("line\r\nbreak\rend", "line\nbreak\nend"),
        ("tab\tstays", "tab\tstays"),
        ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # stored inert, escaped later
    ],
)
def test_text_is_cleaned_of_control_characters(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


def test_the_digest_tells_retries_from_changes(app) -> None:
    base = {"p-category": "parliament", "p-jurisdiction": "north", "q-model": "a"}
    with app.test_request_context("/en/"):
        one = read_submission(RULES, DOC.questions(), DOC, MultiDict(base))
        two = read_submission(RULES, DOC.questions(), DOC, MultiDict(base))
        other = read_submission(RULES, DOC.questions(), DOC, MultiDict({**base, "q-model": "b"}))
    assert one.digest() == two.digest() != other.digest()


def test_the_digest_of_the_same_answers_never_changes_between_versions() -> None:
    """Digests are stored: a retry sent across an upgrade must still match the first send,
    so the rows' order and the canonical form are pinned here, whatever order they come in."""
    submission = Submission(profile=ProfileAnswers("parliament", "north", "prison", "Assembly"))
    submission.answers = {
        "rank": [
            AnswerRow("rank", choice_key="b", rank=1),
            AnswerRow("rank", choice_key="a", rank=2),
        ],
        "grid": [
            AnswerRow("grid", item_key="r2", choice_key="essential"),
            AnswerRow("grid", item_key="r1", choice_key="useful"),
        ],
        "why": [AnswerRow("why", text="Parce que — عربي")],
        "count": [AnswerRow("count", number=12)],
        "model": [AnswerRow("model", choice_key="new")],
    }
    pinned = "17ad501c58c34082ca40b1668574232e40bfa6fc6ed3640928b38232370925b1"
    assert submission.digest() == pinned
    submission.answers = dict(reversed(submission.answers.items()))
    submission.answers["grid"].reverse()
    assert submission.digest() == pinned


def test_rows_are_ordered_field_by_field() -> None:
    rows = [
        AnswerRow("b"),
        AnswerRow("a", item_key="y"),
        AnswerRow("a", item_key="x", choice_key="2"),
        AnswerRow("a", item_key="x", choice_key="10"),
        AnswerRow("a"),
    ]
    assert (
        sorted(rows, key=ROW_ORDER) == sorted(rows) == [rows[4], rows[3], rows[2], rows[1], rows[0]]
    )
