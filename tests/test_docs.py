"""Documents that name tests: every named test exists, so a document cannot rot quietly."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
#: ``tests/…/test_x.py::test_name`` anywhere in a document.
REFERENCE = re.compile(r"(tests/[\w/]+\.py)::(\w+)")
DOCUMENTS = ["docs/threat-model.md"]


def functions_of(path: Path) -> set[str]:
    """The names of the module-level functions of a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_test_a_document_names_exists(document: str) -> None:
    references = REFERENCE.findall((ROOT / document).read_text(encoding="utf-8"))
    assert len(references) >= 50, "the threat model names the tests that show each guarantee"
    missing = []
    for file, name in references:
        path = ROOT / file
        if not path.is_file() or name not in functions_of(path):
            missing.append(f"{file}::{name}")
    assert missing == [], f"{document} names tests that do not exist: {missing}"


def test_the_readme_links_the_threat_model() -> None:
    assert "docs/threat-model.md" in (ROOT / "README.md").read_text(encoding="utf-8")
