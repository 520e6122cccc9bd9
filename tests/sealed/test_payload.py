"""The envelope payload, and the single padded size of a questionnaire version."""

from __future__ import annotations

from consult.questionnaires.answers import AnswerRow, ProfileAnswers, Submission
from consult.questionnaires.schema import MATRIX_COLUMNS, QuestionType
from consult.sealed import crypto, payload
from consult.sealed.payload import SEALED_CHANNELS
from tests.factories import sample_questionnaire

DOC = sample_questionnaire(("en", "ar"))


def widest_submission() -> Submission:
    """Every sealed question answered as fully as its rules allow, in 4-byte characters."""
    answers: dict[str, list[AnswerRow]] = {}
    for q in DOC.questions():
        if not any(c in q.channels for c in SEALED_CHANNELS):
            continue
        if q.type in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            rows = [AnswerRow(q.key, text="\U0001f92f" * q.max_length)]
        elif q.type is QuestionType.NUMBER:
            rows = [AnswerRow(q.key, number=-123456789.123456789)]
        elif q.type is QuestionType.MATRIX:
            rows = [AnswerRow(q.key, item_key=r, choice_key="not_important") for r in q.rows]
        else:
            items = [c.key for c in DOC.items_of(q)] or list(MATRIX_COLUMNS)
            rows = [
                AnswerRow(q.key, choice_key=k, rank=n, number=float(n))
                for n, k in enumerate(items, start=1)
            ]
        answers[q.key] = rows
    profile = ProfileAnswers("deprived_of_liberty", "x" * 40, "administrative_other")
    return Submission(profile=profile, answers=answers)


def test_the_widest_answers_fit_the_size_of_their_version() -> None:
    size = payload.envelope_size(DOC)
    body = payload.build(
        widest_submission(),
        version="a" * 64,
        channel="assisted",
        locale="ar",
        details={"role": "x" * 500, "setting": "y" * 400},
    )
    padded = crypto.pad({**body, "nonce": "f" * 32}, size)
    assert len(padded) == size and size % payload.ROUND == 0


def test_a_payload_reads_back_into_the_same_rows() -> None:
    submission = widest_submission()
    body = payload.build(submission, version="a" * 64, channel="sealed", locale="en")
    profile, rows = payload.read(body)
    assert rows == sorted(submission.rows)
    assert profile.category == "deprived_of_liberty" and profile.place == "administrative_other"


def test_the_size_follows_the_structure_not_the_texts() -> None:
    other = sample_questionnaire(("fr",))
    assert payload.envelope_size(other) == payload.envelope_size(DOC)
    longer = sample_questionnaire(("en",))
    longer.sections[0].questions[1].max_length = 5000
    assert payload.envelope_size(longer) > payload.envelope_size(DOC)
