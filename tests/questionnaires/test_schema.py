"""The questionnaire document: rules, JSON round trip, version, staleness of translations."""

from __future__ import annotations

import copy
import json

import pytest

from consult.questionnaires import schema
from consult.questionnaires.schema import (
    Choice,
    Condition,
    ConditionOp,
    Question,
    QuestionType,
    SchemaError,
)
from tests.factories import sample_questionnaire


def test_json_round_trip_keeps_everything() -> None:
    document = sample_questionnaire()
    again = schema.from_json(schema.to_json(document))
    assert schema.to_dict(again) == schema.to_dict(document)
    assert schema.version(again) == schema.version(document)


def test_texts_do_not_change_the_version_but_structure_does() -> None:
    document = sample_questionnaire()
    before = schema.version(document)
    edited = copy.deepcopy(document)
    edited.sections[0].questions[0].text["en"] = "A corrected wording"
    edited.options[0].description["fr"] = "Une description corrigée"
    assert schema.version(edited) == before
    for change in (
        lambda d: d.sections[0].questions[0].choices.append(Choice("d", {"en": "D"})),
        lambda d: setattr(d.sections[0].questions[0], "required", False),
        lambda d: d.sections[1].questions[0].channels.remove("sealed"),
        lambda d: setattr(d.sections[0].questions[1].condition, "value", "b"),
        lambda d: d.options.reverse(),
    ):
        changed = copy.deepcopy(document)
        change(changed)
        assert schema.version(changed) != before


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: setattr(d.sections[0].questions[1], "key", "model"), "questions[1].key"),
        (lambda d: setattr(d.sections[0].questions[0], "key", "Bad Key"), "questions[0].key"),
        (
            lambda d: (
                d.sections[0].questions[0].choices.pop()
                and d.sections[0].questions[0].choices.pop()
            ),
            "sections[0].questions[0].choices",
        ),
        (
            lambda d: setattr(
                d.sections[0].questions[0], "condition", Condition("why", ConditionOp.ANSWERED)
            ),
            "sections[0].questions[0].condition",
        ),
        (
            lambda d: setattr(d.sections[0].questions[1].condition, "value", "nope"),
            "sections[0].questions[1].condition.value",
        ),
        (
            lambda d: (
                setattr(d.sections[0].questions[4].condition, "op", ConditionOp.INCLUDES)
                or setattr(d.sections[0].questions[4].condition, "question", "model")
            ),
            "sections[0].questions[4].condition",
        ),
        (
            lambda d: setattr(d.sections[1].questions[1], "rows", ["made_up"]),
            "sections[1].questions[1].rows",
        ),
        (
            lambda d: setattr(d.sections[0].questions[1], "max_length", 0),
            "sections[0].questions[1].max_length",
        ),
        (
            lambda d: setattr(d.sections[1].questions[3], "min_value", 500.0),
            "sections[1].questions[3].min_value",
        ),
        (
            lambda d: setattr(d.sections[0].questions[0], "channels", []),
            "sections[0].questions[0].channels",
        ),
        (lambda d: setattr(d.options[0], "model", "kingdom"), "options[0].model"),
        (
            lambda d: setattr(d.sections[0].questions[0], "channels", ["open"]),
            "sections[0].questions[1].channels",
        ),
    ],
)
def test_broken_rules_say_where(mutate, path: str) -> None:
    document = sample_questionnaire()
    mutate(document)
    with pytest.raises(SchemaError) as raised:
        schema.check(document)
    assert path in raised.value.path


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"schema": 99}',
        '{"sections": {}}',
        '{"sections": [{"title": {}}]}',
        '{"sections": [{"key": "s", "questions": [{"key": "q", "type": "essay"}]}]}',
        '{"options": [{"key": "o"}]}',
        '{"options": [{"key": "o", "model": "ombuds", "x": 1}]}',
        '{"sections": [{"key": "s", "questions": [{"key": "q", "type": "short_text", '
        '"max_length": "9"}]}]}',
        '{"sections": [{"key": "s", "title": {"en": 5}}]}',
        "[" * 100000,
    ],
)
def test_hostile_imports_are_refused_cleanly(text: str) -> None:
    with pytest.raises(SchemaError):
        schema.from_json(text)


def test_a_translation_goes_stale_when_its_source_changes_until_reviewed() -> None:
    document = sample_questionnaire(("en", "fr"))
    schema.record_all_sources(document, "en")
    states = schema.text_states(schema.text_slots(document), document.sources, "en", ["en", "fr"])
    assert states["fr"].missing == [] and states["fr"].stale == []

    before = list(schema.text_slots(copy.deepcopy(document)))
    document.sections[0].questions[0].text["en"] = "Which model do you prefer?"
    schema.update_sources(before, schema.text_slots(document), document.sources, "en", {})
    states = schema.text_states(schema.text_slots(document), document.sources, "en", ["en", "fr"])
    assert states["fr"].stale == ["question.model.text"]

    before = list(schema.text_slots(copy.deepcopy(document)))
    schema.update_sources(
        before, schema.text_slots(document), document.sources, "en", {"question.model.text": {"fr"}}
    )
    states = schema.text_states(schema.text_slots(document), document.sources, "en", ["en", "fr"])
    assert states["fr"].stale == []


def test_missing_texts_are_listed_per_language() -> None:
    document = sample_questionnaire(("en", "fr"))
    schema.record_all_sources(document, "en")
    del document.options[0].title["fr"]
    document.sections[0].questions[0].help = {"en": "Only in English"}
    states = schema.text_states(
        schema.text_slots(document), document.sources, "en", ["en", "fr", "ar"]
    )
    assert states["fr"].missing == ["option.ombuds.title", "question.model.help"]
    assert "question.model.text" in states["ar"].missing
    assert states["en"].missing == []


def test_structure_leaves_out_every_text() -> None:
    structure = json.dumps(schema.structure(sample_questionnaire()))
    assert "[en]" not in structure and "Preferred" not in structure
    assert '"model"' in structure and "functional_independence" in structure


def test_a_custom_ranking_needs_choices() -> None:
    document = sample_questionnaire()
    document.sections[0].questions.append(
        Question("rank2", QuestionType.RANKING, {"en": "Rank"}, rank_source="custom")
    )
    with pytest.raises(SchemaError, match="two choices"):
        schema.check(document)
