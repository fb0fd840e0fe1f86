"""Pure intake rules: duplicate scoring and its settings, answers to a category's questions, masking contact
data in free text, category suggestions."""

import numpy as np
import pytest

from geo.config import duplicate_policy, suggest_min_confidence
from geo.domain.attributes import Attribute, answers_note, check_answers
from geo.domain.duplicates import (
    DuplicatePolicy,
    DuplicateRule,
    duplicate_scores,
    metres_between,
    text_similarity,
)
from geo.domain.personal_data import mask_contacts_in_text
from geo.domain.text_classifier import Suggestion, accuracy, confident, top_k, train

STATE = Attribute("state", "singlevaluelist", True, description="井盖状态", values=(("missing", "缺失"), ("broken", "破损")))
KIND = Attribute("kind", "multivaluelist", False, values=(("rain", "雨水"), ("sewage", "污水")), order=2)
TEMP = Attribute("temp", "number", False, order=3)
INFO = Attribute("info", "text", False, variable=False)


def test_identical_texts_are_alike_and_stock_phrases_do_not_count():
    assert text_similarity("井盖缺失", "井盖缺失") == 1.0
    assert text_similarity("路灯不亮，请尽快处理", "井盖缺失，请尽快处理") == 0.0
    assert text_similarity("", "井盖") == 0.0


def test_scores_fall_with_distance_and_age_and_are_zero_outside_the_rule():
    rule = DuplicateRule(radius_m=50, hours=72)
    scores = duplicate_scores(np.array([0, 25, 60]), np.array([0, 36, 1]), np.array([1, 1, 1]), np.array([1, 1, 1]),
                              rule)
    assert scores[0] == pytest.approx(1.0) and 0 < scores[1] < scores[0] and scores[2] == 0


def test_distances_are_metres():
    assert metres_between(106.8, 39.67, np.array([106.8]), np.array([39.671]))[0] == pytest.approx(111.2, abs=0.5)


def test_duplicate_rules_come_from_json_and_bad_ones_are_refused_with_an_example():
    policy = duplicate_policy({"GRIDGOV_DUPLICATE_RULES": '{"default": {"hours": 24}, "LD": {"radius_m": 150}}'})
    assert policy.rule("LD") == DuplicateRule(150, 72) and policy.rule("JG") == DuplicateRule(50, 24)
    assert duplicate_policy({}) == DuplicatePolicy()
    for bad in ('{"LD": {"radius_m": -1}}', '{"LD": 5}', "[1]", "{", '{"min_score": 2}'):
        with pytest.raises(ValueError, match="GRIDGOV_DUPLICATE_RULES must be JSON"):
            duplicate_policy({"GRIDGOV_DUPLICATE_RULES": bad})


def test_the_suggestion_threshold_is_a_fraction():
    assert suggest_min_confidence({}) == 0.6
    with pytest.raises(ValueError, match="at most 1"):
        suggest_min_confidence({"GRIDGOV_SUGGEST_MIN_CONFIDENCE": "60"})


def test_answers_are_checked_against_each_datatype():
    clean, problems = check_answers([STATE, KIND, TEMP, INFO], {"state": ["broken"], "kind": ["rain", "sewage"],
                                                               "temp": ["15.5"]})
    assert problems == [] and clean == {"state": "broken", "kind": ["rain", "sewage"], "temp": 15.5}
    assert answers_note([STATE, KIND], clean) == "井盖状态: 破损; kind: 雨水, 污水"


@pytest.mark.parametrize("answers,problem", [
    ({}, "attribute[state] is required"), ({"state": ["gone"]}, "'gone' is not among the keys"),
    ({"state": ["missing"], "temp": ["hot"]}, "'hot' is not a number"),
    ({"state": ["missing"], "temp": ["nan"]}, "not a finite number"),
    ({"state": ["missing", "broken"]}, "one value expected"),
    ({"state": ["missing"], "info": ["x"]}, "attribute[info] is not a question")])
def test_wrong_answers_name_the_attribute_and_what_is_accepted(answers, problem):
    _, problems = check_answers([STATE, TEMP, INFO], answers)
    assert any(problem in p for p in problems), problems


def test_contact_data_in_free_text_is_masked():
    text = "联系13812345678或 138-1234-5678，身份证110101199003071234，邮箱 wang@example.com"
    masked = mask_contacts_in_text(text)
    assert "13812345678" not in masked and "138****5678" in masked and "1234-5678" not in masked
    assert "110101199003071234" not in masked and "wang@example.com" not in masked


def test_the_classifier_ranks_the_right_category_first_and_says_when_it_is_unsure():
    texts = ["井盖缺失", "井盖破裂下陷", "井盖移位", "路灯不亮", "整条路路灯不亮", "路灯杆倾斜", "垃圾箱满溢",
             "垃圾堆放多日", "垃圾散落地面"] * 4
    labels = [1, 1, 1, 2, 2, 2, 3, 3, 3] * 4
    model = train(texts, labels)
    ranked = top_k(model, ["小区门口井盖缺失了"], k=3)[0]
    assert ranked[0].category_id == 1 and len(ranked) == 3
    assert ranked[0].confidence >= ranked[1].confidence >= ranked[2].confidence
    assert accuracy(model, ["路灯不亮了", "垃圾满了"], [2, 3]) == (1.0, 1.0)
    assert confident([Suggestion(1, 0.5)], 0.6) is None and confident([Suggestion(1, 0.7)], 0.6).category_id == 1


def test_training_needs_two_categories():
    with pytest.raises(ValueError, match="at least two categories"):
        train(["a", "b"], [1, 1])
