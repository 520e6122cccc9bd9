"""The questionnaire builder (``/admin/<org>/consultations/<slug>/questionnaire/…``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("questionnaires", __name__, url_prefix="/admin")
