"""Tests of `nanogen.emit`: document layout, validity, quoting and golden files."""

from __future__ import annotations

import copy
import gc
import json
import os
import shutil
import subprocess
import sys
import uuid
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.validators import SpecValidator

from nanogen import emit
from nanogen.bundle import SourceMap
from nanogen.decompose import decompose_capabilities, iter_refs
from nanogen.emit import (
    HEADER_COMMENT,
    agent_hints,
    document_json,
    document_problems,
    dump_document,
    emit_document,
    validate_document,
)
from nanogen.errors import InternalError, Problem
from nanogen.examples import ExampleError
from nanogen.load import load_file
from nanogen.spec import Example, Nanoservice

REPO = Path(__file__).resolve().parent.parent
SPECS = REPO / "specs"
GOLDEN = Path(__file__).resolve().parent / "golden"
SPEC_FILES = sorted(SPECS.glob("*.yaml"))
REF = "#/components/schemas/"

# Text that has broken quoting before: quotes, escapes, template and markup
# delimiters, line separators, bidirectional controls and non-ASCII letters.
HOSTILE = [
    "double \" and single ' quotes",
    "triple \"\"\" and ''' quotes",
    "back\\slash \\n \\u0041 \\",
    "line\nbreak\r\nand\rreturn",
    "{{ x }} {{ 7 * 7 }} {% raw %}{% endraw %} {# c #}",
    "</script><script>alert(1)</script><!--",
    "right-to-left \u200f mark and \u202e override",
    "Grüße, 日本語, emoji \U0001f6d2, NEL \x85, LS \u2028, PS \u2029",
    "tab\there, nul-free control \x07 and \x1b[0m",
    "  leading and trailing spaces  ",
    "# not a comment",
    "- not a list",
    "key: not a mapping",
    "&anchor *alias !tag",
    "yes",
    "null",
    "~",
    "1e3",
    "0o17",
    "0x1F",
    ".inf",
    "",
    "'",
    '"',
    "\ufeffbyte order mark",
]


def nanoservices(spec: Path) -> list[Nanoservice]:
    return decompose_capabilities(load_file(spec).data, source_file=spec.name)


ALL_NANOSERVICES = [ns for spec in SPEC_FILES for ns in nanoservices(spec)]


def make_nanoservice(**fields: Any) -> Nanoservice:
    """Return a small nanoservice; keyword arguments replace its fields."""
    values: dict[str, Any] = {
        "project": "demo",
        "service": "svc",
        "capability": "do-thing",
        "method": "post",
        "path": "/do-thing",
        "effect": "create",
        "idempotent": False,
        "security": "api-key",
        "input_schema": {
            "type": "object",
            "properties": {"name": {"type": "string"}},
            "required": ["name"],
            "additionalProperties": False,
        },
        "output_schema": {
            "type": "object",
            "properties": {"id": {"type": "string"}},
            "required": ["id"],
            "additionalProperties": False,
        },
        "source": "nanogen.yaml#/services/svc/capabilities/0",
    }
    values.update(fields)
    return Nanoservice(**values)


def operation_of(doc: dict[str, Any]) -> dict[str, Any]:
    ((path_item,),) = [list(doc["paths"].values())]
    ((operation,),) = [list(path_item.values())]
    return operation


def refs_outside_components(doc: dict[str, Any]) -> Iterator[str]:
    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str):
                    yield item
                elif key not in ("example", "examples", "default", "const", "enum"):
                    yield from walk(item)
        elif isinstance(value, list):
            for item in value:
                yield from walk(item)

    yield from walk(doc["paths"])


def reached_components(doc: dict[str, Any]) -> set[str]:
    schemas = doc["components"]["schemas"]
    reached: set[str] = set()
    pending = list(refs_outside_components(doc))
    while pending:
        name = pending.pop().removeprefix(REF)
        if name not in reached:
            reached.add(name)
            pending.extend(iter_refs(schemas[name]))
    return reached


