"""Encrypted backups of the database, and their restore (issue 9).

Threat model (DESIGN.md §5): whoever reads a backup — a hosting provider's snapshot, a stolen
disk, a copy left on a laptop — must learn nothing from it. Sealed envelopes are ciphertext
already, but open and invited responses, unsealed answers, accounts and the audit log are not.
So a backup is encrypted to a **backup public key** whose private half the platform admin
keeps offline: the server can make backups and never read them, and plaintext never touches
disk (SQLite is copied into memory with the online backup API; ``pg_dump`` streams through the
encryptor).

File format ``consult-backup/1``::

    MAGIC                                   b"consult-backup/1\\n"
    u32 length || header                    canonical JSON, readable without the key
    u32 length || key envelope              HPKE (as the sealed envelopes) of a random data key
    frames: u32 length || AES-256-GCM       1 MiB of plaintext each, under the data key

Why a data key rather than HPKE per chunk: one ML-KEM encapsulation (1.1 kB, and the costly
step) per backup, and AES-GCM at memory speed for the rest. The frames follow the STREAM
construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015): the nonce is the frame's number
followed by a flag set on the last frame only, so frames cannot be reordered, dropped, or cut
off at a frame boundary without failing authentication. The header is the HPKE ``info`` of the
key envelope and, hashed, the AAD of every frame, so a changed header opens nothing.

What this does not protect against: an intruder on the server while backups are made (they
read the live database anyway), and loss of the private key (the backups are then lost too:
keep two offline copies). The header (database kind, day, app version, migration head, key
id) is readable by anyone who holds the file.

This module imports no Flask; the CLI (``consult.cli``) supplies the database URL and audits.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Engine, MetaData, func, inspect, select
from sqlalchemy.engine import URL, make_url

from consult.sealed import crypto

FORMAT = "consult-backup/1"
MAGIC = FORMAT.encode() + b"\n"
CHUNK_BYTES = 1024 * 1024
_KEY_INFO = b"consult/backup/v1|"
_FRAME_AAD = b"consult/backup/v1|frame|"
_KEY_ENVELOPE_BYTES = 160
_TAG_BYTES = 16
_MAX_HEADER = 64 * 1024
#: Tables whose rows do not make a database "in use": Alembic's and the audit chain's head.
_BOOKKEEPING = frozenset({"alembic_version", "audit_head"})


class BackupError(Exception):
    """Base of every failure here. Messages are for the platform admin and hold no secrets."""


class NotABackup(BackupError):
    """The file does not start like a consult backup."""


class WrongBackupKey(BackupError):
    """The backup was made for another backup key."""


class BackupDamaged(BackupError):
    """The backup fails authentication: altered, truncated or extended."""


class TargetNotEmpty(BackupError):
    """The database to restore into holds data, and ``--force`` was not given."""


class DatabaseToolFailed(BackupError):
    """``pg_dump`` or ``pg_restore`` is missing or failed; carries its last error line."""


# Keys --------------------------------------------------------------------------------------


def encode_key(key: bytes) -> str:
    return base64.b64encode(key).decode()


def private_key_text(keys: crypto.KeyPair) -> str:
    """The private key file: what the platform admin takes offline."""
    kid = crypto.key_id(keys.public)
    return (
        "# consult backup private key. Keep it offline (two copies): it opens every backup\n"
        f"# made for key {kid}, and nothing on the server can replace it.\n"
        f"key-id: {kid}\nprivate-key: {encode_key(keys.private)}\n"
    )


def public_key_text(public: bytes) -> str:
    return f"key-id: {crypto.key_id(public)}\npublic-key: {encode_key(public)}\n"


def read_private_key(text: str) -> bytes:
    """The private key of a key file; :class:`BackupError` if the file is not one."""
    private = _key_field(text, "private-key", crypto.PRIVATE_KEY_BYTES)
    try:
        crypto.public_of(private)
    except ValueError:
        raise BackupError("This is not a backup private key file.") from None
    return private


def read_public_key(text: str) -> bytes:
    """A public key from its file, or from the bare base64 of ``CONSULT_BACKUP_PUBLIC_KEY``."""
    if ":" not in text:
        text = f"public-key: {text}"
    return _key_field(text, "public-key", crypto.PUBLIC_KEY_BYTES)


def _key_field(text: str, name: str, size: int) -> bytes:
    for line in text.splitlines():
        label, _, value = line.partition(":")
        if label.strip() == name:
            try:
                key = base64.b64decode(value.strip(), validate=True)
            except ValueError:
                break
            if len(key) == size:
                return key
    raise BackupError(f"No valid {name.replace('-', ' ')} found.")


# Header ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What a backup says of itself; authenticated together with the data."""

    database: str
    #: The day the backup was made (ISO date; nothing finer is kept).
    created_on: str
    app_version: str
    #: The Alembic revision of the backed-up database.
    migration_head: str
    key_id: str
    format: str = FORMAT
    suite: str = crypto.SUITE_ID
    chunk_bytes: int = CHUNK_BYTES

    def encode(self) -> bytes:
        return crypto.canonical(asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> Header:
        try:
            fields = json.loads(raw)
            header = cls(**fields)
        except (ValueError, TypeError):
            raise NotABackup("The backup's header is unreadable.") from None
        if header.format != FORMAT or header.suite != crypto.SUITE_ID:
            raise NotABackup(f"Unsupported backup format {header.format!r}.")
        if not 0 < header.chunk_bytes <= 64 * CHUNK_BYTES:
            raise BackupDamaged("The backup's header has been altered.")
        return header


# The encrypted stream ----------------------------------------------------------------------


def _nonce(number: int, last: bool) -> bytes:
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def _frame_aad(header: bytes) -> bytes:
    return _FRAME_AAD + hashlib.sha256(header).digest()


def _put(out: IO[bytes], block: bytes) -> None:
    out.write(len(block).to_bytes(4, "big") + block)


class Encryptor:
    """Writes a backup to ``out`` as plaintext is given to :meth:`write`; :meth:`finish` ends
    it (without it, the file is refused as truncated)."""

    def __init__(self, out: IO[bytes], header: Header, public: bytes) -> None:
        data_key = secrets.token_bytes(32)
        raw = header.encode()
        envelope = crypto.seal(
            {"data_key": data_key.hex()}, public, _KEY_INFO + raw, _KEY_ENVELOPE_BYTES
        )
        out.write(MAGIC)
        _put(out, raw)
        _put(out, envelope.ciphertext)
        self._out, self._aead, self._aad = out, AESGCM(data_key), _frame_aad(raw)
        self._chunk = header.chunk_bytes
        self._pending = bytearray()
        self._number = 0
        self.plaintext_bytes = 0

    def write(self, data: bytes) -> None:
        self._pending += data
        self.plaintext_bytes += len(data)
        while len(self._pending) > self._chunk:  # keep one back: the last frame is flagged
            self._frame(bytes(self._pending[: self._chunk]), last=False)
            del self._pending[: self._chunk]

    def finish(self) -> None:
        self._frame(bytes(self._pending), last=True)
        self._pending.clear()

    def _frame(self, chunk: bytes, last: bool) -> None:
        _put(self._out, self._aead.encrypt(_nonce(self._number, last), chunk, self._aad))
        self._number += 1


def read_header(source: IO[bytes]) -> tuple[Header, bytes]:
    """The header of a backup (not yet authenticated) and its raw bytes."""
    if source.read(len(MAGIC)) != MAGIC:
        raise NotABackup("This file is not a consult backup.")
    raw = _get(source, _MAX_HEADER)
    return Header.decode(raw), raw


def _get(source: IO[bytes], limit: int) -> bytes:
    return _block(source, source.read(4), limit)


def _block(source: IO[bytes], size: bytes, limit: int) -> bytes:
    """The block whose 4-byte length ``size`` was just read."""
    if len(size) != 4:
        raise BackupDamaged("The backup is truncated.")
    length = int.from_bytes(size, "big")
    if length > limit:
        raise BackupDamaged("The backup has been altered (a frame is too long).")
    block = source.read(length)
    if len(block) != length:
        raise BackupDamaged("The backup is truncated.")
    return block


def decrypt(source: IO[bytes], private: bytes) -> tuple[Header, Iterator[bytes]]:
    """The header, checked against ``private``, and the plaintext chunk by chunk.

    Each chunk is authenticated before it is yielded; a truncated or extended file raises
    :class:`BackupDamaged` at its end, so callers that must not act on part of a backup read
    it through once first (:func:`verify`).
    """
    header, raw = read_header(source)
    opener = crypto.Opener(private)
    if header.key_id != opener.key_id:
        raise WrongBackupKey(
            f"This backup was made for backup key {header.key_id}; "
            f"the key given is {opener.key_id}."
        )
    envelope = crypto.Envelope(header.suite, header.key_id, _get(source, 4096))
    try:
        data_key = bytes.fromhex(opener.open(envelope, _KEY_INFO + raw)["data_key"])
    except (crypto.EnvelopeInvalid, KeyError, ValueError):
        raise BackupDamaged("The backup has been altered (its header or key).") from None
    return header, _frames(source, AESGCM(data_key), _frame_aad(raw), header.chunk_bytes)


def _frames(source: IO[bytes], aead: AESGCM, aad: bytes, chunk: int) -> Iterator[bytes]:
    """Decrypt frame after frame; a frame is the last one when nothing follows it."""
    number, size = 0, source.read(4)
    while True:
        block = _block(source, size, chunk + _TAG_BYTES)
        size = source.read(4)
        last = not size
        try:
            plaintext = aead.decrypt(_nonce(number, last), block, aad)
        except InvalidTag:
            problem = "is truncated or has been altered" if last else "has been altered"
            raise BackupDamaged(f"The backup {problem} (frame {number}).") from None
        yield plaintext
        if last:
            return
        number += 1


def verify(path: Path, private: bytes) -> Header:
    """Read a backup through and authenticate all of it; its header, or a ``BackupError``."""
    with path.open("rb") as source:
        header, chunks = decrypt(source, private)
        for _chunk in chunks:
            pass
    return header


# Databases ---------------------------------------------------------------------------------


def database_kind(url: str) -> str:
    """``sqlite`` or ``postgresql``; :class:`BackupError` for anything else."""
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def has_data(engine: Engine, metadata: MetaData) -> bool:
    """Whether any table of the app holds a row (a migrated, unused database does not)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return any(
            connection.scalar(select(func.count()).select_from(table))
            for table in metadata.sorted_tables
            if table.name in present and table.name not in _BOOKKEEPING
        )


def backup(url: str, out: IO[bytes], public: bytes, header: Header) -> int:
    """Write an encrypted backup of the database at ``url`` to ``out``; the plaintext size.

    SQLite: the online backup API copies a consistent snapshot into memory (writers carry on
    in WAL mode), serialised and encrypted from there. PostgreSQL: ``pg_dump --format=custom``
    (one consistent snapshot) piped through the encryptor.
    """
    encryptor = Encryptor(out, header, public)
    if header.database == "sqlite":
        encryptor.write(_sqlite_image(_sqlite_path(url)))
    else:
        with _pg_tool("pg_dump", url, ["--format=custom"]) as dump:
            assert dump.stdout is not None
            while chunk := dump.stdout.read(CHUNK_BYTES):
                encryptor.write(chunk)
    encryptor.finish()
    return encryptor.plaintext_bytes


def restore(url: str, path: Path, private: bytes) -> Header:
    """Replace the database at ``url`` with the backup at ``path``; the backup's header.

    The whole file is authenticated before the database is touched. SQLite: the image is
    checked in memory, then copied into the target with the backup API, in one transaction
    (atomic, and safe for the WAL files an earlier run left beside it). PostgreSQL:
    ``pg_restore --clean --if-exists --single-transaction`` from standard input.
    """
    kind = database_kind(url)
    header = verify(path, private)
    if header.database != kind:
        raise BackupError(f"This is a {header.database} backup; the target is {kind}.")
    with path.open("rb") as source:
        _header, chunks = decrypt(source, private)
        if kind == "sqlite":
            _restore_sqlite(_sqlite_path(url), b"".join(chunks))
        else:
            _restore_postgresql(url, chunks)
    return header


def _sqlite_path(url: str) -> str:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return path


def _sqlite_image(path: str) -> bytes:
    if not Path(path).is_file():
        raise BackupError(f"No SQLite database at {path}.")
    source = sqlite3.connect(path)
    memory = sqlite3.connect(":memory:")
    try:
        source.backup(memory)
        image = bytearray(memory.serialize())
    finally:
        memory.close()
        source.close()
    # The copy says "WAL" (bytes 18-19 of the header) like its source; an in-memory database
    # cannot be opened in WAL mode, so the image is marked rollback-journal. Restoring sets
    # WAL again.
    image[18:20] = b"\x01\x01"
    return bytes(image)


def _restore_sqlite(path: str, image: bytes) -> None:
    memory = sqlite3.connect(":memory:")
    target = sqlite3.connect(path)
    try:
        try:
            memory.deserialize(image)
            checked = memory.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError:
            checked = None
        if checked != ("ok",):
            raise BackupError("The backup holds a damaged SQLite database.")
        memory.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        memory.close()


def _restore_postgresql(url: str, chunks: Iterable[bytes]) -> None:
    options = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    with _pg_tool("pg_restore", url, options) as restoring:
        assert restoring.stdin is not None
        try:
            for chunk in chunks:
                restoring.stdin.write(chunk)
            restoring.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early; its exit status and message say why


@contextmanager
def _pg_tool(tool: str, url: str, options: list[str]) -> Iterator[subprocess.Popen[bytes]]:
    """A PostgreSQL client tool on the database at ``url``: ``pg_dump`` with its output piped,
    or ``pg_restore`` with its input piped. It must succeed, or :class:`DatabaseToolFailed`.

    The password goes through ``PGPASSWORD``, never the command line (the process list).
    """
    found = shutil.which(tool)
    if found is None:
        raise DatabaseToolFailed(f"{tool} is not installed (Debian: postgresql-client).")
    target = make_url(url)
    env = dict(os.environ)
    if target.password:
        env["PGPASSWORD"] = str(target.password)
    dump = tool == "pg_dump"
    process = subprocess.Popen(  # noqa: S603 - a fixed tool, arguments of our own
        [found, *options, "--dbname", _libpq_uri(target)],
        stdin=None if dump else subprocess.PIPE,
        stdout=subprocess.PIPE if dump else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    errors: list[bytes] = []
    stderr = process.stderr
    assert stderr is not None
    # Read apart, so that a tool writing many warnings never blocks on a full pipe.
    reader = threading.Thread(target=lambda: errors.append(stderr.read()), daemon=True)
    reader.start()
    try:
        yield process
    except BaseException:
        process.kill()
        raise
    finally:
        code = process.wait()
        reader.join()
    if code != 0:
        lines = b"".join(errors).decode(errors="replace").strip().splitlines()
        message = lines[-1] if lines else "no message"
        raise DatabaseToolFailed(f"{tool} failed (exit {code}): {message}")


def _libpq_uri(url: URL) -> str:
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
