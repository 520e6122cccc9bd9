"""Paper questionnaires: the assisted channel's questions as a printable, tagged PDF.

Persons deprived of liberty often answer on paper during a monitoring visit: they fill in the
form, seal it in an envelope and hand it to the independent visitor, who keys it in later
(DESIGN.md §4, OPCAT.md §7). This module turns a consultation into that form, in one content
language, in a standard or an easy-read variant.

It reads no request: callers pass the consultation, the languages and the folder of static
files. It needs the application (its Jinja templates and translations), and renders inside an
explicit UI locale. :mod:`consult.pdf` turns the HTML into a tagged PDF, fetching nothing but
the app's own static files.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import OrderedDict
from pathlib import Path
from typing import ClassVar

from flask import render_template
from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from consult.consultations.models import Consultation
from consult.errors import NotFound
from consult.i18n.locales import direction
from consult.opcat.vocabulary import PLACES
from consult.pdf import ORIGIN, StaticFetcher, URLRefused, cached, html_to_pdf
from consult.questionnaires.schema import (
    Channel,
    Question,
    Questionnaire,
    QuestionType,
    Section,
    easy_read,
    version,
)
from consult.respond import services
from consult.respond.display import PROFILE_LABELS, Words

#: Version codes printed on paper: short enough to copy by hand, long enough to be unique.
CODE_LENGTH = 12
#: Rendered PDFs kept in memory, keyed by a digest of their HTML (texts can be corrected
#: after opening without a new version, so the version alone is not a safe key).
CACHE_SIZE = 32

#: Names that moved to :mod:`consult.pdf`, kept here for the paper callers and tests.
__all__ = ["NOT_A_COMPLAINT", "ORIGIN", "StaticFetcher", "URLRefused", "paper_html", "paper_pdf"]

NOT_A_COMPLAINT = _l("This form is not a way to make a complaint or to get help in an emergency.")


#: Where a sentence ends and the next begins (one idea per line in easy-read).
SENTENCE_END = re.compile(r"(?<=[.!?؟。])\s+(?=\S)")


class PaperWords(Words):
    """:class:`Words` with what paper adds: instructions per type, lines to write on."""

    #: Handwritten characters per ruled line, and at most how many lines a question gets.
    LINES: ClassVar[dict[bool, tuple[int, int]]] = {False: (60, 15), True: (35, 10)}

    def __init__(self, document: Questionnaire, locale: str, default: str, easy: bool) -> None:
        super().__init__(document, locale, default)
        self.easy = easy

    def instruction(self, question: Question) -> str:
        """How to mark the answer of ``question`` on paper."""
        kind = question.type
        if kind is QuestionType.MULTIPLE:
            return _("Tick all the boxes that apply.")
        if kind is QuestionType.RANKING:
            return _(
                "Write 1 in the box of your first choice, 2 in the box of your next choice, "
                "and so on. You may leave boxes empty."
            )
        if kind is QuestionType.MATRIX:
            return _("Tick one box in each row.")
        if kind in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
            return _("Write your answer on the lines.")
        if kind is QuestionType.NUMBER:
            return self.number_hint(question)
        return _("Tick one box.")

    def number_hint(self, question: Question) -> str:
        low, high = question.min_value, question.max_value
        if low is not None and high is not None:
            return _(
                "Write a number from %(low)s to %(high)s.",
                low=self.number(low),
                high=self.number(high),
            )
        if low is not None:
            return _("Write a number of %(low)s or more.", low=self.number(low))
        if high is not None:
            return _("Write a number up to %(high)s.", high=self.number(high))
        return _("Write a number.")

    @staticmethod
    def number(value: float) -> str:
        return str(format_decimal(int(value) if value.is_integer() else value))

    def lines(self, question: Question) -> int:
        """Ruled lines for a text answer: enough for its longest accepted answer, within reason."""
        per_line, most = self.LINES[self.easy]
        fewest = 3 if question.type is QuestionType.LONG_TEXT else 1
        return max(fewest, min(most, math.ceil(question.max_length / per_line)))

    def ideas(self, text: str) -> list[str]:
        """Paragraphs of ``text``; in easy-read, one sentence per line."""
        pieces = [p.strip() for p in text.split("\n") if p.strip()]
        if self.easy:
            pieces = [s for p in pieces for s in SENTENCE_END.split(p)]
        if isinstance(text, Markup):  # keep what the template already escaped
            # Pieces of text the template already escaped: splitting adds no markup.
            return [Markup(p) for p in pieces]  # noqa: S704  # nosec B704
        return pieces


def paper_html(
    consultation: Consultation,
    *,
    content_locale: str,
    ui_locale: str,
    easy: bool = False,
    draft: bool = False,
) -> str:
    """The paper form as HTML, its interface in ``ui_locale`` and its content in
    ``content_locale``; :class:`NotFound` when the assisted channel asks nothing."""
    source = consultation.document()
    asked = {q.key for q in source.for_channel(Channel.ASSISTED)}
    if not asked:
        raise NotFound()
    document = easy_read(source, content_locale) if easy else source
    default = consultation.default_locale
    with force_locale(ui_locale):
        return render_template(
            "paper/questionnaire.html",
            consultation=consultation,
            content_lang=content_locale,
            content_dir=direction(content_locale),
            text=lambda field: consultation.text(field, content_locale),
            words=PaperWords(document, content_locale, default, easy),
            sections=_numbered(document.sections, asked),
            categories=services.category_choices(
                document, Channel.ASSISTED, content_locale, default
            ),
            jurisdictions=services.jurisdiction_choices(consultation, document, content_locale),
            places=PLACES.choices() if document.profile.ask_place else [],
            profile_labels=PROFILE_LABELS,
            code=(consultation.version or version(source))[:CODE_LENGTH],
            easy=easy,
            draft=draft,
        )


def _numbered(
    sections: list[Section], asked: set[str]
) -> list[tuple[Section, list[tuple[int, Question]]]]:
    """Sections with their asked questions, numbered 1, 2, … across the whole form."""
    numbered, number = [], 0
    for section in sections:
        questions = []
        for question in section.questions:
            if question.key in asked:
                number += 1
                questions.append((number, question))
        if questions:
            numbered.append((section, questions))
    return numbered


_cache: OrderedDict[str, bytes] = OrderedDict()


def paper_pdf(
    consultation: Consultation,
    *,
    content_locale: str,
    ui_locale: str,
    static_root: Path,
    easy: bool = False,
    draft: bool = False,
) -> bytes:
    """The paper form as PDF (see :func:`paper_html`), from memory when rendered before."""
    html = paper_html(
        consultation, content_locale=content_locale, ui_locale=ui_locale, easy=easy, draft=draft
    )
    key = hashlib.sha256(f"{static_root}\x00{html}".encode()).hexdigest()
    return cached(_cache, key, lambda: html_to_pdf(html, static_root), CACHE_SIZE)
