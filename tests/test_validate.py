"""Tests of `nanogen.validate`: the messages for invalid capability lists.

Each folder under tests/invalid/ contains a `nanogen.yaml` and, in
`expected.txt`, the exact lines that `nanogen validate` prints for it. Run
pytest with `--update-golden` to rewrite them from the current output.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from nanogen import pipeline, validate
from nanogen.errors import InputError, Problem
from nanogen.load import load_file
from nanogen.validate import (
    capabilities_schema,
    check_capabilities,
    validate_capabilities,
)

INVALID = Path(__file__).parent / "invalid"
CASES = sorted(path.name for path in INVALID.iterdir() if path.is_dir())
SPECS = Path(__file__).parent.parent / "specs"

# The capability list of the product design, as a user would write it.
DESIGN_EXAMPLE = """\
nanogen: 1
project: shop
target: python-fastapi
security: api-key          # api-key | bearer | none, per capability too
schemas:                   # shared JSON Schemas, referenced by name
  Money:
    type: object
    required: [amount, currency]
    properties:
      amount: {type: integer, description: Minor units, e.g. cents}
      currency: {type: string, pattern: "^[A-Z]{3}$"}
services:
  payments:
    summary: Card payments
    capabilities:
      - name: validate-card
        summary: Check that a card number and expiry are well formed.
        effect: read           # read | create | update | delete
        input: {card_number: string, expiry: string}
        output: {valid: boolean, reason: string?}
        errors: {422: The card number is malformed}
      - name: calculate-tax
        effect: read
        input: {amount: Money, country: string}
        output: {tax: Money}
      - name: send-receipt
        effect: create
        input: {order_id: string, email: string}
        output: {receipt_id: string}
