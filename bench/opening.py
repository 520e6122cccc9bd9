"""Unsealing at scale: the whole pipeline against a bare loop of HPKE decryptions.

    .venv/bin/python bench/opening.py [--count 100000]

Seals COUNT envelopes of the sample questionnaire into a scratch SQLite database, then times
(1) a bare loop that only decrypts the same ciphertexts, and (2) ``unsealing.unseal``: shuffle,
decrypt, check every answer against the questionnaire, store responses. Prints both times,
their ratio, the envelopes per second, and the peak resident memory of each phase. Both are
measured in this run, on this machine, so the ratio is what to compare between changes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consult import create_app
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


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    folder = Path(tempfile.mkdtemp(prefix="consult-bench-"))
    app = create_app(
        {
            "env": "development",
            "secret_key": "b" * 48,
            "instance_path": folder,
            "database_url": f"sqlite:///{folder / 'bench.sqlite'}",
        }
    )
    from flask_migrate import upgrade

    from tests.factories import Factory

    with app.app_context():
        upgrade()
    make = Factory(app)
    make.consultation("bench", "bench", ("en",), opened=True)
    shares = make.shares["bench"]
    with app.app_context():
        consultation = db.session.scalars(db.select(Consultation)).one()
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
        print(
            f"sealed and stored {count} envelopes in {time.perf_counter() - started:.1f} s "
            f"({size + crypto.OVERHEAD} bytes each)"
        )

        before = peak_mib()
        # The whole pipeline first: resident memory only grows, so it is measured alone.
        started = time.perf_counter()
        tally = unsealing.unseal(consultation, shares[:2], None)
        db.session.commit()
        full = time.perf_counter() - started
        full_peak = peak_mib()
        db.session.expunge_all()  # the stored responses leave memory before the bare loop
        key = db.session.scalars(db.select(SealingKey)).one()

        # The same envelopes, read the same way (in batches), only decrypted.
        private = private_key(
            shares[:2], key.share_identifier, key.threshold, key.wrapped_private_key, key.key_id
        )
        opener = crypto.Opener(private)
        started = time.perf_counter()
        query = db.select(Envelope.ciphertext).execution_options(yield_per=500)
        for ciphertext in db.session.scalars(query):
            opener.open(crypto.Envelope(crypto.SUITE_ID, key.key_id, ciphertext), where)
        bare = time.perf_counter() - started

    assert tally.opened == count, tally
    print(f"bare HPKE decryption loop : {bare:8.2f} s  ({count / bare:,.0f} envelopes/s)")
    print(
        f"unseal (shuffle, decrypt, check, store): {full:8.2f} s  ({count / full:,.0f} envelopes/s)"
    )
    print(f"ratio unseal / bare loop  : {full / bare:8.2f}")
    print(
        f"peak resident memory      : {before:,.0f} MiB before unsealing, "
        f"{full_peak:,.0f} MiB after ({full_peak - before:+,.0f} MiB for {count} envelopes)"
    )
    print(f"counts: {tally.as_dict()}")


if __name__ == "__main__":
    main()
