"""Every form and API endpoint under random, huge and malformed input: never a 5xx (issue 9).

Each POST route of the url map (public and organiser) and each API route is tried with
Hypothesis: random Unicode in its real fields and in made-up ones (NUL, right-to-left
controls, long strings), bytes that are not UTF-8 or encode surrogates, broken multipart,
wrong content types, malformed JSON and bad query strings. The session holds a valid CSRF
token so that bodies reach the parsers behind it. Every form is tried by a member holding
every role; the forms people send signed out (the channels, signing in) again without a
session; and the kiosk's questionnaire step by step on a device a facilitator unlocked.
Bodies over the size or field limit must get the translated 413 page.

The world: organisation ``acme`` signed in with every role, a draft consultation for the
questionnaire builder, an open one with a sealed channel, an invitation and two visits
(assisted entry and a kiosk), and a closed, reported and designated one with a response and
a proposed quotation.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from consult.accounts import services as accounts
from consult.accounts.models import Membership, User
from consult.accounts.permissions import Role
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.opcat.vocabulary import PLACES
from consult.questionnaires.schema import Channel, Choice
from consult.quotations import services as quotations
from consult.quotations.models import Quotation
from consult.reports.designation_models import Recommendation
from consult.respond import invitations
from consult.respond.invitation_rows import InvitationFields
from consult.respond.models import Invitation
from consult.sealed import visits
from consult.sealed.visit_models import VisitMode, VisitSession
from tests.factories import Factory, sample_questionnaire
from tests.helpers import Page, login
from tests.paper.test_paper import empty_database
from tests.reports.designated import designated
from tests.reports.sample import add_response
from tests.respond.test_open_channel import carried_form, hidden
from tests.sealed.test_channel import ANSWERS as SEALED_ANSWERS

DRAFT, OPEN, CLOSED = "npm-draft", "npm-2027", "npm-report"
#: Examples per route: few, so that the file runs in about a minute per database; set
#: CONSULT_FUZZ_EXAMPLES for a deeper run.
EXAMPLES = int(os.environ.get("CONSULT_FUZZ_EXAMPLES", "12"))
LIMIT = 4 * 1024 * 1024
#: Routes that end the session or the signed-in member's own access: tried last in their
#: test, by a member of their own.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


#: Refusals that come before a route reads its body.
REFUSED_UNREAD = {403}


@dataclass
class World:
    """What the routes work on: the member's e-mail, and the values of URL parameters."""

    email: str
    params: dict[str, str]
    #: :func:`state` just after building: when it changes, a route broke the world.
    built: tuple[object, ...] = ()


def _consultation(slug: str) -> Consultation:
    found = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    assert found is not None
    return found


def build_world(app: Flask) -> World:
    make = Factory(app)
    designated(app, make)  # CLOSED: closed, with a published report and two recommendations
    make.consultation("acme", DRAFT, ("en", "ar"), questionnaire=sample_questionnaire())
    make.consultation("acme", OPEN, ("en", "ar"), opened=True)
    me = make.member("acme", list(Role))
    target = make.member("acme", [Role.TRUSTEE])
    response_id = add_response(app, Channel.SEALED, {"why": "A long answer."}, slug=CLOSED)
    with app.test_request_context():
        actor = accounts.find_user(me.email)
        assert actor is not None
        opened = _consultation(OPEN)
        invitation, token = invitations.create(
            opened, InvitationFields("Bar Council", "civil_society", None, None, "en"), actor
        )
        plan = visits.VisitPlan(next(iter(PLACES.keys())), None, VisitMode.ASSISTED, 8)
        visit = visits.open_session(opened, actor, plan)
        kiosk_plan = visits.VisitPlan(next(iter(PLACES.keys())), None, VisitMode.KIOSK, 8)
        kiosk_visit = visits.open_session(opened, actor, kiosk_plan)
        closed = _consultation(CLOSED)
        source = quotations.original(closed, response_id, "why")
        quotation = quotations.propose(closed, actor, source, "A long answer.")
        recommendation = db.session.scalars(select(Recommendation.id)).first()
        db.session.commit()
        params = {
            "member_id": str(target.membership_id),
            "invitation_id": str(invitation.id),
            "visit_id": str(visit.id),
            "kiosk_visit_id": str(kiosk_visit.id),
            "quotation_id": str(quotation.id),
            "recommendation_id": str(recommendation),
            "response_id": response_id,
            "token": token,
            "revision": "1",
        }
    world = World(me.email, params)
    world.built = state(app)
    return world


