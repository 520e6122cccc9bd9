"""The key ceremony in the app, the offline ceremony's upload, and trustees confirming shares."""

from __future__ import annotations

import base64
import io
import itertools
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from shamir_mnemonic.wordlist import WORDLIST
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.schema import Questionnaire
from consult.sealed import crypto, keygen
from consult.sealed import services as sealed
from consult.sealed.crypto import ForeignShare, NotEnoughShares, ShareError
from consult.sealed.forms import read_header
from consult.sealed.models import CeremonyMode
from tests.factories import Factory, Member, sample_questionnaire
from tests.helpers import Page, login

SLUG = "npm-2027"
BASE = f"/admin/acme/consultations/{SLUG}/ceremony"
NOT_DRAFT = "A new ceremony is only possible before it opens."


def open_only() -> Questionnaire:
    """The sample questionnaire asked on the open channel only: a draft that needs no key."""
    document = sample_questionnaire(["en", "fr"])
    for question in document.questions():
        question.channels = ["open"]
    return document


@dataclass(frozen=True)
class Stored:
    """What the database holds about a consultation's key."""

    public: bytes
    wrapped: bytes
    key_id: str
    identifier: int
    threshold: int
    count: int
    mode: CeremonyMode
    #: ``(share number, user id, confirmed at)``
    holders: list[tuple[int, int | None, datetime | None]]


def stored_key(app: Flask, slug: str = SLUG) -> Stored | None:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        key = sealed.sealing_key(consultation)
        if key is None:
            return None
        return Stored(
            key.public_key,
            key.wrapped_private_key,
            key.key_id,
            key.share_identifier,
            key.threshold,
            key.share_count,
            key.mode,
            [(t.share_number, t.user_id, t.confirmed_at) for t in key.trustees],
        )


def shown_shares(html: str) -> dict[int, str]:
    """The shares on the ceremony page, by share number."""
    parts = re.split(r'data-share="(\d+)"', html)[1:]
    return {
        int(number): " ".join(re.findall(r'<span class="word">([a-z]+)</span>', body))
        for number, body in zip(parts[::2], parts[1::2], strict=True)
    }


def opens(stored: Stored, shares: list[str]) -> bool:
    opening_key = crypto.combine(shares, stored.identifier, stored.threshold)
    private = crypto.unwrap(stored.wrapped, opening_key, stored.key_id)
    return crypto.public_of(private) == stored.public


@pytest.fixture
def trustees(make: Factory) -> list[Member]:
    return [make.member("acme", [Role.TRUSTEE]) for _ in range(4)]


@pytest.fixture
def organiser(make: Factory, page: Page, login_as, trustees: list[Member]) -> Member:
    """An organiser signed in on ``page``, with a draft consultation that has no key yet."""
    make.consultation("acme", SLUG, questionnaire=open_only())
    return login_as(Role.ORGANISER)


def hold(page: Page, members: list[Member], threshold: int, current_key: str = ""):
    return page.post(
        BASE,
        {
            "trustees": [str(m.user_id) for m in members],
            "threshold": str(threshold),
            "current_key": current_key,
        },
    )


def in_list_order(page: Page, members: list[Member]) -> list[Member]:
    """``members`` in the order of the ceremony form, which is the order of the shares."""
    html = page.get(BASE).get_data(as_text=True)
    listed = [int(v) for v in re.findall(r'name="trustees"[^>]*value="(\d+)"', html)]
    return sorted(members, key=lambda m: listed.index(m.user_id))


def html_of(page: Page) -> str:
    assert page.response is not None
    return page.response.get_data(as_text=True)


def signed_in(app: Flask, member: Member) -> Page:
    other = Page(app.test_client())
    login(other, member.email)
    return other


# The in-app ceremony --------------------------------------------------------------------------


