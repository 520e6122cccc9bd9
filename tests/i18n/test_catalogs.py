"""Catalogs: the .pot matches the code, and every supported language is complete."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from consult.i18n.locales import UI_LOCALES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def msgids(catalog: Catalog) -> set[object]:
    return {message.id for message in catalog if message.id}


def test_the_pot_is_not_stale(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run(
        ["make", "-s", "extract", f"POT={fresh}"], cwd=ROOT, check=True, capture_output=True
    )
    committed = msgids(load(TRANSLATIONS / "messages.pot"))
    extracted = msgids(load(fresh))
    assert extracted - committed == set(), "run `make update-catalogs`: new strings"
    assert committed - extracted == set(), "run `make update-catalogs`: removed strings"


@pytest.mark.parametrize("locale", [code for code in UI_LOCALES if code != "en"])
def test_every_catalog_is_complete(locale: str) -> None:
    catalog = load(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    template = msgids(load(TRANSLATIONS / "messages.pot"))
    assert msgids(catalog) == template, "run `make update-catalogs`"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(PLACEHOLDER.findall(" ".join(ids)))
        for index, text in enumerate(strings):
            found = set(PLACEHOLDER.findall(text or ""))
            # Plural forms for one or two may spell the number out ("حرفين"); the general
            # form, always last, keeps every placeholder.
            spelled_out = message.pluralizable and index < len(strings) - 1
            if not found <= wanted or (found != wanted and not spelled_out):
                problems.append(f"placeholders differ: {message.id!r} -> {text!r}")
    assert problems == []


@pytest.mark.parametrize("locale", [code for code in UI_LOCALES if code != "en"])
def test_plural_forms_fill_every_form(locale: str) -> None:
    catalog = load(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if message.pluralizable:
            assert len(message.string) == catalog.num_plurals, message.id
