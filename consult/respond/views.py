"""Public pages under ``/<lang>/``: the consultations, and answering them on the open channel.

``<lang>`` is a UI language, or a content language a consultation offers beyond them (its
pages then speak that language for the content and the consultation's fallback language for
the interface, DESIGN.md §8).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HTTPResponse
from wtforms import ValidationError

from consult.accounts.permissions import Permission
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Phase
from consult.db import read_first, start_writing
from consult.errors import Forbidden, NotFound
from consult.extensions import csrf, db
from consult.i18n.content import current_language
from consult.i18n.locales import is_ui_locale, negotiate
from consult.opcat.vocabulary import NPM_MODELS, PLACES, SEALED_STAKEHOLDERS
from consult.questionnaires.answers import Submission, localized_numbers
from consult.questionnaires.schema import (
    CHANNEL_LABELS,
    CHANNELS,
    Channel,
    Questionnaire,
    easy_read,
    has_easy_read,
)
from consult.respond import answering, services
from consult.respond import flow as flows
from consult.respond.display import PROFILE_LABELS, Words
from consult.sealed import services as sealed

root = Blueprint("root", __name__)
bp = Blueprint("respond", __name__, url_prefix="/<lang>")

EXPIRED = _l(
    "For your safety this page had expired. Your answers are kept: check them and send them again."
)


@root.get("/")
def index() -> HTTPResponse:
    """Send visitors to the home page in the language their browser prefers."""
    response = redirect(url_for("respond.home", lang=negotiate()))
    response.headers["Vary"] = "Accept-Language"
    return response


@bp.url_value_preprocessor
def pull_lang(endpoint: str | None, values: dict[str, Any] | None) -> None:
    values = values if values is not None else {}
    lang = values.pop("lang", None)
    if is_ui_locale(lang):
        g.lang = lang
        return
    consultation = _consultation_offering(values.get("slug"), lang)
    if consultation is None:
        abort(404)
    g.lang, g.content_locale = consultation.ui_fallback_locale, lang


def _consultation_offering(slug: str | None, lang: str | None) -> Consultation | None:
    if not slug or not lang:
        return None
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None or lang not in consultation.offered_locales:
        return None
    return consultation


@bp.url_defaults
def add_lang(endpoint: str, values: dict[str, Any]) -> None:
    if "lang" not in values:
        values["lang"] = g.get("content_locale") or g.get("lang") or _locale_language()


def _locale_language() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


@bp.get("/")
def home() -> str:
    """Open consultations of this instance."""
    return render_template("respond/home.html", consultations=consultations.open_consultations())


def _public(slug: str) -> Consultation:
    """A consultation readers may see, with its content language settled for this request."""
    consultation = consultations.get_public(slug)
    settle_content_language(consultation)
    return consultation


def settle_content_language(consultation: Consultation) -> None:
    """This request's content language: the one asked for if the consultation offers it."""
    wanted = g.get("content_locale") or g.get("lang")
    g.content_locale = (
        wanted if wanted in consultation.offered_locales else consultation.default_locale
    )
    g.extra_languages = [c for c in consultation.offered_locales if not is_ui_locale(c)]


@bp.get("/c/<slug>/")
def consultation(slug: str) -> str:
    """Purpose, NPM options, timeline, organiser, use of the answers, and who answers how."""
    consultation = _public(slug)
    document = consultation.shared_document()
    used = {c for q in document.questions() for c in q.channels}
    return render_template(
        "respond/consultation.html",
        consultation=consultation,
        document=document,
        words=Words(document, current_language(), consultation.default_locale),
        phase=consultation.phase(),
        Phase=Phase,
        models=NPM_MODELS,
        channels=[(c, CHANNEL_LABELS[c]) for c in CHANNELS if c in used],
        answers_open=bool(services.questions_for(document, Channel.OPEN)),
    )


@bp.route("/c/<slug>/respond", methods=["GET", "POST"])
@csrf.exempt  # checked below, so that an expired token re-renders the answers, not an error
def respond(slug: str) -> HTTPResponse | tuple[str, int] | str:
    read_first()  # the answers are checked before the one write that stores them
    if request.method == "POST":  # answers sent: the process's copy (``answering``)
        consultation = answering.consultation(slug)
        settle_content_language(consultation)
    else:
        consultation = _public(slug)
    if not consultation.is_accepting():
        return _closed(consultation)
    return _questionnaire(consultation, Channel.OPEN, preview=False)


