"""The report workflow: analysts prepare revisions, publishers publish and withdraw them.

Who may do what, when a report can be prepared, what publishing and withdrawing change, and
that every step is in the audit log, whose chain stays intact.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq import SimpleWorker
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from consult import jobs
from consult.accounts.permissions import Role
from consult.audit import services as audit
from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.questionnaires.answers import read_submission
from consult.questionnaires.schema import Channel
from consult.reports import render, services
from consult.reports.models import Report, ReportStatus
from consult.respond import services as respond
from consult.sealed import services as sealed
from consult.sealed import unsealing
from tests.factories import Factory, Member
from tests.helpers import Page, login

SLUG = "npm-2027"
BASE = f"/admin/acme/c/{SLUG}/report"
#: Open-channel answers, repeated to pass the threshold in some cells and not in others.
OPEN = (
    {"p-category": "civil_society", "p-jurisdiction": "north", "q-model": "a", "q-visited": "no"},
    {"p-category": "nhri", "p-jurisdiction": "south", "q-model": "b", "q-topics": ["x"]},
    {"p-category": "parliament", "p-jurisdiction": "north", "q-model": "a", "q-scale": "3"},
)
SEALED = {
    "p-category": "deprived_of_liberty",
    "p-jurisdiction": "north",
    "p-place": "prison_sentenced",
    "q-model": "c",
    "q-why": "no doctor",
}
NARRATIVE = "Most respondents asked for a new, independent body."
REASON = "A coding error counted the assisted channel twice."


def the_consultation() -> Consultation:
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
    assert consultation is not None
    return consultation


def reports() -> list[tuple[int, ReportStatus]]:
    rows = db.session.scalars(select(Report).order_by(Report.revision)).all()
    return [(r.revision, r.status) for r in rows]


def actions() -> list[str]:
    rows = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    return [a for a in rows if a.startswith("report.")]


def _submission(consultation: Consultation, channel: Channel, fields: dict[str, object]):
    document = consultation.document()
    rules = respond.profile_rules(consultation, document, channel, "en")
    questions = respond.questions_for(document, channel)
    submission = read_submission(rules, questions, document, MultiDict(fields))
    assert submission.errors == {}
    return submission


@pytest.fixture
def answered(app: Flask, make: Factory) -> tuple[str, ...]:
    """An open consultation with 30 open answers and 6 sealed envelopes; the trustees' shares."""
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    with app.app_context():
        consultation = the_consultation()
        for n in range(30):
            submission = _submission(consultation, Channel.OPEN, OPEN[n % 3])
            respond.store(
                consultation, Channel.OPEN, submission, locale="en", submission_key=f"o{n}"
            )
        for n in range(6):
            submission = _submission(consultation, Channel.SEALED, SEALED)
            sealed.seal(
                consultation, Channel.SEALED, submission, locale="fr", submission_key=f"s{n}"
            )
        db.session.commit()
    return make.shares[SLUG]


def close(app: Flask) -> None:
    with app.app_context():
        consultation = the_consultation()
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()


def unseal(app: Flask, shares: tuple[str, ...]) -> None:
    with app.app_context():
        unsealing.unseal(the_consultation(), shares[:2], None)
        db.session.commit()


@pytest.fixture
def ready(app: Flask, answered: tuple[str, ...]) -> None:
    """Closed and unsealed: a report can be prepared."""
    close(app)
    unseal(app, answered)


def signed_in(app: Flask, make: Factory, *roles: Role) -> Page:
    member = make.member("acme", list(roles))
    browser = Page(app.test_client())
    login(browser, member.email)
    return browser


@pytest.fixture
def analyst(app: Flask, make: Factory) -> Page:
    return signed_in(app, make, Role.ANALYST)


@pytest.fixture
def publisher(app: Flask, make: Factory) -> Page:
    return signed_in(app, make, Role.PUBLISHER)


def prepare(page: Page, k: object = 5, narrative: str = NARRATIVE, limitations: str = ""):
    data = {"k": k, "narrative_en": narrative, "limitations_en": limitations}
    return page.post(f"{BASE}/prepare", data, form_page=f"{BASE}/prepare")


def publish(page: Page, revision: int | str, confirm: bool = True):
    data = {"revision": revision, **({"confirm": "y"} if confirm else {})}
    return page.post(f"{BASE}/publish", data, form_page=f"{BASE}/")


def withdraw(page: Page, revision: int | str, reason: str = REASON, confirm: bool = True):
    data = {"revision": revision, "reason_en": reason, **({"confirm": "y"} if confirm else {})}
    return page.post(f"{BASE}/withdraw", data, form_page=f"{BASE}/")


def html(page: Page) -> str:
    assert page.response is not None
    return page.response.get_data(as_text=True)