"""


def validation_lines(file: str | Path) -> list[str]:
    """Return what `nanogen validate` prints for a file: errors, or warnings."""
    try:
        warnings = check_capabilities(load_file(file))
    except InputError as error:
        return str(error).splitlines()
    return [str(warning) for warning in warnings]


def problems_in(tmp_path: Path, text: str) -> list[Problem]:
    path = tmp_path / "nanogen.yaml"
    path.write_text(text, encoding="utf-8")
    return validate_capabilities(load_file(path))


def messages_in(tmp_path: Path, text: str) -> list[str]:
    return [problem.message for problem in problems_in(tmp_path, text)]


# --- Golden messages --------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_invalid_input_messages(
    case: str, update_golden: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = INVALID / case
    monkeypatch.chdir(folder)
    lines = validation_lines("nanogen.yaml")
    expected = folder / "expected.txt"

    if update_golden:
        expected.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return

    assert lines, "the case reports nothing"
    assert lines == expected.read_text(encoding="utf-8").splitlines()


def test_several_problems_reported_sorted_by_line() -> None:
    lines = (
        (INVALID / "several-problems-at-once" / "expected.txt").read_text().splitlines()
    )
    numbers = [int(line.removeprefix("warning: ").split(":")[1]) for line in lines]
    assert len(lines) >= 4
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_validate_command_prints_expected_lines(
    case: str, runner: Callable[..., Any]
) -> None:
    folder = INVALID / case
    expected = (folder / "expected.txt").read_text(encoding="utf-8").splitlines()
    result = runner("validate", "nanogen.yaml", cwd=folder)

    if all(line.startswith("warning: ") for line in expected):
        assert result.exit_code == 0
        assert result.stderr.splitlines()[: len(expected)] == expected
    else:
        assert result.exit_code == 1
        assert result.stderr.splitlines() == expected
    assert "Traceback" not in result.stderr


# --- Valid input ------------------------------------------------------------


def test_design_example_is_valid(tmp_path: Path) -> None:
    assert problems_in(tmp_path, DESIGN_EXAMPLE) == []


@pytest.mark.parametrize(
    "spec", sorted(SPECS.glob("*.yaml")), ids=lambda path: path.name
)
def test_bundled_specs_are_valid(spec: Path) -> None:
    assert validate_capabilities(load_file(spec)) == []


def test_check_returns_warnings_without_raising(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_text(
        DESIGN_EXAMPLE.replace(
            "        effect: read           # read",
            "        idempotent: false\n        effect: read           # read",
        )
    )
    warnings = check_capabilities(load_file(path))
    assert [warning.severity for warning in warnings] == ["warning"]
    assert warnings[0].key_path == "services.payments.capabilities[0].idempotent"


def test_errors_raise_with_warnings_included(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_text(
        "nanogen: 1\nproject: shop\nservices:\n  a:\n    capabilities:\n"
        "      - {name: b, effect: read, idempotent: false}\n"
        "      - {name: c, effect: reed}\n"
    )
    with pytest.raises(InputError) as caught:
        check_capabilities(load_file(path))
    severities = [problem.severity for problem in caught.value.problems]
    assert severities == ["warning", "error"]


def test_json_input_gets_lines(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.json"
    path.write_text(
        '{\n\t"nanogen": 1,\n\t"project": "shop",\n\t"services": {\n'
        '\t\t"a": {"capabilities": [\n\t\t\t{"name": "b", "effect": "reed"}\n'
        "\t\t]}\n\t}\n}\n"
    )
    (problem,) = validate_capabilities(load_file(path))
    assert str(problem).startswith(f"{path}:6: services.a.capabilities[0].effect: ")


VALID_FORMS = {
    "lower-case method": "method: get\n        path: /x/{id}\n        input: {id: integer}",
    "status as int and string": "errors: {404: Missing, '409': Conflict}",
    "shorthand forms": "input: {a: 'Money[]', b: 'Money?', c: 'string[][]?', d: object}",
    "ref forms": (
        "input:\n          a: {$ref: Money}\n"
        "          b: {$ref: '#/components/schemas/Money'}\n"
        "          c: {type: array, items: {$ref: Money}}"
    ),
    "query list of enum": (
        "method: GET\n        input: {colours: 'Colour[]', n: {type: [integer, 'null']}}"
    ),
    "path parameter with JSON Schema": (
        "method: DELETE\n        path: /x/{id}\n"
        "        input: {id: {type: string, format: uuid}}"
    ),
    "YAML 1.1 booleans stay names": "input: {'on': string, yes: string, no: string}",
    "soft words inside names": "input: {type_name: string, class_name: string}",
    "property named $ref is data": (
        "input:\n          a: {type: object, properties: {$ref: {type: string}}}"
    ),
    "default makes optional": (
        "method: GET\n        input: {limit: {type: integer, default: 10}}"
    ),
    "percent escape in path": "path: /files/a%20b/{id}\n        input: {id: string}",
}

VALID_TEMPLATE = """\
nanogen: 1
project: shop
schemas:
  Money: {{type: object, properties: {{amount: {{type: integer}}}}}}
  Colour: {{type: string, enum: [red, green]}}
services:
  things:
    capabilities:
      - name: thing
        effect: read
        {body}
