"""Text typed by people, made safe to display among the interface's own words.

Bidirectional formatting characters (Unicode UAX #9) open a *scope*: an embedding or override
(U+202A–U+202E, closed by U+202C) or an isolate (U+2066–U+2068, closed by U+2069) lasts until
its closing character or the end of the paragraph. Typed into an organisation name, an answer
or a note and printed inside a sentence, a table cell or a list item, an unclosed one reorders
the interface text that follows it ("Delete" shown where "Keep" was read, a count attached to
the wrong name).

The choice here is to *balance* rather than strip or wrap: every scope the text opens is
closed where the text ends, and closing characters that close nothing of the text's own are
dropped. Legitimate right-to-left writing is left exactly as typed (Arabic and Hebrew need no
control characters, and the ones a writer uses on purpose keep working inside the text), while
nothing leaks past the end of the text. Wrapping every printed value in ``<bdi>`` was rejected:
a value printed inside an attribute (``value="…"``, ``aria-label``) or a ``<title>`` cannot hold
markup, and adding invisible isolates to them would change what forms send back.

The marks U+200E (LRM), U+200F (RLM) and U+061C (ALM) open no scope: they act like one strong
letter of their direction, exactly as an Arabic or Latin letter at the edge of the text does,
so they stay. Respondents' answers are cleaned of embeddings and overrides when read
(:func:`consult.questionnaires.answers.clean_text`); this module protects everything else that
is displayed, through the Jinja hooks installed by :func:`consult.templating.init_app`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

#: Characters that open an embedding or an override, closed by :data:`PDF`.
EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
#: Pop directional formatting: closes the innermost embedding or override.
PDF = "\u202c"
#: Characters that open an isolate, closed by :data:`PDI`.
ISOLATES = frozenset("\u2066\u2067\u2068")
#: Pop directional isolate: closes the innermost isolate and what was opened inside it.
PDI = "\u2069"
#: Every character that opens or closes a scope.
SCOPED = EMBEDDINGS | ISOLATES | {PDF, PDI}


def contain_bidi(text: str) -> str:
    """``text`` whose bidi scopes all end where it ends; unchanged when it has none.

    Unmatched closing characters are dropped (they would close a scope of the surrounding
    page), and a closing character is appended for each scope still open at the end, innermost
    first. A ``PDI`` closes the embeddings opened inside its isolate too, as UAX #9 rule X6a says.
    """
    if SCOPED.isdisjoint(text):
        return text
    kept: list[str] = []
    open_: list[str] = []  # the closing character each open scope needs, innermost last
    for char in text:
        if char in EMBEDDINGS:
            open_.append(PDF)
        elif char in ISOLATES:
            open_.append(PDI)
        elif char == PDF:
            if not open_ or open_[-1] != PDF:
                continue
            open_.pop()
        elif char == PDI:
            if PDI not in open_:
                continue
            while open_.pop() != PDI:
                pass
        kept.append(char)
    kept.extend(reversed(open_))
    return "".join(kept)


def displayed(value: Any) -> Any:
    """What a template prints for ``value``: plain text with its bidi scopes contained.

    Markup is left alone: it was built by the application (form widgets, charts), which
    contains the texts it puts inside itself, and balancing characters across tags and
    attributes would pair unrelated scopes.
    """
    if isinstance(value, str) and not isinstance(value, Markup):
        return contain_bidi(value)
    return value