def assert_valid(schema: Any, value: Any, doc: dict[str, Any]) -> None:
    wrapper = {"components": doc["components"], "allOf": [schema]}
    validator = Draft202012Validator(
        wrapper, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [error.message for error in validator.iter_errors(value)]
    assert errors == [], f"example {value!r} is invalid: {errors}"


@pytest.fixture(params=ALL_NANOSERVICES, ids=lambda ns: ns.name)
def emitted(request: pytest.FixtureRequest) -> tuple[Nanoservice, dict[str, Any]]:
    return request.param, emit_document(request.param)


def test_spec_document_validates(emitted: tuple[Nanoservice, dict]) -> None:
    ns, doc = emitted
    validate_document(doc, name=ns.name)


def test_spec_document_reached_components_only(
    emitted: tuple[Nanoservice, dict],
) -> None:
    _, doc = emitted
    assert set(doc["components"]["schemas"]) == reached_components(doc)


def test_spec_document_used_scheme_only(
    emitted: tuple[Nanoservice, dict],
) -> None:
    _, doc = emitted
    used = {name for entry in operation_of(doc).get("security", []) for name in entry}
    assert set(doc["components"].get("securitySchemes", {})) == used


def test_spec_document_examples_validate(emitted: tuple[Nanoservice, dict]) -> None:
    _, doc = emitted
    operation = operation_of(doc)
    response = operation["responses"]["200"]["content"]["application/json"]
    assert_valid(response["schema"], response["example"], doc)
    if "requestBody" in operation:
        body = operation["requestBody"]["content"]["application/json"]
        assert_valid(body["schema"], body["example"], doc)
    for parameter in operation.get("parameters", []):
        if "example" in parameter:
            assert_valid(parameter["schema"], parameter["example"], doc)


def test_spec_document_round_trips_yaml(emitted: tuple[Nanoservice, dict]) -> None:
    _, doc = emitted
    assert yaml.safe_load(dump_document(doc)) == doc


def test_spec_document_round_trips_json(emitted: tuple[Nanoservice, dict]) -> None:
    _, doc = emitted
    assert json.loads(document_json(doc)) == doc


def test_document_top_level_order() -> None:
    doc = emit_document(make_nanoservice())
    assert list(doc) == ["openapi", "info", "paths", "components"]
    assert doc["openapi"] == "3.1.0"
    assert doc["info"] == {"title": "svc-do-thing", "version": "1.0.0"}


def test_document_info_and_operation_text() -> None:
    doc = emit_document(make_nanoservice(summary="Do it.", description="Longer."))
    operation = operation_of(doc)
    assert doc["info"]["summary"] == "Do it."
    assert doc["info"]["description"] == "Longer."
    assert operation["summary"] == "Do it."
    assert operation["description"] == "Longer."
    assert operation["operationId"] == "svcDoThing"
    assert operation["tags"] == ["svc"]


def test_post_input_is_request_body() -> None:
    doc = emit_document(make_nanoservice())
    operation = operation_of(doc)
    body = operation["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": REF + "DoThingInput"}
    assert body["example"] == {"name": "example"}
    assert operation["requestBody"]["required"] is True
    assert doc["components"]["schemas"]["DoThingInput"]["additionalProperties"] is False


def test_post_without_input_has_no_body() -> None:
    doc = emit_document(make_nanoservice(input_schema=None, effect="read"))
    operation = operation_of(doc)
    assert "requestBody" not in operation
    assert "parameters" not in operation
    assert "422" not in operation["responses"]
    assert "DoThingInput" not in doc["components"]["schemas"]


@pytest.mark.parametrize("method", ["get", "delete"])
def test_get_and_delete_input_is_query(method: str) -> None:
    input_schema = {
        "type": "object",
        "properties": {"q": {"type": "string"}, "limit": {"type": "integer"}},
        "required": ["q"],
        "additionalProperties": False,
    }
    doc = emit_document(
        make_nanoservice(method=method, effect="read", input_schema=input_schema)
    )
    operation = operation_of(doc)
    assert "requestBody" not in operation
    assert [
        (parameter["name"], parameter["in"], parameter["required"])
        for parameter in operation["parameters"]
    ] == [("q", "query", True), ("limit", "query", False)]
    assert "DoThingInput" not in doc["components"]["schemas"]
    validate_document(doc, name="svc-do-thing")


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_path_segment_becomes_path_parameter(method: str) -> None:
    input_schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "note": {"type": "string"}},
        "required": ["note"],
        "additionalProperties": False,
    }
    ns = make_nanoservice(
        method=method,
        path="/things/{id}",
        effect="update",
        idempotent=True,
        input_schema=input_schema,
        examples=(Example(input={"id": "t1", "note": "hi"}, output={"id": "t1"}),),
    )
    doc = emit_document(ns)
    validate_document(doc, name=ns.name)
    operation = operation_of(doc)
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    assert parameters["id"]["in"] == "path"
    assert parameters["id"]["required"] is True
    assert parameters["id"]["example"] == "t1"
    if method in ("post", "put", "patch"):
        body_schema = doc["components"]["schemas"]["DoThingInput"]
        assert list(body_schema["properties"]) == ["note"]
        assert body_schema["required"] == ["note"]
        body = operation["requestBody"]["content"]["application/json"]
        assert body["example"] == {"note": "hi"}
    else:
        assert parameters["note"]["in"] == "query"


