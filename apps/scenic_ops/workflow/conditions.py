"""Conditions over a document's fields, e.g. `estimated_cost > 5000 and priority == "urgent"`.

No `eval`: the expression is parsed, checked against a small grammar (comparisons,
and/or/not, arithmetic, literals, lists, a few functions) and the document's field
names, then evaluated by simpleeval. `validate` runs when a rule is saved and says
where an expression is wrong; `evaluate` runs on each document.
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from simpleeval import EvalWithCompoundTypes, InvalidExpression

from scenic_ops.workflow.registry import FieldInfo

MAX_LENGTH = 1000


def _today() -> dt.date:
    return timezone.localdate()


def _as_date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _days_until(value: Any) -> int | None:
    day = _as_date(value)
    return None if day is None else (day - _today()).days


def _days_since(value: Any) -> int | None:
    day = _as_date(value)
    return None if day is None else (_today() - day).days


FUNCTIONS = {
    "len": len,
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "int": int,
    "float": float,
    "str": str,
    "lower": lambda s: str(s or "").lower(),
    "upper": lambda s: str(s or "").upper(),
    "today": _today,
    "days_until": _days_until,
    "days_since": _days_since,
}

_BOOL_OPS = (ast.And, ast.Or)
_BIN_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Mod, ast.FloorDiv)
_UNARY_OPS = (ast.Not, ast.USub, ast.UAdd)
_CMP_OPS = (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot)


class ConditionError(ValueError):
    """An expression that cannot be used; `message` says where and why."""

    def __init__(self, message: str, column: int | None = None, line: int | None = None, expression: str = ""):
        self.column, self.line, self.expression = column, line, expression
        where = ""
        if column is not None:
            where = (
                _("line %(line)d, column %(column)d: ") % {"line": line, "column": column}
                if line and line > 1
                else _("column %(column)d: ") % {"column": column}
            )
        self.message = f"{where}{message}"
        super().__init__(self.message)

    @property
    def pointer(self) -> str:
        """The expression's line with a caret under the fault, for display in a <pre>."""
        if self.column is None or not self.expression:
            return ""
        lines = self.expression.splitlines() or [""]
        text = lines[min(max((self.line or 1) - 1, 0), len(lines) - 1)]
        return f"{text}\n{' ' * (self.column - 1)}^"


def _error(message: str, node: ast.AST | None, expression: str) -> ConditionError:
    if node is None or not hasattr(node, "col_offset"):
        return ConditionError(message, expression=expression)
    return ConditionError(message, column=node.col_offset + 1, line=node.lineno, expression=expression)


def parse(expression: str) -> ast.Expression:
    text = expression.strip()
    if len(text) > MAX_LENGTH:
        raise ConditionError(_("the expression is longer than %(max)d characters") % {"max": MAX_LENGTH})
    try:
        return ast.parse(text, mode="eval")
    except SyntaxError as exc:
        detail = exc.msg or _("invalid syntax")
        if "=" in text and "==" not in text and detail.startswith("invalid syntax"):
            detail = _("invalid syntax (to compare, write == instead of =)")
        return_col = exc.offset or 1
        raise ConditionError(
            _("syntax error: %(detail)s") % {"detail": detail}, column=return_col, line=exc.lineno, expression=text
        ) from None


def validate(expression: str, fields: Mapping[str, FieldInfo]) -> None:
    """Raise ConditionError if `expression` is not a usable condition over `fields`."""
    if not expression or not expression.strip():
        return
    text = expression.strip()
    tree = parse(text)
    _check(tree.body, fields, text)
    _try(text, fields)


def _names_hint(fields: Mapping[str, FieldInfo]) -> str:
    names = sorted(n for n in fields if not n.endswith("_id"))
    return ", ".join(names[:40])


