"""What goes inside an envelope, and the one padded size of each questionnaire version.

Pure Python. The payload carries the checked answers and profile, the questionnaire version,
the channel and its details, and the language (DESIGN.md §5); the sealing adds a random nonce.
Text answers have a maximum length, so the largest possible payload of a version is known:
every envelope of that version is padded to it, whatever the answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from consult.questionnaires.answers import ROW_ORDER, AnswerRow, ProfileAnswers, Submission
from consult.questionnaires.schema import (
    MATRIX_COLUMNS,
    TEXT_TYPES,
    Channel,
    Question,
    Questionnaire,
    QuestionType,
)
from consult.sealed.crypto import LENGTH_PREFIX, canonical

FORMAT = 1
#: Room kept for channel details (age bracket, facilitator's role and setting…).
DETAILS_ROOM = 1024
#: Longest text of a profile value, locale and nonce (keys are 40, codes shorter).
FIELD_ROOM = 80
#: Sizes are rounded up to a multiple of this, so close versions share a size.
ROUND = 1024
#: The widest a character can be in the canonical JSON (4-byte UTF-8; controls are removed).
WIDEST = "\U0001f600"
LONGEST_NUMBER = -1.2345678901234567e300
SEALED_CHANNELS = (Channel.SEALED, Channel.ASSISTED)


def build(
    submission: Submission,
    *,
    version: str,
    channel: Channel,
    locale: str,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The payload of a checked submission."""
    profile = submission.profile
    return {
        "format": FORMAT,
        "version": version,
        "channel": str(channel),
        "details": dict(details or {}),
        "locale": locale,
        "profile": {
            "category": profile.category,
            "jurisdiction": profile.jurisdiction,
            "place": profile.place,
        },
        "answers": [_row(row) for row in sorted(submission.rows, key=ROW_ORDER)],
    }


def _row(row: AnswerRow) -> list[Any]:
    return [row.question_key, row.item_key, row.choice_key, row.rank, row.number, row.text]


def read(payload: Mapping[str, Any]) -> tuple[ProfileAnswers, list[AnswerRow]]:
    """The profile and rows of an opened payload (shape errors raise ``ValueError``)."""
    rows = [AnswerRow(q, i, c, r, n, t) for q, i, c, r, n, t in payload["answers"]]
    return read_profile(payload), rows


def read_profile(payload: Mapping[str, Any]) -> ProfileAnswers:
    """The profile of an opened payload; its rows stay ``payload["answers"]``, lists of the
    six values of an :class:`AnswerRow` (shape errors raise ``KeyError`` or ``TypeError``)."""
    profile = payload["profile"]
    return ProfileAnswers(profile["category"], profile["jurisdiction"], profile["place"])


def envelope_size(document: Questionnaire) -> int:
    """The padded plaintext size for every envelope of this questionnaire version."""
    questions = [
        q for q in document.questions() if any(channel in q.channels for channel in SEALED_CHANNELS)
    ]
    widest = {
        "format": FORMAT,
        "version": "f" * 64,
        "channel": "assisted",
        "details": {"room": "x" * DETAILS_ROOM},
        "locale": "x" * FIELD_ROOM,
        "profile": {
            "category": "x" * FIELD_ROOM,
            "jurisdiction": "x" * FIELD_ROOM,
            "place": "x" * FIELD_ROOM,
        },
        "answers": [_row(row) for q in questions for row in _widest_rows(q, document)],
        "nonce": "f" * 32,
    }
    size = LENGTH_PREFIX + len(canonical(widest))
    return -(-size // ROUND) * ROUND


def _widest_rows(question: Question, document: Questionnaire) -> Iterable[AnswerRow]:
    key = question.key
    if question.type in TEXT_TYPES:
        yield AnswerRow(key, text=WIDEST * question.max_length)
    elif question.type is QuestionType.NUMBER:
        yield AnswerRow(key, number=LONGEST_NUMBER)
    elif question.type is QuestionType.MATRIX:
        column = max(MATRIX_COLUMNS, key=len)
        for item in question.rows:
            yield AnswerRow(key, item_key=item, choice_key=column)
    else:
        items = [c.key for c in document.items_of(question)] or ["dont_know"]
        for rank, item in enumerate(items, start=1):
            yield AnswerRow(key, choice_key=item, rank=rank, number=float(len(items)))