def test_path_only_input_has_no_body() -> None:
    input_schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}},
        "required": ["id"],
        "additionalProperties": False,
    }
    doc = emit_document(make_nanoservice(path="/x/{id}", input_schema=input_schema))
    operation = operation_of(doc)
    assert "requestBody" not in operation
    assert "DoThingInput" not in doc["components"]["schemas"]
    assert "422" in operation["responses"]


def test_create_has_idempotency_key_header() -> None:
    operation = operation_of(emit_document(make_nanoservice(effect="create")))
    assert operation["parameters"] == [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": operation["parameters"][0]["description"],
            "schema": {"type": "string", "maxLength": 255},
        }
    ]


@pytest.mark.parametrize("effect", ["read", "update", "delete"])
def test_other_effects_have_no_idempotency_key(effect: str) -> None:
    operation = operation_of(emit_document(make_nanoservice(effect=effect)))
    names = [parameter["name"] for parameter in operation.get("parameters", [])]
    assert "Idempotency-Key" not in names


def test_error_responses_are_problem_details() -> None:
    ns = make_nanoservice(errors={409: "Already exists", 404: "Not found"})
    doc = emit_document(ns)
    responses = operation_of(doc)["responses"]
    assert list(responses) == ["200", "401", "404", "409", "422"]
    assert responses["404"]["description"] == "Not found"
    assert responses["409"]["content"] == {
        "application/problem+json": {"schema": {"$ref": REF + "Problem"}}
    }
    problem = doc["components"]["schemas"]["Problem"]
    assert set(problem["properties"]) == {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "errors",
    }
    assert problem["properties"]["errors"]["type"] == "array"


def test_listed_error_replaces_default_description() -> None:
    ns = make_nanoservice(errors={422: "The card number is malformed"})
    responses = operation_of(emit_document(ns))["responses"]
    assert responses["422"]["description"] == "The card number is malformed"


def test_no_security_no_401_no_problem() -> None:
    ns = make_nanoservice(security="none", input_schema=None, effect="read")
    doc = emit_document(ns)
    operation = operation_of(doc)
    assert list(operation["responses"]) == ["200"]
    assert "security" not in operation
    assert "securitySchemes" not in doc["components"]
    assert "Problem" not in doc["components"]["schemas"]


@pytest.mark.parametrize(
    ("security", "name", "scheme"),
    [
        (
            "api-key",
            "ApiKeyAuth",
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        ),
        ("bearer", "BearerAuth", {"type": "http", "scheme": "bearer"}),
    ],
    ids=["api-key", "bearer"],
)
def test_security_scheme(security: str, name: str, scheme: dict) -> None:
    doc = emit_document(make_nanoservice(security=security))
    assert doc["components"]["securitySchemes"] == {name: scheme}
    assert operation_of(doc)["security"] == [{name: []}]
    assert "401" in operation_of(doc)["responses"]