@bp.route("/c/<slug>/preview", methods=["GET", "POST"])
@csrf.exempt
def preview(slug: str) -> HTTPResponse | tuple[str, int] | str:
    """The questionnaire as respondents of a channel will see it; nothing is recorded.

    Sign-in comes first, for every slug: answering a stranger 404 for an unknown slug and a
    sign-in page for a real one would tell which drafts exist.
    """
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise NotFound()
    membership = current_user.membership_in(consultation.organisation)
    if membership is None:
        raise NotFound()
    if not membership.can(Permission.VIEW):
        raise Forbidden()
    content = request.values.get("content")
    g.content_locale = content if content in consultation.offered_locales else None
    settle_content_language(consultation)
    channel = request.values.get("channel", Channel.OPEN)
    if channel not in CHANNELS:
        raise NotFound()
    return _questionnaire(consultation, Channel(channel), preview=True)


@bp.get("/c/<slug>/thanks")
def thanks(slug: str) -> str:
    consultation = _public(slug)
    return render_template("respond/thanks.html", consultation=consultation)


def closed_since(slug: str) -> tuple[str, int]:
    """The answers just checked could not be stored: the consultation stopped taking them
    a moment ago. Its page as it now stands."""
    db.session.rollback()
    answering.forget(slug)
    return _closed(_public(slug))


def _closed(consultation: Consultation) -> tuple[str, int]:
    status = 409 if request.method == "POST" else 200
    return render_template(
        "respond/closed.html", consultation=consultation, phase=consultation.phase(), Phase=Phase
    ), status


def _questionnaire(
    consultation: Consultation, channel: Channel, preview: bool
) -> HTTPResponse | tuple[str, int]:
    page = _page(consultation, channel, preview)
    if request.method == "GET":
        return page.render(flows.PROFILE)
    return page.handle()


def _page(
    consultation: Consultation,
    channel: Channel,
    preview: bool,
    kind: type[_Page] | None = None,
) -> _Page:
    """This request's page of ``channel``'s questionnaire (``NotFound`` if it asks nothing).

    ``kind`` is a :class:`_Page` subclass of a channel that stores or renders otherwise (the
    sealed channel seals instead of storing).
    """
    document = consultation.shared_document()
    questions = services.questions_for(document, channel)
    if not questions:
        raise NotFound()
    locale = current_language()
    form: MultiDict[str, str] = MultiDict()
    if request.method == "POST":
        form = localized_numbers(request.form, questions, locale)
    flow = flows.Flow(
        document, questions, services.profile_rules(consultation, document, channel, locale), form
    )
    return (kind or _Page)(consultation, channel, flow, preview, locale)


