"""Fixtures the report tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from consult.reports import render


@pytest.fixture
def pdf_renders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """Report PDFs stored in the test's own folder (``tmp_path``), and the HTML of every one
    actually rendered, in order: a PDF served from the store adds nothing."""
    rendered: list[str] = []
    real = render.html_to_pdf

    def counting(html: str, static_root: Path) -> bytes:
        rendered.append(html)
        return real(html, static_root)

    monkeypatch.setattr(render, "_folder", lambda: tmp_path)
    monkeypatch.setattr(render, "html_to_pdf", counting)
    return rendered