@pytest.mark.parametrize(
    ("effect", "idempotent", "hints"),
    [
        ("read", True, (True, False, True)),
        ("create", False, (False, False, False)),
        ("create", True, (False, False, True)),
        ("update", True, (False, True, True)),
        ("update", False, (False, True, False)),
        ("delete", True, (False, True, True)),
    ],
    ids=[
        "read",
        "create",
        "create-idempotent",
        "update",
        "update-not-idempotent",
        "delete",
    ],
)
def test_agent_hints(effect: str, idempotent: bool, hints: tuple) -> None:
    ns = make_nanoservice(effect=effect, idempotent=idempotent)
    read_only, destructive, repeatable = hints
    assert agent_hints(ns) == {
        "readOnly": read_only,
        "destructive": destructive,
        "idempotent": repeatable,
    }


def test_x_nanogen_extension() -> None:
    operation = operation_of(emit_document(make_nanoservice()))
    assert operation["x-nanogen"] == {
        "effect": "create",
        "idempotent": False,
        "hints": {"readOnly": False, "destructive": False, "idempotent": False},
        "service": "svc",
        "capability": "do-thing",
        "source": "nanogen.yaml#/services/svc/capabilities/0",
    }


def test_examples_come_from_first_example() -> None:
    ns = make_nanoservice(
        examples=(
            Example(summary="a", input={"name": "Ada"}, output={"id": "1"}),
            Example(summary="b", input={"name": "Bob"}, output={"id": "2"}),
        )
    )
    operation = operation_of(emit_document(ns))
    assert operation["requestBody"]["content"]["application/json"]["example"] == {
        "name": "Ada"
    }
    response = operation["responses"]["200"]["content"]["application/json"]
    assert response["example"] == {"id": "1"}


def test_example_without_output_derives_it() -> None:
    ns = make_nanoservice(examples=(Example(input={"name": "Ada"}),))
    response = operation_of(emit_document(ns))["responses"]["200"]
    assert response["content"]["application/json"]["example"] == {"id": "example"}


def test_shared_schemas_follow_operation_schemas() -> None:
    money = {"type": "object", "properties": {"amount": {"type": "integer"}}}
    ns = make_nanoservice(
        output_schema={
            "type": "object",
            "properties": {"price": {"$ref": REF + "Money"}},
            "required": ["price"],
            "additionalProperties": False,
        },
        schemas={"Money": money},
    )
    doc = emit_document(ns)
    assert list(doc["components"]["schemas"]) == [
        "DoThingInput",
        "DoThingOutput",
        "Money",
        "Problem",
    ]
    doc["components"]["schemas"]["Money"]["type"] = "string"
    assert money["type"] == "object"


def test_unsatisfiable_output_names_capability() -> None:
    output_schema = {
        "type": "object",
        "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}},
        "required": ["n"],
        "additionalProperties": False,
    }
    with pytest.raises(ExampleError) as caught:
        emit_document(make_nanoservice(output_schema=output_schema))
    assert str(caught.value).startswith(
        "nanogen.yaml#/services/svc/capabilities/0 (output): "
    )


def test_validate_document_raises_internal_error() -> None:
    doc = emit_document(make_nanoservice())
    del doc["info"]["version"]
    with pytest.raises(InternalError, match="'svc-do-thing'") as caught:
        validate_document(doc, name="svc-do-thing")
    assert "version" in str(caught.value)
    assert caught.value.exit_code == 3


def test_validate_document_names_location() -> None:
    doc = emit_document(make_nanoservice())
    operation_of(doc)["responses"]["200"]["content"]["application/json"]["schema"] = {
        "$ref": REF + "Missing"
    }
    with pytest.raises(InternalError, match="svc-do-thing"):
        validate_document(doc, name="svc-do-thing")


class TrackedDocument(dict):
    """A document that a weak reference can follow, to see when it is freed."""


