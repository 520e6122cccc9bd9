"""Kiosk mode, ``/<lang>/kiosk``: one device, unlocked by a facilitator for one visit.

From a kiosk visit session's page, a facilitator turns the device in their hands into a kiosk
(:func:`unlock`, called by ``visit_views.unlock``). The same response signs them out on that
device and sets a *kiosk ticket*: a cookie signed with the app's secret, HttpOnly and
SameSite=Strict, naming only the consultation and the session, that lives no longer than the
visit. With it, ``/<lang>/kiosk`` shows that consultation's sealed form and nothing else: the
first page, the questions one at a time, then a thank-you screen that returns to the start by
itself. Every page also returns to the start after a while without an answer, so a
half-answered form is lost rather than shown to the next person (:class:`Timeout`). No answer is
ever put in a cookie, each thank-you forgets the respondent's CSRF secret, and every response
asks the browser to keep no copy.

The ticket only makes ``/kiosk`` usable; the rest of the site behaves as for anyone. It is
checked on every request (signature, age, and that its session is still open and still a
kiosk session), so closing the session locks its kiosks. Kiosk answers are never held for
review: a kiosk serves many people from one address.

The kiosk's pages link nowhere outside the kiosk. They reuse the sealed channel's templates,
rendered through a Jinja overlay in which ``base.html`` is the bare kiosk frame
(:func:`framed`), so the questionnaire's markup exists once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from jinja2 import BaseLoader, Environment, Template
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HTTPResponse

from consult.consultations.models import Consultation
from consult.errors import CSRF_MESSAGE, ConsultError
from consult.extensions import csrf, db
from consult.i18n.locales import is_ui_locale
from consult.questionnaires.answers import Submission
from consult.questionnaires.schema import TEXT_TYPES, Channel
from consult.respond import flow as flows
from consult.respond.views import _page, _public, add_lang, pull_lang
from consult.sealed import visits
from consult.sealed.views import (
    FORM_TYPE,
    NOT_A_FORM,
    START_AGAIN,
    _first_page_errors,
    _SealedPage,
    first_page_context,
)
from consult.sealed.visit_models import VisitSession
from consult.security import HOST_PREFIX
from consult.settings import current_settings

bp = Blueprint("kiosk", __name__, url_prefix="/<lang>")
bp.url_defaults(add_lang)

#: The kiosk ticket's cookie, and the salt that keeps its signature apart from other uses.
COOKIE = "consult_kiosk"
SALT = "consult.kiosk"
#: Seconds without an answer before a page returns to the start (more to write a text).
IDLE_SECONDS = 300
WRITING_SECONDS = 900
#: Seconds the thank-you screen stays.
THANKS_SECONDS = 10
#: Where scripts run, the seconds of warning before a page returns, during which one button
#: gives it its whole time again; the thank-you screen's is shorter, after its own time (WCAG
#: 2.2.1 asks for at least 20 seconds to answer a warning).
WARNING_SECONDS = 60
THANKS_WARNING_SECONDS = 20
#: Templates the kiosk renders in place of the site's own (the page frame, with its links).
FRAMES = {"base.html": "kiosk/base.html"}
TEMPLATES_KEY = "consult.kiosk_templates"

LOCKED = _l("This device is not open as a kiosk.")
SIGNED_IN = _l(
    "Someone is signed in to the organiser area on this device. To use it as a kiosk, unlock "
    "it again from the visit session's page: that signs them out."
)


@dataclass(frozen=True)
class Timeout:
    """When a kiosk page returns to its start by itself, emptied of any answer.

    Without JavaScript a ``<meta http-equiv="refresh">`` in ``<noscript>`` returns after
    ``seconds``, with no warning. Where scripts run, ``static/js/kiosk.js`` returns instead,
    after :attr:`scripted` seconds without a key, touch or pointer, and shows a warning with a
    countdown for the last ``warning`` of them, whose "I need more time" starts the count again
    as often as asked (WCAG 2.2.1). The script never returns sooner than the refresh would: a
    page whose time is no longer than its warning (the thank-you screen) gets the warning after
    its time. More time needs nothing from the server: the ticket lasts until the visit ends,
    the form's CSRF token for hours, and an expired one gives the form back with its answers.
    """

    seconds: int
    warning: int

    @property
    def scripted(self) -> int:
        """Seconds without activity before the script returns to the start."""
        return self.seconds if self.seconds > self.warning else self.seconds + self.warning


# The ticket --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    """What a kiosk cookie says: which consultation, through which visit session."""

    consultation: str
    visit: int


def cookie_name() -> str:
    """The ticket's cookie: ``__Host-``-prefixed where it is Secure (production), so that no
    sibling subdomain or plain-HTTP page can set or shadow a kiosk's ticket."""
    return HOST_PREFIX + COOKIE if current_settings().is_production else COOKIE


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def unlock(response: HTTPResponse, visit: VisitSession) -> None:
    """Set the kiosk ticket of ``visit`` on ``response``, for the rest of the visit."""
    ticket = {"consultation": str(visit.consultation.uuid), "visit": visit.id}
    response.set_cookie(
        cookie_name(),
        _serializer().dumps(ticket),
        max_age=max(1, int(visit.remaining().total_seconds())),
        httponly=True,
        samesite="Strict",
        secure=current_settings().is_production,
    )