"""


@pytest.mark.parametrize("body", VALID_FORMS.values(), ids=VALID_FORMS.keys())
def test_valid_forms_have_no_problems(tmp_path: Path, body: str) -> None:
    assert messages_in(tmp_path, VALID_TEMPLATE.format(body=body)) == []


def capability(body: str) -> str:
    return VALID_TEMPLATE.format(body=body)


# --- Single rules -----------------------------------------------------------


@pytest.mark.parametrize("word", ["class", "import", "default", "delete", "yield"])
def test_reserved_words_rejected_as_names(tmp_path: Path, word: str) -> None:
    text = (
        f"nanogen: 1\nproject: {word}\nschemas:\n  {word}: {{type: string}}\n"
        f"services:\n  {word}:\n    capabilities:\n"
        f"      - name: {word}\n        effect: read\n        input: {{{word}: string}}\n"
    )
    messages = messages_in(tmp_path, text)
    kinds = ["project name", "service name", "capability name", "field name"]
    for kind in kinds:
        assert any(
            message.startswith(f"{kind} {word!r} is a reserved word")
            for message in messages
        )
    assert any(
        message.startswith(f"shared schema name {word!r}") for message in messages
    )


def test_reserved_word_inside_kebab_name_allowed(tmp_path: Path) -> None:
    text = (
        "nanogen: 1\nproject: new-shop\nservices:\n  import-export:\n"
        "    capabilities:\n      - name: delete-order\n        effect: delete\n"
    )
    assert messages_in(tmp_path, text) == []


@pytest.mark.parametrize(
    "name", ["dict", "model_dump_json", "model_validate_x", "schema"]
)
def test_field_shadowing_pydantic_rejected(tmp_path: Path, name: str) -> None:
    messages = messages_in(tmp_path, capability(f"input: {{{name}: string}}"))
    assert messages == [
        f"field name {name!r} would hide an attribute of pydantic's BaseModel"
    ]


def test_field_named_like_pydantic_prefix_allowed(tmp_path: Path) -> None:
    assert messages_in(tmp_path, capability("input: {model_name: string}")) == []


@pytest.mark.parametrize(
    "name", ["Problem", "BaseModel", "Any", "ThingInput", "string"]
)
def test_shadowing_schema_names_rejected(tmp_path: Path, name: str) -> None:
    text = capability("output: {a: string}").replace(
        "  Colour:", f"  {name}: {{type: string}}\n  Colour:"
    )
    (problem,) = problems_in(tmp_path, text)
    assert problem.key_path == f"schemas.{name}"


def test_non_string_names_reported(tmp_path: Path) -> None:
    text = capability("input: {true: string, 12: integer}")
    messages = messages_in(tmp_path, text)
    assert "field name True is a boolean, not a string" in messages
    assert "field name 12 is an integer, not a string" in messages


def test_package_name_of_standard_module_rejected(tmp_path: Path) -> None:
    text = (
        capability("output: {a: string}")
        .replace("things:", "py:")
        .replace("name: thing", "name: compile")
    )
    (message,) = messages_in(tmp_path, text)
    assert "'py_compile'" in message


def test_status_written_as_int_and_string_is_duplicate(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, capability("errors: {404: A, '404': B}"))
    assert problem.message == "error status 404 is listed twice"


def test_query_parameter_through_shared_object_rejected(tmp_path: Path) -> None:
    (message,) = messages_in(
        tmp_path, capability("method: GET\n        input: {m: Money}")
    )
    assert message.startswith(
        "input field 'm' of type 'Money' cannot be a query parameter"
    )


def test_path_parameter_must_be_scalar(tmp_path: Path) -> None:
    text = capability("path: /x/{m}\n        input: {m: Money}")
    (message,) = messages_in(tmp_path, text)
    assert message == "path parameter {m} is the field 'm' of type 'Money'"


def test_duplicate_path_parameter_rejected(tmp_path: Path) -> None:
    text = capability("path: /x/{id}/{id}\n        input: {id: string}")
    assert messages_in(tmp_path, text) == [
        "path parameter {id} appears twice in '/x/{id}/{id}'"
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/a#b", "path '/a#b' contains a fragment"),
        ("/a/../b", "path '/a/../b' contains a '.' or '..' segment"),
        ("/a//b", "path '/a//b' contains '//'"),
        ("/a/{id", "path '/a/{id' has an unmatched brace"),
        ("/a/<b>", "path '/a/<b>' contains '<', which is not allowed in a URL path"),
        ("/a/%zz", "path '/a/%zz' contains '%', which is not allowed in a URL path"),
        ("/a/{x-y}", "path parameter {x-y} is not a field name"),
    ],
)
def test_invalid_path_templates(tmp_path: Path, path: str, message: str) -> None:
    assert messages_in(tmp_path, capability(f"path: '{path}'")) == [message]


# A field type written as in another language, or as a format name, and
# the YAML value that the hint suggests instead.
FIELD_TYPE_SUGGESTIONS = {
    "list[string]": "'string[]'",
    "List[str]": "'string[]'",
    "typing.List[str]": "'string[]'",
    "array[string]": "'string[]'",
    "Array<string>": "'string[]'",
    "[str]": "'string[]'",
    "list of str": "'string[]'",
    "tuple[int, ...]": "'integer[]'",
    "list[list[float]]": "'number[][]'",
    "list[Money]": "'Money[]'",
    "list[Mony]": "'Money[]'",
    "str": "'string'",
    "String": "'string'",
    "text": "'string'",
    "int": "'integer'",
    "int64": "'integer'",
    "long": "'integer'",
    "bool": "'boolean'",
    "float": "'number'",
    "double": "'number'",
    "decimal": "'number'",
    "dict": "'object'",
    "map": "'object'",
    "Dict[str, int]": "'object'",
    "Optional[str]": "'string?'",
    "str | None": "'string?'",
    "Union[int, None]": "'integer?'",
    "int?": "'integer'",
    "list[str]?": "'string[]?'",
    "Optional[List[Money]]": "'Money[]?'",
    "datetime": "{type: string, format: date-time}",
    "date-time": "{type: string, format: date-time}",
    "DateTime": "{type: string, format: date-time}",
    "timestamp": "{type: string, format: date-time}",
    "date": "{type: string, format: date}",
    "time": "{type: string, format: time}",
    "uuid": "{type: string, format: uuid}",
    "email": "{type: string, format: email}",
    "url": "{type: string, format: uri}",
    "datetime[]": "{type: array, items: {type: string, format: date-time}}",
    "list[uuid]": "{type: array, items: {type: string, format: uuid}}",
    "bytes": "{type: string, contentEncoding: base64}",
    "any": "{}",
}


@pytest.mark.parametrize(
    ("written", "suggested"),
    FIELD_TYPE_SUGGESTIONS.items(),
    ids=FIELD_TYPE_SUGGESTIONS.keys(),
)
def test_field_type_suggestion(tmp_path: Path, written: str, suggested: str) -> None:
    quoted = "'" + written.replace("'", "''") + "'"
    (problem,) = problems_in(tmp_path, capability(f"input: {{a: {quoted}}}"))
    assert problem.key_path == "services.things.capabilities[0].input.a"
    assert problem.hint.startswith(f"did you mean {suggested}?")


@pytest.mark.parametrize(
    "suggested", sorted(set(FIELD_TYPE_SUGGESTIONS.values())), ids=str
)
def test_suggested_field_type_is_valid(tmp_path: Path, suggested: str) -> None:
    assert messages_in(tmp_path, capability(f"input: {{a: {suggested}}}")) == []


def test_field_type_suggestion_for_optional_format(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, capability("input: {a: 'datetime?'}"))
    assert problem.message == "unknown type 'datetime' in 'datetime?'"
    assert problem.hint == (
        "did you mean 'DateTime?', with 'DateTime: {type: string, format: date-time}' "
        "under 'schemas'? There is no shorthand for {type: string, format: "
        "date-time}, and a field written as a JSON Schema is optional only with a "
        "'default'"
    )
    fixed = capability("input: {a: 'DateTime?'}").replace(
        "schemas:\n", "schemas:\n  DateTime: {type: string, format: date-time}\n"
    )
    assert messages_in(tmp_path, fixed) == []


def test_field_type_suggestion_for_bare_list(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, capability("input: {a: array}"))
    assert problem.message == "unknown type 'array'"
    assert problem.hint == (
        "did you mean a list such as 'string[]'? Write a list of T as T[], such as "
        "string[] or Money[], or as a JSON Schema such as {type: array, items: "
        "{type: string}}"
    )


def test_field_type_suggestion_for_null(tmp_path: Path) -> None:
    (problem,) = problems_in(tmp_path, capability("input: {a: 'null'}"))
    assert problem.message == "unknown type 'null'"
    assert problem.hint == (
        "did you mean an optional field, such as 'string?'? A field type cannot be "
        "null alone, so add ? to a type to make the field optional"
    )


@pytest.mark.parametrize(
    "written", ["list[str, int]", "str | int", "Foo", "null[]", "Optional[None]"]
)
def test_field_type_without_suggestion(tmp_path: Path, written: str) -> None:
    (problem,) = problems_in(tmp_path, capability(f"input: {{a: '{written}'}}"))
    assert "did you mean" not in problem.hint


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("str", "did you mean 'string'? "),
        ("integr", "did you mean 'integer'? "),
        ("list", "did you mean 'array'? "),
        ("datetime", "did you mean 'string', with 'format: date-time' beside 'type'? "),
        ("foo", ""),
    ],
)
def test_json_schema_type_suggestion(tmp_path: Path, written: str, hint: str) -> None:
    (problem,) = problems_in(tmp_path, capability(f"input: {{a: {{type: {written}}}}}"))
    assert problem.message == f"unknown JSON Schema type {written!r}"
    listed = "one of array, boolean, integer, null, number, object, string"
    assert problem.hint == (f"{hint}Use {listed}" if hint else f"use {listed}")


def test_invalid_json_schema_in_field(tmp_path: Path) -> None:
    text = capability("input: {a: {type: string, minLength: -1}}")
    (problem,) = problems_in(tmp_path, text)
    assert problem.key_path == "services.things.capabilities[0].input.a.minLength"
    assert problem.message.startswith("invalid JSON Schema: ")


def test_shared_schema_cycle_is_valid(tmp_path: Path) -> None:
    text = capability("output: {node: Node}").replace(
        "  Colour:",
        "  Node: {type: object, properties: {next: {$ref: Node}}}\n  Colour:",
    )
    assert messages_in(tmp_path, text) == []


def test_examples_skipped_when_capability_has_errors(tmp_path: Path) -> None:
    text = capability(
        "input: {n: integer, _x: string}\n        examples: [{input: {n: x}}]"
    )
    messages = messages_in(tmp_path, text)
    assert len(messages) == 1
    assert messages[0].startswith("field name '_x'")


def test_example_nested_error_path(tmp_path: Path) -> None:
    text = capability(
        "input: {items: 'Money[]'}\n"
        "        examples: [{input: {items: [{amount: 1}, {amount: x}]}}]"
    )
    (problem,) = problems_in(tmp_path, text)
    assert problem.key_path == (
        "services.things.capabilities[0].examples[0].input.items[1].amount"
    )
    assert problem.message == "expected an integer, got a string 'x'"


def test_example_format_checked(tmp_path: Path) -> None:
    text = capability(
        "input: {email: {type: string, format: email}}\n"
        "        examples: [{input: {email: not-an-address}}]"
    )
    (message,) = messages_in(tmp_path, text)
    assert "'not-an-address' is not a 'email'" in message


# --- The schema file --------------------------------------------------------


def test_schema_is_valid_json_schema() -> None:
    Draft202012Validator.check_schema(capabilities_schema())


def test_schema_patterns_match_validator() -> None:
    definitions = capabilities_schema()["$defs"]
    assert (
        definitions["name"]["pattern"] == "^" + validate.NAME_PATTERN.pattern[:-2] + "$"
    )
    assert definitions["schemaName"]["pattern"] == (
        "^" + validate.SCHEMA_NAME_PATTERN.pattern[:-2] + "$"
    )
    assert definitions["fieldName"]["pattern"] == (
        "^" + validate.FIELD_NAME_PATTERN.pattern[:-2] + "$"
    )
    assert definitions["name"]["maxLength"] == validate.NAME_MAX_LENGTH
    assert definitions["fieldName"]["maxLength"] == validate.IDENTIFIER_MAX_LENGTH


def test_every_schema_property_has_description() -> None:
    schema = capabilities_schema()
    missing = []

    def visit(node: Any, path: str) -> None:
        if not isinstance(node, dict):
            return
        for name, child in node.get("properties", {}).items():
            if "description" not in child:
                missing.append(f"{path}.{name}")
            visit(child, f"{path}.{name}")
        for name, child in node.get("$defs", {}).items():
            visit(child, f"$defs.{name}")
        visit(node.get("items"), f"{path}[]")

    visit(schema, "")
    assert missing == []


# --- Properties -------------------------------------------------------------


def assert_only_input_errors(path: Path) -> None:
    try:
        check_capabilities(load_file(path))
    except InputError as error:
        shape = re.compile(f"(warning: )?{re.escape(str(path))}:[0-9]+: ")
        for line in str(error).splitlines():
            assert shape.match(line), line


text_without_surrogates = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200
)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=text_without_surrogates)
def test_arbitrary_text_raises_only_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert_only_input_errors(path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        ["read", "GET", "Money", "string?", "/a/{b}", "422", "class", "../x"]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.text(max_size=8) | st.integers(400, 600), children, max_size=3
        )
    ),
    max_leaves=8,
)


def positions(data: Any) -> list[tuple[Any, Any]]:
    """List every (container, key or index) in data, the root's entries included."""
    found = []
    pending = [data]
    while pending:
        container = pending.pop()
        keys = (
            container.keys() if isinstance(container, dict) else range(len(container))
        )
        for key in list(keys):
            found.append((container, key))
            if isinstance(container[key], dict | list):
                pending.append(container[key])
    return found