def test_the_status_page_offers_the_eligible_trustees(
    app: Flask, page: Page, make: Factory, organiser: Member, trustees: list[Member]
) -> None:
    away = make.member("acme", [Role.TRUSTEE], active=False)
    analyst = make.member("acme", [Role.ANALYST])
    response = page.get(BASE)
    assert response.status_code == 200
    offered = re.findall(r'name="trustees"[^>]*value="(\d+)"', response.get_data(as_text=True))
    assert "No key yet." in page.text
    assert sorted(map(int, offered)) == sorted(m.user_id for m in trustees)
    assert away.user_id not in offered and analyst.user_id not in offered


def test_the_ceremony_shows_each_share_once_and_keeps_none(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    chosen = in_list_order(page, trustees[:3])
    response = hold(page, chosen, 2)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    html = response.get_data(as_text=True)
    assert "<style" not in html  # the print layout comes from the site's own stylesheet
    css = page.client.get("/static/css/app.css").get_data(as_text=True)
    assert "@media print" in css and ".share-sheet + .share-sheet { break-before: page; }" in css

    stored = stored_key(app)
    assert stored is not None
    assert (stored.threshold, stored.count, stored.mode) == (2, 3, CeremonyMode.IN_APP)
    assert [user for _, user, _ in stored.holders] == [m.user_id for m in chosen]
    shares = shown_shares(html)
    assert sorted(shares) == [1, 2, 3]
    for number, share in shares.items():
        info = crypto.read_share(share)
        assert (info.identifier, info.number, info.threshold) == (stored.identifier, number, 2)
    text = page.text
    assert stored.key_id in text and str(stored.identifier) in text
    assert "They are shown only this once" in text
    assert "You will need them to open the answers after the consultation closes." in text
    for number, member in enumerate(chosen, start=1):
        name = member.email.split("@")[0].title()
        assert f"Share {number} of 3 for {name}" in text

    # Nothing of the shares is kept: not in a page, not in any table, not in the logs.
    secret_parts = [" ".join(share.split()[4:9]) for share in shares.values()]
    again = page.get(BASE).get_data(as_text=True)
    assert 'class="share-words"' not in again and stored.key_id in again
    assert not any(part in again for part in secret_parts)
    with app.app_context():
        rows = " ".join(
            str(row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(select(table))
        )
    assert not any(part in rows for part in secret_parts)
    assert not any(part in caplog.text for part in secret_parts)


def test_any_k_of_the_shares_open_the_stored_key(
    app: Flask, page: Page, organiser: Member, trustees: list[Member]
) -> None:
    response = hold(page, trustees, 3)
    shares = list(shown_shares(response.get_data(as_text=True)).values())
    stored = stored_key(app)
    assert stored is not None and len(shares) == 4
    for chosen in itertools.combinations(shares, 3):
        assert opens(stored, list(chosen))
    with pytest.raises(NotEnoughShares):
        opens(stored, shares[:2])
    foreign = crypto.run_ceremony(3, 4).shares[0]
    with pytest.raises(ForeignShare):
        opens(stored, [*shares[:2], foreign])


def test_the_form_refuses_impossible_ceremonies(
    page: Page, make: Factory, organiser: Member, trustees: list[Member]
) -> None:
    assert hold(page, trustees[:1], 2).status_code == 400
    assert "Choose at least two trustees." in page.text
    assert hold(page, trustees[:2], 3).status_code == 400
    assert "Only 2 trustees were chosen: no more shares than that can be needed." in page.text
    outsider = make.member("acme", [Role.ANALYST])
    assert hold(page, [trustees[0], outsider], 2).status_code == 400
    assert "Choose trustees among the active members who hold the trustee role." in page.text
    assert hold(page, trustees[:2], 1).status_code == 400
    assert "Choose how many shares are needed to open." in page.text
    many = trustees + [make.member("acme", [Role.TRUSTEE]) for _ in range(13)]
    assert hold(page, many, 2).status_code == 400
    assert "Choose at most 16 trustees." in page.text
    assert stored_key(page.client.application) is None


def test_a_resent_ceremony_page_does_not_replace_the_key(
    app: Flask, page: Page, organiser: Member, trustees: list[Member]
) -> None:
    hold(page, trustees[:2], 2)
    first = stored_key(app)
    assert first is not None
    assert hold(page, trustees[:2], 2).status_code == 409
    assert stored_key(app) == first
    # Knowingly replacing it, from a page that shows the current key, works while a draft.
    assert hold(page, trustees[:3], 2, current_key=first.key_id).status_code == 200
    second = stored_key(app)
    assert second is not None and second.key_id != first.key_id and second.count == 3


def test_after_opening_no_new_ceremony(
    app: Flask, page: Page, make: Factory, login_as, trustees: list[Member]
) -> None:
    make.consultation("acme", SLUG, opened=True)  # sealed channels: the factory held one
    login_as(Role.ORGANISER)
    before = stored_key(app)
    assert before is not None
    response = hold(page, trustees[:2], 2, current_key=before.key_id)
    assert response.status_code == 409
    assert NOT_DRAFT in page.text
    assert page.get(f"{BASE}/upload").status_code == 409
    page.get(BASE)
    assert "its key can no longer change" in page.text
    assert 'name="trustees"' not in html_of(page)
    assert stored_key(app) == before


def test_an_open_consultation_without_a_key_gets_none(
    app: Flask, page: Page, make: Factory, login_as, trustees: list[Member]
) -> None:
    make.consultation("acme", SLUG, questionnaire=open_only(), opened=True)
    login_as(Role.OWNER)
    assert hold(page, trustees[:2], 2).status_code == 409
    assert stored_key(app) is None


# Trustees confirm --------------------------------------------------------------------------


def test_trustees_confirm_with_the_first_four_words(
    app: Flask, page: Page, organiser: Member, trustees: list[Member]
) -> None:
    chosen = in_list_order(page, trustees[:3])
    shares = shown_shares(hold(page, chosen, 2).get_data(as_text=True))
    stored = stored_key(app)
    assert stored is not None
    second = signed_in(app, chosen[1])
    second.get(f"{BASE}/check")
    assert second.response is not None and second.response.status_code == 200
    assert stored.key_id in second.text and "consult-keygen check" in second.text
    assert "Your share number\n2" in second.text

    # Another trustee's words, a mistyped word, too few words: refused, nothing recorded.
    def words(number: int, count: int = 4) -> str:
        return " ".join(shares[number].split()[:count])

    assert second.post(f"{BASE}/confirm", {"words": words(3)}).status_code == 400
    assert "These words do not match your share." in second.text
    header = words(2).split()
    header[0] = next(word for word in WORDLIST if word != header[0])  # another identifier
    mistyped = " ".join(header)
    assert second.post(f"{BASE}/confirm", {"words": mistyped}).status_code == 400
    assert "These words do not match your share." in second.text
    assert second.post(f"{BASE}/confirm", {"words": words(2, 3)}).status_code == 400
    assert "Type exactly the first four words of your share." in second.text
    # A whole share typed by mistake is refused and not sent back in the page.
    assert second.post(f"{BASE}/confirm", {"words": shares[2]}).status_code == 400
    assert "never type the others into a web page" in second.text
    assert " ".join(shares[2].split()[4:8]) not in html_of(second)
    first = signed_in(app, chosen[0])
    assert first.post(f"{BASE}/confirm", {"words": words(2)}).status_code == 400
    assert all(confirmed is None for *_, confirmed in stored_key(app).holders)  # type: ignore[union-attr]

    typed = "  " + words(2).upper().replace(" ", "   ") + " "
    assert second.post(f"{BASE}/confirm", {"words": typed}).status_code == 302
    holders = stored_key(app).holders  # type: ignore[union-attr]
    assert [confirmed is not None for *_, confirmed in holders] == [False, True, False]
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "sealed.share_confirmed")
        )
        assert event is not None and event.actor_id == chosen[1].user_id
        assert event.details == {"key_id": stored.key_id, "share": 2}
    page.get(BASE)
    assert "Not yet" in page.text


