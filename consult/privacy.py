"""The "What we record" pages, written from the running configuration (DESIGN.md §6).

``/<lang>/privacy`` describes the instance: per channel what is stored and what is not, logs,
small-cell suppression, organiser accounts. ``/<lang>/c/<slug>/privacy`` describes one
consultation: its channels and, where it has a sealed channel, its receipts, its threshold for
holding envelopes, and its key. Both read the same settings and rows the code acts on, so the
pages cannot drift from what the application does.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from consult.questionnaires.schema import CHANNEL_LABELS, CHANNELS
from consult.respond.views import _public, add_lang, pull_lang
from consult.sealed import services as sealed
from consult.sealed.models import CeremonyMode
from consult.settings import current_settings

bp = Blueprint("privacy", __name__, url_prefix="/<lang>")
bp.url_value_preprocessor(pull_lang)
bp.url_defaults(add_lang)


@bp.get("/privacy")
def instance() -> str:
    """What this instance records, channel by channel."""
    return render_template("privacy/instance.html", settings=current_settings())


@bp.get("/c/<slug>/privacy")
def consultation(slug: str) -> str:
    """What one consultation records: its channels, receipts, hold threshold and key."""
    consultation = _public(slug)
    document = consultation.shared_document()
    used = {channel for question in document.questions() for channel in question.channels}
    return render_template(
        "privacy/consultation.html",
        consultation=consultation,
        channels=[(code, CHANNEL_LABELS[code]) for code in CHANNELS if code in used],
        key=sealed.sealing_key(consultation),
        CeremonyMode=CeremonyMode,
        settings=current_settings(),
    )
