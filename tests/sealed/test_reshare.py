"""Re-sharing the key: k current trustees hand the same key to a new set of trustees."""

from __future__ import annotations

import itertools
import logging
import os
import re

import pytest
from flask import Flask
from shamir_mnemonic.shamir import EncryptedMasterSecret, split_ems
from shamir_mnemonic.share import Share
from shamir_mnemonic.wordlist import WORDLIST
from sqlalchemy import select

from consult.accounts.permissions import Role
from consult.audit.models import AuditEvent
from consult.consultations.models import Consultation, Status
from consult.extensions import db
from consult.sealed import crypto
from consult.sealed.models import CeremonyMode
from tests.factories import Factory, Member
from tests.helpers import Page, login
from tests.sealed.test_ceremony import (
    html_of,
    open_only,
    opens,
    shown_shares,
    signed_in,
    stored_key,
)

SLUG = "npm-2027"
URL = f"/admin/acme/consultations/{SLUG}/reshare"


@pytest.fixture
def trustees(make: Factory) -> list[Member]:
    return [make.member("acme", [Role.TRUSTEE]) for _ in range(4)]


@pytest.fixture
def old_shares(make: Factory) -> tuple[str, ...]:
    """An open consultation whose key the factory split 2-of-3; its shares."""
    make.consultation("acme", SLUG, opened=True)
    return make.shares[SLUG]


@pytest.fixture
def organiser(page: Page, login_as, trustees: list[Member], old_shares) -> Member:
    return login_as(Role.ORGANISER)


def current_set(page: Page) -> str:
    """The hidden field that ties the form to the set of shares it was shown for."""
    html = page.get(URL).get_data(as_text=True)
    match = re.search(r'name="current_set"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="current_set"', html
    )
    assert match, "no current_set on the form"
    return match.group(1)


def reshare(
    page: Page,
    shares: list[str],
    members: list[Member],
    threshold: int,
    identifier: str | None = None,
):
    data: dict[str, object] = {f"share_{n}": share for n, share in enumerate(shares, start=1)}
    data.update(
        trustees=[str(m.user_id) for m in members],
        threshold=str(threshold),
        current_set=identifier if identifier is not None else current_set(page),
    )
    return page.post(URL, data, form_page=URL)


def in_list_order(page: Page, members: list[Member]) -> list[Member]:
    """``members`` in the order of the form, which is the order of the new shares."""
    listed = [int(v) for v in re.findall(r'name="trustees"[^>]*value="(\d+)"', html_of(page))]
    return sorted(members, key=lambda m: listed.index(m.user_id))


def secret_words(share: str) -> str:
    """Words of a share past its public header: these must never be seen again."""
    return " ".join(share.split()[4:10])


def impostors(real: str, count: int = 3) -> list[str]:
    """Shares with the header of ``real``'s set (identifier, threshold) but another secret."""
    share = Share.from_mnemonic(real)
    ems = EncryptedMasterSecret.from_master_secret(
        os.urandom(32), b"", share.identifier, share.extendable, share.iteration_exponent
    )
    [group] = split_ems(1, [(share.member_threshold, count)], ems)
    return [s.mnemonic() for s in group]


def mistype(share: str) -> str:
    words = share.split()
    words[7] = next(w for w in WORDLIST if w != words[7])
    return " ".join(words)


# Re-sharing ---------------------------------------------------------------------------------


def test_the_form_asks_for_as_many_shares_as_the_key_needs(
    page: Page, organiser: Member, trustees: list[Member]
) -> None:
    response = page.get(URL)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = html_of(page)
    assert re.findall(r'<textarea[^>]*name="(share_\d+)"', html) == ["share_1", "share_2"]
    assert 'autocomplete="off"' in html and 'spellcheck="false"' in html
    offered = re.findall(r'name="trustees"[^>]*value="(\d+)"', html)
    assert sorted(map(int, offered)) == sorted(m.user_id for m in trustees)
    assert "2 current trustees must be here, each with their share." in page.text
    assert "destroy the previous shares" in page.text


