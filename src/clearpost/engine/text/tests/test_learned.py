"""The learned layer: shipped, reproducible, explained, never trained on blind sets."""

from __future__ import annotations

import pytest

from clearpost.engine import catalog
from clearpost.engine.text import learned, training
from clearpost.engine.text.analyzer import default_analyzer
from clearpost.engine.text.learned import LearnedLayer, LearnedModel, features, mask_spans
from clearpost.engine.text.model import Category


def test_training_reads_only_the_development_and_held_out_sets() -> None:
    assert training.TRAINING_SETS == (
        "dev.jsonl",
        "holdout.jsonl",
        "holdout2.jsonl",
        "holdout3.jsonl",
        "holdout4.jsonl",
        "holdout5.jsonl",
        "learned_dev.jsonl",
    )
    assert not any("blind" in name for name in training.TRAINING_SETS)


def test_shipped_model_is_what_the_training_script_makes() -> None:
    """Deterministic: retraining from the corpora gives the shipped bytes exactly."""
    shipped = training.OUT.read_text("utf-8")
    assert training.render(training.train()) == shipped


def test_model_ships_inside_the_package() -> None:
    model = learned.load_model()
    assert model is not None
    assert set(model.categories) == set(learned.TARGETS)
    for cat, m in model.categories.items():
        assert 0.3 <= m.threshold <= 0.95, cat
        assert m.weights


def _flagging_model(category: Category) -> LearnedModel:
    """A tiny hand-made model: the word "zebra" means `category`."""
    return LearnedModel(
        {
            "char_grams": False,
            "categories": {
                str(category): {"bias": -4.0, "threshold": 0.5, "weights": {"w:zebra": 8.0}}
            },
        }
    )


@pytest.mark.parametrize(
    ("category", "kind", "rule", "severity"),
    [
        (Category.PATIENT_CONFIRMATION, "reply", "HIPAA-REVIEW-NO-CONFIRM", "block"),
        (Category.PATIENT_CONFIRMATION, "caption", "SCOPE-PHI-IMAGE", "block"),
        (Category.MEDICAL_ADVICE, "dm_reply", "ASPS-NO-ONLINE-ADVICE", "review"),
        (Category.MATERIAL_CONNECTION_UNDISCLOSED, "caption", "FTC-MC-DISCLOSE", "block"),
        (Category.UNPROFESSIONAL, "caption", "ASPS-PROFESSIONAL-TONE", "review"),
        (Category.INBOUND_MEDICAL_QUESTION, "comment", "ASPS-SECURE-CHANNEL", "review"),
        (Category.INBOUND_SELF_DISCLOSURE, "comment", "SCOPE-SELF-DISCLOSED", "review"),
        (Category.INBOUND_NEGATIVE_REVIEW, "comment", "HIPAA-REVIEW-NO-CONFIRM", "review"),
    ],
)
def test_learned_finding_carries_rule_and_explanation(
    category: Category, kind: str, rule: str, severity: str
) -> None:
    layer = LearnedLayer(_flagging_model(category))
    text = "well, a zebra again"
    (f,) = layer.findings(text, kind, [])  # type: ignore[arg-type]
    assert f.category is category and f.rule == rule and f.severity == severity
    assert catalog.rule(f.rule)
    assert f.recognizer == "learned"
    assert "Words that weighed most: “zebra”" in f.message
    assert f.start is not None and f.end is not None and text[f.start : f.end] == "zebra"
    assert layer.findings("no stripes here", kind, []) == []  # type: ignore[arg-type]


def test_layer_adds_only_what_the_rules_did_not_find() -> None:
    analyzer = default_analyzer()
    assert analyzer.learned is not None
    result = analyzer.analyze("Thank you Sarah, see you at your follow-up!", "reply")
    confirmations = [f for f in result.findings if f.category is Category.PATIENT_CONFIRMATION]
    assert [f.recognizer for f in confirmations] == ["confirmation"]


def test_rules_alone_and_missing_model(monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_analyzer(learned=False).learned is None
    monkeypatch.setattr(learned, "load_model", lambda: None)
    assert LearnedLayer().findings("Does lip filler hurt?", "comment", []) == []


def test_disclosed_connection_is_not_flagged_by_the_model() -> None:
    layer = LearnedLayer(_flagging_model(Category.MATERIAL_CONNECTION_UNDISCLOSED))
    assert layer.findings("#ad zebra", "caption", []) == []


def test_phi_is_masked_and_offsets_map_back() -> None:
    text = "Thanks Sarah, see you Tuesday"
    masked, where = mask_spans(text, [(Category.PHI_NAME, 7, 12), (Category.PHI_DATE, 22, 29)])
    assert "xname" in masked and "xdate" in masked and "Sarah" not in masked
    assert len(where) == len(masked)
    names = [f.name for f in features(masked, "reply", char_grams=False)]
    assert "w:xname" in names and "k:reply" in names and "b:see you" in names


def test_same_text_same_answer() -> None:
    analyzer = default_analyzer()
    texts = ["Does lip filler hurt? asking for me lol", "you were such a fun patient!"]
    first = [analyzer.analyze(t, "comment").to_dict() for t in texts]
    assert first == [analyzer.analyze(t, "comment").to_dict() for t in texts]
