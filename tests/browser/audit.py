"""axe-core in the page, the Nu HTML Checker on its source."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.browser.conftest import AXE, VNU

#: The WCAG 2.2 A and AA rules (axe tags each rule with the version that introduced it).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ") + ": " + n.failureSummary),
  }));
}"""


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.2 A/AA violations axe-core finds in ``page`` as it stands."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE, WCAG_TAGS)
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']}\n" + "\n".join(f"      {n}" for n in v["nodes"])
        for v in violations
    )


def html_errors(sources: Mapping[str, str]) -> dict[str, list[str]]:
    """The Nu HTML Checker's errors for each HTML document of ``sources`` (address -> source),
    in one run of the checker: a Java start per page took most of the time."""
    java = shutil.which("java")
    assert java, "Java is needed to run the Nu HTML Checker"
    with tempfile.TemporaryDirectory(prefix="consult-vnu-") as folder:
        files, paths = {}, []
        for n, (url, source) in enumerate(sources.items()):
            path = (Path(folder) / f"page-{n}.html").resolve()
            path.write_text(source, encoding="utf-8")
            files[path.as_uri()] = url
            paths.append(str(path))
        done = subprocess.run(
            [java, "-jar", str(VNU), "--errors-only", "--stdout", "--format", "json", *paths],
            capture_output=True,
            check=False,
            timeout=600,
        )
    assert done.stdout, "the Nu HTML Checker said nothing: " + done.stderr.decode()[:2000]
    messages = json.loads(done.stdout)["messages"]
    errors: dict[str, list[str]] = {url: [] for url in sources}
    for m in messages:
        if m.get("type") not in {"error", "non-document-error"}:
            continue
        url = files.get(_file_uri(m.get("url", "")), "(the checker)")
        found = f"line {m.get('lastLine', '?')}: {m['message']} [{m.get('extract', '').strip()}]"
        errors.setdefault(url, []).append(found)
    return errors


def _file_uri(reported: str) -> str:
    """The checker writes ``file:/tmp/x``; ``Path.as_uri`` gives ``file:///tmp/x``."""
    return "file://" + reported.removeprefix("file:").removeprefix("//")