def test_a_reshare_shows_new_shares_once_for_the_same_key(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    before = stored_key(app)
    assert before is not None
    page.get(URL)
    chosen = in_list_order(page, trustees)
    response = reshare(page, [old_shares[2], old_shares[0]], chosen, 3)
    assert response.status_code == 200, page.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Clear-Site-Data"] == '"cache"'
    shares = shown_shares(html_of(page))
    assert sorted(shares) == [1, 2, 3, 4]
    for number, member in enumerate(chosen, start=1):
        name = member.email.split("@")[0].title()
        assert f"Share {number} of 4 for {name}" in page.text

    # The same key pair, under a new set of shares held by the new trustees.
    after = stored_key(app)
    assert after is not None
    assert (after.key_id, after.public) == (before.key_id, before.public)
    assert after.wrapped != before.wrapped and after.identifier != before.identifier
    assert (after.threshold, after.count, after.mode) == (3, 4, CeremonyMode.IN_APP)
    assert after.holders == [(n, m.user_id, None) for n, m in enumerate(chosen, start=1)]
    for three in itertools.combinations(shares.values(), 3):
        assert opens(after, list(three))
    with pytest.raises(crypto.NotEnoughShares):
        opens(after, list(shares.values())[:2])

    # The previous shares open nothing any more: not as a set, not mixed with new ones.
    old_key = crypto.combine(old_shares[:2], before.identifier, 2)
    with pytest.raises(crypto.WrongOpeningKey):
        crypto.unwrap(after.wrapped, old_key, after.key_id)
    with pytest.raises(crypto.ForeignShare):
        opens(after, [old_shares[0], shares[1], shares[2]])

    # Nothing of any share is kept: not in a page, a table, or the logs.
    secrets_ = [secret_words(s) for s in [*shares.values(), *old_shares]]
    page.get(URL)
    assert "The key was re-shared. The previous shares no longer open it" in page.text
    again = html_of(page)
    assert 'class="share-words"' not in again
    assert not any(part in again for part in secrets_)
    with app.app_context():
        rows = " ".join(
            str(row)
            for table in db.metadata.sorted_tables
            for row in db.session.execute(select(table))
        )
    assert not any(part in rows for part in secrets_)
    assert not any(part in caplog.text for part in secrets_)


def test_the_new_trustees_confirm_their_new_shares(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares
) -> None:
    page.get(URL)
    chosen = in_list_order(page, trustees[:3])
    reshare(page, list(old_shares[:2]), chosen, 2)
    shares = shown_shares(html_of(page))
    holder = signed_in(app, chosen[0])
    words = " ".join(shares[1].split()[:4])
    check = f"/admin/acme/consultations/{SLUG}/ceremony/confirm"
    assert holder.post(check, {"words": words}).status_code == 302
    stale = " ".join(old_shares[0].split()[:4])
    assert holder.post(check, {"words": stale}).status_code == 400


def test_the_audit_log_counts_without_shares(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares
) -> None:
    before = stored_key(app)
    assert before is not None
    reshare(page, list(old_shares[:2]), trustees, 3)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sealed.reshared"))
        assert event is not None and event.actor_id == organiser.user_id
        assert event.details == {
            "key_id": before.key_id,
            "previous": {"threshold": 2, "shares": 3},
            "threshold": 3,
            "shares": 4,
        }


@pytest.mark.parametrize("status", [Status.CLOSED, Status.UNSEALED, Status.PUBLISHED])
def test_a_key_can_be_reshared_in_any_status(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares, status
) -> None:
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == SLUG))
        consultation.status = status
        db.session.commit()
    assert reshare(page, list(old_shares[1:]), trustees[:2], 2).status_code == 200
    assert stored_key(app).count == 2  # type: ignore[union-attr]


# Refusals -----------------------------------------------------------------------------------