@st.composite
def mangled_capability_lists(draw: st.DrawFn) -> Any:
    # PyYAML's pure-Python parser rejects `string?` inside `{...}`; libyaml reads it.
    data = yaml.load(DESIGN_EXAMPLE, Loader=yaml.CSafeLoader)
    for _ in range(draw(st.integers(1, 4))):
        container, key = draw(st.sampled_from(positions(data)))
        action = draw(st.sampled_from(["replace", "delete", "add", "rename"]))
        if action == "replace":
            container[key] = draw(json_values)
        elif action == "delete":
            del container[key]
        elif action == "add" and isinstance(container, dict):
            container[draw(st.text(max_size=8))] = draw(json_values)
        elif action == "rename" and isinstance(container, dict):
            container[draw(st.text(max_size=8) | st.integers())] = container.pop(key)
        if not positions(data):
            break
    return copy.deepcopy(data)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=mangled_capability_lists())
def test_mangled_lists_raise_only_input_error(tmp_path: Path, data: Any) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    assert_only_input_errors(path)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    cut=st.integers(0, len(DESIGN_EXAMPLE)),
    length=st.integers(1, 20),
    insert=st.sampled_from(
        ["", " ", "\t", ":", "- ", "{", "]", "&a", "*a", "!!set", "\n  "]
    ),
)
def test_mangled_text_raises_only_input_error(
    tmp_path: Path, cut: int, length: int, insert: str
) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_text(DESIGN_EXAMPLE[:cut] + insert + DESIGN_EXAMPLE[cut + length :])
    assert_only_input_errors(path)