def _forget_ticket(response: HTTPResponse) -> None:
    response.delete_cookie(
        cookie_name(), httponly=True, samesite="Strict", secure=current_settings().is_production
    )


def read_ticket() -> Ticket | None:
    """The ticket of this request, if it is signed by this app and younger than any visit."""
    raw = request.cookies.get(cookie_name())
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=visits.MAX_HOURS * 3600)
    except BadData:
        return None
    if not isinstance(data, dict):
        return None
    consultation, visit = data.get("consultation"), data.get("visit")
    if not isinstance(consultation, str) or type(visit) is not int:
        return None
    return Ticket(consultation, visit)


def current_visit() -> VisitSession | None:
    """The kiosk session this device is unlocked for, while it may take answers."""
    if "kiosk_visit" not in g:
        ticket = read_ticket()
        g.kiosk_visit = visits.kiosk_visit(ticket.visit, ticket.consultation) if ticket else None
    visit: VisitSession | None = g.kiosk_visit
    return visit


@bp.url_value_preprocessor
def pull_kiosk_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """The public pages' language rule; a content language must be one the kiosk offers."""
    lang = (values or {}).pop("lang", None)
    probe: dict[str, Any] = {"lang": lang}
    if not is_ui_locale(lang):
        visit = current_visit()
        probe["slug"] = visit.consultation.slug if visit else None
    pull_lang(endpoint, probe)


# Rendering ---------------------------------------------------------------------------------


class _FramedLoader(BaseLoader):
    """The app's templates, with the kiosk frame standing in for the site's page frame."""

    def __init__(self, inner: BaseLoader) -> None:
        self.inner = inner

    def get_source(self, environment: Environment, template: str) -> Any:
        return self.inner.get_source(environment, FRAMES.get(template, template))

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def framed(name: str) -> Template:
    """Template ``name``, whose page frame is the kiosk's (no header, no links out)."""
    app = current_app
    environment = app.extensions.get(TEMPLATES_KEY)
    if environment is None:
        inner = app.jinja_env.loader
        assert inner is not None
        environment = app.jinja_env.overlay(loader=_FramedLoader(inner))
        app.extensions[TEMPLATES_KEY] = environment
    return environment.get_template(name)


