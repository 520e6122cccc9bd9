"""The OpenAPI 3.1 document of ``/api/v1/``, as plain data.

Developer documentation, like ``docs/report-json.md``: written in English and not translated
(API clients read keys, not prose). A test walks the application's URL map and checks that
every ``/api/v1`` route is described here with its methods, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from consult.consultations.models import Phase
from consult.i18n.locales import UI_LOCALES
from consult.opcat.regions import REGIONS
from consult.opcat.vocabulary import GUARANTEE_STATUSES, LEGAL_BASES, NPM_MODELS
from consult.questionnaires.schema import CHANNELS
from consult.reports.comparison import Alignment
from consult.reports.data import DIMENSIONS
from consult.reports.exports import JSON_SCHEMA
from consult.reports.observatory import ALIGNMENT_LABELS, PARTICIPATION

VERSION = "3.1.0"
#: Version of the API itself (its paths carry the major version).
API_VERSION = "1.0.0"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": [kind, "null"], **extra}


def _object(properties: dict[str, Schema], description: str = "", **extra: Any) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        **extra,
    }
    if description:
        schema["description"] = description
    return schema


def _list(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def _map(values: Schema, description: str) -> Schema:
    return {"type": "object", "additionalProperties": values, "description": description}


STRING: Schema = {"type": "string"}
COUNT = _nullable("integer", minimum=0, description="A count; null where it is hidden.")
TEXTS = _map(STRING, "Text per language code.")
MOMENT = _nullable("string", format="date-time")
DAY = _nullable("string", format="date")
DIGEST = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

#: Query parameters of /observatory: name → (allowed values, description).
FILTERS: dict[str, tuple[list[str], str]] = {
    "region": (
        sorted(REGIONS),
        "UN M49 world region (002 Africa, 019 Americas, 142 Asia, 150 Europe, 009 Oceania).",
    ),
    "model": (list(NPM_MODELS.keys()), "Designated NPM model."),
    "alignment": (list(ALIGNMENT_LABELS), "Alignment of the designation with the consultation."),
}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "status": {"type": "integer"},
                    "title": STRING,
                    "message": STRING,
                }
            )
        },
        "What went wrong, in the language asked for where the interface speaks it.",
    ),
    "ConsultationSummary": _object(
        {
            "slug": STRING,
            "title": TEXTS,
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2 (XX: fictional)."},
            "organisation": STRING,
            "status": {"type": "string", "enum": [p.value for p in Phase if p is not Phase.DRAFT]},
            "dates": _object(
                {name: MOMENT for name in ("opens_at", "closes_at", "opened_at", "closed_at")}
            ),
            "languages": _object({"default": STRING, "offered": _list(STRING)}),
            "channels": _list({"type": "string", "enum": list(CHANNELS)}),
        },
        "A public consultation (never a draft).",
    ),
    "Consultation": {
        "allOf": [
            _ref("ConsultationSummary"),
            _object(
                {
                    "links": _object(
                        {
                            "self": {"type": "string", "format": "uri"},
                            "page": {"type": "string", "format": "uri"},
                            "report": _nullable("string", format="uri"),
                        }
                    )
                }
            ),
        ]
    },
    "ConsultationList": _object({"consultations": _list(_ref("Consultation"))}),
    "ReportInfo": _object(
        {
            "revision": {"type": "integer", "minimum": 1},
            "published_at": MOMENT,
            "k": {"type": "integer", "minimum": 2},
            "digest": DIGEST,
            "dataset_digest": DIGEST,
            "audit_head": DIGEST,
        },
        "Which report the numbers come from, and how to check them.",
    ),
    "QuestionLabels": _object(
        {
            "text": STRING,
            "section": STRING,
            "rows": _map(STRING, "Row key to name."),
            "columns": _map(STRING, "Columns of the `all` table, when not `all`."),
        }
    ),
    "Labels": _object(
        {
            "locale": STRING,
            "ui_locale": STRING,
            "dimensions": _map(STRING, "Dimension key to name."),
            "values": _map(_map(STRING, "Key to name."), "Per dimension."),
            "sections": _map(STRING, "Section key to title."),
            "questions": _map(_ref("QuestionLabels"), "Per question key."),
            "hidden": STRING,
        },
        "Names of every key in `data`, in one language.",
    ),
    "Table": _object(
        {
            "rows": _list(STRING),
            "columns": _list(STRING),
            "cells": _list(_list(COUNT)),
            "row_totals": _list(COUNT),
            "column_totals": _list(COUNT),
            "total": COUNT,
            "columns_add_up": {"type": "boolean"},
        },
        "Counts after small-cell suppression; null where hidden.",
    ),
    "Borda": _object(
        {
            "items": _list(STRING),
            "columns": _list(STRING),
            "points": _list(_list(COUNT)),
            "rankers": _list(COUNT),
        }
    ),
    "NumberSummary": _object(
        {
            "columns": _list(STRING),
            "count": _list(COUNT),
            "mean": _list(_nullable("number")),
            "median": _list(_nullable("number")),
        }
    ),
    "QuestionResult": _object(
        {
            "key": STRING,
            "type": STRING,
            "tables": _map(_ref("Table"), f"Per dimension: {', '.join(DIMENSIONS)}."),
            "borda": _map(_ref("Borda"), "Per dimension (rankings)."),
            "numbers": _map(_ref("NumberSummary"), "Per dimension (number questions)."),
        }
    ),
    "ReportData": _object(
        {
            "schema": {"type": "integer", "const": 1},
            "k": {"type": "integer", "minimum": 2},
            "responses": COUNT,
            "held": COUNT,
            "participation": _map(_ref("Table"), "Responses per profile value and channel."),
            "questions": _list(_ref("QuestionResult")),
            "options_question": _nullable("string"),
            "guarantees_question": _nullable("string"),
        }
    ),
    "Standing": _object(
        {
            "dimension": {"type": "string", "enum": ["all", "group", "category"]},
            "column": STRING,
            "rank": _nullable(
                "integer",
                minimum=1,
                description="Place by first-choice share; null when the option's share is "
                "hidden, or when hidden shares could change its place.",
            ),
            "first_choice_share": _nullable("number"),
            "borda": COUNT,
            "borda_rank": _nullable(
                "integer",
                minimum=1,
                description="Place by Borda points; null when its points are hidden, or when "
                "hidden points could be more than its own.",
            ),
            "alignment": {
                "type": "string",
                "enum": [a.value for a in Alignment],
                "description": "`unknown` when hidden numbers could change the verdict.",
            },
            "preferred": _nullable(
                "string",
                description="Option with the largest first-choice share in this column; null "
                "when nobody put an option first, or when a hidden share could be larger.",
            ),
        },
        "The designated option in one column of the ranking; null where hidden.",
    ),
    "GuaranteeCheck": _object(
        {
            "key": STRING,
            "essential_share": _nullable("number"),
            "asked_for": {"type": "boolean"},
            "status": {"type": "string", "enum": list(GUARANTEE_STATUSES.keys())},
            "article": STRING,
            "gap": {
                "type": "boolean",
                "description": "Asked for, and recorded as left out of the founding text "
                "(absent, or in practice only); false when the status is unknown.",
            },
        }
    ),
    "Designation": _object(
        {
            "revision": {"type": "integer", "minimum": 1},
            "recorded_at": MOMENT,
            "designated_on": {"type": "string", "format": "date"},
            "legal_basis": {"type": "string", "enum": list(LEGAL_BASES.keys())},
            "instrument": _object({"reference": STRING, "link": STRING}),
            "bodies": _list(STRING),
            "model": {"type": "string", "enum": list(NPM_MODELS.keys())},
            "model_description": TEXTS,
            "option": _nullable("string"),
            "places": _list(STRING),
            "note": TEXTS,
            "standings": _list(_ref("Standing")),
            "guarantees": _list(_ref("GuaranteeCheck")),
            "stages": _list(
                _object({"key": STRING, "state": STRING, "reached_on": _nullable("string")})
            ),
            "history": _list(
                _object(
                    {
                        "revision": {"type": "integer", "minimum": 1},
                        "recorded_at": MOMENT,
                        "designated_on": {"type": "string", "format": "date"},
                        "changed": _list(STRING),
                    }
                )
            ),
            "recommendations": _list(
                _object(
                    {
                        "position": {"type": "integer", "minimum": 1},
                        "text": TEXTS,
                        "updates": _list(
                            _object({"status": STRING, "as_of": STRING, "note": TEXTS})
                        ),
                    }
                )
            ),
        },
        "The latest designation revision against the numbers; see docs/report-json.md.",
    ),
    "Report": _object(
        {
            "schema": {"type": "string", "const": JSON_SCHEMA},
            "consultation": _ref("ConsultationSummary"),
            "report": _ref("ReportInfo"),
            "labels": _ref("Labels"),
            "data": _ref("ReportData"),
            "designation": {"anyOf": [_ref("Designation"), {"type": "null"}]},
        },
        "The same document as /<lang>/c/<slug>/report.json; see docs/report-json.md.",
    ),
    "Named": _object({"key": STRING, "label": STRING}, "A key, and its name in `lang`."),
    "ObservatoryEntry": _object(
        {
            "slug": STRING,
            "title": STRING,
            "title_lang": {"type": "string", "description": "Language of `title`."},
            "country": _ref("Named"),
            "region": {
                "oneOf": [_ref("Named"), {"type": "null"}],
                "description": "UN M49 world region (CLDR containment); null for XX.",
            },
            "organisation": STRING,
            **{name: DAY for name in ("opened_on", "closed_on", "published_on", "withdrawn_on")},
            "withdrawn": {
                "type": "boolean",
                "description": "The report was withdrawn: its numbers and the comparison are "
                "null or empty.",
            },
            "responses": COUNT,
            "participation": _list(
                _object(
                    {
                        "key": {"type": "string", "enum": list(PARTICIPATION)},
                        "label": STRING,
                        "count": COUNT,
                    }
                )
            ),
            "preferred": {
                "oneOf": [_ref("Named"), {"type": "null"}],
                "description": "Option with the largest first-choice share; null when the "
                "report was withdrawn, when nobody put an option first, or when a hidden share "
                "could be larger.",
            },
            "model": {
                "oneOf": [_ref("Named"), {"type": "null"}],
                "description": "Designated NPM model; null before a designation is recorded.",
            },
            "designated_on": DAY,
            "alignment": {
                "oneOf": [_ref("Named"), {"type": "null"}],
                "description": "Key: " + ", ".join(ALIGNMENT_LABELS) + "; null when withdrawn.",
            },
            "missing_guarantees": _list(_ref("Named")),
            "links": _object(
                {
                    "report": {"type": "string", "format": "uri"},
                    "consultation": {"type": "string", "format": "uri"},
                }
            ),
        },
        "One published consultation, as a row of /<lang>/observatory. Dates are days in the "
        "consultation's time zone.",
    ),
    "Observatory": _object(
        {
            "lang": STRING,
            "filters": _object({name: _nullable("string") for name in FILTERS}),
            "entries": _list(_ref("ObservatoryEntry")),
        },
        "Sorted by country name in `lang`, then opening date.",
    ),
}


def _answer(schema: str, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


ERRORS: dict[str, Schema] = {
    "400": _answer("Error", "A parameter is not valid."),
    "404": _answer("Error", "No such public consultation, or no public report."),
    "410": _answer("Error", "The report was withdrawn; the message says when and why."),
}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": STRING}
LANG = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "Language of the labels: an offered content language or a UI language. "
    "Default: the consultation's default language.",
    "schema": STRING,
}


def _get(summary: str, ok: Schema, *errors: str, parameters: tuple[Schema, ...] = ()) -> Schema:
    operation: Schema = {
        "summary": summary,
        "responses": {"200": ok, **{code: ERRORS[code] for code in errors}},
    }
    if parameters:
        operation["parameters"] = list(parameters)
    return {"get": operation}


PATHS: dict[str, Schema] = {
    "/consultations": _get(
        "Public consultations, newest first", _answer("ConsultationList", "The list.")
    ),
    "/consultations/{slug}": _get(
        "One public consultation",
        _answer("Consultation", "The consultation."),
        "404",
        parameters=(SLUG,),
    ),
    "/consultations/{slug}/report": _get(
        "The published report of a consultation",
        _answer("Report", "The report."),
        "400",
        "404",
        "410",
        parameters=(SLUG, LANG),
    ),
    "/observatory": _get(
        "Every published consultation compared with the designation",
        _answer("Observatory", "The entries the filters admit."),
        "400",
        parameters=(
            *(
                {
                    "name": name,
                    "in": "query",
                    "required": False,
                    "description": description,
                    "schema": {"type": "string", "enum": values},
                }
                for name, (values, description) in FILTERS.items()
            ),
            {
                "name": "lang",
                "in": "query",
                "required": False,
                "description": "Language of the names. Default: en.",
                "schema": {"type": "string", "enum": list(UI_LOCALES)},
            },
        ),
    ),
    "/openapi.json": _get(
        "This document",
        {
            "description": "OpenAPI 3.1",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
    ),
}


def document() -> dict[str, Any]:
    """The OpenAPI document; paths are relative to the server ``/api/v1``."""
    return {
        "openapi": VERSION,
        "info": {
            "title": "consult open data API",
            "version": API_VERSION,
            "description": "Read-only: public consultations on National Preventive Mechanisms "
            "and their published reports. Every count has been through small-cell suppression; "
            "null means hidden.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
