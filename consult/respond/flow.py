"""The way through a questionnaire, one page or one question at a time, without JavaScript.

Nothing is kept on the server or in a cookie between pages: every page posts the whole form,
the answers of the other steps travelling in hidden fields. A :class:`Flow` reads such a post
and says which steps there are (the profile, then each question its conditions show), what is
wrong with a step, and which fields to carry to the next page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cached_property

from flask_babel import LazyString
from werkzeug.datastructures import MultiDict

from consult.questionnaires.answers import (
    PROFILE_FIELDS,
    ProfileRules,
    Submission,
    field_names,
    read_profile,
    read_question,
    read_submission,
    visible_questions,
)
from consult.questionnaires.schema import Question, Questionnaire

PROFILE = "profile"
REVIEW = "review"
MODES = ("page", "steps")
_CARRIED = re.compile(r"^[pq]-[a-z0-9_-]{1,90}$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_submission_key() -> str:
    """A random key for a new form: a retry with the same key stores nothing twice."""
    return secrets.token_urlsafe(24)


def valid_submission_key(value: str | None) -> bool:
    return bool(value and _KEY.match(value))


@dataclass
class Flow:
    document: Questionnaire
    questions: list[Question]
    rules: ProfileRules
    form: MultiDict[str, str]

    @cached_property
    def visible(self) -> list[Question]:
        return visible_questions(self.questions, self.document, self.form)

    @property
    def steps(self) -> list[str]:
        """The profile, then every question shown given the answers so far."""
        return [PROFILE, *(q.key for q in self.visible)]

    def question(self, step: str) -> Question | None:
        return next((q for q in self.visible if q.key == step), None)

    def known(self, step: str | None) -> str:
        """``step`` if it is a step of this flow (or the review), else the first step."""
        return step if step is not None and step in (*self.steps, REVIEW) else PROFILE

    def fields_of(self, step: str) -> list[str]:
        question = self.question(step)
        if question is not None:
            return field_names(question, self.document)
        return list(PROFILE_FIELDS) if step == PROFILE else []

    def check(self, step: str) -> dict[str, LazyString]:
        """The errors of one step's fields (none for a step that is not shown)."""
        if step == PROFILE:
            return read_profile(self.rules, self.form)[1]
        question = self.question(step)
        return read_question(question, self.document, self.form)[1] if question else {}

    def after(self, step: str) -> str:
        steps = self.steps
        index = steps.index(step) if step in steps else -1
        return steps[index + 1] if index + 1 < len(steps) else REVIEW

    def before(self, step: str) -> str:
        steps = self.steps
        if step == REVIEW:
            return steps[-1]
        index = steps.index(step) if step in steps else 0
        return steps[max(index - 1, 0)]

    def carried(self, showing: list[str]) -> list[tuple[str, str]]:
        """Hidden fields: every answer sent, except those of the fields now on the page."""
        return [
            (name, value)
            for name in self.form
            if _CARRIED.match(name) and name not in showing
            for value in self.form.getlist(name)
        ]

    def submission(self) -> Submission:
        return read_submission(self.rules, self.questions, self.document, self.form)

    def first_step_with(self, errors: dict[str, LazyString]) -> str:
        for step in self.steps:
            if any(name in errors for name in self.fields_of(step)):
                return step
        return PROFILE