def _render(name: str, status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template(framed(name), **context), status


def _message(message: LazyString | str, status: int, *, locked: bool = False) -> tuple[str, int]:
    """A page with one message; ``locked`` pages offer no way back into the kiosk."""
    return _render("kiosk/message.html", status, message=message, locked=locked)


def _locked() -> HTTPResponse:
    """The clear page of a device that is not (or no longer) a kiosk; a bad ticket is removed."""
    signed_in = current_user.is_authenticated and current_visit() is not None
    body, status = _message(SIGNED_IN if signed_in else LOCKED, 403, locked=True)
    response = current_app.make_response((body, status))
    if request.cookies.get(cookie_name()) and not signed_in:
        _forget_ticket(response)
    return response


def _start_page(
    consultation: Consultation,
    form: MultiDict[str, str],
    errors: dict[str, LazyString] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    return _render(
        "kiosk/start.html",
        status,
        form=form,
        errors=errors or {},
        timeout=Timeout(IDLE_SECONDS, WARNING_SECONDS),
        **first_page_context(consultation),
    )


@bp.after_request
def forget(response: HTTPResponse) -> HTTPResponse:
    """Each kiosk page clears the browser's cache (``no-store``: consult/security.py)."""
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.errorhandler(ConsultError)
def kiosk_error(error: ConsultError) -> tuple[str, int]:
    """Errors in the kiosk's own frame: the site's error page would link out of it."""
    db.session.rollback()
    return _message(error.message, error.status)


@bp.errorhandler(CSRFError)
def expired_form(error: CSRFError) -> tuple[str, int]:
    return _message(CSRF_MESSAGE, 400)


# Pages -------------------------------------------------------------------------------------


@bp.route("/kiosk", methods=["GET", "POST"])
@csrf.exempt  # checked by the page, so that an expired form comes back with its answers
def start() -> HTTPResponse | tuple[str, int]:
    """The first page (GET), then the questions one at a time and the sending (POST)."""
    if request.method == "POST" and request.mimetype != FORM_TYPE:
        return _message(NOT_A_FORM, 415)  # before anything reads the body
    visit = current_visit()
    if visit is None or current_user.is_authenticated:
        return _locked()
    consultation = _public(visit.consultation.slug)
    if request.method == "GET":
        return _start_page(consultation, MultiDict())
    page = _page(consultation, Channel.SEALED, False, _KioskPage)
    assert isinstance(page, _KioskPage)
    page.visit = visit
    if request.form.get("stage") == "intro":
        return page.start()
    return page.handle()


@bp.get("/kiosk/thanks")
def thanks() -> HTTPResponse | tuple[str, int]:
    """Thanks, then back to the start for the next person; this one's CSRF secret is dropped."""
    visit = current_visit()
    if visit is None:
        return _locked()
    session.clear()
    consultation = _public(visit.consultation.slug)
    timeout = Timeout(THANKS_SECONDS, THANKS_WARNING_SECONDS)
    return _render("kiosk/thanks.html", consultation=consultation, timeout=timeout)


@bp.post("/kiosk/lock")
def lock() -> HTTPResponse:
    """Take the ticket away; only a facilitator who signs in again can unlock the device."""
    visit = current_visit()
    after = (
        url_for(
            "visits.show",
            org=visit.consultation.organisation.slug,
            slug=visit.consultation.slug,
            visit_id=visit.id,
        )
        if visit
        else None
    )
    session.clear()
    response = redirect(url_for("accounts.login", next=after), code=303)
    _forget_ticket(response)
    return response


class _KioskPage(_SealedPage):
    """A page of the sealed questionnaire at a kiosk: one question at a time, then sealed."""

    visit: VisitSession

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = "steps"  # short pages: each gets its own time before the reset

    @property
    def template(self) -> Template:  # type: ignore[override]
        """The sealed questionnaire, in the kiosk's frame.

        A compiled template rather than a name (``render_template`` takes either): the name
        would be looked up in the site's environment, whose ``base.html`` links out.
        """
        return framed(_SealedPage.template)

    def start(self) -> tuple[str, int]:
        errors = _first_page_errors(self.consultation, self.flow.form)
        if errors:
            return _start_page(self.consultation, self.flow.form, errors, 400)
        return self.render(flows.PROFILE)

    def context(self, step: str) -> dict[str, object]:
        question = self.flow.question(step)
        writing = question is not None and question.type in TEXT_TYPES
        return {
            **super().context(step),
            "timeout": Timeout(WRITING_SECONDS if writing else IDLE_SECONDS, WARNING_SECONDS),
        }

    def store(self, submission: Submission) -> HTTPResponse | tuple[str, int]:
        """Seal (never held: many people, one kiosk), count for the visit, say thank you."""
        if _first_page_errors(self.consultation, self.flow.form):  # the first page was skipped
            return _start_page(self.consultation, MultiDict(), {"age": START_AGAIN}, 400)
        visits.seal_at_kiosk(
            self.visit,
            submission,
            locale=self.locale,
            submission_key=self.key,
            details={"age": self.age} if self.age else None,
        )
        db.session.commit()
        return redirect(url_for(".thanks"), code=303)
