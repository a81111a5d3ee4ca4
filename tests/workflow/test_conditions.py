"""Conditions and message templates: safe evaluation, and refusals that say where they are wrong."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from scenic_ops.workflow import conditions, templating
from scenic_ops.workflow.registry import FieldInfo

FIELDS = {
    "estimated_cost": FieldInfo("estimated_cost", "cost", "decimal"),
    "priority": FieldInfo("priority", "priority", "str", ("low", "normal", "high", "urgent")),
    "title": FieldInfo("title", "title", "str"),
    "needed_by": FieldInfo("needed_by", "needed by", "date"),
    "headcount": FieldInfo("headcount", "headcount", "int"),
}


@pytest.mark.parametrize(
    ("expression", "values", "expected"),
    [
        (
            'estimated_cost > 5000 and priority == "urgent"',
            {"estimated_cost": Decimal("6000"), "priority": "urgent"},
            True,
        ),
        (
            'estimated_cost > 5000 and priority == "urgent"',
            {"estimated_cost": Decimal("6000"), "priority": "high"},
            False,
        ),
        ('priority in ["high", "urgent"]', {"priority": "high"}, True),
        ("not (headcount >= 20)", {"headcount": 5}, True),
        ("estimated_cost == 0.1", {"estimated_cost": Decimal("0.10")}, True),
        ('lower(title) == "pump"', {"title": "PUMP"}, True),
        ("days_until(needed_by) <= 3", {"needed_by": dt.date.today() + dt.timedelta(days=2)}, True),
        ("", {}, True),
        ("headcount * 2 + 1 > 10 or headcount == 0", {"headcount": 5}, True),
    ],
)
def test_evaluate(expression, values, expected):
    conditions.validate(expression, FIELDS)
    assert conditions.evaluate(expression, values) is expected


# expression -> (column where it is wrong, words the message must contain)
BAD = [
    ('estimated_cost > 5000 and prioritty == "urgent"', 27, ["prioritty", "priority"]),
    ('estimated_cost > 5000 and priority = "urgent"', 36, ["=="]),
    ('priority == "urgnt"', 13, ["urgnt", "urgent"]),
    ('priority in ["high", "urgnt"]', 22, ["urgnt"]),
    ("title.__class__", 1, ["attribute"]),
    ("estimated_cost.real > 1", 1, ["attribute"]),
    ('__import__("os").system("x")', 1, ["system", "attribute"]),
    ('__import__("os")', 1, ["__import__"]),
    ("open('/etc/passwd')", 1, ["open"]),
    ("[x for x in title]", 1, []),
    ("title[0] == 'a'", 1, ["[ ]"]),
    ("estimated_cost > (1", 18, ["syntax"]),
    ("lambda: 1", 1, []),
    ("headcount ** 99999999", 1, ["operator"]),
]


@pytest.mark.parametrize(("expression", "column", "words"), BAD)
def test_bad_conditions_are_refused_with_where_and_why(expression, column, words):
    with pytest.raises(conditions.ConditionError) as caught:
        conditions.validate(expression, FIELDS)
    error = caught.value
    assert error.column == column, error.message
    assert f"{column}" in error.message
    for word in words:
        assert word in error.message
    assert error.pointer.splitlines()[-1] == " " * (column - 1) + "^"


def test_a_type_error_is_found_on_sample_values():
    with pytest.raises(conditions.ConditionError) as caught:
        conditions.validate('estimated_cost > "5000"', FIELDS)
    assert "sample" in caught.value.message


def test_evaluation_errors_are_reported_not_raised_as_crashes():
    with pytest.raises(conditions.ConditionError):
        conditions.evaluate("estimated_cost > 5000", {"estimated_cost": None})


def test_evaluate_rechecks_the_grammar():
    """An expression written straight into the database is still checked before it runs."""
    with pytest.raises(conditions.ConditionError):
        conditions.evaluate("title.__class__", {"title": "x"})


NAMES = [*FIELDS, *templating.EVENT_NAMES]


@pytest.mark.parametrize(
    ("template", "position", "words"),
    [
        ("待审批：{{ titel }}", 4, ["titel", "title"]),
        ("{{ title }} {{ doc.requester.password }}", 12, ["doc.requester.password"]),
        ("{{ title|upper }}", 0, ["title|upper"]),
        ("你好 {{ title", 3, ["{{"]),
        ("你好 title }}", 9, ["}}"]),
        ("{% for x in y %}{% endfor %}", 0, ["{%"]),
        ("第一行\n第二行 {{ nope }}", 8, ["nope"]),
    ],
)
def test_bad_templates_are_refused_with_where_and_why(template, position, words):
    with pytest.raises(templating.TemplateError) as caught:
        templating.validate(template, NAMES)
    assert caught.value.position == position
    for word in words:
        assert word in caught.value.message
    assert "column" in caught.value.message or "列" in caught.value.message


def test_templates_render_only_plain_values():
    text = "{{ title }}：{{ estimated_cost }} 元，{{ needed_by }}，{{ missing }}"
    templating.validate("{{ title }}：{{ estimated_cost }} 元，{{ needed_by }}", NAMES)
    rendered = templating.render(
        text, {"title": "水泵", "estimated_cost": Decimal("12345.6"), "needed_by": dt.date(2026, 5, 1)}
    )
    assert rendered == "水泵：12,345.60 元，2026-05-01，"