def test_validation_keeps_no_document_alive() -> None:
    documents = [TrackedDocument(emit_document(make_nanoservice())) for _ in range(3)]
    references = [weakref.ref(document) for document in documents]
    validate_document(documents[0], name="svc-do-thing")
    assert document_problems(documents[1], file="a.yaml") == []
    assert document_problems(documents[2], file="b.yaml", limit=1) == []

    del documents
    gc.collect()

    assert [reference() for reference in references] == [None, None, None]
    assert SpecValidator.iter_errors.__wrapped__.cache_info().currsize == 0


def unique_schema_document() -> tuple[dict[str, Any], dict[str, Any]]:
    """Return an emitted document and an output schema no other test uses."""
    output = {
        "type": "object",
        "description": f"unique {uuid.uuid4()}",
        "properties": {"id": {"type": "string"}},
        "additionalProperties": False,
    }
    return emit_document(make_nanoservice(output_schema=output)), output


def test_schema_meta_check_runs_once_per_content(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked: list[Any] = []
    original = keywords.SchemaValidator._validate_schema_meta

    def counting(self: Any, schema: Any, value: Any) -> Any:
        checked.append(copy.deepcopy(value))
        return original(self, schema, value)

    monkeypatch.setattr(keywords.SchemaValidator, "_validate_schema_meta", counting)
    document, output = unique_schema_document()

    validate_document(document, name="first")
    validate_document(copy.deepcopy(document), name="second")

    assert checked.count(output) == 1


def test_failing_schema_checked_every_time() -> None:
    document, _ = unique_schema_document()
    broken = copy.deepcopy(document)
    broken["components"]["schemas"]["DoThingOutput"]["type"] = "objekt"

    validate_document(document, name="valid")
    for _ in range(2):
        problems = document_problems(broken, file="broken.yaml")
        assert problems, "the broken schema was not reported"
        assert "objekt" in problems[0].message
        with pytest.raises(InternalError, match="objekt"):
            validate_document(broken, name="broken")


# --- Problems of OpenAPI documents that a user wrote ---------------------------

BROKEN_FIXTURES = Path(__file__).parent / "fixtures" / "broken"

# A split document whose request body schema applies itself through allOf.
CYCLE_DOCUMENT = """\
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/A'}
      responses:
        "200": {description: OK}
components:
  schemas:
    A:
      type: object
      allOf:
        - $ref: '#/components/schemas/A'
"""


def problems_of(tmp_path: Path, text: str) -> list[Problem]:
    """Check a document as `generate` checks the one a capability names."""
    path = tmp_path / "a.openapi.yaml"
    path.write_text(text, "utf-8")
    loaded = load_file(path)
    return document_problems(
        loaded.data, file=str(path), source_map=SourceMap.for_file(loaded)
    )


def test_allof_cycle_is_a_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, CYCLE_DOCUMENT)

    assert [str(problem) for problem in problems] == [
        f"{tmp_path / 'a.openapi.yaml'}:14: components.schemas.A: the schema applies itself to the "
        "same value again through allOf (components.schemas.A.allOf[0] refers to "
        "components.schemas.A), so checking a value against it never ends; remove "
        "the $ref that closes the cycle"
    ]