def test_only_trustees_confirm_and_only_organisers_hold_ceremonies(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], make: Factory
) -> None:
    shares = shown_shares(hold(page, trustees[:2], 2).get_data(as_text=True))
    words = " ".join(shares[1].split()[:4])
    # The organiser, without the trustee role, cannot confirm (even with the right words).
    assert page.get(f"{BASE}/check").status_code == 403
    assert page.post(f"{BASE}/confirm", {"words": words}).status_code == 403
    # A trustee cannot hold a ceremony or upload one.
    trustee = signed_in(app, trustees[0])
    assert trustee.get(BASE).status_code == 403
    assert hold(trustee, trustees[:2], 2).status_code == 403
    assert trustee.get(f"{BASE}/upload").status_code == 403
    # A trustee of the organisation who holds no share of this key is told so.
    spare = signed_in(app, trustees[3])
    spare.get(f"{BASE}/check")
    assert "You hold no share of this consultation's key." in spare.text
    assert spare.post(f"{BASE}/confirm", {"words": words}).status_code == 403


def test_read_header_reads_what_the_full_share_says() -> None:
    for threshold, count in ((2, 2), (2, 3), (3, 5), (16, 16)):
        ceremony = crypto.run_ceremony(threshold, count)
        for share in ceremony.shares:
            assert read_header(share.split()[:4]) == crypto.read_share(share)
            assert read_header(" ".join(share.upper().split()[:4])) == crypto.read_share(share)
    with pytest.raises(ShareError):
        read_header(["academic", "acid", "acne"])
    with pytest.raises(ShareError):
        read_header("academic acid acne notaword")


