"""``consult-keygen``: the key ceremony offline, on a trustee's own computer (DESIGN.md §5).

``create`` makes the consultation's key pair, wraps its private key under a random opening key,
splits the opening key k-of-n with SLIP-39, and writes one share file per trustee plus
``upload.json``, which holds only the public key and the wrapped private key. The organiser
uploads that file on the ceremony page, so the server never holds the private key, not even for
the length of one request.

``check`` reads a share from a file, a hidden prompt or standard input (never from the command
line, which shell histories and process lists keep), checks every word and the checksum, and
says which ceremony and which trustee the share belongs to.

This module imports only the standard library and :mod:`consult.sealed.crypto`: no web
framework, no database, so it runs on a computer that never saw the application.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from consult.sealed import crypto

#: Version of the ``upload.json`` layout.
FORMAT = 1
UPLOAD_NAME = "upload.json"
#: ``nonce || AES-256-GCM(private key) || tag``, as :func:`crypto.wrap` makes it.
WRAPPED_BYTES = 12 + crypto.PRIVATE_KEY_BYTES + 16
#: SLIP-39 identifiers have 15 bits.
IDENTIFIER_LIMIT = 1 << 15
#: A real ``upload.json`` is about 2 kB; anything much larger is not one.
UPLOAD_MAX_CHARS = 64_000
FIELDS = (
    "format",
    "suite",
    "key_id",
    "public_key",
    "wrapped_private_key",
    "identifier",
    "threshold",
    "shares",
)
#: The line after which a share file lists its words.
WORDS_MARKER = "Words:"
NUMBERED_WORD = re.compile(r"(\d{1,2})[.)]\s*([A-Za-z]+)")
WORD_COLUMNS = 3


def share_name(number: int) -> str:
    return f"share-{number}.txt"


# upload.json --------------------------------------------------------------------------------


#: Why an upload is refused; the web form turns each into a translated message.
UPLOAD_REASONS = (
    "json",
    "format",
    "suite",
    "encoding",
    "public_key",
    "wrapped",
    "key_id",
    "numbers",
)


class UploadError(ValueError):
    """An ``upload.json`` that cannot be used. ``reason`` is one of :data:`UPLOAD_REASONS`."""

    def __init__(self, reason: str, message: str) -> None:
        assert reason in UPLOAD_REASONS
        self.reason = reason
        super().__init__(message)


@dataclass(frozen=True)
class Upload:
    """The public outcome of an offline ceremony, as ``upload.json`` carries it."""

    public: bytes
    wrapped: bytes
    key_id: str
    identifier: int
    threshold: int
    shares: int


def upload_document(ceremony: crypto.Ceremony) -> dict[str, Any]:
    """What ``upload.json`` holds: public parts only, never a share or the private key."""
    return {
        "format": FORMAT,
        "suite": crypto.SUITE_ID,
        "key_id": ceremony.key_id,
        "public_key": base64.b64encode(ceremony.public).decode("ascii"),
        "wrapped_private_key": base64.b64encode(ceremony.wrapped).decode("ascii"),
        "identifier": ceremony.identifier,
        "threshold": ceremony.threshold,
        "shares": len(ceremony.shares),
    }


def read_upload(text: str) -> Upload:
    """Parse and check an ``upload.json``. Raises :class:`UploadError`."""
    document = _json_object(text)
    missing = [name for name in FIELDS if name not in document]
    if missing or document["format"] != FORMAT or isinstance(document["format"], bool):
        raise UploadError("format", "not an upload.json of format 1 made by consult-keygen")
    if document["suite"] != crypto.SUITE_ID:
        raise UploadError("suite", f"unknown suite {str(document['suite'])[:80]!r}")
    public = _base64(document["public_key"])
    wrapped = _base64(document["wrapped_private_key"])
    _check_public_key(public)
    if len(wrapped) != WRAPPED_BYTES:
        raise UploadError("wrapped", "the wrapped private key has the wrong length")
    if document["key_id"] != crypto.key_id(public):
        raise UploadError("key_id", "the key id does not match the public key")
    identifier, threshold, shares = (
        _integer(document[name]) for name in ("identifier", "threshold", "shares")
    )
    if not 0 <= identifier < IDENTIFIER_LIMIT or not (
        2 <= threshold <= shares <= crypto.MAX_TRUSTEES
    ):
        raise UploadError("numbers", "need 2 <= threshold <= shares <= 16 and a valid identifier")
    return Upload(public, wrapped, crypto.key_id(public), identifier, threshold, shares)


def _json_object(text: str) -> dict[str, Any]:
    if len(text) > UPLOAD_MAX_CHARS:
        raise UploadError("json", "too large to be an upload.json")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise UploadError("json", "not JSON") from None
    if not isinstance(document, dict):
        raise UploadError("json", "not a JSON object")
    return document


def _base64(value: object) -> bytes:
    if not isinstance(value, str):
        raise UploadError("encoding", "a key is not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise UploadError("encoding", "a key is not valid base64") from None


def _check_public_key(public: bytes) -> None:
    """A key that cannot seal would otherwise fail only when the first answer arrives."""
    if len(public) != crypto.PUBLIC_KEY_BYTES:
        raise UploadError("public_key", "the public key has the wrong length")
    try:
        crypto.seal({}, public, b"consult/upload-check", 64)
    except crypto.KeyFormatError:
        raise UploadError("public_key", "the public key is malformed") from None


def _integer(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UploadError("numbers", "identifier, threshold and shares must be whole numbers")
    return value


# Share files --------------------------------------------------------------------------------


def share_text(ceremony: crypto.Ceremony, number: int, name: str | None = None) -> str:
    """The plain-text file of share ``number`` (1-based): a short explanation, then its words."""
    count = len(ceremony.shares)
    lines = [
        f"consult key ceremony: share {number} of {count}",
        *([f"Trustee: {name}"] if name else []),
        f"Key id: {ceremony.key_id}",
        f"Ceremony identifier: {ceremony.identifier}",
        f"Shares needed to open the answers: {ceremony.threshold} of {count}",
        "",
        "These words are your share of the key that opens the sealed answers of a consultation.",
        "- Print this file or write the words down, in order, and check every word.",
        f"- Keep them safe and secret: any {ceremony.threshold} shares together open the answers.",
        "- They exist only here: nobody, not even the server, can show them to you again.",
        "  Once you hold them on paper, delete this file from the computer.",
        "- You will need them to open the answers after the consultation closes.",
        f"- Check them at any time, offline, with: consult-keygen check {share_name(number)}",
        "",
        WORDS_MARKER,
        *_word_grid(ceremony.shares[number - 1].split()),
        "",
    ]
    return "\n".join(lines)


def _word_grid(words: list[str]) -> list[str]:
    """The words numbered, in columns that read top to bottom."""
    rows = -(-len(words) // WORD_COLUMNS)
    width = max(len(word) for word in words) + 6
    grid = []
    for row in range(rows):
        cells = [
            f"{index + 1:>2}. {words[index]}".ljust(width) for index in range(row, len(words), rows)
        ]
        grid.append("".join(cells).rstrip())
    return grid


def share_words(text: str) -> str:
    """The share in a share file or in typed text: numbered words in number order, else all."""
    _, marker, after = text.partition(WORDS_MARKER)
    body = after if marker else text
    numbered = NUMBERED_WORD.findall(body)
    if numbered:
        return " ".join(word for _, word in sorted(numbered, key=lambda pair: int(pair[0])))
    return body


# Commands -----------------------------------------------------------------------------------


class CommandFailed(Exception):
    """A failure to report in one line and exit 1."""


def create(threshold: int, count: int, out: Path, names: Sequence[str] | None) -> list[Path]:
    """Run the ceremony and write its files; refuses to overwrite anything. Returns the paths."""
    if not 2 <= threshold <= count <= crypto.MAX_TRUSTEES:
        raise CommandFailed("need 2 <= threshold <= trustees <= 16")
    if names and len(names) != count:
        raise CommandFailed(f"give exactly {count} names, one per trustee, or none")
    paths = [out / share_name(n) for n in range(1, count + 1)] + [out / UPLOAD_NAME]
    existing = [str(path) for path in paths if path.exists()]
    if existing:
        raise CommandFailed("refusing to overwrite " + ", ".join(existing))
    ceremony = crypto.run_ceremony(threshold, count)
    _self_check(ceremony)
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    for number in range(1, count + 1):
        name = names[number - 1] if names else None
        _write_new(paths[number - 1], share_text(ceremony, number, name), 0o600)
    upload = json.dumps(upload_document(ceremony), indent=2) + "\n"
    _write_new(paths[-1], upload, 0o644)
    return paths


def _self_check(ceremony: crypto.Ceremony) -> None:
    """The first k shares open the wrapped key: no file is written for a broken ceremony."""
    opening_key = crypto.combine(
        ceremony.shares[: ceremony.threshold], ceremony.identifier, ceremony.threshold
    )
    private = crypto.unwrap(ceremony.wrapped, opening_key, ceremony.key_id)
    if crypto.public_of(private) != ceremony.public:
        raise CommandFailed("the ceremony failed its own check; nothing was written")


def _write_new(path: Path, text: str, mode: int) -> None:
    """Create ``path`` (never replacing a file) with exactly ``mode``."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        if hasattr(os, "fchmod"):  # the umask may have narrowed the mode: make it exact
            os.fchmod(descriptor, mode)
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)