# When a report can be prepared ---------------------------------------------------------------


def test_no_report_while_the_consultation_is_open(
    app: Flask, analyst: Page, answered: tuple[str, ...]
) -> None:
    analyst.get(f"{BASE}/prepare")
    assert "close it before preparing a report" in analyst.text
    assert 'name="k"' not in html(analyst)
    assert prepare(analyst).status_code == 409
    assert "close it before preparing a report" in analyst.text
    with app.app_context():
        assert reports() == []


def test_no_report_while_sealed_answers_are_unopened(
    app: Flask, analyst: Page, answered: tuple[str, ...]
) -> None:
    close(app)
    assert prepare(analyst).status_code == 409
    assert "the trustees must unseal them" in analyst.text
    unseal(app, answered)
    assert prepare(analyst).status_code == 302
    with app.app_context():
        assert reports() == [(1, ReportStatus.PREPARED)]


def test_a_closed_consultation_without_envelopes_needs_no_unsealing(
    app: Flask, make: Factory, analyst: Page
) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    close(app)
    assert prepare(analyst).status_code == 302
    with app.app_context():
        (report,) = db.session.scalars(select(Report)).all()
        assert services.numbers(report).responses == 0


# Preparing ------------------------------------------------------------------------------------


def test_preparing_freezes_the_numbers_with_their_digests(
    app: Flask, analyst: Page, ready: None
) -> None:
    analyst.get(f"{BASE}/prepare")
    assert 'value="5"' in html(analyst)  # the instance's floor by default
    assert (
        prepare(analyst, k=6, limitations="Few people in detention were reached.").status_code
        == 302
    )
    analyst.get(f"{BASE}/")
    assert "Revision 1" in analyst.text and "Prepared" in analyst.text
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        data = services.numbers(report)
        assert (report.k, data.k, data.responses) == (6, 6, 36)
        assert report.narrative == {"en": NARRATIVE}
        assert report.limitations == {"en": "Few people in detention were reached."}
        assert len(report.digest) == len(report.dataset_digest) == len(report.audit_head) == 64
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.prepared")
        ).one()
        assert event.details["digest"] == report.digest and event.details["revision"] == 1
        assert event.prev_hash == report.audit_head
        assert NARRATIVE not in str(event.details)


def test_a_threshold_below_the_floor_is_refused_and_the_texts_kept(
    app: Flask, analyst: Page, ready: None
) -> None:
    assert prepare(analyst, k=2).status_code == 400
    assert "Use a threshold of at least 5 on this site." in analyst.text
    assert NARRATIVE in html(analyst)
    assert prepare(analyst, k="five").status_code == 400
    assert "Enter a whole number, such as 5." in analyst.text
    assert NARRATIVE in html(analyst)
    assert prepare(analyst, narrative="x" * (services.TEXT_MAX + 1)).status_code == 400
    assert "Use at most 20,000 characters." in analyst.text
    with app.app_context():
        assert reports() == []


def test_every_preparation_is_a_new_numbered_revision(
    app: Flask, analyst: Page, ready: None
) -> None:
    prepare(analyst)
    analyst.get(f"{BASE}/prepare")
    assert NARRATIVE in html(analyst)  # the previous revision's texts, ready to change
    prepare(analyst, k=7)
    with app.app_context():
        assert reports() == [(1, ReportStatus.PREPARED), (2, ReportStatus.PREPARED)]