@pytest.mark.parametrize("word", ["type", "match", "case_id"])
def test_soft_keywords_allowed_as_field_names(tmp_path: Path, word: str) -> None:
    text = (
        "nanogen: 1\nproject: shop\nservices:\n  orders:\n    capabilities:\n"
        f"      - name: list-orders\n        effect: read\n        input: {{{word}: string}}\n"
    )
    assert messages_in(tmp_path, text) == []


# --- Values that the schemas allow ------------------------------------------

SATISFIABLE_FIELDS = {
    "one-of-overlapping": "{oneOf: [{type: string}, {type: string, maxLength: 10}]}",
    "pattern-properties-closed": (
        "{type: object, minProperties: 1, additionalProperties: false, "
        "patternProperties: {'^x-[a-z]+$': {type: string}}}"
    ),
    "property-names": (
        "{type: object, minProperties: 1, propertyNames: {pattern: '^[A-Z]+$'}}"
    ),
    "multiple-of-tenth": "{type: number, multipleOf: 0.1, minimum: 0.55}",
    "contains": (
        "{type: array, items: {type: integer}, contains: {minimum: 5}, "
        "minContains: 2, maxContains: 2}"
    ),
    "if-then-else": (
        "{type: integer, if: {minimum: 10}, then: {maximum: 12}, else: {maximum: 0}}"
    ),
    "not": "{type: string, not: {const: example}}",
    "read-only-required": (
        "{type: object, required: [id], properties: {id: {type: string, readOnly: true}}}"
    ),
}