def read_secret(path: str | None, stdin: TextIO) -> str:
    """A share from a file, else a hidden prompt on a terminal, else standard input."""
    if path:
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandFailed(f"cannot read {path}: {error.__class__.__name__}") from None
    if stdin.isatty():
        return getpass.getpass("Share words (hidden): ")
    return stdin.read()


def check(text: str, upload_path: str | None) -> list[str]:
    """Lines describing a share; raises :class:`CommandFailed` if it is invalid or foreign."""
    try:
        info = crypto.read_share(share_words(text))
    except crypto.ShareError:
        raise CommandFailed("not a valid share: a word is wrong, missing or misplaced") from None
    lines = [
        "The share is valid (every word and the checksum).",
        f"Ceremony identifier: {info.identifier}",
        f"Share number: {info.number}",
        f"Shares needed to open: {info.threshold}",
    ]
    if upload_path is None:
        return lines
    try:
        upload = read_upload(Path(upload_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, UploadError) as error:
        raise CommandFailed(f"cannot use {upload_path}: {error}") from None
    ours = (info.identifier, info.threshold) == (upload.identifier, upload.threshold)
    if not ours or info.number > upload.shares:
        raise CommandFailed(f"the share does NOT belong to the ceremony of key {upload.key_id}")
    return [*lines, f"It belongs to the ceremony of key {upload.key_id}."]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="consult-keygen",
        description="Hold a consult key ceremony offline, and check shares.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="make a key and split it among trustees")
    make.add_argument("--threshold", "-k", type=int, required=True, help="shares needed to open")
    make.add_argument("--trustees", "-n", type=int, required=True, help="shares to make")
    make.add_argument("--out", type=Path, required=True, help="directory for the files")
    make.add_argument(
        "--name", dest="names", action="extend", nargs="+", help="trustee names, in share order"
    )
    verify = commands.add_parser(
        "check", help="check a share (from FILE, a hidden prompt or standard input)"
    )
    verify.add_argument("file", nargs="?", help="a share file; never type the words here")
    verify.add_argument("--upload", help="upload.json of the ceremony the share should belong to")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``consult-keygen``; returns the exit status (0 success, 1 failure)."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "create":
            paths = create(args.threshold, args.trustees, args.out, args.names)
            _report_created(paths, args.threshold)
        else:
            secret = read_secret(args.file, sys.stdin)
            print("\n".join(check(secret, args.upload)))
    except CommandFailed as error:
        print(f"consult-keygen: {error}", file=sys.stderr)
        return 1
    return 0


def _report_created(paths: list[Path], threshold: int) -> None:
    shares, upload = paths[:-1], paths[-1]
    print(f"Wrote {len(shares)} shares ({threshold} needed to open) and {upload.name}:")
    for path in paths:
        print(f"  {path}")
    print(
        "Give each trustee their share file (or its printout) and nothing else; then delete "
        "the share files from this computer.\n"
        f"Upload {upload.name} on the consultation's ceremony page: it holds no secret."
    )


if __name__ == "__main__":
    sys.exit(main())