def state(app: Flask) -> tuple[object, ...]:
    """What the routes need unchanged: statuses, the draft's items, links, sessions, members."""
    with app.app_context():
        consultations = db.session.execute(
            select(Consultation.slug, Consultation.status, Consultation.questionnaire)
        ).all()
        return (
            sorted((slug, str(status), repr(document)) for slug, status, document in consultations),
            sorted(db.session.scalars(select(Invitation.revoked_at)).all(), key=repr),
            sorted(db.session.scalars(select(VisitSession.closed_at)).all(), key=repr),
            sorted(map(str, db.session.scalars(select(Quotation.status)))),
            sorted(
                (m.id, m.is_active, tuple(m.roles)) for m in db.session.scalars(select(Membership))
            ),
            sorted(db.session.scalars(select(User.password_hash)).all()),
        )


@pytest.fixture(scope="module")
def shared(_app: Flask) -> Iterator[list[World]]:
    """One world for the module, rebuilt only after a route changed it (a test of the
    module that uses the ``app`` fixture empties the database too)."""
    empty_database(_app)
    worlds = [build_world(_app)]
    yield worlds
    empty_database(_app)


@dataclass
class Session:
    world: World
    page: Page
    token: str


@pytest.fixture
def intact(_app: Flask, shared: list[World]) -> World:
    """The shared world, rebuilt if a route changed it."""
    if state(_app) != shared[0].built:
        empty_database(_app)
        shared[0] = build_world(_app)
    return shared[0]


@pytest.fixture
def world(_app: Flask, intact: World) -> Session:
    """The shared world, intact, and a new browser signed in to it."""
    page = Page(_app.test_client())
    login(page, intact.email)
    return Session(intact, page, page.token())


def device(app: Flask, address: str) -> Page:
    """A new browser at ``address``: signed-out forms fuzzed from one address would lock the
    next sign-in out (the login throttle counts per address)."""
    page = Page(app.test_client())
    page.client.environ_base["REMOTE_ADDR"] = address
    return page


#: The key of a builder item by the kind named before it in the URL.
ITEM_KEYS = {"options": "ombuds", "sections": "s1", "questions": "model"}


def url_of(rule: str, params: dict[str, str]) -> str:
    """A URL of ``rule`` whose parameters name things of the world."""
    slug = DRAFT if "/questionnaire/" in rule else OPEN
    if any(part in rule for part in ("/designation/", "/report/", "/quotations/", "/unseal")):
        slug = CLOSED

    def value(match: re.Match[str]) -> str:
        name, before = match.group(1), rule[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        if name == "key":
            return ITEM_KEYS.get(before, "why")  # else a quoted question
        if name == "section":
            return "s1"
        return {"org": "acme", "lang": "en", "slug": slug, **params}.get(name, "1")

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


def post_rules(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/static")
    )


def api_rules(app: Flask) -> list[str]:
    return sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/"))


# Strategies --------------------------------------------------------------------------------

#: Characters that have broken parsers and templates elsewhere.
NASTY = [
    "\x00",
    "\u202e",
    "\u2066",
    "\u2069",
    "\u200f",
    "\ufeff",
    "\r\n",
    "\ud7ff",
    "\U0010ffff",
    "\u0301",
    "%",
    "'",
    '"',
    "<",
    "&",
    "=",
    ";",
    "\\",
    "ب",
    "中",
]
text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.lists(st.sampled_from(NASTY), max_size=12).map("".join),
    st.sampled_from(["", "0", "-1", "1e309", "NaN", "9" * 40, "true", "[]", "{}", "../../x"]),
    st.integers(1, 40_000).map(lambda n: "ب" * n),
)