def test_allof_cycle_without_source_map(tmp_path: Path) -> None:
    document = yaml.safe_load(CYCLE_DOCUMENT)

    problems = document_problems(document, file="a.openapi.yaml")

    assert len(problems) == 1
    assert problems[0].file == "a.openapi.yaml"
    assert problems[0].line is None
    assert problems[0].key_path == "components.schemas.A"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "parameter-is-a-string.yaml",
            'parameter-is-a-string.yaml:7: paths["/a"].get.parameters[0]: invalid '
            "OpenAPI: the value 'just-a-string' is a string, not a mapping",
        ),
        (
            "paths-not-a-mapping.yaml",
            "paths-not-a-mapping.yaml:3: paths: invalid OpenAPI: the value is a "
            "list, not a mapping",
        ),
        (
            "path-item-is-a-number.yaml",
            'path-item-is-a-number.yaml:9: paths["/b"]: invalid OpenAPI: the value '
            "5 is a number, not a mapping",
        ),
        (
            "responses-is-a-string.yaml",
            'responses-is-a-string.yaml:6: paths["/a"].get.responses: invalid '
            "OpenAPI: the value 'none' is a string, not a mapping",
        ),
    ],
)
def test_validator_failure_is_a_problem(
    monkeypatch: pytest.MonkeyPatch, name: str, expected: str
) -> None:
    # openapi-spec-validator raises KeyError, AttributeError or
    # AssertionError on these after it has reported the first error.
    monkeypatch.chdir(BROKEN_FIXTURES)
    loaded = load_file(name)

    problems = document_problems(
        loaded.data, file=name, source_map=SourceMap.for_file(loaded)
    )

    messages = [str(problem) for problem in problems]
    assert any(message.startswith(expected + "; ") for message in messages)
    # The validator's stop is news only when it has reported nothing else.
    assert not any("too broken to check further" in message for message in messages)


def test_problem_names_path_key_in_brackets(tmp_path: Path) -> None:
    text = CYCLE_DOCUMENT.replace("{description: OK}", "{content: {}}")
    text = text.replace("      allOf:\n        - $ref: '#/components/schemas/A'\n", "")

    problems = problems_of(tmp_path, text)

    assert [(problem.line, problem.key_path) for problem in problems] == [
        (11, 'paths["/a"].post.responses.200')
    ]
    assert problems[0].message == (
        "invalid OpenAPI: the required key 'description' is missing"
    )


def test_problem_quotes_long_value_cut(tmp_path: Path) -> None:
    long_name = "x" * 500
    text = CYCLE_DOCUMENT.replace("type: object", f"type: {long_name}")
    text = text.replace("      allOf:\n        - $ref: '#/components/schemas/A'\n", "")

    problems = problems_of(tmp_path, text)

    assert problems
    assert problems[0].key_path == "components.schemas.A.type"
    assert problems[0].line == 15
    # The quoted value, quotes included, is cut to 80 characters.
    assert "'" + "x" * 76 + "... is not one of" in problems[0].message
    assert "x" * 77 not in problems[0].message
    assert len(problems[0].message) < 300


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"a": 1}, {"a": 1.0}),
        ({"a": 1}, {"a": True}),
        ({"a": None}, {"a": "null"}),
        ({"a": [1]}, {"a": ["1"]}),
    ],
)
def test_schema_digest_tells_types_apart(first: Any, second: Any) -> None:
    assert emit._json_digest(first) != emit._json_digest(second)


@pytest.mark.parametrize("value", [{1: "a"}, {"a": (1, 2)}, {"a": float("nan")}])
def test_schema_digest_none_for_non_json_values(value: Any) -> None:
    # `json.dumps` writes the key 1 as "1", a tuple as a list and NaN as NaN.
    assert emit._json_digest(value) is None


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_round_trips(text: str, tmp_path: Path) -> None:
    ns = make_nanoservice(
        summary=text,
        description=text + "\n" + text,
        input_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": text, "default": text}
            },
            "additionalProperties": False,
        },
        examples=(Example(summary=text, input={"name": text}, output={"id": text}),),
        errors={409: text or "empty"},
    )
    doc = emit_document(ns)
    validate_document(doc, name=ns.name)
    dumped = dump_document(doc)
    assert yaml.safe_load(dumped) == doc
    assert json.loads(document_json(doc)) == doc

    # nanogen's own loader reads YAML 1.2 scalars; the text must mean the same
    # document to it as to PyYAML.
    path = tmp_path / "doc.yaml"
    path.write_bytes(dumped.encode("utf-8"))
    assert load_file(path).data == doc


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(alphabet=st.characters(codec="utf-8")))
def test_any_text_round_trips(summary: str, description: str) -> None:
    doc = {"info": {"summary": summary, "description": description}, "list": [summary]}
    assert yaml.safe_load(dump_document(doc)) == doc