def test_analysts_correct_the_texts_of_a_prepared_revision(
    app: Flask, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    analyst.get(f"{BASE}/texts")
    assert NARRATIVE in html(analyst)
    data = {"revision": 1, "narrative_en": "Corrected.", "narrative_fr": "Corrigé."}
    too_long = {**data, "limitations_fr": "x" * (services.TEXT_MAX + 1)}
    assert analyst.post(f"{BASE}/texts", too_long, form_page=f"{BASE}/texts").status_code == 400
    assert "Corrigé." in html(analyst)
    assert analyst.post(f"{BASE}/texts", data, form_page=f"{BASE}/texts").status_code == 302
    with app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.narrative == {"en": "Corrected.", "fr": "Corrigé."}
        assert report.limitations == {}
    publish(publisher, 1)
    assert analyst.get(f"{BASE}/texts").status_code == 409
    assert analyst.post(f"{BASE}/texts", data, form_page=f"{BASE}/").status_code == 409
    assert "prepare a new revision" in analyst.text


# Publishing and withdrawing -------------------------------------------------------------------


def test_publishing_needs_a_confirmation_and_makes_the_consultation_published(
    app: Flask, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    publisher.get(f"{BASE}/")
    assert "Publish revision 1" in publisher.text
    assert publish(publisher, 1, confirm=False).status_code == 400
    assert "Tick this box to confirm." in publisher.text
    assert publish(publisher, 1).status_code == 302
    with app.app_context():
        consultation = the_consultation()
        assert consultation.status is Status.PUBLISHED
        assert services.public_report(consultation).revision == 1
        assert reports() == [(1, ReportStatus.PUBLISHED)]
    publisher.get(f"{BASE}/")
    assert "Published by" in publisher.text
    assert publish(publisher, 1).status_code == 409  # only a prepared report


def test_the_desk_links_to_the_preview_and_to_the_public_report(
    analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    preview = f'href="/admin/acme/c/{SLUG}/report/1/preview"'
    publisher.get(f"{BASE}/")
    assert preview in html(publisher)
    analyst.get(f"{BASE}/")
    assert preview in html(analyst)  # analysts prepare it and check it before a publisher
    assert f"/c/{SLUG}/report" not in html(analyst).replace(BASE, "")
    publish(publisher, 1)
    analyst.get(f"{BASE}/")
    assert f'href="/en/c/{SLUG}/report"' in html(analyst)


def test_a_new_revision_supersedes_the_published_one(
    app: Flask, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    publish(publisher, 1)
    prepare(analyst, k=8)
    prepare(analyst, k=9)
    assert publish(publisher, 2).status_code == 409  # not the newest: revision 3 replaced it
    assert "A newer revision of this report exists" in publisher.text
    assert publish(publisher, 3).status_code == 302
    with app.app_context():
        assert services.public_report(the_consultation()).revision == 3
        assert reports() == [
            (1, ReportStatus.PUBLISHED),
            (2, ReportStatus.PREPARED),
            (3, ReportStatus.PUBLISHED),
        ]
        published = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "report.published")
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.details["supersedes"] for e in published] == [None, 1]
    publisher.get(f"{BASE}/")
    assert "replaced by a later revision" in publisher.text


@pytest.mark.parametrize("revision", ["¹", "①", "9" * 5000])
def test_a_revision_number_int_cannot_read_is_refused_not_an_error(
    publisher: Page, analyst: Page, ready: None, revision: str
) -> None:
    prepare(analyst)
    assert publish(publisher, revision).status_code == 404
    assert withdraw(publisher, revision).status_code == 404


def test_withdrawing_leaves_a_notice_and_reopens_the_way_to_a_new_revision(
    app: Flask, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    publish(publisher, 1)
    publisher.get(f"{BASE}/withdraw")
    assert withdraw(publisher, 1, reason="  ").status_code == 400
    assert "This field is required." in publisher.text
    assert withdraw(publisher, 1, confirm=False).status_code == 400
    assert REASON in html(publisher)
    assert withdraw(publisher, 1).status_code == 302
    with app.app_context():
        consultation = the_consultation()
        assert consultation.status is Status.UNSEALED  # as it was before publication
        report = services.public_report(consultation)
        assert report.status is ReportStatus.WITHDRAWN
        assert report.withdrawal_reason == {"en": REASON}
        assert report.withdrawn_at is not None and report.published_at is not None
    assert withdraw(publisher, 1).status_code == 409
    assert publisher.get(f"{BASE}/withdraw").status_code == 409
    assert prepare(analyst).status_code == 302
    assert publish(publisher, 2).status_code == 302
    with app.app_context():
        assert services.public_report(the_consultation()).revision == 2
        assert actions() == [
            "report.prepared",
            "report.published",
            "report.withdrawn",
            "report.prepared",
            "report.published",
        ]
        withdrawn = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "report.withdrawn")
        ).one()
        assert REASON not in str(withdrawn.details)
        assert audit.verify().intact


def test_a_consultation_without_envelopes_goes_back_to_closed(
    app: Flask, make: Factory, analyst: Page, publisher: Page
) -> None:
    make.consultation("acme", SLUG, ("en", "fr"), opened=True)
    close(app)
    prepare(analyst)
    publish(publisher, 1)
    withdraw(publisher, 1)
    with app.app_context():
        assert the_consultation().status is Status.CLOSED


# Who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.OWNER, Role.ORGANISER, Role.TRUSTEE, Role.FACILITATOR, Role.PUBLISHER]
)
def test_only_analysts_prepare(app: Flask, make: Factory, ready: None, role: Role) -> None:
    page = signed_in(app, make, role)
    assert page.get(f"{BASE}/").status_code == 200
    assert "Prepare the report" not in page.text
    assert page.get(f"{BASE}/prepare").status_code == 403
    assert prepare(page).status_code == 403
    with app.app_context():
        assert reports() == []