@st.composite
def fields(draw: st.DrawFn, filled: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The form as a browser would send it, some values replaced, some fields dropped or
    repeated, and some made-up fields."""
    sent = []
    for name, value in filled:
        what = draw(st.sampled_from(["keep", "keep", "replace", "drop", "repeat"]))
        if what != "drop":
            sent.append((name, draw(text) if what == "replace" else value))
        if what == "repeat":
            sent.append((name, draw(text)))
    extra = draw(st.lists(st.tuples(text, text), max_size=3))
    return sent + extra


#: Raw bodies that are not what they claim to be.
BROKEN = st.sampled_from(
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb"),
        ("multipart/form-data; boundary=", b"--\r\n\r\n"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nnot a header\r\n\r\nb\r\n--zz--\r\n"),
        ("multipart/form-data; boundary=zz", b"--zz\r\nContent-Disposition: form-data\r\n"),
        ("multipart/form-data; boundary=" + "b" * 80, b"--" + b"b" * 80 + b"\r\n"),
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00%%%&=&==&a=%ED%A0%80&b=%C0%AF"),
        ("application/x-www-form-urlencoded; charset=utf-16", "a=ب".encode("utf-16")),
        ("application/json", b'{"csrf_token": '),
        ("application/json", b'{"a": [1, 2, {"b": NaN}]}'),
        ("application/json", b"[" * 5000),
        ("text/plain", b"a=b"),
        ("application/xml", b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY y SYSTEM 'file:///'>]>"),
        ("", b"a=b"),
    ]
)
query = st.one_of(
    st.just(""),
    st.lists(st.tuples(text, text), max_size=4).map(
        lambda pairs: "&".join(f"{quote(k)}={quote(v)}" for k, v in pairs)
    ),
    st.sampled_from(["%", "a=%ZZ", "&&&", "page=-1", "page=99999999999999999999", "q=%00"]),
)


class _Form(HTMLParser):
    """The fields a browser would send from a page: each named input, select and textarea
    with its value (the first choice of a select, every checked box)."""

    def __init__(self) -> None:
        super().__init__()
        self.filled: list[tuple[str, str]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and name != "csrf_token":
            kind = a.get("type", "text")
            if kind not in ("checkbox", "radio", "submit", "file") or "checked" in a:
                self.filled.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None:
            self.filled.append((self._select, a.get("value", "")))
            self._select = None
        elif tag == "textarea" and name:
            self._textarea = name

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.filled.append((self._textarea, data))
            self._textarea = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.filled.append((self._textarea, ""))
            self._textarea = None


def form_fields(page: Page, url: str) -> list[tuple[str, str]]:
    """The fields of the forms of the page at ``url`` (none when it has no GET)."""
    parser = _Form()
    parser.feed(page.get(url).get_data(as_text=True))
    return parser.filled


def send(world: Session, url: str, kind: str, data: Any, qs: str) -> int:
    client, base = world.page.client, world.page.base_url
    target = f"{url}?{qs}" if qs else url
    if kind == "form":
        body = MultiDict([("csrf_token", world.token), *data])
        response = client.post(target, data=body, base_url=base)
    elif kind == "multipart":
        body = MultiDict([("csrf_token", world.token), *data])
        response = client.post(target, data=body, base_url=base, content_type="multipart/form-data")
    else:
        content_type, raw = data
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post(target, data=raw, headers=headers, base_url=base)
    return response.status_code


def test_every_route_gets_a_url(app: Flask) -> None:
    rules = post_rules(app)
    assert len(rules) > 60
    for rule in [*rules, *api_rules(app)]:
        assert "<" not in url_of(rule, {}), rule


def signed_out_rules(app: Flask) -> list[str]:
    """The forms people send without signing in: the respondents' and the sign-in pages."""
    member_only = ("/admin/<org>/", "/admin/account", "/<lang>/c/<slug>/preview")
    return [rule for rule in post_rules(app) if not rule.startswith(member_only)]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "rule" in metafunc.fixturenames:
        from consult import create_app

        app = create_app({"secret_key": "x" * 40, "database_url": "sqlite://"})
        name = metafunc.function.__name__
        rules = (
            api_rules(app)
            if "api" in name
            else signed_out_rules(app)
            if "signed_out" in name
            else post_rules(app)
        )
        metafunc.parametrize("rule", rules)


def fuzz_posts(world: Session, url: str, filled: list[tuple[str, str]], rule: str) -> None:
    """Send ``url`` the form ``filled`` altered, as multipart, and broken bodies: never a 5xx."""
    body = st.one_of(
        st.tuples(st.just("form"), fields(filled)),
        st.tuples(st.just("multipart"), fields(filled)),
        st.tuples(st.just("raw"), BROKEN),
    )

    @FUZZ
    @given(body=body, qs=query)
    def attempt(body: tuple[str, Any], qs: str) -> None:
        status = send(world, url, body[0], body[1], qs)
        if os.environ.get("CONSULT_FUZZ_TRACE"):
            print("FUZZ", status, rule, body[0])
        assert status < 500, (rule, body, qs)

    attempt()


def test_posts_never_fail(world: Session, rule: str) -> None:
    url = url_of(rule, world.world.params)
    fuzz_posts(world, url, form_fields(world.page, url), rule)


def test_signed_out_posts_never_fail(_app: Flask, intact: World, rule: str) -> None:
    """The same forms as respondents and people signing in send them: with no session."""
    page = device(_app, "192.0.2.31")
    url = url_of(rule, intact.params)
    fuzz_posts(Session(intact, page, page.token()), url, form_fields(page, url), rule)


KIOSK = "/en/kiosk"


def test_an_unlocked_kiosk_never_fails(_app: Flask, intact: World) -> None:
    """The kiosk's form past its ticket, one step after the other: a facilitator unlocks a
    device, which is then signed out and shows the sealed questionnaire to whoever comes."""
    kiosk = device(_app, "192.0.2.32")
    login(kiosk, intact.email)
    visits_url = f"/admin/acme/consultations/{OPEN}/visits/{intact.params['kiosk_visit_id']}"
    unlocked = kiosk.post(f"{visits_url}/kiosk", {}, form_page=visits_url)
    assert unlocked.headers["Location"] == KIOSK, unlocked.status_code
    token = kiosk.token(KIOSK)
    session = Session(intact, kiosk, token)
    reply = kiosk.client.post(KIOSK, data={"csrf_token": token, "stage": "intro"})
    steps = []
    while reply.status_code == 200 and len(steps) < 20:
        html = reply.get_data(as_text=True)
        step = hidden(html, "step")
        parser = _Form()
        parser.feed(html)
        fuzz_posts(session, KIOSK, parser.filled, f"kiosk, step {step}")
        steps.append(step)
        # On to the next step, answered as a person would.
        prefix = "p-" if step == "profile" else f"q-{step}"
        data = {**carried_form(html), "csrf_token": token, "nav": "next"}
        data.update({k: v for k, v in SEALED_ANSWERS.items() if k.startswith(prefix)})
        if step == "review":
            data["nav"] = "send"
        reply = kiosk.client.post(KIOSK, data=data)
    assert steps[0] == "profile" and steps[-1] == "review" and len(steps) > 3, steps
    assert reply.headers["Location"] == "/en/kiosk/thanks"  # the fuzzing broke nothing
    assert kiosk.get(KIOSK).status_code == 200  # still a kiosk: nothing sent locked it


def test_posts_over_the_limits_get_413(_app: Flask, world: Session, rule: str) -> None:
    """Too many bytes, or too many fields, whatever the route: the translated 413 page."""
    url = url_of(rule, world.world.params)
    client, base = world.page.client, world.page.base_url
    count = _app.config["MAX_FORM_PARTS"] + 1
    many = "&".join(f"f{n}=1" for n in range(count))
    parts = "".join(
        f'--zz\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\n1\r\n' for n in range(count)
    )
    for body, content_type in (
        (b"a=" + b"x" * (LIMIT + 1), "application/x-www-form-urlencoded"),
        (f"csrf_token={world.token}&{many}".encode(), "application/x-www-form-urlencoded"),
        (f"{parts}--zz--\r\n".encode(), "multipart/form-data; boundary=zz"),
    ):
        response = client.post(url, data=body, content_type=content_type, base_url=base)
        if response.status_code in REFUSED_UNREAD or (
            response.status_code == 415 and content_type.startswith("multipart/")
        ):
            continue  # refused before the body is read (the kiosk, the sealed channel)
        assert response.status_code == 413, (rule, len(body))
        assert "What you sent is larger than this site accepts." in response.get_data(as_text=True)


def test_api_never_fails(world: Session, rule: str) -> None:
    url = url_of(rule, world.world.params).replace(OPEN, CLOSED)
    client = world.page.client

    @FUZZ
    @given(qs=query, method=st.sampled_from(["GET", "POST", "PUT"]), body=BROKEN)
    def attempt(qs: str, method: str, body: tuple[str, bytes]) -> None:
        response = client.open(
            f"{url}?{qs}", method=method, data=body[1], headers={"Content-Type": body[0] or "x/y"}
        )
        assert response.status_code < 500, (rule, method, qs)
        if response.status_code >= 400:
            assert response.is_json and "error" in response.get_json()

    attempt()


def test_the_api_answers_a_json_error_for_unknown_things(client: Any) -> None:
    response = client.get(f"/api/v1/consultations/{uuid.uuid4()}")
    assert response.status_code == 404
    assert json.loads(response.get_data())["error"]["status"] == 404


@pytest.mark.parametrize("form", ["/<lang>/c/<slug>/respond", "/<lang>/c/<slug>/i/<token>"])
def test_a_multipart_part_without_a_name_is_ignored(world: Session, form: str) -> None:
    """Found by this file: Werkzeug keeps a part whose name it cannot read under ``None``,
    and the respondent forms failed with a 500 when they carried answers to the next page."""
    url = url_of(form, world.world.params)
    body = MultiDict([("csrf_token", world.token), ("\r", "x"), ("q-model", "a")])
    response = world.page.client.post(url, data=body, content_type="multipart/form-data")
    assert response.status_code in (200, 303, 400, 415), response.status_code


def test_the_largest_form_is_far_below_the_field_limit(app: Flask, make: Factory) -> None:
    """The profile step of the builder for a federal State of 89 jurisdictions, in the seven
    interface languages and three more: the field limit is at least four times what it sends."""
    locales = ("en", "fr", "es", "ar", "ru", "zh", "pt", "ka", "rw", "uk")
    document = sample_questionnaire(locales)
    document.profile.custom_jurisdictions = [
        Choice(f"j{n}", {code: f"Region {n}" for code in locales}) for n in range(89)
    ]
    make.consultation("acme", "federal", locales, questionnaire=document)
    page = Page(app.test_client())
    login(page, make.member("acme", [Role.ORGANISER]).email)
    sent = form_fields(page, "/admin/acme/consultations/federal/questionnaire/profile")
    assert len(sent) > 89 * len(locales)
    assert 4 * len(sent) <= app.config["MAX_FORM_PARTS"], len(sent)