def _check(node: ast.AST, fields: Mapping[str, FieldInfo], text: str) -> None:
    if isinstance(node, ast.BoolOp):
        if not isinstance(node.op, _BOOL_OPS):
            raise _error(_("this operator is not allowed"), node, text)
        for value in node.values:
            _check(value, fields, text)
    elif isinstance(node, ast.BinOp):
        if not isinstance(node.op, _BIN_OPS):
            raise _error(_("this operator is not allowed"), node, text)
        _check(node.left, fields, text)
        _check(node.right, fields, text)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, _UNARY_OPS):
            raise _error(_("this operator is not allowed"), node, text)
        _check(node.operand, fields, text)
    elif isinstance(node, ast.Compare):
        if not all(isinstance(op, _CMP_OPS) for op in node.ops):
            raise _error(_("this comparison is not allowed"), node, text)
        _check(node.left, fields, text)
        for comparator in node.comparators:
            _check(comparator, fields, text)
        _check_choices(node, fields, text)
    elif isinstance(node, ast.IfExp):
        for part in (node.test, node.body, node.orelse):
            _check(part, fields, text)
    elif isinstance(node, ast.Name):
        if node.id not in fields:
            raise _error(
                _("unknown field “%(name)s” (known fields: %(known)s)")
                % {"name": node.id, "known": _names_hint(fields)},
                node,
                text,
            )
    elif isinstance(node, ast.Constant):
        if not isinstance(node.value, str | int | float | bool | type(None)):
            raise _error(_("this kind of value is not allowed"), node, text)
    elif isinstance(node, ast.List | ast.Tuple):
        for element in node.elts:
            _check(element, fields, text)
    elif isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _check(node.func, fields, text)
            raise _error(_("only the listed functions may be called"), node, text)
        if node.func.id not in FUNCTIONS:
            name = node.func.id
            raise _error(
                _("unknown function “%(name)s” (known functions: %(known)s)")
                % {"name": name, "known": ", ".join(sorted(FUNCTIONS))},
                node,
                text,
            )
        if node.keywords:
            raise _error(_("functions take no keyword arguments here"), node, text)
        for arg in node.args:
            _check(arg, fields, text)
    elif isinstance(node, ast.Attribute):
        raise _error(
            _("“.%(attr)s”: attribute access is not allowed; use field names") % {"attr": node.attr}, node, text
        )
    elif isinstance(node, ast.Subscript):
        raise _error(_("indexing with [ ] is not allowed"), node, text)
    else:
        raise _error(_("this construct is not allowed in a condition"), node, text)


def _check_choices(node: ast.Compare, fields: Mapping[str, FieldInfo], text: str) -> None:
    """`priority == "urgnt"` is a typo, not a condition that is never true."""
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=False):
        pairs = [(left, right), (right, left)] if isinstance(op, ast.Eq | ast.NotEq) else [(left, right)]
        for name_node, value_node in pairs:
            if not isinstance(name_node, ast.Name) or name_node.id not in fields:
                continue
            choices = fields[name_node.id].choices
            if not choices:
                continue
            if isinstance(value_node, ast.List | ast.Tuple) and isinstance(op, ast.In | ast.NotIn):
                values = [e for e in value_node.elts if isinstance(e, ast.Constant)]
            elif isinstance(value_node, ast.Constant) and isinstance(op, ast.Eq | ast.NotEq):
                values = [value_node]
            else:
                continue
            for value in values:
                if isinstance(value.value, str) and value.value not in choices:
                    raise _error(
                        _("“%(value)s” is not a value of %(name)s (its values: %(choices)s)")
                        % {"value": value.value, "name": name_node.id, "choices": ", ".join(choices)},
                        value,
                        text,
                    )
        left = right


def _try(text: str, fields: Mapping[str, FieldInfo]) -> None:
    names = {name: _for_condition(info.sample()) for name, info in fields.items()}
    try:
        _evaluator(names).eval(text)
    except ZeroDivisionError:
        return
    except (TypeError, ValueError, InvalidExpression) as exc:
        raise ConditionError(_("the expression fails on sample values: %(error)s") % {"error": exc}) from None


def _for_condition(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # thresholds compare as people expect (0.1 == 0.10)
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _evaluator(names: Mapping[str, Any]) -> EvalWithCompoundTypes:
    return EvalWithCompoundTypes(names=dict(names), functions=dict(FUNCTIONS))  # it adds to the dict it gets


def evaluate(expression: str, values: Mapping[str, Any]) -> bool:
    """True when the condition holds for `values`. An empty condition always holds.

    Raises ConditionError when the expression cannot be evaluated (e.g. an empty field
    compared with a number); callers treat that as "not met" and show the reason.
    """
    if not expression or not expression.strip():
        return True
    text = expression.strip()
    tree = parse(text)
    _check(tree.body, {k: FieldInfo(k, k, "str") for k in values}, text)
    try:
        return bool(_evaluator({k: _for_condition(v) for k, v in values.items()}).eval(text))
    except (TypeError, ValueError, ZeroDivisionError, InvalidExpression) as exc:
        raise ConditionError(_("cannot be evaluated for this document: %(error)s") % {"error": exc}) from None
