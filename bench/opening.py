"""Unsealing at scale: the whole pipeline against a bare loop of HPKE decryptions.

    .venv/bin/python bench/opening.py [--count 100000] [--json FILE] [--profile FILE]

Seals COUNT envelopes of the sample questionnaire into a scratch SQLite database, then times
(1) a bare loop that only decrypts the same ciphertexts, and (2) ``unsealing.unseal``: shuffle,
decrypt, check every answer against the questionnaire, store responses. Prints both times,
their ratio, the envelopes per second, and the peak resident memory of each phase (with that
of the process unsealing forks to open envelopes, ``consult.sealed.alongside``, added: an upper
bound). Both are measured in this run, on this machine, so the ratio is what to compare
between changes; unsealing uses a second processor where there is one, the bare loop one.
:func:`measure` returns the figures as entries of ``bench/results.json`` (``bench/run.py``).
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from common import absolute, compared, peak_mib, say, scratch_app
from werkzeug.datastructures import MultiDict

from consult.consultations import services as consultations
from consult.consultations.models import Consultation
from consult.extensions import db
from consult.questionnaires.answers import read_submission
from consult.questionnaires.schema import Channel
from consult.respond import services as respond
from consult.sealed import (
    crypto,
    payload,
    unsealing,
)
from consult.sealed import services as sealed
from consult.sealed.models import Envelope, SealingKey
from consult.sealed.unseal import private_key
from tests.factories import Factory

ANSWERS = {
    "p-category": "deprived_of_liberty",
    "p-jurisdiction": "north",
    "p-place": "prison_sentenced",
    "q-model": "c",
    "q-why": "nobody visits us",
    "q-ranking-ombuds": "1",
    "q-topics": ["x", "y"],
    "q-more": "food",
    "q-matrix-resources": "essential",
    "q-visited": "yes",
    "q-visits": "3",
}
TIME_TARGET = 1.5
#: 500 MB, read as mebibytes (the stricter reading).
MEMORY_TARGET_MIB = 500


def measure(count: int, profile: str = "") -> dict[str, dict[str, Any]]:
    """Seal ``count`` envelopes into a scratch SQLite database, then time the unsealing and
    the bare loop; the entries ``unsealing.time`` and ``unsealing.memory``.

    With ``profile``, pyinstrument's call tree of the unsealing is written to that file.
    """
    app = scratch_app(f"sqlite:///{tempfile.mkdtemp(prefix='consult-bench-')}/bench.sqlite")
    make = Factory(app)
    make.consultation("bench", "bench", ("en",), opened=True)
    shares = make.shares["bench"]
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
        where, size = _seal_all(consultation, count)

        before = peak_mib()
        # The whole pipeline first: resident memory only grows, so it is measured alone.
        profiler = _profiler(profile)
        started = time.perf_counter()
        tally = unsealing.unseal(consultation, shares[:2], None)
        db.session.commit()
        full = time.perf_counter() - started
        full_peak = peak_mib()
        # The process unsealing forks to open envelopes (consult.sealed.alongside), if it did.
        opener_peak = _children_peak_mib()
        if profiler is not None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True, color=False))
        db.session.expunge_all()  # the stored responses leave memory before the bare loop
        bare = _bare_loop(shares, where)

    assert tally.opened == count, tally
    say(f"bare HPKE decryption loop : {bare:8.2f} s  ({count / bare:,.0f} envelopes/s)")
    say(f"unseal (shuffle, decrypt, check, store): {full:8.2f} s  ({count / full:,.0f} /s)")
    say(f"ratio unseal / bare loop  : {full / bare:8.2f}   (target <= {TIME_TARGET})")
    say(
        f"peak resident memory      : {before:,.0f} MiB before unsealing, "
        f"{full_peak:,.0f} MiB after ({full_peak - before:+,.0f} MiB for {count} envelopes)"
    )
    say(
        f"opening process           : {opener_peak:,.0f} MiB resident at most (most of it "
        f"shared with the first); both together at most {full_peak + opener_peak:,.0f} MiB"
    )
    raw = {"envelopes": count, "envelope_bytes": size + crypto.OVERHEAD}
    return {
        "unsealing.time": {
            **compared(full, bare, TIME_TARGET, higher_is_better=False),
            **raw,
            "unseal_s": round(full, 3),
            "bare_loop_s": round(bare, 3),
            "unseal_per_s": round(count / full),
            "bare_loop_per_s": round(count / bare),
        },
        "unsealing.memory": {
            **absolute(full_peak + opener_peak, MEMORY_TARGET_MIB, "MiB"),
            **raw,
            "before_unsealing_mib": round(before),
            "growth_mib": round(full_peak - before),
            "opening_process_mib": round(opener_peak),
            "measure": "peak resident set of the process that sealed and then unsealed, plus "
            "that of the process it forked to open envelopes, if any (an upper bound: most "
            "pages of the second are shared with the first)",
        },
    }


def _seal_all(consultation: Consultation, count: int) -> tuple[bytes, int]:
    """Seal ``count`` copies of one checked submission, stored as the sealed channel would."""
    key = sealed.sealing_key(consultation)
    assert key is not None
    where = crypto.info(str(consultation.uuid), consultation.version or "", key.key_id)
    document = consultation.document()
    rules = respond.profile_rules(consultation, document, Channel.SEALED, "en")
    submission = read_submission(
        rules, respond.questions_for(document, Channel.SEALED), document, MultiDict(ANSWERS)
    )
    body = payload.build(
        submission, version=consultation.version or "", channel=Channel.SEALED, locale="en"
    )
    size = sealed.envelope_size(consultation)
    started = time.perf_counter()
    for n in range(count):
        envelope = crypto.seal(body, key.public_key, where, size)
        db.session.add(
            Envelope(
                consultation_id=consultation.id,
                suite=envelope.suite,
                key_id=envelope.key_id,
                ciphertext=envelope.ciphertext,
                sha256=envelope.digest,
                received_on=consultation.opened_at.date(),
            )
        )
        if n % 5000 == 4999:
            db.session.flush()
    consultations.close(consultation, consultation.organisation.memberships[0].user)
    db.session.commit()
    say(
        f"sealed and stored {count:,} envelopes in {time.perf_counter() - started:.1f} s "
        f"({size + crypto.OVERHEAD} bytes each)"
    )
    return where, size


def _bare_loop(shares: tuple[str, ...], where: bytes) -> float:
    """The same envelopes, read the same way (in batches), only decrypted; seconds."""
    key = db.session.scalars(db.select(SealingKey)).one()
    private = private_key(
        shares[:2], key.share_identifier, key.threshold, key.wrapped_private_key, key.key_id
    )
    opener = crypto.Opener(private)
    started = time.perf_counter()
    query = db.select(Envelope.ciphertext).execution_options(yield_per=500)
    for ciphertext in db.session.scalars(query):
        opener.open(crypto.Envelope(crypto.SUITE_ID, key.key_id, ciphertext), where)
    return time.perf_counter() - started


def _children_peak_mib() -> float:
    """The largest peak resident memory of the processes this one forked and waited for."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _profiler(profile: str) -> Any:
    if not profile:
        return None
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--json", default="", help="write the entries to this file")
    parser.add_argument("--profile", default="", help="write a profile of unsealing here")
    options = parser.parse_args()
    entries = measure(options.count, options.profile)
    if options.json:
        Path(options.json).write_text(json.dumps(entries, indent=2))


if __name__ == "__main__":
    main()