# The offline ceremony ------------------------------------------------------------------------


def create_offline(tmp_path: Path, threshold: int = 2, count: int = 3) -> Path:
    out = tmp_path / "ceremony"
    code = keygen.main(
        ["create", "--threshold", str(threshold), "--trustees", str(count), "--out", str(out)]
    )
    assert code == 0
    return out


def upload(page: Page, members: list[Member], *, file: bytes | None = None, text: str = ""):
    data: dict[str, object] = {f"share_{n}": str(m.user_id) for n, m in enumerate(members, 1)}
    data.update(text=text, current_key="")
    if file is not None:
        data["file"] = (io.BytesIO(file), "upload.json")
    return page.post(f"{BASE}/upload", data, content_type="multipart/form-data")


def test_the_offline_ceremonys_upload_opens_with_its_shares(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], tmp_path: Path
) -> None:
    out = create_offline(tmp_path)
    assert page.get(f"{BASE}/upload").status_code == 200
    order = [trustees[2], trustees[0], trustees[1]]
    response = upload(page, order, file=(out / "upload.json").read_bytes())
    assert response.status_code == 302, page.text
    stored = stored_key(app)
    assert stored is not None
    document = json.loads((out / "upload.json").read_text())
    assert (stored.key_id, stored.identifier, stored.mode) == (
        document["key_id"],
        document["identifier"],
        CeremonyMode.OFFLINE,
    )
    assert [user for _, user, _ in stored.holders] == [m.user_id for m in order]
    shares = [keygen.share_words((out / f"share-{n}.txt").read_text()) for n in (1, 3)]
    assert opens(stored, shares)
    # The trustee given share 1 confirms with its first four words.
    holder = signed_in(app, trustees[2])
    assert (
        holder.post(f"{BASE}/confirm", {"words": " ".join(shares[0].split()[:4])}).status_code
        == 302
    )


def test_an_upload_can_be_pasted(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], tmp_path: Path
) -> None:
    out = create_offline(tmp_path, 2, 2)
    assert upload(page, trustees[:2], text=(out / "upload.json").read_text()).status_code == 302
    assert stored_key(app) is not None