@pytest.mark.parametrize(
    "field", SATISFIABLE_FIELDS.values(), ids=SATISFIABLE_FIELDS.keys()
)
def test_satisfiable_schemas_have_no_problems(tmp_path: Path, field: str) -> None:
    text = capability(f"input: {{value: {field}}}")

    assert messages_in(tmp_path, text) == []


def test_shared_schema_error_reported_once(tmp_path: Path) -> None:
    text = """\
nanogen: 1
project: shop
schemas:
  Size: {type: integer, minimum: 3, maximum: 2}
services:
  catalog:
    capabilities:
      - name: size-shirt
        effect: create
        input: {size: Size, sizes: "Size[]"}
        output: {size: Size}
"""
    problems = problems_in(tmp_path, text)

    assert [problem.key_path for problem in problems] == ["schemas.Size.minimum"]
    assert problems[0].line == 4


def test_path_example_with_slash_valid(tmp_path: Path) -> None:
    # Only the derived value must be sendable; another one is found.
    text = capability(
        "method: GET\n        path: /items/{id}\n"
        "        input: {id: {type: string, examples: ['a/b']}}"
    )

    assert messages_in(tmp_path, text) == []


def test_required_query_list_unsendable(tmp_path: Path) -> None:
    text = capability(
        "method: GET\n        input: {ids: {type: array, items: {type: string, enum: []}}}"
    )

    messages = messages_in(tmp_path, text)

    assert len(messages) == 1
    assert messages[0].startswith("required query parameter 'ids' allows no value")