@pytest.mark.parametrize("role", [Role.OWNER, Role.ORGANISER, Role.TRUSTEE, Role.ANALYST])
def test_only_publishers_publish_and_withdraw(
    app: Flask, make: Factory, analyst: Page, publisher: Page, ready: None, role: Role
) -> None:
    prepare(analyst)
    page = signed_in(app, make, role)
    page.get(f"{BASE}/")
    assert "Publish the report" not in page.text
    assert publish(page, 1).status_code == 403
    publish(publisher, 1)
    assert withdraw(page, 1).status_code == 403
    with app.app_context():
        assert reports() == [(1, ReportStatus.PUBLISHED)]


def test_other_organisations_see_nothing(
    app: Flask, make: Factory, login_as: Callable[..., Member], page: Page, ready: None
) -> None:
    login_as(*Role, organisation="other")
    for url in (f"{BASE}/", f"{BASE}/prepare", f"{BASE}/withdraw"):
        assert page.get(url).status_code == 404
    assert page.post(f"{BASE}/publish", {"revision": 1, "confirm": "y"}).status_code == 404


def test_every_post_needs_its_csrf_token(analyst: Page, ready: None) -> None:
    response = analyst.post(f"{BASE}/prepare", {"k": 5}, csrf=False)
    assert response.status_code == 400
    assert "Your form expired" in analyst.text


def test_the_consultation_page_links_to_the_report(app: Flask, make: Factory, ready: None) -> None:
    page = signed_in(app, make, Role.ORGANISER)
    page.get(f"/admin/acme/consultations/{SLUG}/")
    assert f'href="{BASE}/"' in html(page)


# PDFs through the job interface: inline by default, an RQ worker on Redis when set ----------

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setattr(render, "_folder", lambda: tmp_path)
    return tmp_path


@pytest.fixture
def queue(app: Flask) -> Iterator[jobs.QueueJobs]:
    """The app's jobs go to a queue of their own in the machine's Redis, for this test."""
    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI starts one)")
    runner = jobs.QueueJobs(REDIS_URL, name=f"consult-test-{uuid.uuid4().hex}")
    inline = app.extensions["consult.jobs"]
    app.extensions["consult.jobs"] = runner
    yield runner
    app.extensions["consult.jobs"] = inline
    runner.queue.delete(delete_jobs=True)


def test_jobs_run_inline_unless_redis_is_configured(app: Flask) -> None:
    assert isinstance(app.extensions["consult.jobs"], jobs.InlineJobs)
    assert not app.extensions["consult.jobs"].background


def test_only_functions_of_consult_can_be_jobs() -> None:
    with pytest.raises(ValueError, match="not a consult job"):
        jobs.resolve("os.system")
    assert jobs.resolve("consult.reports.render.prerender") is render.prerender


def test_inline_the_first_reader_renders_and_the_pdf_is_kept(
    folder: Path, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    publish(publisher, 1)
    assert list(folder.glob("*.pdf")) == []  # nothing rendered ahead: it would run inline
    first = publisher.get(f"/en/c/{SLUG}/report.pdf")
    assert first.status_code == 200
    assert [p.read_bytes() for p in folder.glob("*.pdf")] == [first.get_data()]


def test_publishing_queues_every_language_for_the_worker(
    app: Flask,
    make: Factory,
    folder: Path,
    queue: jobs.QueueJobs,
    analyst: Page,
    publisher: Page,
    ready: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    prepare(analyst)
    publish(publisher, 1)
    assert queue.queue.count == 1
    monkeypatch.setattr(jobs, "worker_app", app)
    SimpleWorker([queue.queue], connection=queue.queue.connection).work(burst=True)
    assert queue.queue.count == 0
    with app.app_context():
        languages = list(the_consultation().offered_locales)
    assert len(list(folder.glob("*.pdf"))) == len(languages)
    # The reader gets what the worker rendered: nothing is laid out again.
    monkeypatch.setattr(render, "html_to_pdf", _refuse)
    for lang in languages:
        assert publisher.get(f"/{lang}/c/{SLUG}/report.pdf").status_code == 200


def test_withdrawing_deletes_the_stored_pdfs(
    folder: Path, analyst: Page, publisher: Page, ready: None
) -> None:
    prepare(analyst)
    publish(publisher, 1)
    publisher.get(f"/en/c/{SLUG}/report.pdf")
    assert list(folder.glob("*.pdf"))
    withdraw(publisher, 1)
    assert publisher.get(f"{BASE}/").status_code == 200
    assert list(folder.glob("*.pdf")) == []
    # The withdrawn report's PDF is its notice, rendered anew.
    notice = publisher.get(f"/en/c/{SLUG}/report.pdf")
    assert notice.status_code == 200 and notice.get_data() != b""


def _refuse(html: str, static_root: Path) -> bytes:
    raise AssertionError("the PDF was rendered again")