def refused(app: Flask, page: Page, shares: list[str], message: str, before) -> None:
    """The form comes back with ``message``, no share in it, and the key as it was."""
    assert page.response is not None and page.response.status_code == 400, page.text
    assert message in page.text
    html = html_of(page)
    assert 'class="share-words"' not in html
    assert not any(secret_words(s) in html for s in shares if s.strip())
    contents = re.findall(r'name="share_\d+"[^>]*>(.*?)</textarea>', html, re.DOTALL)
    assert len(contents) == 2 and not any(c.strip() for c in contents)  # all emptied
    assert stored_key(app) == before


def test_wrong_foreign_or_too_few_shares_change_nothing(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares
) -> None:
    before = stored_key(app)
    cases = [
        ([old_shares[0], ""], "The trustee who holds a share of the current key types it here."),
        ([old_shares[0], old_shares[0]], "This share was typed already"),
        ([old_shares[0], mistype(old_shares[1])], "A word of this share is wrong or missing"),
        ([old_shares[0], "not a share at all"], "A word of this share is wrong or missing"),
        (
            [old_shares[0], crypto.run_ceremony(2, 3).shares[1]],
            "This share belongs to another key, or to an earlier set of shares of this key.",
        ),
        (
            [old_shares[0], impostors(old_shares[0])[1]],
            "A share is mistyped or given twice: check every word.",
        ),
        (impostors(old_shares[0])[:2], "These shares do not open this consultation's key."),
    ]
    for shares, message in cases:
        reshare(page, shares, trustees, 3)
        refused(app, page, shares, message, before)


def test_impossible_new_sets_are_refused(
    app: Flask, page: Page, make: Factory, organiser: Member, trustees: list[Member], old_shares
) -> None:
    before = stored_key(app)
    shares = list(old_shares[:2])
    reshare(page, shares, trustees[:2], 3)
    refused(app, page, shares, "Only 2 trustees were chosen", before)
    reshare(page, shares, trustees[:1], 2)
    refused(app, page, shares, "Choose at least two trustees.", before)
    analyst = make.member("acme", [Role.ANALYST])
    reshare(page, shares, [trustees[0], analyst], 2)
    refused(app, page, shares, "Choose trustees among the active members", before)


def test_a_stale_page_reshares_nothing(
    app: Flask, page: Page, organiser: Member, trustees: list[Member], old_shares
) -> None:
    identifier = current_set(page)
    assert reshare(page, list(old_shares[:2]), trustees, 3, identifier).status_code == 200
    after = stored_key(app)
    # The same page sent again: the set it was made for is gone.
    response = reshare(page, list(old_shares[:2]), trustees[:2], 2, identifier)
    assert response.status_code == 409
    assert "it was re-shared meanwhile" in page.text
    assert secret_words(old_shares[0]) not in html_of(page)
    assert stored_key(app) == after


def test_without_a_key_there_is_nothing_to_reshare(
    app: Flask, page: Page, make: Factory, login_as, trustees: list[Member]
) -> None:
    make.consultation("acme", SLUG, questionnaire=open_only())
    login_as(Role.ORGANISER)
    page.get(URL)
    assert "there is nothing to re-share" in page.text
    assert 'name="share_1"' not in html_of(page)
    assert page.post(URL, {"share_1": "x"}, form_page=URL).status_code == 409


# Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "roles", [[Role.TRUSTEE], [Role.ANALYST], [Role.PUBLISHER], [Role.FACILITATOR]]
)
def test_only_organisers_reshare(
    app: Flask, page: Page, make: Factory, trustees: list[Member], old_shares, roles
) -> None:
    before = stored_key(app)
    login(page, make.member("acme", roles).email)
    assert page.get(URL).status_code == 403
    assert page.post(URL, {"share_1": old_shares[0], "share_2": old_shares[1]}).status_code == 403
    assert stored_key(app) == before


def test_owners_may_and_other_organisations_may_not(
    app: Flask, page: Page, make: Factory, trustees: list[Member], old_shares
) -> None:
    outsider = signed_in(app, make.member("other", list(Role)))
    assert outsider.get(URL).status_code == 404
    assert outsider.post(URL, {"share_1": old_shares[0]}).status_code == 404
    login(page, make.member("acme", [Role.OWNER]).email)
    assert reshare(page, list(old_shares[:2]), trustees[:3], 2).status_code == 200
