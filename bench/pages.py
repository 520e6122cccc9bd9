"""The weight of each respondent page: HTML plus what it loads, and whether it has a script.

A consultation with the demo's questionnaire (its longest pages) is opened in the given app,
with a sealing key, an invitation and a kiosk visit session; each page is fetched as a browser
without JavaScript reaches it, through Flask's test client. A page's weight is its HTML plus
every stylesheet, image, icon and script it links to under ``/static/`` (each counted once per
page, as a browser with an empty cache loads them). Target: at most 60 KB (60,000 bytes), and
no ``<script>`` (every page works without JavaScript, so none is needed), except on the kiosk's
pages: one deferred script from ``/static/``, which only adds the warning before the kiosk goes
back to its start (``static/js/kiosk.js``, WCAG 2.2.1), counted in their weight.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from common import absolute, say

from consult import demo
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.respond import invitations
from consult.respond.invitation_rows import InvitationFields
from consult.sealed import visits
from consult.sealed.kiosk import COOKIE, SALT
from consult.sealed.visit_models import VisitMode
from tests.factories import Factory

SLUG = "bench-pages"
TARGET_BYTES = 60_000
LINKED = re.compile(r'<(?:link|img|script)\b[^>]*?(?:href|src)="(/static/[^"?#]+)')
SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
#: The scripts a page may load, by page name prefix: deferred, from this app's static files.
ALLOWED_SCRIPTS = {"kiosk_": ['<script src="/static/js/kiosk.js" defer>']}


def measure(app: Any) -> dict[str, dict[str, Any]]:
    """``page.<name>`` entries for every respondent page."""
    token, ticket = _consultation(app)
    entries = {}
    for name, fetch in _pages(app, token, ticket).items():
        html = fetch()
        entries[f"page.{name}"] = _weigh(app, html, _allowed_scripts(name))
        entry = entries[f"page.{name}"]
        say(
            f"page.{name:<22}: {entry['value'] / 1000:6.1f} KB (HTML {entry['html_bytes']:,}, "
            f"linked {entry['linked_bytes']:,}), scripts: {entry['script_tags']}"
        )
    return entries


def _consultation(app: Any) -> tuple[str, str]:
    """Open the consultation; the invitation's token and the kiosk ticket."""
    from itsdangerous import URLSafeTimedSerializer

    make = Factory(app)
    make.consultation("bench", SLUG, ("en",), opened=True, questionnaire=demo.questionnaire())
    with app.app_context():
        consultation = db.session.scalars(
            db.select(Consultation).where(Consultation.slug == SLUG)
        ).one()
        owner = consultation.organisation.memberships[0].user
        _, token = invitations.create(
            consultation,
            InvitationFields("Bench Association", "civil_society", None, None, "en"),
            owner,
        )
        plan = visits.VisitPlan("prison_sentenced", None, VisitMode.KIOSK, 4)
        visit = visits.open_session(consultation, owner, plan)
        db.session.commit()
        ticket = URLSafeTimedSerializer(app.secret_key, salt=SALT).dumps(
            {"consultation": str(consultation.uuid), "visit": visit.id}
        )
    return token, ticket


def _pages(app: Any, token: str, ticket: str) -> dict[str, Any]:
    """How to reach each page, as a browser does (a fresh client each, like a new visitor)."""
    base = f"/en/c/{SLUG}"

    def get(url: str, cookie: str = "") -> Any:
        def fetch() -> str:
            client = app.test_client()
            if cookie:
                client.set_cookie(COOKIE, cookie)
            return _ok(client.get(url))

        return fetch

    def start(url: str, mode: str, cookie: str = "") -> Any:
        def fetch() -> str:
            client = app.test_client()
            if cookie:
                client.set_cookie(COOKIE, cookie)
            return _ok(client.post(url, data={"stage": "intro", "mode": mode}))

        return fetch

    return {
        "open": get(f"{base}/respond"),
        "sealed_first": get(f"{base}/sealed"),
        "sealed_questions": start(f"{base}/sealed", "page"),
        "sealed_step": start(f"{base}/sealed", "steps"),
        "invited": get(f"{base}/i/{token}"),
        "kiosk_first": get("/en/kiosk", ticket),
        "kiosk_step": start("/en/kiosk", "steps", ticket),
    }


def _ok(response: Any) -> str:
    assert response.status_code == 200, (response.request.path, response.status_code)
    return str(response.get_data(as_text=True))


def _allowed_scripts(name: str) -> list[str]:
    return next((tags for prefix, tags in ALLOWED_SCRIPTS.items() if name.startswith(prefix)), [])


def _weigh(app: Any, html: str, allowed_scripts: list[str]) -> dict[str, Any]:
    client = app.test_client()
    linked = {}
    for path in sorted(set(LINKED.findall(html))):
        response = client.get(path)
        assert response.status_code == 200, path
        linked[path] = len(response.get_data())
        response.close()
    html_bytes = len(html.encode())
    total = html_bytes + sum(linked.values())
    scripts = SCRIPT.findall(html)
    entry = absolute(total, TARGET_BYTES, "bytes")
    entry["met"] = entry["met"] and Counter(scripts) <= Counter(allowed_scripts)
    return {
        **entry,
        "html_bytes": html_bytes,
        "linked_bytes": sum(linked.values()),
        "linked": linked,
        "script_tags": len(scripts),
    }
