"""Tests of nanogen.filters: no text can escape the literal it is rendered into."""

from __future__ import annotations

import ast
import json
import keyword
import math

import jinja2
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from nanogen import filters

# Text of every kind, lone surrogates included: spec files are parsed from
# JSON, which can carry them as escapes.
any_text = st.text(st.characters(codec=None, exclude_categories=()))
nasty_examples = [
    "",
    "quote \" apostrophe ' triple \"\"\" ''' backslash \\",
    "newline\nreturn\rcrlf\r\nend",
    "{{ x }} {% raw %} {# c #}",
    "</script><!-- -->",
    "\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e",
    "\u202e reversed \u2066 isolate",
    "\x00 nul \x7f del",
    "\ud800 lone surrogate \udfff",
    "日本語 é 🐍",
    "\\",
    '"',
    "\\N{BULLET}",
]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


def single_line(text: str) -> bool:
    return len(text.splitlines()) <= 1 and "\n" not in text and "\r" not in text


@pytest.mark.parametrize("text", nasty_examples)
def test_py_str_examples_round_trip(text: str) -> None:
    literal = filters.py_str(text)

    assert single_line(literal)
    assert eval(compile(f"x = {literal}\n", "<test>", "exec"), {}) is None
    assert ast.literal_eval(literal) == text


@given(any_text)
def test_py_str_round_trips_any_text(text: str) -> None:
    literal = filters.py_str(text)
    namespace: dict[str, str] = {}

    exec(compile(f"x = {literal}\n", "<test>", "exec"), namespace)

    assert namespace["x"] == text
    assert single_line(literal)
    literal.encode("utf-8")


@given(any_text)
def test_py_comment_never_changes_code(text: str) -> None:
    comment = filters.py_comment(text)
    plain = "x = 1\ny = 2\n"
    commented = f"x = 1  # {comment}\ny = 2\n"

    assert single_line(comment)
    assert ast.dump(ast.parse(commented)) == ast.dump(ast.parse(plain))
    comment.encode("utf-8")


def visible_surrogates(text: str) -> str:
    return "".join(
        f"\\u{ord(char):04x}" if 0xD800 <= ord(char) <= 0xDFFF else char
        for char in text
    )


@given(any_text)
def test_py_docstring_round_trips_any_text(text: str) -> None:
    source = f'def f():\n    """{filters.py_docstring(text)}"""\n'
    namespace: dict[str, object] = {}

    exec(compile(source, "<test>", "exec"), namespace)

    assert namespace["f"].__doc__ == visible_surrogates(text)  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", nasty_examples)
def test_py_docstring_works_in_a_class(text: str) -> None:
    source = f'class C:\n    """{filters.py_docstring(text)}"""\n\n    x = 1\n'
    namespace: dict[str, object] = {}

    exec(compile(source, "<test>", "exec"), namespace)

    assert namespace["C"].__doc__ == visible_surrogates(text)  # type: ignore[attr-defined]


@given(JSON_VALUES)
def test_py_literal_round_trips_json_data(value: object) -> None:
    literal = filters.py_literal(value)

    assert ast.literal_eval(literal) == value
    assert single_line(literal)


@given(JSON_VALUES)
def test_py_literal_with_indent_round_trips(value: object) -> None:
    literal = filters.py_literal(value, indent=4)

    assert ast.literal_eval(literal) == value
    assert ast.literal_eval(f"(\n{literal}\n)") == value


def test_py_literal_indents_one_item_per_line() -> None:
    literal = filters.py_literal({"a": [1, 2], "b": {}}, indent=2)

    assert literal == '{\n  "a": [\n    1,\n    2,\n  ],\n  "b": {},\n}'


def test_py_literal_rejects_nan() -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        filters.py_literal(math.nan)


@given(any_text)
def test_ts_str_parses_back_with_json_rules(text: str) -> None:
    literal = filters.ts_str(text)

    assert json.loads(literal) == text
    assert single_line(literal)
    assert "</" not in literal
    assert "<!--" not in literal
    assert "\u2028" not in literal
    assert "\u2029" not in literal
    literal.encode("utf-8")


@given(JSON_VALUES)
def test_json_filter_round_trips_and_hides_markup(value: object) -> None:
    text = filters.json(value)

    assert json.loads(text) == value
    assert "<" not in text
    assert "\u2028" not in text
    text.encode("utf-8")


def test_json_filter_indents() -> None:
    assert filters.json({"a": [1]}, indent=2) == '{\n  "a": [\n    1\n  ]\n}'


@given(any_text)
def test_yaml_str_round_trips_any_text(text: str) -> None:
    scalar = filters.yaml_str(text)

    assert single_line(scalar)
    assert yaml.safe_load(f"key: {scalar}\n") == {"key": text}


@given(any_text)
def test_toml_str_round_trips_text(text: str) -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is new in Python 3.11")
    scalar = filters.toml_str(text)
    expected = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)

    assert single_line(scalar)
    assert tomllib.loads(f"key = {scalar}\n") == {"key": expected}


@given(any_text)
def test_md_text_is_one_line_without_markup(text: str) -> None:
    rendered = filters.md_text(text)

    assert single_line(rendered)
    for char in "<>`[]":
        assert char not in rendered.replace("\\" + char, "")


@given(any_text)
def test_identifier_is_safe_and_deterministic(text: str) -> None:
    name = filters.identifier(text)

    assert name.isidentifier()
    assert name.isascii()
    assert not keyword.iskeyword(name)
    assert not name.startswith("_")
    assert filters.identifier(text) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Parameter1.Name", "parameter1_name"),
        ("orderId", "order_id"),
        ("HTTPStatus", "http_status"),
        ("$ref", "ref"),
        ("from", "from_"),
        ("class", "class_"),
        ("match", "match_"),
        ("2fa-code", "n2fa_code"),
        ("café", "cafe"),
    ],
    ids=lambda value: str(value),
)
def test_identifier_examples(text: str, expected: str) -> None:
    assert filters.identifier(text) == expected


def test_identifier_of_text_without_letters_uses_a_hash() -> None:
    first = filters.identifier("日本")
    second = filters.identifier("中国")

    assert first.startswith("x")
    assert first != second


@given(any_text)
def test_class_name_is_an_identifier(text: str) -> None:
    name = filters.class_name(text)

    assert name.isidentifier()
    assert not keyword.iskeyword(name)
    assert name[0].isupper()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Money", "Money"),
        ("calculateTaxInput", "CalculateTaxInput"),
        ("send-receipt", "SendReceipt"),
    ],
    ids=lambda value: str(value),
)
def test_class_name_examples(text: str, expected: str) -> None:
    assert filters.class_name(text) == expected


@settings(max_examples=50)
@given(any_text)
def test_data_never_runs_as_template(text: str) -> None:
    environment = jinja2.Environment(extensions=[filters.FiltersExtension])
    template = environment.from_string("x = {{ value | py_str }}\n")

    rendered = template.render(value=text)

    assert ast.literal_eval(rendered[4:].strip()) == text


def test_extension_registers_every_filter() -> None:
    environment = jinja2.Environment(extensions=[filters.FiltersExtension])

    assert set(filters.FILTERS) <= set(environment.filters)
