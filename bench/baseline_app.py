"""The baseline of the submission benchmark: a bare Flask app that stores the same rows.

    gunicorn -c gunicorn.conf.py --pythonpath bench baseline_app:app
    (with BASELINE_CONFIG=/path/to/config.json, written by ``bench/submission.py``)

It answers the same addresses as the real app and accepts the same form fields. For the open
channel it inserts one ``response`` row and its ``answer`` rows; for the sealed channel it seals
the same kind of payload with the same HPKE call (an envelope is ciphertext by definition, so
the encryption is part of the least work) and inserts one ``envelope`` row. It does nothing
else: no CSRF check, no validation beyond parsing the fields, no lookup of the consultation,
no templates, no sessions. What the real app spends beyond this is its overhead.

The configuration (consultation id, questionnaire version, sealing key, envelope size, and
which question each form field belongs to) is read once at start from ``BASELINE_CONFIG``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, redirect, request
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    create_engine,
    event,
)

from consult.sealed import crypto  # pure: imports no Flask and no database

metadata = MetaData()
response = Table(
    "response",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("consultation_id", Integer),
    Column("channel", String(16)),
    Column("questionnaire_version", String(64)),
    Column("locale", String(16)),
    Column("received_on", Date),
    Column("stakeholder_category", String(40)),
    Column("jurisdiction", String(80)),
    Column("place_category", String(40)),
    Column("declared_organisation", String(200)),
    Column("submission_key_hash", String(64)),
    Column("answers_digest", String(64)),
    Column("is_held", Boolean),
    Column("publication_consent", Boolean),
)
answer = Table(
    "answer",
    metadata,
    Column("response_id", Uuid, primary_key=True),
    Column("question_key", String(40), primary_key=True),
    Column("item_key", String(40), primary_key=True),
    Column("choice_key", String(40), primary_key=True),
    Column("rank", Integer),
    Column("number", Float),
    Column("text", Text),
)
envelope = Table(
    "envelope",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("consultation_id", Integer),
    Column("suite", String(64)),
    Column("key_id", String(32)),
    Column("ciphertext", LargeBinary),
    Column("sha256", String(64)),
    Column("received_on", Date),
    Column("is_held", Boolean),
    Column("submission_key_hash", String(64)),
)

PROFILE = {
    "p-category": "stakeholder_category",
    "p-jurisdiction": "jurisdiction",
    "p-place": "place_category",
    "p-organisation": "declared_organisation",
}

config: dict[str, Any] = json.loads(open(os.environ["BASELINE_CONFIG"]).read())  # noqa: SIM115
engine = create_engine(config["database_url"])
info = crypto.info(config["consultation_uuid"], config["version"], config["key_id"])
public_key = bytes.fromhex(config["public_key"])


@event.listens_for(engine, "connect")
def _sqlite(dbapi_connection: Any, _record: Any) -> None:
    """The same connection settings as the real app's on SQLite (see ``consult/db.py``)."""
    if type(dbapi_connection).__module__ == "sqlite3":
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


app = Flask(__name__)


def answer_rows(form: Any) -> list[dict[str, Any]]:
    """One row per answered field, by the field map: parsing, no checking."""
    rows = []
    for name, values in form.lists():
        field = config["fields"].get(name)
        if field is None:
            continue
        question, item, kind = field
        for value in values:
            if not value:
                continue
            row = {"question_key": question, "item_key": "", "choice_key": ""}
            row.update(rank=None, number=None, text=None)
            if kind == "ranking":
                row.update(choice_key=item, rank=int(value))
            elif kind == "matrix":
                row.update(item_key=item, choice_key=value)
            elif kind == "number":
                row["number"] = float(value)
            elif kind == "text":
                row["text"] = value
            else:
                row["choice_key"] = value
            rows.append(row)
    return rows


def today() -> Any:
    return datetime.now(UTC).date()


@app.post("/<lang>/c/<slug>/respond")
def respond(lang: str, slug: str) -> Any:
    form = request.form
    response_id = uuid.uuid4()
    rows = answer_rows(form)
    key = form.get("submission_key", "")
    with engine.begin() as connection:
        connection.execute(
            response.insert(),
            {
                "id": response_id,
                "consultation_id": config["consultation_id"],
                "channel": "open",
                "questionnaire_version": config["version"],
                "locale": lang,
                "received_on": today(),
                **{column: form.get(name) or None for name, column in PROFILE.items()},
                "submission_key_hash": hashlib.sha256(key.encode()).hexdigest(),
                "answers_digest": hashlib.sha256(repr(rows).encode()).hexdigest(),
                "is_held": False,
                "publication_consent": False,
            },
        )
        connection.execute(answer.insert(), [{"response_id": response_id, **r} for r in rows])
    return redirect(f"/{lang}/c/{slug}/thanks", code=303)


@app.post("/<lang>/c/<slug>/sealed")
def sealed(lang: str, slug: str) -> Any:
    form = request.form
    body = {
        "profile": {column: form.get(name, "") for name, column in PROFILE.items()},
        "answers": answer_rows(form),
        "version": config["version"],
        "channel": "sealed",
        "locale": lang,
    }
    sealed = crypto.seal(body, public_key, info, config["envelope_size"])
    key = form.get("submission_key", "")
    with engine.begin() as connection:
        connection.execute(
            envelope.insert(),
            {
                "id": secrets.token_hex(16),
                "consultation_id": config["consultation_id"],
                "suite": sealed.suite,
                "key_id": sealed.key_id,
                "ciphertext": sealed.ciphertext,
                "sha256": sealed.digest,
                "received_on": today(),
                "is_held": False,
                "submission_key_hash": hashlib.sha256(key.encode()).hexdigest(),
            },
        )
    return redirect(f"/{lang}/c/{slug}/sealed/thanks", code=303)