def test_dump_starts_with_generated_comment() -> None:
    text = dump_document(emit_document(make_nanoservice()))
    assert text.startswith(HEADER_COMMENT)
    assert text.splitlines()[0].startswith("# Generated by nanogen")
    assert text.splitlines()[1] == "openapi: 3.1.0"


def test_dump_writes_no_aliases() -> None:
    shared = {"type": "string"}
    text = dump_document({"a": shared, "b": shared})
    assert "&" not in text
    assert "*" not in text


def test_dump_quotes_yaml_12_numbers() -> None:
    text = dump_document({"values": ["1e3", "0o17", "1.5", "true", "null", "plain"]})
    assert "- '1e3'" in text
    assert "- '0o17'" in text
    assert "- plain" in text


def test_dump_keeps_non_ascii() -> None:
    text = dump_document({"title": "Grüße 日本語"})
    assert "Grüße 日本語" in text


def test_document_json_keeps_order_and_text() -> None:
    doc = emit_document(make_nanoservice(summary="Grüße"))
    text = document_json(doc)
    assert text.index('"openapi"') < text.index('"info"') < text.index('"paths"')
    assert "Grüße" in text
    assert text.endswith("}\n")


DETERMINISM_SCRIPT = """
import sys
from pathlib import Path
from nanogen.decompose import decompose_capabilities
from nanogen.emit import document_json, dump_document, emit_document
from nanogen.load import load_file

for spec in sys.argv[1:]:
    data = load_file(spec).data
    for ns in decompose_capabilities(data, source_file=Path(spec).name):
        doc = emit_document(ns)
        sys.stdout.write(dump_document(doc))
        sys.stdout.write(document_json(doc))
"""


def test_output_identical_across_hash_seeds() -> None:
    outputs = []
    for seed in ("1", "2", "12345"):
        completed = subprocess.run(
            [sys.executable, "-c", DETERMINISM_SCRIPT, *map(str, SPEC_FILES)],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            timeout=300,
        )
        outputs.append(completed.stdout)
    assert outputs[0], "the script printed nothing"
    assert outputs[0] == outputs[1] == outputs[2]


def emit_tree(spec: Path, folder: Path) -> None:
    """Write every document of one capability list under `folder`, as `generate` does."""
    for ns in nanoservices(spec):
        doc = emit_document(ns)
        validate_document(doc, name=ns.name)
        path = folder / ns.spec_path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(dump_document(doc).encode("utf-8"))


def tree_files(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("spec", SPEC_FILES, ids=lambda path: path.stem)
def test_golden_documents(spec: Path, tmp_path: Path, update_golden: bool) -> None:
    emit_tree(spec, tmp_path)
    expected_folder = GOLDEN / spec.stem
    if update_golden:
        shutil.rmtree(expected_folder, ignore_errors=True)
        shutil.copytree(tmp_path, expected_folder)

    actual = tree_files(tmp_path)
    expected = tree_files(expected_folder)
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    differing = sorted(
        name for name in set(actual) & set(expected) if actual[name] != expected[name]
    )
    report = []
    report += [f"missing from output: {name}" for name in missing]
    report += [f"not in golden tree: {name}" for name in extra]
    report += [f"differs: {name}" for name in differing]
    assert not report, (
        f"emitted documents of {spec.name} differ from {expected_folder}:\n"
        + "\n".join(report)
        + "\nRerun with --update-golden if the change is intended."
    )


def test_schema_error_reported_once(tmp_path: Path) -> None:
    # openapi-spec-validator finds an empty enum twice: with the document's
    # schema and with the meta-schema, at a path relative to the schema.
    text = (
        "openapi: 3.0.3\n"
        "info: {title: x, version: '1'}\n"
        "paths:\n"
        "  /a:\n"
        "    get:\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema: {type: string, enum: []}\n"
    )

    problems = problems_of(tmp_path, text)

    assert [(problem.line, problem.key_path) for problem in problems] == [
        (11, 'paths["/a"].get.responses.200.content["application/json"].schema.enum')
    ]
    assert problems[0].message == "invalid OpenAPI: [] should be non-empty"
