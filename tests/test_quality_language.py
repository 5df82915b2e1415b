"""The rule language (reporting/rules/quality.py) refuses what could reach outside the facts or
run away: attribute access, imports, comprehensions, lambdas, powers, strings, unknown names,
very long or very large expressions. What it accepts is evaluated in bounded time, and a value
it cannot judge leaves the rule silent (NotApplicable) instead of failing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting.rules import quality as rules
from reporting.rules.quality import NotApplicable, RuleSyntaxError, compile_expression, evaluate

FACTS = {
    "served": 120,
    "target": 100,
    "prev_served": 130,
    "breakdown_total": 120,
    "breakdown_groups": 2,
    "quarter": 2,
    "year": 2026,
    "budget_allocated": 1_000_000,
    "budget_realised": 900_000,
    "stages_done": 2,
    "stages_done_without_document": 1,
    "quality_items": 3,
}


def _refused(source: str, each: str = rules.EACH_REPORT) -> str:
    with pytest.raises(RuleSyntaxError) as exc:
        compile_expression(source, each)
    return str(exc.value)


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("served.__class__", "Akses atribut"),
        ("served.__class__.__mro__[1].__subclasses__()", "Fungsi yang diizinkan hanya"),
        ("(1).real > 0", "Akses atribut"),
        ("__import__('os')", "Fungsi yang diizinkan hanya"),
        ("__import__", "Nama tidak dikenal"),
        ("open(served)", "Fungsi yang diizinkan hanya"),
        ("eval(served)", "Fungsi yang diizinkan hanya"),
        ("[x for x in (1, 2)]", "ListComp"),
        ("any(x > 1 for x in (served,))", "Fungsi yang diizinkan hanya"),
        ("max(x for x in (served,)) > 1", "GeneratorExp"),
        ("{x for x in (1,)}", "SetComp"),
        ("lambda: served", "Lambda"),
        ("(lambda x: x)(served)", "Fungsi yang diizinkan hanya"),
        ("max(lambda: 1, served)", "Lambda"),
        ("9**9**9", "Pow"),
        ("served ** 2 > target", "Pow"),
        ("served[0] > 1", "Subscript"),
        ("(served, target)", "Tuple"),
        ("(x := served) > 1", "NamedExpr"),
        ("max(*(served, target)) > 1", "Starred"),
        ("round(served, ndigits=2) > 1", "Argumen bernama"),
        ("served << 99999 > 1", "LShift"),
        ("'a' * 10", "Hanya angka"),
        ("served == 'x'", "Hanya angka"),
        ("b'x'", "Hanya angka"),
        ("foo > 1", "Nama tidak dikenal: foo"),
        ("item_realised > 1", "Nama tidak dikenal: item_realised"),
        ("10000000000000000000 > served", "Angka terlalu besar"),
        ("", "wajib diisi"),
        ("served >", "tidak dapat dibaca"),
    ],
)
def test_refused_with_a_plain_message(source, says):
    assert says in _refused(source)


def test_names_of_each_are_allowed_only_for_that_each():
    compiled = compile_expression("item_per_recipient and item_realised > served", "quality")
    assert compiled.names == {"item_per_recipient", "item_realised", "served"}
    assert "Nama tidak dikenal: line_realised" in _refused("line_realised > 0", "quality")


def test_a_very_long_expression_is_refused():
    at_limit = "served" + " " * 491 + "> 1"
    assert len(at_limit) == rules.MAX_EXPRESSION_LENGTH
    compile_expression(at_limit)
    assert "terlalu panjang" in _refused(at_limit.replace("> 1", ">  1"))  # 501
    assert "terlalu panjang" in _refused("served > " + "1" * 600)


def test_a_very_big_or_deep_expression_is_refused():
    # Each "served *" adds four syntax nodes (operation, operator, name, its context).
    assert "terlalu rumit" in _refused("served * " * 30 + "served")
    assert "terlalu rumit" in _refused("-" * 200 + "served > 1")


def test_large_arithmetic_is_bounded_and_stays_silent():
    """The biggest product the node limit allows: 30 factors of 2·10⁹ (10²⁷⁹): a number
    beyond 10¹⁸ has no answer (NotApplicable), not a runaway."""
    source = "served * " * 29 + "served"
    compiled = compile_expression(source)
    with pytest.raises(NotApplicable):
        evaluate(compiled, FACTS | {"served": 2_000_000_000})


def test_round_with_a_huge_precision_stays_silent():
    compiled = compile_expression("round(pct(served, target), 999999999) > 1")
    with pytest.raises(NotApplicable):
        evaluate(compiled, FACTS)


@pytest.mark.parametrize(
    ("source", "facts", "flags"),
    [
        ("served > target", {}, True),
        ("served > target", {"served": 100}, False),  # == is not over
        ("served < prev_served", {}, True),
        ("pct(budget_realised, budget_allocated) > 90", {}, False),  # 90 is not over 90
        ("pct(budget_realised, budget_allocated) >= 90", {}, True),
        ("abs(served - target) > 19", {}, True),
        ("max(served, target) == 120 and min(served, target) == 100", {}, True),
        ("served > target if quarter == 4 else False", {}, False),
        ("not stages_done", {}, False),
    ],
)
def test_evaluates(source, facts, flags):
    assert evaluate(compile_expression(source), FACTS | facts) is flags


@pytest.mark.parametrize(
    ("source", "facts"),
    [
        ("served < prev_served", {"prev_served": None}),  # no previous quarter
        ("served / 0 > 1", {}),
        ("served % 0 > 1", {}),
        ("pct(served, target) > 100", {"target": 0}),  # pct of nothing is no number
    ],
)
def test_not_applicable(source, facts):
    with pytest.raises(NotApplicable):
        evaluate(compile_expression(source), FACTS | facts)


def test_decimal_facts_compare_exactly():
    compiled = compile_expression("item_realised > served", "quality")
    assert evaluate(compiled, {"item_realised": Decimal("120.01"), "served": 120}) is True
    assert evaluate(compiled, {"item_realised": Decimal("120.00"), "served": 120}) is False


def test_evaluating_does_not_widen_the_language():
    """simpleeval's compound evaluator adds list/tuple/dict/set to the functions it is given:
    the language's own table stays as it is after any number of evaluations."""
    evaluate(compile_expression("served > target"), FACTS)
    evaluate(compile_expression("served > target"), FACTS)
    assert list(rules.FUNCTIONS) == ["abs", "min", "max", "round", "pct"]
    assert "Fungsi yang diizinkan hanya: abs, min, max, round, pct." in _refused("set() == 1")


@pytest.mark.parametrize(
    ("value", "stored", "shown"),
    [
        (Decimal("100.00"), "100", "100"),  # not "1E+2"
        (Decimal("1200"), "1200", "1.200"),
        (Decimal("99.50"), "99.50", "99,5"),
        (Decimal("26.98"), "26.98", "26,98"),
        (1706, 1706, "1.706"),
    ],
)
def test_a_flag_keeps_its_numbers_as_the_form_shows_them(value, stored, shown):
    kept = rules.message_names(None, {"value": value, "served": 1, "target": 2})
    assert kept["value"] == stored
    assert rules.render("{value}", rules.restore(kept)) == shown
