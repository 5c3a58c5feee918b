"""Tests of `nanogen.decompose`: shorthands, defaults, references, closures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nanogen.decompose import (
    decompose_capabilities,
    expand_fields,
    field_schema,
    nanoservice_for_document,
    pascal_case,
    path_parameters,
    security_kind,
)
from nanogen.errors import InputError
from nanogen.load import load_file
from nanogen.spec import EFFECTS, SECURITY_KINDS, Example

SPECS = Path(__file__).resolve().parent.parent / "specs"
REF = "#/components/schemas/"

MONEY = {
    "type": "object",
    "required": ["amount", "currency"],
    "properties": {"amount": {"type": "integer"}, "currency": {"type": "string"}},
}


def capability_list(*capabilities: dict[str, Any], **top: Any) -> dict[str, Any]:
    """Return a capability list with one service, `svc`, holding `capabilities`."""
    return {
        "nanogen": 1,
        "project": "demo",
        **top,
        "services": {"svc": {"capabilities": list(capabilities)}},
    }


def decompose_one(capability: dict[str, Any], **top: Any) -> Any:
    (nanoservice,) = decompose_capabilities(
        capability_list(capability, **top), source_file="nanogen.yaml"
    )
    return nanoservice


@pytest.mark.parametrize(
    ("shorthand", "schema", "required"),
    [
        ("string", {"type": "string"}, True),
        ("integer", {"type": "integer"}, True),
        ("number", {"type": "number"}, True),
        ("boolean", {"type": "boolean"}, True),
        ("object", {"type": "object"}, True),
        ("string?", {"type": "string"}, False),
        ("Money", {"$ref": REF + "Money"}, True),
        ("Money?", {"$ref": REF + "Money"}, False),
        ("string[]", {"type": "array", "items": {"type": "string"}}, True),
        (
            "Money[]?",
            {"type": "array", "items": {"$ref": REF + "Money"}},
            False,
        ),
        (
            "integer[][]",
            {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
            True,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_field_schema_shorthand(shorthand: str, schema: dict, required: bool) -> None:
    assert field_schema(shorthand, {"Money": MONEY}) == (schema, required)


def test_full_schema_required_without_default() -> None:
    schema = {"type": "integer", "minimum": 1}
    assert field_schema(schema, {}) == (schema, True)


def test_full_schema_optional_with_default() -> None:
    schema = {"type": "integer", "default": 3}
    assert field_schema(schema, {}) == (schema, False)


def test_default_null_still_optional() -> None:
    schema = {"type": ["string", "null"], "default": None}
    assert field_schema(schema, {}) == (schema, False)


def test_field_schema_unknown_type_raises() -> None:
    with pytest.raises(ValueError, match="'Mony'"):
        field_schema("Mony[]", {"Money": MONEY})


def test_expand_fields_builds_closed_object() -> None:
    schema = expand_fields(
        {"b": "string", "a": "integer?", "c": "Money"}, {"Money": MONEY}
    )
    assert schema == {
        "type": "object",
        "properties": {
            "b": {"type": "string"},
            "a": {"type": "integer"},
            "c": {"$ref": REF + "Money"},
        },
        "required": ["b", "c"],
        "additionalProperties": False,
    }


def test_expand_fields_none_is_empty_object() -> None:
    assert expand_fields(None, {}) == {
        "type": "object",
        "properties": {},
        "additionalProperties": False,
    }


def test_expand_fields_all_optional_has_no_required() -> None:
    assert "required" not in expand_fields({"a": "string?"}, {})


def test_expand_fields_normalises_refs() -> None:
    schema = expand_fields(
        {
            "short": {"$ref": "Money"},
            "long": {"$ref": REF + "Money"},
            "nested": {"type": "array", "items": {"anyOf": [{"$ref": "Money"}]}},
            "mapped": {"type": "object", "additionalProperties": {"$ref": "Money"}},
        },
        {"Money": MONEY},
    )
    properties = schema["properties"]
    assert properties["short"] == {"$ref": REF + "Money"}
    assert properties["long"] == {"$ref": REF + "Money"}
    assert properties["nested"]["items"]["anyOf"][0] == {"$ref": REF + "Money"}
    assert properties["mapped"]["additionalProperties"] == {"$ref": REF + "Money"}


def test_expand_fields_skips_data_keywords() -> None:
    data = {"$ref": "Money"}
    field = {"type": "object", "const": data, "default": data, "examples": [data]}
    schema = expand_fields({"value": field}, {"Money": MONEY})["properties"]["value"]
    assert schema["const"] == {"$ref": "Money"}
    assert schema["default"] == {"$ref": "Money"}
    assert schema["examples"] == [{"$ref": "Money"}]


def test_expand_fields_does_not_alias_input() -> None:
    field = {"type": "object", "properties": {"x": {"type": "string"}}}
    schema = expand_fields({"value": field}, {})
    schema["properties"]["value"]["properties"]["x"]["type"] = "integer"
    assert field["properties"]["x"]["type"] == "string"


def test_pascal_case_joins_words() -> None:
    assert pascal_case("create-order") == "CreateOrder"
    assert pascal_case("get-v2-item") == "GetV2Item"


def test_path_parameters_in_order() -> None:
    assert path_parameters("/stock/{sku}/reservations/{order_id}") == [
        "sku",
        "order_id",
    ]


def test_decompose_defaults() -> None:
    nanoservice = decompose_one({"name": "send-receipt", "effect": "create"})
    assert nanoservice.method == "post"
    assert nanoservice.path == "/send-receipt"
    assert nanoservice.idempotent is False
    assert nanoservice.security == "api-key"
    assert nanoservice.input_schema is None
    assert nanoservice.output_schema == expand_fields(None, {})
    assert nanoservice.errors == {}
    assert nanoservice.examples == ()
    assert nanoservice.schemas == {}
    assert nanoservice.name == "svc-send-receipt"


@pytest.mark.parametrize(
    ("effect", "idempotent"),
    [("read", True), ("create", False), ("update", True), ("delete", True)],
    ids=["read", "create", "update", "delete"],
)
def test_decompose_idempotent_default(effect: str, idempotent: bool) -> None:
    assert decompose_one({"name": "x", "effect": effect}).idempotent is idempotent


def test_decompose_idempotent_override() -> None:
    nanoservice = decompose_one({"name": "x", "effect": "create", "idempotent": True})
    assert nanoservice.idempotent is True


def test_decompose_method_lower_case() -> None:
    nanoservice = decompose_one({"name": "x", "effect": "read", "method": "GET"})
    assert nanoservice.method == "get"


def test_decompose_security_project_level() -> None:
    nanoservice = decompose_one({"name": "x", "effect": "read"}, security="bearer")
    assert nanoservice.security == "bearer"


def test_decompose_security_capability_wins() -> None:
    capability = {"name": "x", "effect": "read", "security": "none"}
    assert decompose_one(capability, security="bearer").security == "none"


def test_decompose_error_keys_become_ints() -> None:
    capability = {
        "name": "x",
        "effect": "read",
        "errors": {"409": "Conflict", 404: "Not found"},
    }
    errors = decompose_one(capability).errors
    assert errors == {404: "Not found", 409: "Conflict"}
    assert list(errors) == [404, 409]


def test_decompose_examples() -> None:
    capability = {
        "name": "x",
        "effect": "read",
        "input": {"a": "integer"},
        "output": {"b": "integer"},
        "examples": [{"summary": "One", "input": {"a": 1}, "output": {"b": 2}}, {}],
    }
    assert decompose_one(capability).examples == (
        Example(summary="One", input={"a": 1}, output={"b": 2}),
        Example(),
    )


def test_decompose_source_points_at_capability() -> None:
    data = capability_list(
        {"name": "first", "effect": "read"}, {"name": "second", "effect": "read"}
    )
    nanoservices = decompose_capabilities(data, source_file="nanogen.yaml")
    assert [ns.source for ns in nanoservices] == [
        "nanogen.yaml#/services/svc/capabilities/0",
        "nanogen.yaml#/services/svc/capabilities/1",
    ]


def test_decompose_keeps_file_order() -> None:
    data = {
        "nanogen": 1,
        "project": "demo",
        "services": {
            "zeta": {"capabilities": [{"name": "b", "effect": "read"}]},
            "alpha": {
                "capabilities": [
                    {"name": "z", "effect": "read"},
                    {"name": "a", "effect": "read"},
                ]
            },
        },
    }
    names = [ns.name for ns in decompose_capabilities(data, source_file="f.yaml")]
    assert names == ["zeta-b", "alpha-z", "alpha-a"]


def test_decompose_reaches_schemas_transitively() -> None:
    schemas = {
        "Order": {
            "type": "object",
            "properties": {"total": {"$ref": "Money"}, "lines": {"$ref": "Lines"}},
        },
        "Lines": {"type": "array", "items": {"$ref": REF + "Line"}},
        "Line": {"type": "object", "properties": {"price": {"$ref": "Money"}}},
        "Money": MONEY,
        "Unused": {"type": "string"},
    }
    nanoservice = decompose_one(
        {"name": "x", "effect": "read", "output": {"order": "Order"}},
        schemas=schemas,
    )
    assert list(nanoservice.schemas) == ["Line", "Lines", "Money", "Order"]
    assert nanoservice.schemas["Order"]["properties"]["total"] == {
        "$ref": REF + "Money"
    }


def test_decompose_reaches_input_schemas() -> None:
    nanoservice = decompose_one(
        {"name": "x", "effect": "read", "input": {"m": "Money[]"}},
        schemas={"Money": MONEY, "Other": {"type": "string"}},
    )
    assert list(nanoservice.schemas) == ["Money"]


def test_decompose_recursive_schema() -> None:
    category = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": "Category"}}},
    }
    nanoservice = decompose_one(
        {"name": "x", "effect": "read", "output": {"root": "Category"}},
        schemas={"Category": category},
    )
    assert list(nanoservice.schemas) == ["Category"]
    children = nanoservice.schemas["Category"]["properties"]["children"]
    assert children["items"] == {"$ref": REF + "Category"}


def test_decompose_mutually_recursive_schemas() -> None:
    schemas = {
        "Team": {"properties": {"members": {"items": {"$ref": "Member"}}}},
        "Member": {"properties": {"leads": {"$ref": REF + "Team"}}},
        "Loner": {"properties": {"self": {"$ref": "Loner"}}},
    }
    nanoservice = decompose_one(
        {"name": "x", "effect": "read", "output": {"member": "Member"}},
        schemas=schemas,
    )
    assert list(nanoservice.schemas) == ["Member", "Team"]


def test_decompose_copies_shared_schemas() -> None:
    data = capability_list(
        {"name": "a", "effect": "read", "output": {"m": "Money"}},
        {"name": "b", "effect": "read", "output": {"m": "Money"}},
        schemas={"Money": MONEY},
    )
    first, second = decompose_capabilities(data, source_file="f.yaml")
    first.schemas["Money"]["type"] = "string"
    assert data["schemas"]["Money"]["type"] == "object"
    assert second.schemas["Money"]["type"] == "object"


def test_decompose_unknown_reference_raises() -> None:
    with pytest.raises(InputError, match="'Mony'"):
        decompose_one(
            {"name": "x", "effect": "read", "output": {"m": {"$ref": "Mony"}}},
            schemas={"Money": MONEY},
        )


def test_decompose_unknown_shorthand_raises() -> None:
    with pytest.raises(InputError, match="svc.capabilities\\[0\\]"):
        decompose_one({"name": "x", "effect": "read", "input": {"m": "Mony"}})


def test_decompose_unknown_path_parameter_raises() -> None:
    capability = {"name": "x", "effect": "read", "path": "/things/{id}"}
    with pytest.raises(InputError, match=r"\{id\}"):
        decompose_one(capability)


def test_decompose_reserved_component_name_raises() -> None:
    with pytest.raises(InputError, match="'Problem'"):
        decompose_one(
            {"name": "x", "effect": "read", "output": {"p": "Problem"}},
            schemas={"Problem": {"type": "string"}},
        )


def test_decompose_generated_name_clash_raises() -> None:
    with pytest.raises(InputError, match="'CreateOrderInput'"):
        decompose_one(
            {
                "name": "create-order",
                "effect": "create",
                "input": {"o": "CreateOrderInput"},
            },
            schemas={"CreateOrderInput": {"type": "string"}},
        )


def test_decompose_is_deterministic() -> None:
    data = load_file(SPECS / "everything.yaml").data
    first = decompose_capabilities(data, source_file="everything.yaml")
    second = decompose_capabilities(data, source_file="everything.yaml")
    assert first == second


def test_everything_covers_the_format() -> None:
    data = load_file(SPECS / "everything.yaml").data
    nanoservices = decompose_capabilities(data, source_file="everything.yaml")
    capabilities = [
        capability
        for service in data["services"].values()
        for capability in service["capabilities"]
    ]

    assert {ns.effect for ns in nanoservices} == set(EFFECTS)
    assert {ns.method for ns in nanoservices} == {
        "get",
        "post",
        "put",
        "patch",
        "delete",
    }
    assert {ns.security for ns in nanoservices} == set(SECURITY_KINDS)
    assert any(ns.idempotent != _default_idempotent(ns.effect) for ns in nanoservices)
    assert any(path_parameters(ns.path) for ns in nanoservices)
    assert any(ns.input_schema is None for ns in nanoservices)
    assert any(ns.examples for ns in nanoservices)
    assert any(ns.errors for ns in nanoservices)
    assert any("security" in capability for capability in capabilities)
    assert "security" in data
    assert any("idempotent" in capability for capability in capabilities)


def test_everything_reaches_recursive_schemas() -> None:
    data = load_file(SPECS / "everything.yaml").data
    by_name = {
        ns.name: ns
        for ns in decompose_capabilities(data, source_file="everything.yaml")
    }
    assert "Category" in by_name["catalog-get-category-tree"].schemas
    assert {"Team", "Member"} <= set(by_name["teams-find-teams"].schemas)
    assert {"Product", "ProductBase", "Money", "Colour"} == set(
        by_name["catalog-create-product"].schemas
    )
    assert all("Unused" not in ns.schemas for ns in by_name.values())


def _default_idempotent(effect: str) -> bool:
    return effect != "create"


# --- Nanoservices of OpenAPI documents -----------------------------------------


def document_with(
    method: str = "post",
    operation: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """Return an OpenAPI 3.1 document with one operation at `/things`."""
    body = {"responses": {"200": {"description": "ok"}}, **(operation or {})}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Things", "version": "1"},
        "paths": {"/things": {method: body}},
        **top,
    }


def build(document: dict[str, Any], **arguments: Any) -> Any:
    return nanoservice_for_document(
        document, project="demo", service="things", capability="make", **arguments
    )


@pytest.mark.parametrize(
    ("method", "effect", "idempotent"),
    [
        ("get", "read", True),
        ("post", "create", False),
        ("put", "update", True),
        ("patch", "update", True),
        ("delete", "delete", True),
    ],
)
def test_document_effect_follows_method(
    method: str, effect: str, idempotent: bool
) -> None:
    nanoservice = build(document_with(method))

    assert nanoservice.method == method
    assert nanoservice.path == "/things"
    assert nanoservice.effect == effect
    # Without an `idempotent`, idempotence follows the effect, as in a
    # capability list.
    assert nanoservice.idempotent is idempotent


def test_document_x_nanogen_sets_effect() -> None:
    x_nanogen = {"effect": "read", "idempotent": False, "source": "list.yaml#/a"}
    document = document_with("post", {"x-nanogen": x_nanogen})

    nanoservice = build(document)

    assert nanoservice.effect == "read"
    assert nanoservice.idempotent is False
    assert nanoservice.source == "list.yaml#/a"


def test_document_arguments_win_over_x_nanogen() -> None:
    x_nanogen = {"effect": "read", "idempotent": False, "source": "list.yaml#/a"}
    document = document_with("post", {"x-nanogen": x_nanogen})

    nanoservice = build(
        document, effect="delete", idempotent=True, source="nanogen.yaml#/b"
    )

    assert nanoservice.effect == "delete"
    assert nanoservice.idempotent is True
    assert nanoservice.source == "nanogen.yaml#/b"


def test_document_unknown_x_nanogen_effect_ignored() -> None:
    document = document_with("get", {"x-nanogen": {"effect": "reed"}})

    assert build(document).effect == "read"


def test_document_with_two_operations_rejected() -> None:
    document = document_with("get")
    document["paths"]["/things"]["post"] = {"responses": {}}

    with pytest.raises(ValueError, match="holds 2 operations"):
        build(document)


SCHEMES = {
    "Key": {"type": "apiKey", "in": "header", "name": "X-Key"},
    "Token": {"type": "http", "scheme": "bearer"},
    "Login": {"type": "http", "scheme": "basic"},
}


@pytest.mark.parametrize(
    ("requirements", "expected"),
    [
        (None, "none"),
        ([], "none"),
        ([{}], "none"),
        ([{"Key": []}], "api-key"),
        ([{"Token": []}], "bearer"),
        ([{"Login": []}], "bearer"),
        ([{"Token": []}, {"Key": []}], "api-key"),
        ([{"Key": []}, {"Token": []}], "api-key"),
        ([{"Key": []}, {}], "none"),
        ([{"Token": [], "Key": []}], "api-key"),
    ],
    ids=[
        "absent",
        "empty list",
        "optional",
        "api key",
        "bearer",
        "basic",
        "bearer or key",
        "key or bearer",
        "key or nothing",
        "both together",
    ],
)
def test_security_kind_summary(requirements: Any, expected: str) -> None:
    operation = {} if requirements is None else {"security": requirements}
    document = document_with("get", operation, components={"securitySchemes": SCHEMES})

    assert security_kind(document, operation) == expected
    assert build(document).security == expected


def test_document_level_security_applies() -> None:
    document = document_with(
        "get", security=[{"Key": []}], components={"securitySchemes": SCHEMES}
    )

    assert build(document).security == "api-key"
