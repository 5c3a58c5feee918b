"""Tests of `nanogen.examples`: every derived value validates, or an error says why."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from nanogen.examples import (
    Direction,
    ExampleError,
    can_send_parameter,
    derive_example,
    normalize_numbers,
    pattern_matches,
    schema_for_direction,
    to_json_schema_2020,
)

REF = "#/components/schemas/"

COMPONENTS: dict[str, Any] = {
    "Money": {
        "type": "object",
        "required": ["amount", "currency"],
        "additionalProperties": False,
        "properties": {
            "amount": {"type": "integer", "minimum": 0},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        },
    },
    "Category": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": REF + "Category"}},
            "parent": {"$ref": REF + "Category"},
        },
    },
    "Team": {
        "type": "object",
        "required": ["members"],
        "properties": {
            "members": {"type": "array", "items": {"$ref": REF + "Member"}},
        },
    },
    "Member": {
        "type": "object",
        "required": ["email"],
        "properties": {
            "email": {"type": "string", "format": "email"},
            "leads": {"$ref": REF + "Team"},
        },
    },
    "Node": {
        "type": "object",
        "required": ["next"],
        "properties": {
            "next": {"oneOf": [{"$ref": REF + "Node"}, {"type": "null"}]},
        },
    },
    "Endless": {
        "type": "object",
        "required": ["next"],
        "properties": {"next": {"$ref": REF + "Endless"}},
    },
    "Shape": {
        "oneOf": [
            {
                "type": "object",
                "required": ["kind", "radius"],
                "properties": {
                    "kind": {"const": "circle"},
                    "radius": {"type": "number", "exclusiveMinimum": 0},
                },
            },
            {
                "type": "object",
                "required": ["kind", "side"],
                "properties": {
                    "kind": {"enum": ["square"]},
                    "side": {"type": "number"},
                },
            },
        ]
    },
    "Product": {
        "allOf": [
            {"$ref": REF + "Money"},
            {"type": "object", "properties": {"note": {"type": "string"}}},
        ]
    },
}


def assert_valid(schema: Any, value: Any, components: dict[str, Any]) -> None:
    """Check `value` with jsonschema, independently of the code under test."""
    wrapper: dict[str, Any] = {"components": {"schemas": components}}
    if isinstance(schema, dict) and "$defs" in schema:
        wrapper["$defs"] = schema["$defs"]
    wrapper["allOf"] = [schema]
    validator = Draft202012Validator(
        wrapper, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [error.message for error in validator.iter_errors(value)]
    assert errors == [], f"{value!r} is invalid: {errors}"


SCHEMAS: list[tuple[str, Any]] = [
    ("true", True),
    ("empty", {}),
    ("null", {"type": "null"}),
    ("boolean", {"type": "boolean"}),
    ("integer", {"type": "integer"}),
    ("integer-bounds", {"type": "integer", "minimum": 10, "maximum": 12}),
    ("integer-negative", {"type": "integer", "maximum": -5}),
    ("integer-exclusive", {"type": "integer", "exclusiveMinimum": 1, "maximum": 2}),
    ("integer-multiple", {"type": "integer", "minimum": 5, "multipleOf": 7}),
    ("integer-multiple-fraction", {"type": "integer", "multipleOf": 2.5}),
    ("number", {"type": "number"}),
    (
        "number-open-interval",
        {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    ),
    ("number-cents", {"type": "number", "multipleOf": 0.01, "minimum": 10.005}),
    ("number-huge", {"type": "number", "minimum": 1e300}),
    ("string", {"type": "string"}),
    ("string-length", {"type": "string", "minLength": 12, "maxLength": 12}),
    ("string-empty", {"type": "string", "maxLength": 0}),
    ("string-short", {"type": "string", "maxLength": 3}),
    ("date", {"type": "string", "format": "date"}),
    ("date-time", {"type": "string", "format": "date-time"}),
    ("time", {"type": "string", "format": "time"}),
    ("email", {"type": "string", "format": "email"}),
    ("uuid", {"type": "string", "format": "uuid"}),
    ("uri", {"type": "string", "format": "uri"}),
    ("ipv4", {"type": "string", "format": "ipv4"}),
    ("ipv6", {"type": "string", "format": "ipv6"}),
    ("hostname", {"type": "string", "format": "hostname"}),
    ("unknown-format", {"type": "string", "format": "shoe-size"}),
    ("pattern-currency", {"type": "string", "pattern": "^[A-Z]{3}$"}),
    ("pattern-phone", {"type": "string", "pattern": r"^\+?[1-9]\d{1,14}$"}),
    ("pattern-unanchored", {"type": "string", "pattern": "b+c"}),
    ("pattern-alternation", {"type": "string", "pattern": "^(red|green)$"}),
    ("pattern-backreference", {"type": "string", "pattern": r"^(ab)-\1$"}),
    ("pattern-negated-class", {"type": "string", "pattern": r"^[^a-z0-9]{2}$"}),
    ("pattern-lookahead", {"type": "string", "pattern": "^(?!abc)[a-c]{3}$"}),
    (
        "pattern-with-length",
        {"type": "string", "pattern": "^ord_[0-9a-f]+$", "minLength": 20},
    ),
    (
        "pattern-and-format",
        {"type": "string", "format": "email", "pattern": "@example\\.org$"},
    ),
    ("enum", {"enum": ["a", 1, None]}),
    ("enum-with-type", {"type": "integer", "enum": ["a", 2]}),
    ("const", {"const": {"nested": [1, 2]}}),
    ("default", {"type": "integer", "default": 42}),
    ("invalid-default", {"type": "integer", "minimum": 50, "default": 42}),
    ("examples", {"type": "string", "examples": ["first", "second"]}),
    ("openapi-3.0-example", {"type": "string", "example": "from 3.0"}),
    ("type-list", {"type": ["integer", "string"]}),
    ("nullable-type", {"type": ["string", "null"], "minLength": 2}),
    ("nullable-3.0", {"type": "string", "nullable": True}),
    ("nullable-3.0-enum", {"type": "string", "enum": ["a"], "nullable": True}),
    ("exclusive-3.0", {"type": "integer", "minimum": 0, "exclusiveMinimum": True}),
    ("not", {"not": {"type": "string"}}),
    ("array", {"type": "array", "items": {"type": "integer"}}),
    ("array-min", {"type": "array", "items": {"type": "string"}, "minItems": 3}),
    ("array-max-zero", {"type": "array", "maxItems": 0}),
    (
        "array-unique",
        {
            "type": "array",
            "items": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "minItems": 4,
            "uniqueItems": True,
        },
    ),
    (
        "array-unique-booleans",
        {
            "type": "array",
            "items": {"type": "boolean"},
            "minItems": 2,
            "uniqueItems": True,
        },
    ),
    (
        "array-unique-objects",
        {
            "type": "array",
            "items": {"$ref": REF + "Money"},
            "minItems": 2,
            "uniqueItems": True,
        },
    ),
    (
        "array-contains",
        {"type": "array", "contains": {"const": 7}, "items": {"type": "integer"}},
    ),
    (
        "prefix-items",
        {
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "minItems": 2,
            "items": False,
        },
    ),
    (
        "tuple-items-2019",
        {"type": "array", "items": [{"type": "boolean"}], "minItems": 1},
    ),
    ("object-free", {"type": "object"}),
    (
        "object-required",
        {
            "type": "object",
            "required": ["a", "b"],
            "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
            "additionalProperties": False,
        },
    ),
    (
        "object-min-properties",
        {
            "type": "object",
            "minProperties": 2,
            "additionalProperties": {"type": "integer"},
        },
    ),
    (
        "object-pattern-properties",
        {
            "type": "object",
            "minProperties": 1,
            "patternProperties": {"^x-[a-z]+$": {"type": "boolean"}},
            "additionalProperties": False,
        },
    ),
    (
        "object-required-without-property",
        {"type": "object", "required": ["free"]},
    ),
    (
        "object-dependent-required",
        {
            "type": "object",
            "required": ["card"],
            "properties": {"card": {"type": "string"}, "cvc": {"type": "string"}},
            "dependentRequired": {"card": ["cvc"]},
        },
    ),
    ("ref", {"$ref": REF + "Money"}),
    ("ref-with-siblings", {"$ref": REF + "Money", "description": "A price"}),
    ("recursive", {"$ref": REF + "Category"}),
    ("mutually-recursive", {"$ref": REF + "Team"}),
    ("recursive-nullable", {"$ref": REF + "Node"}),
    ("one-of", {"$ref": REF + "Shape"}),
    ("all-of", {"$ref": REF + "Product"}),
    (
        "one-of-overlapping",
        {"oneOf": [{"type": "number"}, {"type": "integer"}]},
    ),
    ("any-of", {"anyOf": [{"type": "string", "maxLength": 0}, {"type": "integer"}]}),
    (
        "all-of-integer-number",
        {
            "allOf": [
                {"type": "number", "minimum": 3},
                {"type": "integer", "maximum": 4},
            ]
        },
    ),
    (
        "if-then-else",
        {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": ["a", "b"]}},
            "if": {"properties": {"kind": {"const": "a"}}},
            "then": {
                "required": ["extra"],
                "properties": {"extra": {"type": "integer"}},
            },
        },
    ),
    (
        "defs",
        {
            "$defs": {"Id": {"type": "string", "format": "uuid"}},
            "type": "object",
            "required": ["id"],
            "properties": {"id": {"$ref": "#/$defs/Id"}},
        },
    ),
]


@pytest.mark.parametrize(
    ("schema"), [schema for _, schema in SCHEMAS], ids=[name for name, _ in SCHEMAS]
)
def test_derive_example_validates(schema: Any) -> None:
    value = derive_example(schema, COMPONENTS)
    assert_valid(to_json_schema_2020(schema), value, _converted_components())


def _converted_components() -> dict[str, Any]:
    return {name: to_json_schema_2020(schema) for name, schema in COMPONENTS.items()}


def test_derive_example_prefers_examples() -> None:
    schema = {"type": "string", "examples": ["first", "second"]}
    assert derive_example(schema, {}) == "first"


def test_derive_example_skips_invalid_default() -> None:
    schema = {"type": "integer", "minimum": 50, "default": 42}
    assert derive_example(schema, {}) == 50


def test_derive_example_uses_const() -> None:
    assert derive_example({"const": [1, "a"]}, {}) == [1, "a"]


def test_derive_example_first_fitting_enum() -> None:
    assert derive_example({"type": "integer", "enum": ["a", 2, 3]}, {}) == 2


def test_derive_example_pattern_match() -> None:
    value = derive_example({"type": "string", "pattern": "^[A-Z]{3}$"}, {})
    assert value == "AAA"


def test_derive_example_includes_optional_properties() -> None:
    schema = {
        "type": "object",
        "required": ["a"],
        "properties": {"b": {"type": "integer"}, "a": {"type": "string"}},
    }
    value = derive_example(schema, {})
    assert list(value) == ["b", "a"]


def test_derive_example_recursion_stops_at_optional() -> None:
    value = derive_example({"$ref": REF + "Category"}, COMPONENTS)
    assert value == {
        "name": "example",
        "children": [{"name": "example"}],
        "parent": {"name": "example"},
    }


def test_derive_example_recursion_through_nullable() -> None:
    value = derive_example({"$ref": REF + "Node"}, COMPONENTS)
    depth = 0
    while value is not None:
        value = value["next"]
        depth += 1
    assert depth <= 2


def test_derive_example_one_of_matches_exactly_one() -> None:
    schema = {"oneOf": [{"type": "number"}, {"type": "integer"}]}
    value = derive_example(schema, {})
    assert isinstance(value, float)


def test_derive_example_nullable_prefers_value() -> None:
    assert derive_example({"type": "string", "nullable": True}, {}) == "example"


def test_derive_example_is_deterministic() -> None:
    schema = {"$ref": REF + "Team"}
    assert derive_example(schema, COMPONENTS) == derive_example(schema, COMPONENTS)


def test_derive_example_does_not_change_inputs() -> None:
    schema = {"type": "string", "nullable": True}
    components = {"A": {"type": "integer", "minimum": 0, "exclusiveMinimum": True}}
    derive_example({"$ref": REF + "A"}, components)
    derive_example(schema, components)
    assert schema == {"type": "string", "nullable": True}
    assert components["A"] == {
        "type": "integer",
        "minimum": 0,
        "exclusiveMinimum": True,
    }


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (False, "no candidate"),
        ({"type": "integer", "minimum": 5, "maximum": 1}, "no candidate"),
        (
            {"type": "integer", "minimum": 1, "maximum": 4, "multipleOf": 5},
            "no candidate",
        ),
        ({"type": "string", "minLength": 5, "maxLength": 2}, "no candidate"),
        ({"enum": []}, "no candidate"),
        ({"type": "string", "pattern": "("}, "invalid regular expression"),
        ({"$ref": REF + "Missing"}, "does not resolve"),
        ({"$ref": "other.yaml#/Thing"}, "only references inside the document"),
        ({"$ref": REF + "Endless"}, "no candidate"),
        (
            {
                "type": "array",
                "items": {"type": "boolean"},
                "minItems": 3,
                "uniqueItems": True,
            },
            "no candidate",
        ),
        ({"oneOf": [{"type": "integer"}, {"type": "integer"}]}, "no candidate"),
        (
            {"type": "object", "required": ["a"], "additionalProperties": False},
            "no candidate",
        ),
    ],
    ids=[
        "false",
        "empty-range",
        "no-multiple-in-range",
        "empty-length-range",
        "empty-enum",
        "bad-regex",
        "missing-ref",
        "remote-ref",
        "endless-recursion",
        "too-few-unique",
        "one-of-twins",
        "required-but-forbidden",
    ],
)
def test_derive_example_unsatisfiable_raises(schema: Any, message: str) -> None:
    with pytest.raises(ExampleError, match=message):
        derive_example(schema, COMPONENTS)


def test_example_error_names_schema_and_fix() -> None:
    with pytest.raises(ExampleError) as caught:
        derive_example({"type": "integer", "minimum": 5, "maximum": 1}, {})
    message = str(caught.value)
    assert '"maximum": 1' in message
    assert "add `examples`" in message


def test_to_json_schema_2020_converts_nullable_ref() -> None:
    converted = to_json_schema_2020({"allOf": [{"$ref": "#/x"}], "nullable": True})
    assert converted == {"anyOf": [{"allOf": [{"$ref": "#/x"}]}, {"type": "null"}]}


def test_to_json_schema_2020_converts_nested() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer", "nullable": True}},
        "items": [{"type": "string", "nullable": True}],
    }
    converted = to_json_schema_2020(schema)
    assert converted["properties"]["a"]["type"] == ["integer", "null"]
    assert converted["prefixItems"][0]["type"] == ["string", "null"]


# Patterns whose matches the strategy below combines with any length bounds.
PATTERNS = ["^[a-z]+$", "^[A-Z]{2}-\\d{4}$", "^(red|green|blue)$", "x", "^\\w+@\\w+$"]
FORMATS = ["date", "date-time", "email", "uuid", "ipv4", "uri"]

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-100, 100), st.text(max_size=5)
)


@st.composite
def integer_schemas(draw: st.DrawFn) -> dict[str, Any]:
    step = draw(st.sampled_from([None, 1, 2, 3, 5, 10]))
    schema: dict[str, Any] = {"type": draw(st.sampled_from(["integer", "number"]))}
    # Bounds around a known multiple of the step, so a value always exists.
    anchor = draw(st.integers(-1000, 1000)) * (step or 1)
    if step:
        schema["multipleOf"] = step
    if draw(st.booleans()):
        below = draw(st.integers(0, 50))
        key = draw(st.sampled_from(["minimum", "exclusiveMinimum"]))
        schema[key] = anchor - below - (1 if key == "exclusiveMinimum" else 0)
    if draw(st.booleans()):
        above = draw(st.integers(0, 50))
        key = draw(st.sampled_from(["maximum", "exclusiveMaximum"]))
        schema[key] = anchor + above + (1 if key == "exclusiveMaximum" else 0)
    return schema


@st.composite
def string_schemas(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["length", "pattern", "format"]))
    schema: dict[str, Any] = {"type": "string"}
    if kind == "length":
        low = draw(st.integers(0, 20))
        schema["minLength"] = low
        if draw(st.booleans()):
            schema["maxLength"] = low + draw(st.integers(0, 5))
    elif kind == "pattern":
        schema["pattern"] = draw(st.sampled_from(PATTERNS))
        if draw(st.booleans()):
            schema["maxLength"] = 64
    else:
        schema["format"] = draw(st.sampled_from(FORMATS))
    return schema


LEAVES = st.one_of(
    integer_schemas(),
    string_schemas(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(JSON_SCALARS, min_size=1, max_size=4).map(lambda values: {"enum": values}),
    JSON_SCALARS.map(lambda value: {"const": value}),
    st.sampled_from([{"$ref": REF + name} for name in ("Money", "Category", "Node")]),
)

NAMES = st.sampled_from(["id", "name", "tags", "price", "next", "x_1"])


def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    arrays = st.builds(
        lambda items, low, unique: {
            "type": "array",
            "items": items,
            "minItems": low,
            "maxItems": low + 2,
            **({"uniqueItems": True} if unique and low <= 1 else {}),
        },
        children,
        st.integers(0, 3),
        st.booleans(),
    )
    objects = st.builds(
        lambda properties, data: {
            "type": "object",
            "properties": properties,
            "required": [name for name in properties if data.draw(st.booleans())],
            "additionalProperties": data.draw(st.booleans()),
        },
        st.dictionaries(NAMES, children, max_size=4),
        st.data(),
    )
    nullable = children.map(lambda schema: {"anyOf": [schema, {"type": "null"}]})
    any_of = st.lists(children, min_size=1, max_size=3).map(
        lambda items: {"anyOf": items}
    )
    # A branch that only null matches next to one that never does: exactly one.
    one_of = children.map(
        lambda schema: {
            "oneOf": [{"allOf": [schema, {"not": {"type": "null"}}]}, {"type": "null"}]
        }
    )
    return st.one_of(arrays, objects, nullable, any_of, one_of)


SCHEMA_STRATEGY = st.recursive(LEAVES, extend, max_leaves=8)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(SCHEMA_STRATEGY)
def test_derive_example_property(schema: Any) -> None:
    # Every schema the strategy builds has an instance, so an error is a bug.
    value = derive_example(schema, COMPONENTS)
    assert_valid(schema, value, COMPONENTS)


# -- keywords that derived examples must meet ---------------------------------


def assert_valid_portably(schema: Any, value: Any) -> None:
    """Check `value` with jsonschema and each string against ECMA-262 `$`."""
    assert_valid(schema, value, {})
    strings = [value] if isinstance(value, str) else []
    if isinstance(value, dict):
        strings.extend(key for key in value if isinstance(key, str))
    for text in strings:
        assert not text.endswith("\n"), f"{text!r} relies on `$` before a newline"


KEYWORD_SCHEMAS: list[tuple[str, Any]] = [
    ("integer-written-as-float", {"type": "integer", "examples": [2.0]}),
    ("integer-const-float", {"type": "integer", "const": 3.0}),
    (
        "pattern-properties-closed",
        {
            "type": "object",
            "minProperties": 2,
            "patternProperties": {"^x-[a-z]+$": {"type": "integer"}},
            "additionalProperties": False,
        },
    ),
    (
        "pattern-properties-required",
        {
            "type": "object",
            "required": ["x-id"],
            "patternProperties": {"^x-": {"type": "string", "minLength": 2}},
            "additionalProperties": False,
        },
    ),
    ("pattern-end", {"type": "string", "pattern": "^[a-z]{2}$", "minLength": 2}),
    ("pattern-posix-class", {"type": "string", "pattern": "^[[:alpha:]]+$"}),
    ("pattern-set-difference", {"type": "string", "pattern": "^[a-z--b]+$"}),
    ("multiple-of-tenth", {"type": "number", "multipleOf": 0.1, "minimum": 0.25}),
    (
        "multiple-of-tenth-narrow",
        {"type": "number", "multipleOf": 0.1, "minimum": 0.55, "maximum": 0.95},
    ),
    (
        "prefix-items-closed",
        {
            "type": "array",
            "prefixItems": [{"const": "a"}, {"type": "integer", "minimum": 3}],
            "items": False,
            "minItems": 2,
        },
    ),
    (
        "contains-bounded",
        {
            "type": "array",
            "items": {"type": "integer"},
            "contains": {"minimum": 5},
            "minContains": 2,
            "maxContains": 2,
            "minItems": 4,
        },
    ),
    (
        "contains-unique",
        {
            "type": "array",
            "items": {"type": "integer"},
            "contains": {"multipleOf": 3},
            "minContains": 2,
            "uniqueItems": True,
        },
    ),
    (
        "min-properties-from-optional",
        {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
            "minProperties": 2,
            "additionalProperties": False,
        },
    ),
    (
        "dependent-required",
        {
            "type": "object",
            "required": ["card"],
            "properties": {"card": {"type": "string"}, "cvc": {"type": "integer"}},
            "dependentRequired": {"card": ["cvc"]},
            "additionalProperties": False,
        },
    ),
    (
        "dependent-schemas",
        {
            "type": "object",
            "required": ["card"],
            "properties": {"card": {"type": "string"}},
            "dependentSchemas": {
                "card": {
                    "required": ["expiry"],
                    "properties": {
                        "expiry": {"type": "string", "pattern": "^\\d\\d/\\d\\d$"}
                    },
                }
            },
        },
    ),
    (
        "if-then-else-else-branch",
        {
            "type": "integer",
            "if": {"minimum": 10},
            "then": {"multipleOf": 7, "maximum": 12},
            "else": {"maximum": 0},
        },
    ),
    (
        "if-then-object",
        {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": ["a", "b"]}},
            "if": {"properties": {"kind": {"const": "a"}}},
            "then": {"required": ["size"], "properties": {"size": {"type": "integer"}}},
            "else": {"required": ["name"], "properties": {"name": {"type": "string"}}},
        },
    ),
    ("not-const", {"type": "string", "not": {"const": "example"}}),
    ("not-short", {"type": "string", "not": {"maxLength": 10}}),
    ("not-type", {"not": {"type": ["string", "object", "array", "boolean"]}}),
    (
        "property-names",
        {
            "type": "object",
            "propertyNames": {"pattern": "^[A-Z]+$"},
            "minProperties": 2,
        },
    ),
    (
        "property-names-enum",
        {
            "type": "object",
            "propertyNames": {"enum": ["red", "green"]},
            "additionalProperties": {"type": "boolean"},
            "minProperties": 1,
        },
    ),
    (
        "one-of-overlapping-strings",
        {"oneOf": [{"type": "string"}, {"type": "string", "maxLength": 10}]},
    ),
    (
        "one-of-overlapping-objects",
        {
            "oneOf": [
                {"type": "object", "properties": {"a": {"type": "integer"}}},
                {"type": "object", "properties": {"b": {"type": "integer"}}},
            ]
        },
    ),
    (
        "one-of-bounds",
        {
            "oneOf": [
                {"type": "integer", "minimum": 0},
                {"type": "integer", "maximum": 5},
            ]
        },
    ),
    ("const-object", {"const": {"a": [1, 2.0]}}),
    (
        "unique-objects",
        {
            "type": "array",
            "items": {"type": "object"},
            "minItems": 3,
            "uniqueItems": True,
        },
    ),
    (
        "unique-enum",
        {
            "type": "array",
            "items": {"enum": [1, 2, 3]},
            "minItems": 3,
            "uniqueItems": True,
        },
    ),
]


@pytest.mark.parametrize(
    "schema",
    [schema for _, schema in KEYWORD_SCHEMAS],
    ids=[name for name, _ in KEYWORD_SCHEMAS],
)
def test_derive_example_meets_keyword(schema: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = derive_example(schema, {})

    assert_valid_portably(schema, value)
    assert [str(item.message) for item in caught] == []


def test_derive_example_writes_integers_as_int() -> None:
    value = derive_example(
        {"type": "object", "required": ["n"], "properties": {"n": {"examples": [2.0]}}}
    )

    assert value == {"n": 2}
    assert isinstance(value["n"], int)


def test_derive_example_multiple_of_tenth_passes_float_check() -> None:
    schema = {"type": "number", "multipleOf": 0.1, "minimum": 0.55, "maximum": 0.95}

    value = derive_example(schema)

    # jsonschema divides by 0.1: 0.6 / 0.1 is 5.999..., but 0.8 / 0.1 is 8.0.
    assert value in (0.8, 0.9)


def test_derive_example_pattern_needs_no_final_newline() -> None:
    # Python's `$` also matches before a final newline, so "a\n" matches
    # there; ECMA-262's does not.
    with pytest.raises(ExampleError, match="no candidate"):
        derive_example({"type": "string", "pattern": "^a$", "minLength": 2})


USER = {
    "type": "object",
    "required": ["name", "id", "password"],
    "properties": {
        "name": {"type": "string"},
        "id": {"type": "string", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "token": {"$ref": REF + "Token"},
        "note": {"type": "string", "readOnly": True},
    },
}
TOKEN = {"Token": {"type": "string", "writeOnly": True}}


def test_derive_example_request_leaves_out_read_only() -> None:
    value = derive_example(USER, TOKEN, direction="request")

    assert "id" not in value
    assert "note" not in value
    assert value["password"] == "example"
    assert value["token"] == "example"


def test_derive_example_response_leaves_out_write_only() -> None:
    value = derive_example(USER, TOKEN, direction="response")

    assert "password" not in value
    assert "token" not in value
    assert value["id"] == "example"


def test_derive_example_without_direction_keeps_required_only() -> None:
    value = derive_example(USER, TOKEN)

    assert set(value) == {"name", "id", "password"}


def test_schema_for_direction_drops_required_read_only() -> None:
    view = schema_for_direction(USER, TOKEN, "request")

    assert view["required"] == ["name", "password"]
    assert view["properties"]["id"] is False
    assert view["properties"]["token"] == {"$ref": REF + "Token"}


def test_derive_example_accept_rejects_candidates() -> None:
    schema = {"type": "string", "examples": ["a/b"]}

    value = derive_example(schema, accept=lambda text: "/" not in text)

    assert value == "example"


def test_derive_example_accept_that_takes_nothing_raises() -> None:
    with pytest.raises(ExampleError, match="can be used here"):
        derive_example({"type": "string", "maxLength": 0}, accept=bool)


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^a$", "a", True),
        ("^a$", "a\n", False),
        ("a$|^b", "b\n", True),
        ("^[$]$", "$", True),
        ("^\\$$", "$", True),
        ("^[]$]+$", "]$", True),
        ("^\\d$", "\u0663", False),
        ("^[[:alpha:]]$", "a]", True),
        ("^[[:alpha:]]$", "a", False),
    ],
)
def test_pattern_matches(pattern: str, text: str, matches: bool) -> None:
    assert pattern_matches(pattern, text) is matches


def test_normalize_numbers_turns_whole_floats_into_int() -> None:
    value = normalize_numbers({"a": [2.0, 2.5, True], "b": 1e300})

    assert value == {"a": [2, 2.5, True], "b": 1e300}
    assert isinstance(value["a"][0], int)
    assert isinstance(value["b"], float)


def test_normalize_numbers_returns_unchanged_value_itself() -> None:
    value = {"a": [1, "x"]}

    assert normalize_numbers(value) is value


@pytest.mark.parametrize(
    ("value", "location", "sendable"),
    [
        ("abc", "path", True),
        ("a b%", "path", True),
        ("", "path", False),
        ("a/b", "path", False),
        ("..", "path", False),
        ("%2e", "path", False),
        ([], "query", False),
        ({}, "query", False),
        (["a", "b"], "query", True),
        (["a,b"], "query", False),
        ([["a"]], "query", False),
        (None, "query", True),
        ("tab\there", "header", False),
        (" padded", "header", False),
        ("plain", "header", True),
        ("a;b", "cookie", False),
        ("ab", "cookie", True),
    ],
)
def test_can_send_parameter(value: Any, location: str, sendable: bool) -> None:
    assert can_send_parameter(value, location) is sendable


UNSATISFIABLE_KEYWORDS: list[tuple[str, Any]] = [
    ("enum-empty", {"enum": []}),
    ("min-items-above-max", {"type": "array", "minItems": 2, "maxItems": 1}),
    (
        "required-forbidden",
        {
            "type": "object",
            "required": ["a"],
            "patternProperties": {"^x-": {}},
            "additionalProperties": False,
        },
    ),
    (
        "ipv4-pattern",
        {"type": "string", "format": "ipv4", "pattern": "^[a-z]+$"},
    ),
    (
        "tenth-with-no-float-multiple",
        {"type": "number", "multipleOf": 0.1, "minimum": 0.55, "maximum": 0.75},
    ),
    ("prefix-items-too-few", {"prefixItems": [{}], "items": False, "minItems": 2}),
    (
        "contains-capped",
        {"type": "array", "contains": {}, "maxContains": 1, "minItems": 2},
    ),
    ("not-anything", {"not": {}}),
    (
        "property-names-none",
        {"type": "object", "propertyNames": False, "minProperties": 1},
    ),
    ("const-against-type", {"type": "string", "const": 1}),
]


@pytest.mark.parametrize(
    "schema",
    [schema for _, schema in UNSATISFIABLE_KEYWORDS],
    ids=[name for name, _ in UNSATISFIABLE_KEYWORDS],
)
def test_derive_example_keyword_unsatisfiable_raises(schema: Any) -> None:
    with pytest.raises(ExampleError, match="no candidate value validates"):
        derive_example(schema, {})


# Schemas built from the keywords above with random bounds, so that some
# allow no value: derivation must then raise ExampleError, never return an
# invalid value or fail otherwise.
@st.composite
def bounded_pairs(draw: st.DrawFn, low: str, high: str) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    if draw(st.booleans()):
        schema[low] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        schema[high] = draw(st.integers(0, 4))
    return schema


KEYWORD_LEAVES = st.one_of(
    st.builds(
        lambda bounds, step: {
            "type": "number",
            **bounds,
            **({"multipleOf": step} if step else {}),
        },
        bounded_pairs("minimum", "maximum"),
        st.sampled_from([None, 0.1, 0.25, 3]),
    ),
    st.builds(
        lambda bounds, pattern: {
            "type": "string",
            **bounds,
            **({"pattern": pattern} if pattern else {}),
        },
        bounded_pairs("minLength", "maxLength"),
        st.sampled_from([None, "^[a-z]+$", "^a$", "^[[:alpha:]]+$", "b"]),
    ),
    st.lists(JSON_SCALARS, max_size=3).map(lambda values: {"enum": values}),
    JSON_SCALARS.map(lambda value: {"const": value}),
    st.sampled_from(
        [{"type": "string", "format": "ipv4", "pattern": "^1"}, True, False]
    ),
)


def extend_keywords(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    arrays = st.builds(
        lambda items, prefix, contains, bounds, unique: {
            "type": "array",
            "items": items,
            "prefixItems": prefix,
            **({"contains": contains} if contains is not None else {}),
            **bounds,
            **({"uniqueItems": True} if unique else {}),
        },
        children,
        st.lists(children, max_size=2),
        st.none() | children,
        bounded_pairs("minItems", "maxItems"),
        st.booleans(),
    )
    objects = st.builds(
        lambda properties, data: {
            "type": "object",
            "properties": properties,
            "required": [name for name in properties if data.draw(st.booleans())],
            "dependentRequired": (
                {name: ["x_1"] for name in properties if data.draw(st.booleans())}
            ),
            "additionalProperties": data.draw(st.booleans()),
            **data.draw(bounded_pairs("minProperties", "maxProperties")),
            **({"propertyNames": {"maxLength": 4}} if data.draw(st.booleans()) else {}),
        },
        st.dictionaries(NAMES, children, max_size=3),
        st.data(),
    )
    combined = st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"oneOf": items}),
        st.lists(children, min_size=1, max_size=3).map(lambda items: {"anyOf": items}),
        st.tuples(children, children).map(lambda pair: {"allOf": list(pair)}),
        st.tuples(children, children, children).map(
            lambda triple: dict(zip(("if", "then", "else"), triple, strict=True))
        ),
        st.tuples(children, children).map(
            lambda pair: {"allOf": [pair[0], {"not": pair[1]}]}
        ),
    )
    return st.one_of(arrays, objects, combined)


KEYWORD_SCHEMA_STRATEGY = st.recursive(KEYWORD_LEAVES, extend_keywords, max_leaves=6)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(KEYWORD_SCHEMA_STRATEGY, st.sampled_from([None, "request", "response"]))
def test_derive_example_valid_or_example_error(
    schema: Any, direction: Direction | None
) -> None:
    try:
        value = derive_example(schema, {}, direction=direction)
    except ExampleError:
        return
    assert_valid_portably(schema, value)


DISCRIMINATED_PETS = {
    "Cat": {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"type": "string"}, "meow": {"type": "boolean"}},
    },
    "Dog": {
        "type": "object",
        "required": ["kind", "bark"],
        "properties": {"kind": {"type": "string"}, "bark": {"type": "boolean"}},
    },
}


@pytest.mark.parametrize(
    ("discriminator", "expected"),
    [
        ({"propertyName": "kind"}, "Cat"),
        (
            {
                "propertyName": "kind",
                "mapping": {"cat": "Cat", "dog": "#/components/schemas/Dog"},
            },
            "cat",
        ),
    ],
)
def test_discriminator_names_the_branch(discriminator, expected):
    schema = {
        "oneOf": [
            {"$ref": "#/components/schemas/Cat"},
            {"$ref": "#/components/schemas/Dog"},
        ],
        "discriminator": discriminator,
    }

    value = derive_example(schema, DISCRIMINATED_PETS)

    assert value["kind"] == expected
