"""Unsealing in the app and offline give the same answers; k-1 shares fail; tampering is counted;
the answers are stored with no date and not in the order they came."""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Integer, literal_column, select, update
from werkzeug.datastructures import MultiDict

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations import services as consultations
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.questionnaires.answers import read_submission
from consult.questionnaires.schema import Channel
from consult.respond import services as respond
from consult.respond.models import Answer, Response
from consult.sealed import crypto, opener, services, unsealing
from consult.sealed.models import Envelope
from tests.factories import Factory
from tests.helpers import Page, login
from tests.sealed import test_channel as channel

ANSWERS = [
    {
        "p-category": "deprived_of_liberty",
        "p-jurisdiction": "north",
        "p-place": "prison_sentenced",
        "q-model": "a",
        "q-visited": "no",
        "q-detail": "cold cells",
    },
    {
        "p-category": "family",
        "p-jurisdiction": "south",
        "q-model": "c",
        "q-why": "no visits",
        "q-ranking-ombuds": "1",
        "q-topics": ["x", "y"],
        "q-more": "food",
    },
    {
        "p-category": "former_detainee",
        "p-jurisdiction": "north",
        "q-model": "b",
        "q-matrix-resources": "essential",
        "q-visited": "yes",
        "q-visits": "3",
        "q-scale": "2",
    },
]


@pytest.fixture
def closed(app: Flask, make: Factory) -> tuple[str, tuple[str, ...]]:
    """A closed consultation with 9 sealed envelopes (3 answer sets × 3), and its shares."""
    make.consultation("acme", "npm-2027", ("en", "ar"), opened=True)
    with app.app_context():
        consultation = the(app)
        document = consultation.document()
        for n in range(9):
            channel = Channel.ASSISTED if n % 3 == 0 else Channel.SEALED
            rules = respond.profile_rules(consultation, document, channel, "en")
            submission = read_submission(
                rules, respond.questions_for(document, channel), document, MultiDict(ANSWERS[n % 3])
            )
            assert submission.errors == {}
            services.seal(
                consultation,
                channel,
                submission,
                locale="ar" if n % 2 else "en",
                submission_key=f"key-{n:04d}-xxxxxxxxxxxx",
                held=n == 8,
            )
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    return "npm-2027", make.shares["npm-2027"]


def the(app: Flask) -> Consultation:
    return db.session.scalars(select(Consultation)).one()


def results() -> Counter[tuple[object, ...]]:
    """The unsealed answers as a multiset: what reports will count."""
    rows = db.session.scalars(select(Response).where(Response.received_on.is_(None))).all()
    return Counter(
        (
            str(r.channel),
            r.stakeholder_category,
            r.jurisdiction,
            r.place_category,
            r.locale,
            r.is_held,
            tuple(
                sorted(
                    (a.question_key, a.item_key, a.choice_key, a.rank, a.number, a.text)
                    for a in r.answers
                )
            ),
        )
        for r in rows
    )


def test_offline_unsealing_gives_the_same_answers_as_in_the_app(
    app: Flask, closed: tuple[str, tuple[str, ...]], tmp_path: Path
) -> None:
    slug, shares = closed
    with app.app_context():
        tally = unsealing.unseal(the(app), shares[:2], None)
        assert tally.as_dict() == {"received": 9, "opened": 9, "rejected": 0, "held": 1}
        in_app = results()
        assert sum(in_app.values()) == 9 and the(app).status is Status.UNSEALED
        db.session.rollback()  # as if it never happened: now the offline way
        assert the(app).status is Status.CLOSED
    export = tmp_path / "envelopes.jsonl"
    result = app.test_cli_runner().invoke(
        args=["consult", "envelopes-export", slug, "--out", str(export)]
    )
    assert result.exit_code == 0, result.output
    assert "cold cells" not in export.read_text()
    share_files = []
    for n, share in enumerate(shares[1:], start=1):
        path = tmp_path / f"share-{n}.txt"
        path.write_text(share)
        share_files += ["--share", str(path)]
    opened = tmp_path / "opened.jsonl"
    assert opener.main([str(export), "--out", str(opened), *share_files]) == 0
    assert oct(opened.stat().st_mode & 0o777) == "0o600"
    result = app.test_cli_runner().invoke(args=["consult", "envelopes-import", slug, str(opened)])
    assert result.exit_code == 0, result.output
    assert "Received 9, opened 9, rejected 0, held for review 1." in result.output
    with app.app_context():
        assert results() == in_app
        assert the(app).status is Status.UNSEALED


def test_k_minus_one_shares_open_nothing(app: Flask, closed: tuple[str, tuple[str, ...]]) -> None:
    _slug, shares = closed
    with app.app_context():
        with pytest.raises(unsealing.UnsealFailed, match="More shares are needed"):
            unsealing.unseal(the(app), shares[:1], None)
        assert results() == Counter() and the(app).status is Status.CLOSED


