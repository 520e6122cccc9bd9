"""Encrypted backups: the file format on its own, and the round trip through the commands."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from consult import backup
from consult.audit.models import AuditEvent
from consult.extensions import db
from consult.sealed import crypto
from tests.factories import Factory
from tests.helpers import Page
from tests.respond.test_open_channel import FULL, hidden
from tests.sealed.test_channel import ANSWERS, open_all, send
from tests.test_cli import run

CANARY = "canary-answer-7f3a1c the cell has no window"
HEADER = backup.Header("sqlite", "2027-03-01", "0.1.0", "head", "", chunk_bytes=64)


# The format ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> crypto.KeyPair:
    return crypto.generate_keypair()


def encrypted(keys: crypto.KeyPair, plaintext: bytes, header: backup.Header = HEADER) -> bytes:
    out = io.BytesIO()
    header = backup.Header(**{**vars(header), "key_id": crypto.key_id(keys.public)})
    encryptor = backup.Encryptor(out, header, keys.public)
    for start in range(0, len(plaintext), 50):  # writes that do not fall on frame boundaries
        encryptor.write(plaintext[start : start + 50])
    encryptor.finish()
    return out.getvalue()


def decrypted(data: bytes, private: bytes) -> bytes:
    _header, chunks = backup.decrypt(io.BytesIO(data), private)
    return b"".join(chunks)


def frames(data: bytes) -> tuple[int, list[tuple[int, int]]]:
    """Where the frames start: (offset of the first, [(offset, length) of each])."""
    offset = len(backup.MAGIC)
    for _ in range(2):  # header, key envelope
        offset += 4 + int.from_bytes(data[offset : offset + 4], "big")
    first, found = offset, []
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        found.append((offset, 4 + length))
        offset += 4 + length
    return first, found


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 640, 1000])
def test_any_size_comes_back_whole(keys: crypto.KeyPair, size: int) -> None:
    plaintext = bytes(range(256)) * 4
    assert decrypted(encrypted(keys, plaintext[:size]), keys.private) == plaintext[:size]


def test_the_header_is_readable_without_the_key(keys: crypto.KeyPair) -> None:
    header, _raw = backup.read_header(io.BytesIO(encrypted(keys, b"data")))
    assert (header.database, header.created_on, header.migration_head) == (
        "sqlite",
        "2027-03-01",
        "head",
    )
    assert header.key_id == crypto.key_id(keys.public)


def flip(data: bytes, offset: int) -> bytes:
    return data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :]


def test_every_altered_byte_is_detected(keys: crypto.KeyPair) -> None:
    data = encrypted(keys, b"x" * 200)
    for offset in range(len(backup.MAGIC), len(data)):
        with pytest.raises(backup.BackupError):
            decrypted(flip(data, offset), keys.private)


def test_truncated_reordered_or_extended_files_are_refused(keys: crypto.KeyPair) -> None:
    data = encrypted(keys, bytes(range(200)))
    first, found = frames(data)
    assert len(found) == 4
    (a, la), (b, lb) = found[0], found[1]
    cut_at_boundary = data[: found[-1][0]]
    swapped = data[:a] + data[b : b + lb] + data[a : a + la] + data[b + lb :]
    dropped = data[:b] + data[b + lb :]
    tails = {
        "cut at a frame boundary": cut_at_boundary,
        "cut inside a frame": data[:-5],
        "no frame at all": data[:first],
        "frames swapped": swapped,
        "a frame dropped": dropped,
        "a frame repeated": data + data[found[-1][0] :],
        "bytes appended": data + b"\0\0\0\0",
    }
    for name, altered in tails.items():
        with pytest.raises(backup.BackupDamaged):
            decrypted(altered, keys.private)
            pytest.fail(name)


def test_a_changed_header_opens_nothing(keys: crypto.KeyPair) -> None:
    data = encrypted(keys, b"data")
    old = b'"created_on":"2027-03-01"'
    assert old in data
    with pytest.raises(backup.BackupDamaged, match="altered"):
        decrypted(data.replace(old, b'"created_on":"2027-03-02"'), keys.private)


def test_the_wrong_key_and_other_files_are_named(keys: crypto.KeyPair) -> None:
    data = encrypted(keys, b"data")
    other = crypto.generate_keypair()
    with pytest.raises(backup.WrongBackupKey, match="made for backup key"):
        decrypted(data, other.private)
    with pytest.raises(backup.NotABackup):
        decrypted(b"SQLite format 3\0" + data, keys.private)


def test_key_files_round_trip_and_refuse_other_text(keys: crypto.KeyPair) -> None:
    assert backup.read_private_key(backup.private_key_text(keys)) == keys.private
    assert backup.read_public_key(backup.public_key_text(keys.public)) == keys.public
    assert backup.read_public_key(backup.encode_key(keys.public)) == keys.public
    with pytest.raises(backup.BackupError):
        backup.read_private_key(backup.public_key_text(keys.public))
    with pytest.raises(backup.BackupError):
        backup.read_public_key("not a key")


# The commands, on SQLite and PostgreSQL ------------------------------------------------------


@pytest.fixture
def key_files(app: Flask, tmp_path: Path) -> tuple[Path, Path]:
    private, public = tmp_path / "backup.private", tmp_path / "backup.public"
    result = run(app, "backup-key", "--private-out", str(private), "--public-out", str(public))
    assert result.exit_code == 0, result.output
    assert "CONSULT_BACKUP_PUBLIC_KEY=" in result.output
    assert private.stat().st_mode & 0o777 == 0o600
    return private, public


@pytest.fixture
def answered(app: Flask, make: Factory) -> str:
    """An open consultation with an open response holding the canary, and two envelopes."""
    make.consultation("acme", "npm-2027", ("en", "fr"), opened=True)
    page = Page(app.test_client())
    url = "/en/c/npm-2027/respond"
    key = hidden(page.get(url).get_data(as_text=True), "submission_key")
    data = {**FULL, "q-why": CANARY, "submission_key": key}
    assert page.post(url, data, form_page=url).status_code == 303
    for _ in range(2):
        assert send(Page(app.test_client()), {**ANSWERS, "q-why": CANARY}).status_code == 303
    return "npm-2027"


def contents(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr)
            for table in db.metadata.sorted_tables
        }


def backed_up(app: Flask, key_files: tuple[Path, Path], out: Path) -> Path:
    result = run(app, "backup", "--out", str(out), "--public-key", str(key_files[1]))
    assert result.exit_code == 0, result.output
    return out


def empty(app: Flask) -> None:
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()


def audited(app: Flask, action: str) -> list[dict[str, Any]]:
    """The details of the audit events of ``action``, oldest first."""
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        )
        return [dict(event.details) for event in events]


def test_a_backup_restores_every_row_of_every_table(
    app: Flask,
    make: Factory,
    answered: str,
    key_files: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    before = contents(app)
    path = backed_up(app, key_files, tmp_path / "consult.backup")
    assert CANARY.encode() not in path.read_bytes()
    assert b"SQLite format 3" not in path.read_bytes() and b"PGDMP" not in path.read_bytes()
    # Audited, with what identifies the file and nothing of its content.
    with path.open("rb") as source:
        header, _raw = backup.read_header(source)
    identity = {"key_id": header.key_id, "migration_head": header.migration_head}
    assert header.migration_head and header.key_id == crypto.key_id(
        backup.read_public_key(key_files[1].read_text())
    )
    assert audited(app, "backup.created") == [{**identity, "bytes": path.stat().st_size}]
    empty(app)
    result = run(app, "restore", "--from", str(path), "--key", str(key_files[0]))
    assert result.exit_code == 0, result.output
    assert audited(app, "backup.restored") == [{**identity, "backup_created_on": header.created_on}]
    after = contents(app)
    # The restore is audited in the restored database, after the events it brought back.
    restored = [row for row in after.pop("audit_event") if "backup.restored" in row]
    assert len(restored) == 1
    audit_before = before.pop("audit_event")
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    # The backup's own event came after the copy: the restored chain goes on from before it.
    assert "backup.created" not in actions and actions[-1] == "backup.restored"
    assert len(audit_before) == len(actions) - 1
    before.pop("audit_head"), after.pop("audit_head")
    assert after == before
    assert run(app, "audit-verify").exit_code == 0
    opened = open_all(app, make)  # the envelopes still open with the trustees' shares
    assert len(opened) == 2 and all(CANARY in repr(body) for body in opened)


def test_a_database_in_use_is_kept_unless_forced(
    app: Flask, answered: str, key_files: tuple[Path, Path], tmp_path: Path
) -> None:
    path = backed_up(app, key_files, tmp_path / "consult.backup")
    before = contents(app)
    result = run(app, "restore", "--from", str(path), "--key", str(key_files[0]))
    assert result.exit_code != 0 and "--force" in result.output
    assert contents(app) == before
    forced = run(app, "restore", "--from", str(path), "--key", str(key_files[0]), "--force")
    assert forced.exit_code == 0, forced.output


def test_damaged_backups_and_wrong_keys_leave_the_database_alone(
    app: Flask, answered: str, key_files: tuple[Path, Path], tmp_path: Path
) -> None:
    path = backed_up(app, key_files, tmp_path / "consult.backup")
    data = path.read_bytes()
    other = tmp_path / "other.private"
    other.write_text(backup.private_key_text(crypto.generate_keypair()))
    damaged = tmp_path / "damaged.backup"
    before = contents(app)
    cases = {
        "altered": (flip(data, len(data) - 100), key_files[0]),
        "truncated": (data[: len(data) // 2], key_files[0]),
        "made for backup key": (data, other),
        "not a consult backup": (b"PGDMP" + data, key_files[0]),
    }
    for message, (content, key) in cases.items():
        damaged.write_bytes(content)
        result = run(app, "restore", "--from", str(damaged), "--key", str(key), "--force")
        assert result.exit_code != 0 and message in result.output, result.output
        assert "Traceback" not in result.output
        assert contents(app) == before


def test_a_backup_needs_a_key_and_never_overwrites(
    app: Flask, key_files: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "consult.backup"
    result = run(app, "backup", "--out", str(out))
    assert result.exit_code != 0 and "CONSULT_BACKUP_PUBLIC_KEY" in result.output
    out.write_bytes(b"an older backup")
    result = run(app, "backup", "--out", str(out), "--public-key", str(key_files[1]))
    assert result.exit_code != 0 and "overwrite" in result.output
    assert out.read_bytes() == b"an older backup"