def _document(tmp_path: Path) -> dict:
    return json.loads((create_offline(tmp_path) / "upload.json").read_text())


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda d: b"not json at all", "it is not a JSON object"),
        (lambda d: b"[1, 2, 3]", "it is not a JSON object"),
        (lambda d: {**d, "format": 2}, "made by consult-keygen (format 1)"),
        (lambda d: {k: v for k, v in d.items() if k != "wrapped_private_key"}, "(format 1)"),
        (lambda d: {**d, "suite": "rsa"}, "encryption suite that this site does not know"),
        (lambda d: {**d, "public_key": "***"}, "not valid base64 text"),
        (
            lambda d: {**d, "public_key": base64.b64encode(b"x" * 1000).decode()},
            "The public key in this file has the wrong length or is malformed.",
        ),
        (
            lambda d: {**d, "wrapped_private_key": base64.b64encode(b"x" * 50).decode()},
            "The wrapped private key in this file has the wrong length.",
        ),
        (lambda d: {**d, "key_id": "0" * 32}, "The key id does not match the public key"),
        (lambda d: {**d, "threshold": 4}, "no more than were made"),
        (lambda d: {**d, "threshold": 1}, "no more than were made"),
        (lambda d: {**d, "threshold": True}, "no more than were made"),
        (lambda d: {**d, "shares": 17, "threshold": 2}, "no more than were made"),
        (lambda d: {**d, "shares": 2}, "The file made 2 shares: give each share to one trustee"),
    ],
)
def test_bad_uploads_are_refused_with_a_message(
    app: Flask,
    page: Page,
    organiser: Member,
    trustees: list[Member],
    tmp_path: Path,
    spoil,
    message: str,
) -> None:
    spoiled = spoil(_document(tmp_path))
    body = spoiled if isinstance(spoiled, bytes) else json.dumps(spoiled).encode()
    response = upload(page, trustees[:3], file=body)
    assert response.status_code == 400
    assert message in page.text
    assert stored_key(app) is None


def test_upload_form_errors(
    app: Flask, page: Page, make: Factory, organiser: Member, trustees: list[Member], tmp_path: Path
) -> None:
    body = (create_offline(tmp_path) / "upload.json").read_bytes()
    assert upload(page, trustees[:3]).status_code == 400
    assert "Choose a file or paste the JSON." in page.text
    assert upload(page, [trustees[0], trustees[0], trustees[1]], file=body).status_code == 400
    assert "A member can hold only one share." in page.text
    analyst = make.member("acme", [Role.ANALYST])
    assert upload(page, [trustees[0], analyst, trustees[1]], file=body).status_code == 400
    assert "Choose trustees among the active members who hold the trustee role." in page.text
    data = {"share_1": str(trustees[0].user_id), "share_3": str(trustees[1].user_id)}
    page.post(
        f"{BASE}/upload",
        {**data, "current_key": "", "file": (io.BytesIO(body), "upload.json")},
        content_type="multipart/form-data",
    )
    assert page.response is not None and page.response.status_code == 400
    assert "shares are numbered without gaps" in page.text
    assert upload(page, trustees[:2], file=body).status_code == 400
    assert "The file made 3 shares" in page.text
    assert stored_key(app) is None


def test_one_key_serves_one_consultation(
    app: Flask, page: Page, make: Factory, organiser: Member, trustees: list[Member], tmp_path: Path
) -> None:
    body = (create_offline(tmp_path) / "upload.json").read_bytes()
    assert upload(page, trustees[:3], file=body).status_code == 302
    make.consultation("acme", "another", questionnaire=open_only())
    response = page.post(
        "/admin/acme/consultations/another/ceremony/upload",
        {
            **{f"share_{n}": str(m.user_id) for n, m in enumerate(trustees[:3], 1)},
            "current_key": "",
            "file": (io.BytesIO(body), "upload.json"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "This key belongs to another consultation" in page.text
    assert stored_key(app, "another") is None