def _tamper_with_the_first_envelope() -> str:
    """Flip one bit of the first envelope's ciphertext (committed); its id."""
    victim = db.session.scalars(select(Envelope).order_by(Envelope.id)).first()
    assert victim is not None
    data = bytearray(victim.ciphertext)
    data[-20] ^= 0x01
    db.session.execute(
        update(Envelope).where(Envelope.id == victim.id).values(ciphertext=bytes(data))
    )
    db.session.commit()
    return victim.id


def test_a_tampered_envelope_is_counted_and_the_rest_open(
    app: Flask, closed: tuple[str, tuple[str, ...]], tmp_path: Path
) -> None:
    slug, shares = closed
    with app.app_context():
        victim_id = _tamper_with_the_first_envelope()
        tally = unsealing.unseal(the(app), shares[1:], None)
        assert (tally.received, tally.opened, tally.rejected) == (9, 8, 1)
        assert tally.rejected_ids == [victim_id]
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sealed.unsealed")
        ).one()
        assert event.details["rejected"] == 1 and len(event.details["digest"]) == 64
        db.session.rollback()
    export = tmp_path / "envelopes.jsonl"
    app.test_cli_runner().invoke(args=["consult", "envelopes-export", slug, "--out", str(export)])
    out = io.StringIO()
    share_files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path, share in zip(share_files, shares[:2], strict=True):
        path.write_text(share)
    from contextlib import redirect_stdout

    with redirect_stdout(out):
        assert (
            opener.main(
                [
                    str(export),
                    "--out",
                    str(tmp_path / "o.jsonl"),
                    "--share",
                    str(share_files[0]),
                    "--share",
                    str(share_files[1]),
                ]
            )
            == 0
        )
    assert f"rejected envelope {victim_id}" in out.getvalue()


def test_an_altered_export_is_refused_offline(
    app: Flask, closed: tuple[str, tuple[str, ...]], tmp_path: Path
) -> None:
    slug, shares = closed
    export = tmp_path / "envelopes.jsonl"
    app.test_cli_runner().invoke(args=["consult", "envelopes-export", slug, "--out", str(export)])
    lines = export.read_text().splitlines()
    export.write_text("\n".join(lines[:-1]) + "\n")  # an envelope went missing
    (tmp_path / "s.txt").write_text(shares[0])
    assert (
        opener.main(
            [str(export), "--out", str(tmp_path / "o.jsonl"), "--share", str(tmp_path / "s.txt")]
        )
        == 1
    )


