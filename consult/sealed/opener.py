"""``consult-open``: open exported envelopes on a trustee's computer, without the server.

    flask --app wsgi consult envelopes-export SLUG > envelopes.jsonl     # on the server
    consult-open envelopes.jsonl --out opened.jsonl                       # offline, k shares
    flask --app wsgi consult envelopes-import SLUG opened.jsonl           # on the server

Shares are read from files given with ``--share`` or typed at a hidden prompt, never from the
command line. The envelopes are opened in a shuffled order (an HMAC of their ids under a key
made for this run), so the opened file keeps no trace of the order of arrival, and no ids.
Imports nothing but the sealing core and the standard library.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from consult.sealed import crypto
from consult.sealed.unseal import Sealed, Tally, open_all, private_key, set_digest, shuffled

EXPORT_FORMAT = "consult-envelopes/1"
OPENED_FORMAT = "consult-opened/1"


class OpenerError(Exception):
    """Something the person running the tool must fix; the message says what."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="consult-open", description=__doc__.split("\n")[0])
    parser.add_argument("envelopes", type=Path, help="file written by envelopes-export")
    parser.add_argument("--out", type=Path, required=True, help="where to write the answers")
    parser.add_argument(
        "--share",
        type=Path,
        action="append",
        default=[],
        help="a file holding one share (repeat for each); else a prompt asks",
    )
    args = parser.parse_args(argv)
    try:
        tally = run(args.envelopes, args.out, args.share)
    except (OpenerError, crypto.SealedError) as error:
        print(f"consult-open: {error}", file=sys.stderr)
        return 1
    print(
        f"Received {tally.received}, opened {tally.opened}, rejected {tally.rejected}, "
        f"held for review {tally.held}. Answers written to {args.out}."
    )
    for envelope_id in tally.rejected_ids:
        print(f"  rejected envelope {envelope_id}")
    return 0


def run(source: Path, out: Path, share_files: Sequence[Path]) -> Tally:
    if out.exists():
        raise OpenerError(f"{out} exists: choose another file")
    with source.open("rb") as handle:
        header, offsets = _index(handle)
        threshold = int(header["threshold"])
        private = private_key(
            _shares(share_files, threshold),
            int(header["share_identifier"]),
            threshold,
            base64.b64decode(header["wrapped_private_key"]),
            header["key_id"],
        )
        where = crypto.info(header["consultation"], header["version"], header["key_id"])
        tally = Tally()
        with out.open("x", encoding="utf-8") as target:
            out.chmod(0o600)
            target.write(
                json.dumps(
                    {k: header[k] for k in ("consultation", "version", "digest")}
                    | {"format": OPENED_FORMAT}
                )
                + "\n"
            )
            items = _in_order(handle, offsets)
            for payload, held in open_all(items, private, where, lambda body: body, tally):
                target.write(
                    json.dumps({"payload": payload, "held": held}, ensure_ascii=False) + "\n"
                )
            target.write(json.dumps({"summary": tally.as_dict()}) + "\n")
        del private
    return tally


def _index(handle: BinaryIO) -> tuple[dict[str, Any], dict[str, int]]:
    """The export's header, and where each envelope's line starts (ids only in memory)."""
    try:
        header = json.loads(handle.readline())
    except ValueError:
        raise OpenerError("not a file written by envelopes-export") from None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise OpenerError("not a file written by envelopes-export")
    offsets: dict[str, int] = {}
    hashes = []
    while True:
        position = handle.tell()
        line = handle.readline()
        if not line:
            break
        item = _parse(line)
        offsets[item["id"]] = position
        hashes.append(item["sha256"])
    if set_digest(hashes) != header.get("digest"):
        raise OpenerError(
            "the envelopes do not match the digest of the export: the file is "
            "incomplete or was changed"
        )
    return header, offsets


def _parse(line: bytes) -> dict[str, Any]:
    try:
        item = json.loads(line)
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError
        return item
    except ValueError:
        raise OpenerError("a line of the export is damaged") from None


def _in_order(handle: BinaryIO, offsets: dict[str, int]) -> Iterator[Sealed]:
    for envelope_id in shuffled(offsets):
        handle.seek(offsets[envelope_id])
        item = _parse(handle.readline())
        try:
            ciphertext = base64.b64decode(item["ciphertext"], validate=True)
        except (ValueError, KeyError):
            ciphertext = b""
        yield Sealed(
            item["id"],
            str(item.get("suite")),
            str(item.get("key_id")),
            ciphertext,
            str(item.get("sha256")),
            bool(item.get("held", False)),
        )


def _shares(files: Sequence[Path], threshold: int) -> list[str]:
    if files:
        return [path.read_text(encoding="utf-8") for path in files]
    print(f"Type {threshold} shares, one at a time (the words are not shown).", file=sys.stderr)
    if not sys.stdin.isatty():
        return [line for line in (sys.stdin.readline() for _ in range(threshold)) if line]
    return [getpass.getpass(f"Share {n} of {threshold}: ") for n in range(1, threshold + 1)]


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
