"""Checking opened payloads against the questionnaire, exactly as the web form checks answers.

Pure Python. An opened payload is admitted only if its answers are what the form's own
readers (:mod:`consult.questionnaires.answers`) make of the fields a browser would send for
them (:func:`to_form`): the same readers, the same conditions, the same profile rules, and
then the very rows of the payload, no more and no fewer. So no answer is stored that the web
form would refuse or would have written otherwise.

Unsealing does this tens of thousands of times, so the work is arranged to be cheap without
changing a verdict:

- A payload whose values have other types than a form's reading gives (a number that is not
  a float, a rank that is not an int, a text that is not a string…) is refused first: the
  sealing code never writes one, so only a forged envelope carries it.
- A question's reader reads only the question's own fields. Where no two questions of the
  questionnaire share a field name, and every row of a question goes to one of its own fields
  (a ranked item it offers, a guarantee it rates), the fields of a question hold that
  question's rows and nothing else: its verdict depends on its rows alone, and is remembered
  for them (choices repeat; free text is read afresh each time and never kept). A row that
  goes to another field can never be among the rows its question's reader gives back, so the
  payload is refused, as the whole-form check refuses it.
- Where two questions do share a field name, every payload takes the whole-form path:
  :func:`to_form`, then :func:`read_submission`.

Rows are compared as multisets, as sorting them did, but without failing on mixed types.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from consult.questionnaires.answers import (
    AnswerRow,
    ProfileAnswers,
    ProfileRules,
    Submission,
    clean_text,
    condition_met,
    field_names,
    read_profile,
    read_question,
    read_submission,
    to_form,
)
from consult.questionnaires.schema import (
    TEXT_TYPES,
    Question,
    Questionnaire,
    QuestionType,
)

#: Distinct answers whose verdict is remembered per question: every choice, a bound on numbers.
REMEMBERED = 4096

Values = tuple[Any, ...]


class Checker:
    """Checks the payloads of one channel and profile rules against one questionnaire."""

    def __init__(
        self, document: Questionnaire, questions: Sequence[Question], rules: ProfileRules
    ) -> None:
        self.document, self.questions, self.rules = document, list(questions), rules
        every = [name for q in document.questions() for name in field_names(q, document)]
        #: No two questions share a field name: each can be checked on its own rows.
        self.by_question = len(every) == len(set(every))
        self._own = {q.key: _own_items(q, document) for q in self.questions}
        self._verdicts: dict[str, dict[tuple[Values, ...], list[AnswerRow] | None]] = {
            q.key: {} for q in self.questions
        }
        self._profiles: dict[Values, ProfileAnswers | None] = {}
        #: What :meth:`check` needs of each question, in the form's order, looked up once.
        self._plan = [
            (q, q.key, q.condition, q.type in TEXT_TYPES, self._verdicts[q.key])
            for q in self.questions
        ]

    def check(self, profile: ProfileAnswers, rows: Iterable[Sequence[Any]]) -> Submission | None:
        """The answers as the form reads them, or ``None`` if the form would not give them.

        ``rows`` are the payload's: each the six values of an :class:`AnswerRow`.
        """
        grouped = _plain(profile, rows)
        if grouped is None:
            return None
        if not self.by_question:
            return self._whole_form(profile, grouped)
        answers: dict[str, list[AnswerRow]] = {}
        for question, key, condition, text, known in self._plan:
            found = grouped.pop(key, None)
            got = () if found is None else tuple(found)
            if condition is not None and not condition_met(condition, answers):
                if got:  # a hidden question's answer: the form drops it
                    return None
                continue
            if text and got:  # free text: never kept
                read = _one_text(question, got) or self._read(question, got)
            else:
                read = known.get(got, _UNKNOWN)
                if read is _UNKNOWN:
                    read = self._read(question, got)
                    if len(known) < REMEMBERED:
                        known[got] = read
            if read is None:
                return None
            if read:
                answers[key] = read
        if grouped:  # answers to questions this channel does not ask
            return None
        checked = self._profile(profile)
        return Submission(checked, answers) if checked is not None else None

    def _read(self, question: Question, got: tuple[Values, ...]) -> list[AnswerRow] | None:
        own = self._own[question.key]
        if own is not None and any(row[_ITEM[question.type]] not in own for row in got):
            return None  # a field the question does not have
        rows = [AnswerRow(*row) for row in got]
        form = to_form(Submission(answers={question.key: rows} if rows else {}), self.document)
        read, errors = read_question(question, self.document, form)
        if errors or (read != rows and Counter(read) != Counter(rows)):
            return None
        return read

    def _profile(self, profile: ProfileAnswers) -> ProfileAnswers | None:
        values = tuple(vars(profile).values())
        if values in self._profiles:
            found = self._profiles[values]
        else:
            checked, errors = read_profile(self.rules, to_form(Submission(profile), self.document))
            found = None if errors else checked
            if len(self._profiles) < REMEMBERED:
                self._profiles[values] = found
        # A copy each time: whoever receives it may change it.
        return ProfileAnswers(**vars(found)) if found is not None else None

    def _whole_form(
        self, profile: ProfileAnswers, grouped: dict[str, list[Values]]
    ) -> Submission | None:
        answers = {key: [AnswerRow(*row) for row in rows] for key, rows in grouped.items()}
        rows = [row for found in answers.values() for row in found]
        try:
            form = to_form(Submission(profile, answers), self.document)
        except KeyError:  # an answer to a question the questionnaire does not have
            return None
        read = read_submission(self.rules, self.questions, self.document, form)
        if read.errors or Counter(read.rows) != Counter(rows):
            return None
        return read


#: A verdict not remembered yet (``None`` is one: refused).
_UNKNOWN: Any = object()

#: Which value of a row names the form field, for questions with one field per item.
_ITEM = {QuestionType.RANKING: 2, QuestionType.MATRIX: 1}


def _own_items(question: Question, document: Questionnaire) -> frozenset[str] | None:
    """The items whose fields a ranking or matrix question has (``None``: one field only)."""
    if question.type is QuestionType.RANKING:
        return frozenset(c.key for c in document.items_of(question))
    if question.type is QuestionType.MATRIX:
        return frozenset(question.rows)
    return None


def _one_text(question: Question, got: tuple[Values, ...]) -> list[AnswerRow] | None:
    """The one text row a form gives back as it is: sent in the question's only field, the
    reader cleans it (:func:`clean_text`), keeps it if something is left and it is not too
    long, and makes it a row of that text alone. ``None`` where it is anything else (the
    reader then decides)."""
    if len(got) != 1:
        return None
    _key, item, choice, rank, number, text = got[0]
    if item or choice or rank is not None or number is not None or not text:
        return None
    if clean_text(text) != text or len(text) > question.max_length:
        return None
    return [AnswerRow(question.key, text=text)]


def _plain(
    profile: ProfileAnswers, rows: Iterable[Sequence[Any]]
) -> dict[str, list[Values]] | None:
    """The rows' values by question, if every row has six values of the types a form's
    reading gives them: strings for keys and text, an ``int`` rank, a number (``bool`` is
    neither). A whole number may come as an ``int`` (JSON writes 2.0 as 2 in many tools, and
    the demo seals its scale positions so); it is read as the ``float`` the form gives."""
    if not all(type(value) is str for value in vars(profile).values()):
        return None
    grouped: dict[str, list[Values]] = {}
    try:
        for values in rows:
            key, item, choice, rank, number, text = values
            if not (
                type(key) is str
                and type(item) is str
                and type(choice) is str
                and (rank is None or type(rank) is int)
                and (number is None or type(number) in (int, float))
                and (text is None or type(text) is str)
            ):
                return None
            number = None if number is None else float(number)
            grouped.setdefault(key, []).append((key, item, choice, rank, number, text))
    except (TypeError, ValueError):  # not a list of rows of six values
        return None
    return grouped