class _Page:
    """One request on a questionnaire page: read what was sent, decide what to show.

    A channel that stores or shows its pages otherwise subclasses it and overrides
    :meth:`store`, :meth:`context` and :attr:`template` (see ``consult.sealed.views``).
    """

    template: ClassVar[str] = "respond/questionnaire.html"

    def __init__(
        self,
        consultation: Consultation,
        channel: Channel,
        flow: flows.Flow,
        preview: bool,
        locale: str,
    ) -> None:
        self.consultation, self.channel, self.flow = consultation, channel, flow
        self.preview, self.locale = preview, locale
        sent = flow.form.get("mode") or request.args.get("mode")
        self.easy_offered = has_easy_read(flow.document, locale)
        asked = (flow.form.get("easy") or request.args.get("easy")) == "1"
        self.easy = asked and self.easy_offered
        default = "steps" if self.easy else "page"  # easy read: one question at a time
        self.mode = sent if sent in flows.MODES else default
        key = flow.form.get("submission_key")
        self.key: str = (
            key if key and flows.valid_submission_key(key) else flows.new_submission_key()
        )

    def handle(self) -> HTTPResponse | tuple[str, int]:
        form, flow = self.flow.form, self.flow
        step = flow.known(form.get("step"))
        if not _csrf_valid():
            return self.render(step, notice=EXPIRED, status=400)
        if not flows.valid_submission_key(form.get("submission_key")):
            return self.render(step, status=400)
        nav = form.get("nav", "send")
        own = self.button(nav, step)
        if own is not None:
            return own
        if self.mode == "steps" and (nav in ("back", "next") or nav.startswith("goto:")):
            return self.navigate(nav, step)
        return self.send()

    def button(self, nav: str, step: str) -> HTTPResponse | tuple[str, int] | None:
        """The answer to a button of the channel's own (the invited channel saves a draft),
        or ``None`` for the buttons every channel has. Called once the form is trusted."""
        return None

    def navigate(self, nav: str, step: str) -> tuple[str, int]:
        if nav == "back":
            return self.render(self.flow.before(step))
        if nav.startswith("goto:"):
            return self.render(self.flow.known(nav.removeprefix("goto:")))
        errors = self.flow.check(step)
        if errors:
            return self.render(step, errors=errors, status=400)
        return self.render(self.flow.after(step))

    def send(self) -> HTTPResponse | tuple[str, int]:
        submission = self.flow.submission()
        if submission.errors:
            step = self.flow.first_step_with(submission.errors)
            return self.render(step, errors=submission.errors, status=400)
        if self.preview:
            return self.render(flows.REVIEW, preview_done=True)
        return self.store(submission)

    def store(self, submission: Submission) -> HTTPResponse | tuple[str, int]:
        """Keep a checked submission, commit, and say thank you."""
        slug = self.consultation.slug
        start_writing(db.session)
        try:
            services.keep(
                self.consultation,
                self.channel,
                submission,
                locale=self.locale,
                submission_key=self.key,
            )
        except services.NotAccepting:  # closed since the page's copy was read
            return closed_since(slug)
        db.session.commit()
        return redirect(url_for("respond.thanks", slug=slug), code=303)

    def context(self, step: str) -> dict[str, Any]:
        """What the channel adds to its pages: the open channel offers the sealed one."""
        return {"sealed_offer": self.sealed_offer(step)}

    def sealed_offer(self, step: str) -> str | None:
        """The sealed channel's address, where this page should offer it.

        In one-page mode, beside the profile; step by step, on the page after the profile,
        to those who chose a category the sealed channel is meant for.
        """
        if self.channel is not Channel.OPEN or self.preview:
            return None
        if self.mode == "steps" and (
            step != self.flow.after(flows.PROFILE)
            or self.flow.form.get("p-category") not in SEALED_STAKEHOLDERS
        ):
            return None
        if not sealed_ready(self.consultation, self.flow.document):
            return None
        return url_for("sealed.channel", slug=self.consultation.slug)

    def render(
        self,
        step: str,
        *,
        errors: dict[str, LazyString] | None = None,
        notice: LazyString | None = None,
        status: int = 200,
        preview_done: bool = False,
    ) -> tuple[str, int]:
        flow, consultation = self.flow, self.consultation
        document = flow.document
        wording = easy_read(document, self.locale) if self.easy else document
        words = Words(wording, self.locale, consultation.default_locale)
        if self.mode == "steps":  # the review page shows answers as text: carry them all
            showing = [] if step == flows.REVIEW else flow.fields_of(step)
        else:
            showing = [name for s in flow.steps for name in flow.fields_of(s)]
        return render_template(
            self.template,
            consultation=consultation,
            document=wording,
            flow=flow,
            words=words,
            mode=self.mode,
            easy=self.easy,
            easy_offered=self.easy_offered,
            step=step,
            errors=errors or {},
            notice=notice,
            key=self.key,
            channel=self.channel,
            preview=self.preview,
            preview_done=preview_done,
            carried=flow.carried(showing),
            places=PLACES.choices(),
            categories=services.category_choices(
                document, self.channel, self.locale, consultation.default_locale
            ),
            jurisdictions=services.jurisdiction_choices(consultation, document, self.locale),
            submission=flow.submission() if step == flows.REVIEW else None,
            error_items=self.error_items(words, errors or {}),
            profile_labels=PROFILE_LABELS,
            channel_labels=CHANNEL_LABELS,
            REVIEW=flows.REVIEW,
            PROFILE=flows.PROFILE,
            **self.context(step),
        ), status

    def error_items(
        self, words: Words, errors: dict[str, LazyString]
    ) -> list[tuple[str, str, str]]:
        """The error summary, ``(field, label, message)`` in the order of the page; a channel
        with fields of its own beyond the questionnaire adds theirs."""
        flow = self.flow
        return words.errors([(s, flow.fields_of(s)) for s in flow.steps], errors)


def sealed_ready(consultation: Consultation, document: Questionnaire) -> bool:
    """Whether the sealed channel can take answers: its key exists and it asks something."""
    return sealed.channel_key(consultation, document) is not None


def _csrf_valid() -> bool:
    """Flask-WTF's own check (token, and same-origin Referer over HTTPS), as a yes or no."""
    try:
        csrf.protect()
    except (ValidationError, CSRFError):
        return False
    return True