def test_optional_query_list_unsendable_valid(tmp_path: Path) -> None:
    text = capability(
        "method: GET\n        input:\n"
        "          ids: {type: array, items: {type: string, enum: []}, default: []}"
    )

    assert messages_in(tmp_path, text) == []


def test_posix_class_pattern_only_warned(tmp_path: Path) -> None:
    text = capability("input: {name: {type: string, pattern: '^[[:alpha:]]+$'}}")

    problems = problems_in(tmp_path, text)

    assert [problem.severity for problem in problems] == ["warning"]
    assert "possible nested set" in problems[0].message


def test_valid_fields_satisfiable(tmp_path: Path) -> None:
    assert problems_in(tmp_path, DESIGN_EXAMPLE) == []


def test_openapi_schema_keywords_accepted(
    tmp_path: Path,
) -> None:
    field = (
        "{oneOf: [{type: object, properties: {kind: {const: a}}}], "
        "discriminator: {propertyName: kind, mapping: {a: '#/x'}, x-note: 1}, "
        "xml: {name: thing, wrapped: true}, "
        "externalDocs: {url: 'https://example.com/docs', description: Docs}}"
    )
    text = capability(f"input: {{value: {field}}}")

    assert messages_in(tmp_path, text) == []


# Field schemas with bounds drawn at random, so that some allow no value.
# Whatever `validate` accepts, `generate` must emit and render without an
# error, and whatever it rejects gets a message with a key path.
def bounded_schema(kind: str, low: int, high: int, extra: dict[str, Any]) -> Any:
    keys = {
        "integer": ("minimum", "maximum"),
        "string": ("minLength", "maxLength"),
        "array": ("minItems", "maxItems"),
    }[kind]
    schema: dict[str, Any] = {"type": kind, keys[0]: low, keys[1]: high, **extra}
    if kind == "array":
        schema["items"] = {"type": "string"}
    return schema


field_schemas = st.one_of(
    st.builds(
        bounded_schema,
        st.sampled_from(["integer", "string", "array"]),
        st.integers(0, 3),
        st.integers(0, 3),
        st.sampled_from(
            [
                {},
                {"enum": []},
                {"multipleOf": 2},
                {"pattern": "^[a-z]$"},
                {"format": "ipv4"},
                {"not": {"const": 1}},
            ]
        ),
    ),
    st.builds(
        lambda required, closed: {
            "type": "object",
            "required": required,
            "properties": {"a": {"type": "string"}},
            "additionalProperties": not closed,
        },
        st.lists(st.sampled_from(["a", "b"]), unique=True),
        st.booleans(),
    ),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(["POST", "GET"]),
    in_path=st.booleans(),
    field=field_schemas,
    output=field_schemas,
)
def test_accepted_lists_generate(
    tmp_path_factory: pytest.TempPathFactory,
    method: str,
    in_path: bool,
    field: Any,
    output: Any,
) -> None:
    capability = {
        "name": "probe-values",
        "effect": "create",
        "method": method,
        "input": {"value": field},
        "output": {"value": output},
    }
    if in_path:
        capability["path"] = "/probe/{value}"
    data = {
        "nanogen": 1,
        "project": "shop",
        "services": {"probe": {"capabilities": [capability]}},
    }
    root = tmp_path_factory.mktemp("values")
    config = root / "nanogen.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    problems = validate_capabilities(load_file(config))

    errors = [problem for problem in problems if problem.severity == "error"]
    event("rejected" if errors else "accepted")
    for problem in errors:
        assert problem.key_path.startswith(("services.probe", "schemas."))
    if not errors:
        pipeline.generate(config=config, dry_run=True)