def test_the_unsealing_page_opens_in_one_sitting_and_never_echoes_shares(
    app: Flask, page: Page, make: Factory, closed: tuple[str, tuple[str, ...]]
) -> None:
    _slug, shares = closed
    login(page, make.member("acme", [Role.TRUSTEE]).email)
    url = "/admin/acme/consultations/npm-2027/unseal"
    page.get(url)
    assert "9 envelopes wait to be opened." in page.text
    response = page.post(url, {"shares-0": shares[0], "shares-1": "wrong words"}, form_page=url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert echoed(shares[0], html) == [] and "mistyped" in page.text
    response = page.post(url, {"shares-0": shares[0], "shares-1": shares[2]}, form_page=url)
    assert response.status_code == 200
    assert "Opened\n9" in page.text and response.headers["Cache-Control"] == "no-store"
    assert echoed(shares[0], response.get_data(as_text=True)) == []
    page.post(url, {"shares-0": shares[0], "shares-1": shares[2]}, form_page=url)
    assert "already been unsealed" in page.text


def echoed(share: str, html: str) -> list[str]:
    """Runs of three consecutive words of ``share`` found in ``html`` (single words may be
    ordinary English)."""
    words = share.split()
    return [
        " ".join(words[i : i + 3])
        for i in range(len(words) - 2)
        if " ".join(words[i : i + 3]) in html
    ]


def test_nothing_opens_before_the_consultation_closes(app: Flask, make: Factory) -> None:
    make.consultation("acme", "npm-2027", ("en",), opened=True)
    with app.app_context(), pytest.raises(unsealing.Conflict, match="after the consultation"):
        unsealing.unseal(the(app), make.shares["npm-2027"], None)


def _seal_forged(consultation: Consultation, body: dict[str, object]) -> None:
    """An envelope sealed to the consultation's public key by someone other than the app."""
    key = services.sealing_key(consultation)
    assert key is not None
    where = crypto.info(str(consultation.uuid), consultation.version or "", key.key_id)
    sealed = crypto.seal(body, key.public_key, where, services.envelope_size(consultation))
    db.session.add(
        Envelope(
            consultation_id=consultation.id,
            suite=sealed.suite,
            key_id=sealed.key_id,
            ciphertext=sealed.ciphertext,
            sha256=sealed.digest,
            received_on=date(2027, 1, 1),
        )
    )


def test_forged_payloads_are_refused_counted_and_stop_nothing(
    app: Flask, closed: tuple[str, tuple[str, ...]]
) -> None:
    """Anyone holding the public key can seal: what the form would not give is never stored."""
    _slug, shares = closed
    fine = {"category": "family", "jurisdiction": "south", "place": ""}
    model = ["model", "", "a", None, None, None]

    with app.app_context():
        version = the(app).version

    def body(**changes: object) -> dict[str, object]:
        base = {
            "format": 1,
            "version": version,
            "channel": "sealed",
            "details": {},
            "locale": "en",
            "profile": fine,
            "answers": [model],
        }
        return {**base, **changes}

    forged = [
        body(answers=[model, ["why", "", "", None, None, 5]]),  # a text that is not text
        body(answers=[["model", "", "c", None, None, None], ["why", "", "", None, None, {}]]),
        body(profile={**fine, "category": 7}),
        body(profile={**fine, "category": "parliament"}),  # not a sealed-channel group
        body(answers=[["model", "", "z", None, None, None]]),  # a choice not offered
        body(answers=[model, ["why", "", "", None, None, "hidden: model is not c"]]),
        body(answers=[model, ["nope", "", "x", None, None, None]]),  # no such question
        body(answers=[model, ["ranking", "", "ombuds", True, None, None]]),
        body(answers=[model, ["ranking", "", "ombuds", 2, None, None]]),  # ranks close up
        body(answers=[model, model]),
        body(answers=[]),  # the required question unanswered
        body(answers={"model": "a"}),
        body(locale="x" * 40),  # no form speaks it (nor fits the column)
        body(channel="open"),
        body(version="0" * 64),
    ]
    with app.app_context():
        consultation = the(app)
        for item in forged:
            _seal_forged(consultation, item)
        _seal_forged(consultation, body())  # a well-formed one, sealed by hand: admitted
        db.session.commit()
        tally = unsealing.unseal(the(app), shares[:2], None)
        assert (tally.received, tally.opened, tally.rejected) == (25, 10, 15)
        stored = results()
        assert sum(stored.values()) == 10
        assert stored[("sealed", "family", "south", None, "en", False, (tuple(model),))] == 1
        assert all(locale in ("en", "ar") for (_c, _g, _j, _p, locale, _h, _a) in stored)


def test_a_second_process_opens_the_same_answers(
    app: Flask,
    closed: tuple[str, tuple[str, ...]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Many envelopes are opened by a forked process while this one stores: same answers,
    same counts, the same envelope refused, and the same audit event."""
    _slug, shares = closed
    with app.app_context():
        consultation = the(app)
        _tamper_with_the_first_envelope()  # one the app sealed: not the forged one below
        _seal_forged(consultation, {"format": 1, "version": consultation.version})
        db.session.commit()

        def unsealed() -> tuple[object, ...]:
            tally = unsealing.unseal(the(app), shares[:2], None)
            event = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "sealed.unsealed")
            ).one()
            found = (tally.as_dict(), sorted(tally.rejected_ids), results(), event.details)
            db.session.rollback()
            return found

        here = unsealed()
        assert here[0] == {"received": 10, "opened": 8, "rejected": 2, "held": 1}
        forks = []
        monkeypatch.setattr(unsealing.alongside, "worthwhile", lambda count: True)
        monkeypatch.setattr(unsealing.alongside, "PIECE_ENVELOPES", 2)
        real = unsealing.alongside._Worker

        class Counted(real):  # type: ignore[misc, valid-type]
            def __init__(self, *args: object) -> None:
                super().__init__(*args)
                forks.append(self.process.pid)

        monkeypatch.setattr(unsealing.alongside, "_Worker", Counted)
        with caplog.at_level(logging.WARNING):
            assert unsealed() == here
        assert len(forks) == 1 and caplog.text == ""


# No date and no order of arrival -----------------------------------------------------------

#: How many sealed answers :func:`sent_in_order` sends, each marked by its place in the queue.
SENT = 30


@pytest.fixture
def sent_in_order(app: Flask, make: Factory) -> tuple[list[str], tuple[str, ...]]:
    """A closed consultation that took :data:`SENT` answers through the sealed web channel,
    the n-th saying it had n visits; the ids of their envelopes in the order sent, and the
    trustees' shares."""
    make.consultation("acme", channel.SLUG, ("en",), opened=True)
    ids: list[str] = []
    for n in range(1, SENT + 1):
        answers = {**channel.ANSWERS, "q-visited": "yes", "q-visits": str(n)}
        assert channel.send(Page(app.test_client()), answers).status_code == 303
        with app.app_context():
            [new] = set(db.session.scalars(select(Envelope.id))) - set(ids)
        ids.append(new)
    with app.app_context():
        consultation = the(app)
        consultations.close(consultation, consultation.organisation.memberships[0].user)
        db.session.commit()
    return ids, make.shares[channel.SLUG]


def _exported(app: Flask, folder: Path) -> Path:
    """The envelopes as ``envelopes-export`` writes them."""
    export = folder / "envelopes.jsonl"
    result = app.test_cli_runner().invoke(
        args=["consult", "envelopes-export", channel.SLUG, "--out", str(export)]
    )
    assert result.exit_code == 0, result.output
    return export


def _unsealed(how: str, app: Flask, shares: tuple[str, ...], export: Path | None) -> None:
    """Unseal in the app, or import what ``consult-open`` opened of ``export``: flushed, not
    committed (in an application context)."""
    if how == "in_app":
        unsealing.unseal(the(app), shares[:2], None)
        return
    assert export is not None
    share_files: list[str] = []
    for n, share in enumerate(shares[:2]):
        path = export.with_name(f"share-{n}.txt")
        path.write_text(share)
        share_files += ["--share", str(path)]
    opened = export.with_name(f"opened-{len(list(export.parent.glob('opened-*')))}.jsonl")
    assert opener.main([str(export), "--out", str(opened), *share_files]) == 0
    unsealing.import_opened(the(app), opened.read_text().splitlines(), None)


@pytest.mark.parametrize("how", ["in_app", "offline"])
def test_unsealed_responses_carry_no_date(
    app: Flask, sent_in_order: tuple[list[str], tuple[str, ...]], tmp_path: Path, how: str
) -> None:
    """Every envelope has its day of arrival; no response unsealed from one has any date."""
    _ids, shares = sent_in_order
    with app.app_context():
        days = db.session.scalars(select(Envelope.received_on)).all()
    assert len(days) == SENT and None not in days
    export = _exported(app, tmp_path) if how == "offline" else None
    with app.app_context():
        _unsealed(how, app, shares, export)
        db.session.commit()
    with app.app_context():
        stored = db.session.execute(select(Response.received_on, Response.channel)).all()
    assert len(stored) == SENT
    assert [(received_on, str(kind)) for received_on, kind in stored] == [(None, "sealed")] * SENT


def stored_order() -> list[int]:
    """The number of visits of each response, in the order unsealing inserted the rows.

    SQLite: the ``rowid``, which grows with each insert into this table (emptied between tests).
    PostgreSQL: ``cmin``, the number of the statement that inserted the row within its
    transaction: unsealing inserts every response in one transaction, one statement per row
    (the driver's executemany), so it grows with each insert. Not ``ctid``, the row's place in
    the heap: the tables are emptied with DELETE between tests, and PostgreSQL may put new rows
    into the space of old ones, out of insertion order."""
    position = literal_column(
        "response.rowid"
        if db.session.get_bind().dialect.name == "sqlite"
        else "response.cmin::text::bigint",
        Integer,
    ).label("position")
    rows = db.session.execute(
        select(position, Answer.number)
        .select_from(Response)
        .join(Answer, Answer.response_id == Response.id)
        .where(Answer.question_key == "visits")
        .order_by(position)
    ).all()
    positions = [place for place, _number in rows]
    assert len(set(positions)) == len(positions), "the insertion order is not known"
    numbers = []
    for _place, number in rows:
        assert number is not None
        numbers.append(int(number))
    return numbers


@pytest.mark.parametrize("how", ["in_app", "offline"])
def test_unsealed_responses_are_not_stored_in_the_order_sent(
    app: Flask,
    sent_in_order: tuple[list[str], tuple[str, ...]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    """Responses are inserted in the order of an HMAC of the envelopes' ids under a key made
    for the unsealing, not in the order the envelopes came: the rows, read in the order they
    were inserted, do not say who answered first.

    The n-th answer sent says n visits. First, with the shuffle replaced by the order sent,
    the rows read back 1…30: reading the order of insertion works, and would see it. Then,
    unsealed for real, they must be neither 1…30 nor 30…1. A fair shuffle gives one of those
    two orders by chance with probability 2/30! ≈ 7.6e-33: this test never fails by chance.

    Offline, the export lists the envelopes by id (random) and ``consult-open`` shuffles them
    again; the import stores them in the order of the opened file.
    """
    sent, shares = sent_in_order
    export = _exported(app, tmp_path) if how == "offline" else None
    in_turn = list(range(1, SENT + 1))

    def as_sent(ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=sent.index)

    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(unsealing if how == "in_app" else opener, "shuffled", as_sent)
        _unsealed(how, app, shares, export)
        assert stored_order() == in_turn
        db.session.rollback()
    with app.app_context():
        _unsealed(how, app, shares, export)
        found = stored_order()
        db.session.commit()
    assert sorted(found) == in_turn
    assert found != in_turn and found != in_turn[::-1]
