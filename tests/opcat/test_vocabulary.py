"""The OPCAT vocabulary in code is the one of shared/OPCAT.md, key for key, in order."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import force_locale

from consult.opcat import vocabulary as v

OPCAT_MD = Path(__file__).resolve().parents[2].parent / "shared" / "OPCAT.md"


def section(title: str) -> str:
    if not OPCAT_MD.exists():
        pytest.skip("shared/OPCAT.md is not beside the project")
    text = OPCAT_MD.read_text()
    start = text.index(title)
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def table_keys(title: str) -> list[str]:
    return re.findall(r"^\| `(\w+)` \|", section(title), flags=re.MULTILINE)


def inline_keys(title: str) -> list[str]:
    return re.findall(r"`(\w+)`", section(title))


@pytest.mark.parametrize(
    ("vocabulary", "title"),
    [
        (v.GUARANTEES, "## 1. OPCAT guarantees"),
        (v.NPM_MODELS, "## 2. NPM models"),
        (v.STAGES, "## 4. Stages"),
        (v.STAKEHOLDERS, "## 5. Stakeholder categories"),
    ],
)
def test_tables_match(vocabulary: v.Vocabulary, title: str) -> None:
    assert vocabulary.keys() == tuple(table_keys(title))


def test_inline_lists_match() -> None:
    assert v.LEGAL_BASES.keys() == tuple(inline_keys("## 3. Legal basis"))
    assert v.PLACES.keys() == tuple(inline_keys("## 6. Categories of places"))
    assert v.GUARANTEE_STATUSES.keys() == ("in_law", "in_practice_only", "absent", "unknown")


def test_guarantees_carry_their_article() -> None:
    assert v.GUARANTEES["private_interviews"].reference == "20(d)"
    assert v.GUARANTEES["privileges_immunities"].reference == "35"


def test_labels_are_translated(app: Flask) -> None:
    with app.test_request_context("/fr/"):
        assert v.STAKEHOLDERS.label("parliament") != "Parliament"
        with force_locale("ar"):
            assert v.NPM_MODELS.label("ombuds") != "Ombuds institution"
        assert v.PLACES.label("removed_key") == "removed_key"
    assert all(term.label for vocabulary in v.ALL_VOCABULARIES for term in vocabulary)
