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


def guarantee_rows(document: str) -> list[tuple[str, str]]:
    """(guarantee, shown by) of every row of the document's ``| guarantee | shown by |`` tables."""
    rows, in_table = [], False
    for line in (ROOT / document).read_text(encoding="utf-8").splitlines():
        if line.startswith("| guarantee | shown by |"):
            in_table = True
        elif in_table and line.startswith("|") and not line.startswith("| ---"):
            claim, _, shown = line.strip("| ").rpartition(" | ")
            rows.append((claim, shown))
        elif not line.startswith("|"):
            in_table = False
    return rows


#: A check that is a make target rather than a test (``make lint`` runs bandit).
MAKE_TARGET = re.compile(r"`make [a-z-]+`")


def test_every_guarantee_names_a_test() -> None:
    """A row of a guarantee table without a test would be a claim, not a guarantee."""
    rows = guarantee_rows("docs/threat-model.md")
    assert len(rows) >= 40
    unshown = [
        claim
        for claim, shown in rows
        if not REFERENCE.search(shown) and not MAKE_TARGET.search(shown)
    ]
    assert unshown == [], unshown


#: ``flask [--app wsgi] consult <command> <arguments>`` in a document.
COMMAND = re.compile(r"flask (?:--app wsgi )?consult ([a-z][\w-]*)([^`\n#]*)")


def test_the_restore_drill_names_real_commands() -> None:
    """The deployment guide's backup, restore and drill commands exist with those options,
    so the drill an admin follows on a bad day does not fail on a renamed flag."""
    from consult import create_app

    app = create_app({"secret_key": "x" * 40, "database_url": "sqlite://"})
    commands = app.cli.commands["consult"].commands  # type: ignore[attr-defined]
    used = COMMAND.findall((ROOT / "docs/deployment.md").read_text(encoding="utf-8"))
    assert {"backup", "backup-key", "restore", "audit-verify"} <= {name for name, _ in used}
    for name, arguments in used:
        assert name in commands, f"flask consult {name} does not exist"
        options = {option for param in commands[name].params for option in param.opts}
        unknown = set(re.findall(r"--[a-z][\w-]*", arguments)) - options
        assert not unknown, f"flask consult {name} has no {unknown}"
