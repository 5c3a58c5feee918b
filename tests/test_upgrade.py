"""Tests of `nanogen.upgrade`: OpenAPI 3.0 to 3.1.0, rule by rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import (
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
    validate,
)

from nanogen.bundle import bundle_document
from nanogen.convert import convert_swagger2
from nanogen.errors import InputError
from nanogen.load import load_file
from nanogen.upgrade import Upgraded, upgrade_to_31

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def openapi30(**fields: Any) -> dict[str, Any]:
    """Return a minimal OpenAPI 3.0.3 document with `fields` set at the top level."""
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1.0"},
        "paths": {},
    }
    document.update(fields)
    return document


def upgrade(document: dict[str, Any]) -> Upgraded:
    """Upgrade, and check that the result is a valid OpenAPI 3.1 document."""
    upgraded = upgrade_to_31(document, file="api.yaml")
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    return upgraded


def upgrade_schema(schema: dict[str, Any]) -> tuple[Any, list[str]]:
    """Upgrade `components.schemas.S`; return it and the warnings as text."""
    upgraded = upgrade(openapi30(components={"schemas": {"S": schema}}))
    return upgraded.document["components"]["schemas"]["S"], messages(upgraded)


def messages(upgraded: Upgraded) -> list[str]:
    return [str(problem) for problem in upgraded.warnings]


def operations(document: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        (path, method, operation.get("operationId"))
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    ]


# --- Versions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"info": {}, "paths": {}},
            "api.yaml: openapi: missing `openapi`, so the document is not OpenAPI "
            "3.0; add `openapi: 3.0.3` at the top level if it is an OpenAPI 3.0 "
            "document",
        ),
        (
            {"swagger": "2.0", "info": {}, "paths": {}},
            "api.yaml: swagger: the document is Swagger 2.0, not OpenAPI 3.0; "
            "convert it to OpenAPI 3.0 first with nanogen.convert.convert_swagger2",
        ),
        (
            {"openapi": "3.2.0", "info": {}, "paths": {}},
            "api.yaml: openapi: unsupported OpenAPI version '3.2.0'; only OpenAPI "
            "3.0.x documents are upgraded to 3.1.0, and 3.1.x ones are read as they "
            "are; set `openapi` to the version the document follows, such as 3.0.3",
        ),
        (
            {"openapi": "3.0", "info": {}, "paths": {}},
            "api.yaml: openapi: unsupported OpenAPI version '3.0'; only OpenAPI "
            "3.0.x documents are upgraded to 3.1.0, and 3.1.x ones are read as they "
            "are; set `openapi` to the version the document follows, such as 3.0.3",
        ),
        (
            {"openapi": 3.0, "info": {}, "paths": {}},
            "api.yaml: openapi: `openapi` is the number 3.0, not a string; quote "
            'the full version: `openapi: "3.0.3"`',
        ),
        (
            ["openapi", "3.0.3"],
            "api.yaml: the document is not a mapping; give an OpenAPI 3.0 document "
            "with `openapi: 3.0.3` at the top level",
        ),
    ],
    ids=["missing", "swagger-2.0", "3.2", "no-patch", "number", "list"],
)
def test_version_rejected(document: Any, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        upgrade_to_31(document, file="api.yaml")
    assert str(raised.value) == expected


def test_version_31_passes_through() -> None:
    document = openapi30(
        openapi="3.1.1", components={"schemas": {"S": {"nullable": True}}}
    )
    before = copy.deepcopy(document)
    upgraded = upgrade_to_31(document, file="api.yaml")
    assert upgraded.document is document
    assert upgraded.document == before
    assert upgraded.warnings == []


@pytest.mark.parametrize("version", ["3.0.0", "3.0.4"])
def test_version_set_to_310(version: str) -> None:
    upgraded = upgrade(openapi30(openapi=version))
    assert upgraded.document == {
        "openapi": "3.1.0",
        "info": {"title": "Shop", "version": "1.0"},
        "paths": {},
    }
    assert upgraded.warnings == []


# --- nullable ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"type": "string", "nullable": True, "maxLength": 5},
            {"type": ["string", "null"], "maxLength": 5},
        ),
        (
            {"type": "string", "nullable": True, "enum": ["a", "b"], "default": None},
            {"type": ["string", "null"], "enum": ["a", "b", None], "default": None},
        ),
        (
            {"type": "string", "nullable": True, "enum": ["a", None]},
            {"type": ["string", "null"], "enum": ["a", None]},
        ),
        ({"type": "string", "nullable": False}, {"type": "string"}),
        (
            {"nullable": True, "description": "Any value"},
            {"description": "Any value"},
        ),
        ({"nullable": True, "enum": [1, 2]}, {"enum": [1, 2, None]}),
    ],
    ids=["type", "enum", "enum-with-null", "false", "no-type", "enum-no-type"],
)
def test_nullable_type_list(schema: dict[str, Any], expected: Any) -> None:
    upgraded, warnings = upgrade_schema(schema)
    assert upgraded == expected
    assert warnings == []


def test_nullable_ref_wrapped() -> None:
    document = openapi30(
        components={
            "schemas": {
                "Pet": {"type": "object"},
                "Owner": {
                    "type": "object",
                    "properties": {
                        "pet": {
                            "$ref": "#/components/schemas/Pet",
                            "nullable": True,
                        }
                    },
                },
            }
        }
    )
    upgraded = upgrade(document)
    owner = upgraded.document["components"]["schemas"]["Owner"]
    assert owner["properties"]["pet"] == {
        "anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "null"}]
    }
    assert upgraded.warnings == []


def test_nullable_all_of_wrapped() -> None:
    upgraded, warnings = upgrade_schema(
        {
            "description": "The parent, if any",
            "type": "object",
            "allOf": [{"required": ["id"]}],
            "discriminator": {"propertyName": "kind"},
            "readOnly": True,
            "nullable": True,
            "x-order": 1,
        }
    )
    assert upgraded == {
        "description": "The parent, if any",
        "anyOf": [
            {
                "type": "object",
                "allOf": [{"required": ["id"]}],
                "discriminator": {"propertyName": "kind"},
            },
            {"type": "null"},
        ],
        "readOnly": True,
        "x-order": 1,
    }
    assert list(upgraded) == ["description", "anyOf", "readOnly", "x-order"]
    assert warnings == []


def test_nullable_one_of_wrapped() -> None:
    upgraded, _ = upgrade_schema(
        {"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True}
    )
    assert upgraded == {
        "anyOf": [
            {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            {"type": "null"},
        ]
    }


def test_nullable_any_of_extended() -> None:
    upgraded, _ = upgrade_schema(
        {
            "anyOf": [{"type": "string"}, {"type": "integer"}],
            "description": "An ID or a count",
            "nullable": True,
        }
    )
    assert upgraded == {
        "anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}],
        "description": "An ID or a count",
    }


def test_nullable_invalid_value_warns() -> None:
    upgraded, warnings = upgrade_schema({"type": "string", "nullable": "yes"})
    assert upgraded == {"type": "string"}
    assert warnings == [
        "warning: api.yaml: components.schemas.S.nullable: nullable is a string, "
        'not true or false, so it was dropped; add "null" to `type` if the value '
        "may be null"
    ]


def test_nullable_null_default_validates() -> None:
    # A null default needs "null" in `type` and None in `enum` to validate.
    upgraded, _ = upgrade_schema(
        {"type": "integer", "enum": [1, 2], "nullable": True, "default": None}
    )
    assert upgraded == {
        "type": ["integer", "null"],
        "enum": [1, 2, None],
        "default": None,
    }


def test_x_nullable_warned_and_kept() -> None:
    upgraded, warnings = upgrade_schema({"type": "string", "x-nullable": True})
    assert upgraded == {"type": "string", "x-nullable": True}
    assert warnings == [
        "warning: api.yaml: components.schemas.S.x-nullable: x-nullable is a "
        "Swagger 2.0 extension that OpenAPI 3.0 ignores, so it was kept and still "
        'has no effect; add "null" to `type` if the value may be null, and remove '
        "x-nullable"
    ]


# --- exclusiveMinimum and exclusiveMaximum ----------------------------------


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {"type": "integer", "minimum": 7, "exclusiveMinimum": True},
            {"type": "integer", "exclusiveMinimum": 7},
        ),
        (
            {"type": "number", "exclusiveMaximum": True, "maximum": 1.5},
            {"type": "number", "exclusiveMaximum": 1.5},
        ),
        (
            {"type": "integer", "minimum": 0, "exclusiveMinimum": False},
            {"type": "integer", "minimum": 0},
        ),
        (
            {"type": "integer", "exclusiveMinimum": 3},
            {"type": "integer", "exclusiveMinimum": 3},
        ),
    ],
    ids=["minimum", "maximum", "false", "numeric"],
)
def test_exclusive_bounds(schema: dict[str, Any], expected: Any) -> None:
    upgraded, warnings = upgrade_schema(schema)
    assert upgraded == expected
    assert list(upgraded) == list(expected)
    assert warnings == []


def test_exclusive_without_bound_warns() -> None:
    upgraded, warnings = upgrade_schema({"type": "integer", "exclusiveMaximum": True})
    assert upgraded == {"type": "integer"}
    assert warnings == [
        "warning: api.yaml: components.schemas.S.exclusiveMaximum: "
        "exclusiveMaximum: true without a numeric `maximum` has no effect, so it "
        "was dropped; set `exclusiveMaximum` to the bound itself"
    ]


def test_exclusive_string_warns() -> None:
    upgraded, warnings = upgrade_schema(
        {"type": "integer", "minimum": 1, "exclusiveMinimum": "yes"}
    )
    assert upgraded == {"type": "integer", "minimum": 1}
    assert warnings == [
        "warning: api.yaml: components.schemas.S.exclusiveMinimum: exclusiveMinimum "
        "is a string, not true, false or a number, so it was dropped; set "
        "`exclusiveMinimum` to the bound itself"
    ]


# --- example ----------------------------------------------------------------


def test_example_becomes_examples() -> None:
    upgraded, warnings = upgrade_schema(
        {"type": "string", "example": "fedora", "maxLength": 10}
    )
    assert upgraded == {"type": "string", "examples": ["fedora"], "maxLength": 10}
    assert list(upgraded) == ["type", "examples", "maxLength"]
    assert warnings == []


def test_example_joins_examples_list() -> None:
    upgraded, _ = upgrade_schema({"type": "string", "example": "a", "examples": ["b"]})
    assert upgraded == {"type": "string", "examples": ["a", "b"]}


def test_examples_mapping_renamed() -> None:
    upgraded, warnings = upgrade_schema(
        {"type": "string", "examples": {"one": {"value": "a"}}, "example": "b"}
    )
    assert upgraded == {
        "type": "string",
        "x-examples": {"one": {"value": "a"}},
        "examples": ["b"],
    }
    assert warnings == [
        "warning: api.yaml: components.schemas.S.examples: examples is a mapping, "
        "but OpenAPI 3.1 schemas take a list of example values, so it was renamed "
        "x-examples; list the example values under `examples`"
    ]


def test_example_outside_schemas_kept() -> None:
    # Parameter and Media Type Objects keep `example` in 3.1.
    parameter = {
        "name": "q",
        "in": "query",
        "example": "cat",
        "schema": {"type": "string", "example": "dog"},
    }
    media = {"example": {"n": 1}, "schema": {"type": "object"}}
    document = openapi30(
        paths={
            "/pets": {
                "get": {
                    "parameters": [parameter],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": media},
                        }
                    },
                }
            }
        }
    )
    operation = upgrade(document).document["paths"]["/pets"]["get"]
    assert operation["parameters"][0] == {
        "name": "q",
        "in": "query",
        "example": "cat",
        "schema": {"type": "string", "examples": ["dog"]},
    }
    assert operation["responses"]["200"]["content"]["application/json"] == media


# --- Keys next to $ref ------------------------------------------------------


def ref_document(sibling: dict[str, Any]) -> dict[str, Any]:
    return openapi30(
        components={
            "schemas": {
                "Pet": {"type": "object"},
                "Owner": {
                    "type": "object",
                    "properties": {
                        "pet": {"$ref": "#/components/schemas/Pet", **sibling}
                    },
                },
            }
        }
    )


def test_ref_description_kept_one_warning() -> None:
    document = ref_document({"description": "The owner's pet"})
    document["components"]["schemas"]["Owner"]["properties"]["friend"] = {
        "$ref": "#/components/schemas/Pet",
        "title": "Friend",
        "x-note": 1,
    }
    upgraded = upgrade(document)
    properties = upgraded.document["components"]["schemas"]["Owner"]["properties"]
    assert properties["pet"] == {
        "$ref": "#/components/schemas/Pet",
        "description": "The owner's pet",
    }
    assert properties["friend"] == {
        "$ref": "#/components/schemas/Pet",
        "title": "Friend",
        "x-note": 1,
    }
    assert messages(upgraded) == [
        "warning: api.yaml: components.schemas.Owner.properties.pet.$ref: 2 schemas "
        "have 'description', 'title' next to $ref, which OpenAPI 3.0 ignores, and "
        "they were kept: in 3.1 they document the schema; remove them where they "
        "should not describe the referenced schema"
    ]


def test_ref_read_only_kept_warns() -> None:
    upgraded = upgrade(ref_document({"readOnly": True}))
    owner = upgraded.document["components"]["schemas"]["Owner"]
    assert owner["properties"]["pet"] == {
        "$ref": "#/components/schemas/Pet",
        "readOnly": True,
    }
    assert messages(upgraded) == [
        "warning: api.yaml: components.schemas.Owner.properties.pet.$ref: kept "
        "'readOnly' next to $ref, which OpenAPI 3.0 ignores and 3.1 applies; remove "
        "it if it should not apply to this value"
    ]


def test_ref_constraints_dropped_warns() -> None:
    upgraded = upgrade(
        ref_document({"type": "object", "required": ["name"], "example": {"a": 1}})
    )
    owner = upgraded.document["components"]["schemas"]["Owner"]
    assert owner["properties"]["pet"] == {
        "$ref": "#/components/schemas/Pet",
        "examples": [{"a": 1}],
    }
    assert messages(upgraded) == [
        "warning: api.yaml: components.schemas.Owner.properties.pet.$ref: 1 schema "
        "has 'examples' next to $ref, which OpenAPI 3.0 ignores, and they were "
        "kept: in 3.1 they document the schema; remove them where they should not "
        "describe the referenced schema",
        "warning: api.yaml: components.schemas.Owner.properties.pet.$ref: dropped "
        "'type', 'required' next to $ref, which OpenAPI 3.0 ignores, so that the "
        "schema accepts the same values; to apply them, put the $ref and a schema "
        "with them under `allOf`",
    ]


def test_ref_nullable_with_description() -> None:
    upgraded = upgrade(ref_document({"nullable": True, "description": "Or none"}))
    owner = upgraded.document["components"]["schemas"]["Owner"]
    assert owner["properties"]["pet"] == {
        "anyOf": [{"$ref": "#/components/schemas/Pet"}, {"type": "null"}],
        "description": "Or none",
    }
    assert [problem.message for problem in upgraded.warnings] == [
        "1 schema has 'description' next to $ref, which OpenAPI 3.0 ignores, and "
        "they were kept: in 3.1 they document the schema"
    ]


# --- Binary bodies ----------------------------------------------------------


def body_document(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    return openapi30(
        paths={
            "/files": {
                "post": {
                    "requestBody": {"content": {media_type: {"schema": schema}}},
                    "responses": {
                        "200": {
                            "description": "The file",
                            "content": {media_type: {"schema": schema}},
                        }
                    },
                }
            }
        }
    )


def body_schemas(upgraded: Upgraded, media_type: str) -> list[Any]:
    operation = upgraded.document["paths"]["/files"]["post"]
    return [
        operation["requestBody"]["content"][media_type]["schema"],
        operation["responses"]["200"]["content"][media_type]["schema"],
    ]


@pytest.mark.parametrize(
    ("media_type", "schema", "expected"),
    [
        (
            "application/octet-stream",
            {"type": "string", "format": "binary"},
            {"contentMediaType": "application/octet-stream"},
        ),
        (
            "application/pdf",
            {"description": "A PDF", "type": "string", "format": "binary"},
            {"description": "A PDF", "contentMediaType": "application/pdf"},
        ),
        (
            "*/*",
            {"type": "string", "format": "binary"},
            {"contentMediaType": "application/octet-stream"},
        ),
        (
            "image/png",
            {"type": "string", "format": "base64"},
            {"type": "string", "contentEncoding": "base64"},
        ),
        (
            "text/plain",
            {"type": "string", "format": "byte"},
            {"type": "string", "contentEncoding": "base64"},
        ),
        (
            "application/json",
            {"type": "string", "format": "byte"},
            {"type": "string", "format": "byte"},
        ),
        (
            "application/octet-stream",
            {"$ref": "#/components/schemas/Blob"},
            {"$ref": "#/components/schemas/Blob"},
        ),
    ],
    ids=["octet-stream", "pdf", "wildcard", "base64", "byte", "json", "ref"],
)
def test_binary_body(media_type: str, schema: dict[str, Any], expected: Any) -> None:
    document = body_document(media_type, schema)
    document["components"] = {"schemas": {"Blob": {"type": "string"}}}
    upgraded = upgrade(document)
    assert body_schemas(upgraded, media_type) == [expected, expected]
    assert upgraded.warnings == []


def test_multipart_file_unchanged() -> None:
    schema = {
        "type": "object",
        "properties": {
            "file": {"type": "string", "format": "binary"},
            "note": {"type": "string"},
        },
    }
    upgraded = upgrade(body_document("multipart/form-data", schema))
    assert body_schemas(upgraded, "multipart/form-data") == [schema, schema]


def test_binary_parameter_content_unchanged() -> None:
    parameter = {
        "name": "X-Blob",
        "in": "header",
        "content": {"application/octet-stream": {"schema": {"type": "string"}}},
    }
    document = openapi30(
        paths={
            "/": {
                "get": {
                    "parameters": [parameter],
                    "responses": {"204": {"description": "Done"}},
                }
            }
        }
    )
    upgraded = upgrade(document)
    assert upgraded.document["paths"]["/"]["get"]["parameters"] == [parameter]


# --- Where schemas are found ------------------------------------------------

NULLABLE = {"type": "string", "nullable": True}
UPGRADED = {"type": ["string", "null"]}


def test_schemas_found_everywhere() -> None:
    schema = copy.deepcopy
    document = openapi30(
        paths={
            "/pets/{id}": {
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": schema(NULLABLE),
                    }
                ],
                "post": {
                    "parameters": [
                        {
                            "name": "q",
                            "in": "query",
                            "content": {
                                "application/json": {"schema": schema(NULLABLE)}
                            },
                        }
                    ],
                    "requestBody": {
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"a": schema(NULLABLE)},
                                },
                                "encoding": {
                                    "a": {
                                        "headers": {
                                            "X-Part": {"schema": schema(NULLABLE)}
                                        }
                                    }
                                },
                            }
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "OK",
                            "headers": {"x-next": {"schema": schema(NULLABLE)}},
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "array",
                                        "items": schema(NULLABLE),
                                    }
                                }
                            },
                        },
                        "x-note": {"schema": schema(NULLABLE)},
                    },
                    "callbacks": {
                        "done": {
                            "{$request.body#/url}": {
                                "post": {
                                    "requestBody": {
                                        "content": {
                                            "application/json": {
                                                "schema": schema(NULLABLE)
                                            }
                                        }
                                    },
                                    "responses": {"204": {"description": "Done"}},
                                }
                            }
                        }
                    },
                },
            },
            "x-data": {"schema": schema(NULLABLE)},
        },
        components={
            "schemas": {
                "Map": {"type": "object", "additionalProperties": schema(NULLABLE)},
                "Not": {"not": schema(NULLABLE)},
                "Patterns": {
                    "type": "object",
                    "patternProperties": {"^a": schema(NULLABLE)},
                },
                "All": {"allOf": [schema(NULLABLE)]},
                "x-named": schema(NULLABLE),
            },
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "schema": schema(NULLABLE)}
            },
            "headers": {"Rate": {"schema": schema(NULLABLE)}},
            "requestBodies": {
                "Body": {"content": {"text/plain": {"schema": schema(NULLABLE)}}}
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {"application/json": {"schema": schema(NULLABLE)}},
                }
            },
            "callbacks": {
                "Hook": {
                    "{$url}": {
                        "put": {
                            "parameters": [
                                {
                                    "name": "h",
                                    "in": "header",
                                    "schema": schema(NULLABLE),
                                }
                            ],
                            "responses": {"204": {"description": "Done"}},
                        }
                    }
                }
            },
        },
    )
    result = upgrade(document).document
    item = result["paths"]["/pets/{id}"]
    post = item["post"]
    components = result["components"]

    assert item["parameters"][0]["schema"] == UPGRADED
    assert post["parameters"][0]["content"]["application/json"]["schema"] == UPGRADED
    multipart = post["requestBody"]["content"]["multipart/form-data"]
    assert multipart["schema"]["properties"]["a"] == UPGRADED
    assert multipart["encoding"]["a"]["headers"]["X-Part"]["schema"] == UPGRADED
    ok = post["responses"]["200"]
    assert ok["headers"]["x-next"]["schema"] == UPGRADED
    assert ok["content"]["application/json"]["schema"]["items"] == UPGRADED
    callback = post["callbacks"]["done"]["{$request.body#/url}"]["post"]
    assert callback["requestBody"]["content"]["application/json"]["schema"] == UPGRADED
    schemas = components["schemas"]
    assert schemas["Map"]["additionalProperties"] == UPGRADED
    assert schemas["Not"]["not"] == UPGRADED
    assert schemas["Patterns"]["patternProperties"]["^a"] == UPGRADED
    assert schemas["All"]["allOf"] == [UPGRADED]
    assert schemas["x-named"] == UPGRADED
    assert components["parameters"]["Limit"]["schema"] == UPGRADED
    assert components["headers"]["Rate"]["schema"] == UPGRADED
    body = components["requestBodies"]["Body"]["content"]["text/plain"]
    assert body["schema"] == UPGRADED
    error = components["responses"]["Error"]["content"]["application/json"]
    assert error["schema"] == UPGRADED
    hook = components["callbacks"]["Hook"]["{$url}"]["put"]
    assert hook["parameters"][0]["schema"] == UPGRADED

    # `x-` keys of the Paths and Responses Objects are extensions: data.
    assert post["responses"]["x-note"] == {"schema": NULLABLE}
    assert result["paths"]["x-data"] == {"schema": NULLABLE}


def test_path_item_ref_operations_upgraded() -> None:
    operation = {
        "parameters": [{"name": "q", "in": "query", "schema": NULLABLE}],
        "responses": {"204": {"description": "Done"}},
    }
    document = openapi30(
        paths={
            "/a": {"$ref": "#/paths/~1b", "get": copy.deepcopy(operation)},
            "/b": {"get": copy.deepcopy(operation)},
        }
    )
    # Not validated: the OpenAPI 3.1 schema in openapi-spec-validator 0.9.0
    # rejects any key next to a Path Item's `$ref`.
    paths = upgrade_to_31(document, file="api.yaml").document["paths"]
    assert paths["/a"]["$ref"] == "#/paths/~1b"
    assert paths["/a"]["get"]["parameters"][0]["schema"] == UPGRADED
    assert paths["/b"]["get"]["parameters"][0]["schema"] == UPGRADED


def test_property_names_are_not_keywords() -> None:
    properties = {
        "nullable": {"type": "boolean"},
        "example": {"type": "string"},
        "type": {"type": "string", "enum": ["cat", "dog"]},
        "exclusiveMinimum": {"type": "boolean"},
        "$ref": {"type": "string"},
        "x-nullable": {"type": "boolean"},
    }
    upgraded, warnings = upgrade_schema(
        {"type": "object", "properties": copy.deepcopy(properties)}
    )
    assert upgraded == {"type": "object", "properties": properties}
    assert warnings == []


def test_data_values_not_walked() -> None:
    data = {"nullable": True, "type": "string", "example": 1, "$ref": "#/x"}
    schema = {
        "type": "object",
        "default": data,
        "enum": [data],
        "example": data,
        "x-meta": {"schema": {"nullable": True}},
    }
    # Not validated: openapi-spec-validator 0.9.0 follows a `$ref` even inside
    # `default` and `enum` values.
    upgraded = upgrade_to_31(
        openapi30(components={"schemas": {"S": schema}}), file="api.yaml"
    )
    assert upgraded.document["components"]["schemas"]["S"] == {
        "type": "object",
        "default": data,
        "enum": [data],
        "examples": [data],
        "x-meta": {"schema": {"nullable": True}},
    }
    assert upgraded.warnings == []


def test_discriminator_xml_docs_kept() -> None:
    schema = {
        "type": "object",
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/c"}},
        "xml": {"name": "pet"},
        "externalDocs": {"url": "https://example.test/pets"},
        "deprecated": True,
        "properties": {"kind": {"type": "string"}},
        "required": ["kind"],
    }
    upgraded, _ = upgrade_schema(copy.deepcopy(schema))
    assert upgraded == schema


def test_reference_objects_unchanged() -> None:
    document = openapi30(
        paths={
            "/pets": {
                "get": {
                    "parameters": [{"$ref": "#/components/parameters/Limit"}],
                    "responses": {"200": {"$ref": "#/components/responses/Ok"}},
                }
            }
        },
        components={
            "parameters": {
                "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
            },
            "responses": {"Ok": {"description": "OK"}},
        },
    )
    upgraded = upgrade(document)
    assert upgraded.document["paths"] == document["paths"]


# --- Purity and determinism -------------------------------------------------


def test_input_unchanged_and_output_deterministic() -> None:
    document = openapi30(
        components={
            "schemas": {
                "S": {
                    "type": "object",
                    "properties": {
                        "a": {
                            "type": "integer",
                            "minimum": 1,
                            "exclusiveMinimum": True,
                        },
                        "b": {"anyOf": [{"type": "string"}], "nullable": True},
                        "c": {"type": "string", "example": "x", "enum": ["x"]},
                    },
                }
            }
        }
    )
    before = copy.deepcopy(document)
    first = upgrade_to_31(document, file="api.yaml")
    second = upgrade_to_31(document, file="api.yaml")
    assert document == before
    assert json.dumps(first.document) == json.dumps(second.document)
    assert first.warnings == second.warnings


# --- Real documents ---------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-document corpus is not at {CORPUS}")
    return CORPUS


SMALL_DOCUMENTS = [
    ("oai-petstore/petstore.yaml", 3),
    ("oai-petstore-expanded/petstore-expanded.yaml", 4),
    ("oai-callback-example/callback-example.yaml", 1),
    ("oai-link-example/link-example.yaml", 6),
    ("swagger-petstore-3/openapi.yaml", 19),
]


@pytest.mark.parametrize(
    ("name", "count"),
    SMALL_DOCUMENTS,
    ids=[name.split("/")[0] for name, _ in SMALL_DOCUMENTS],
)
def test_small_document_validates(corpus: Path, name: str, count: int) -> None:
    source = load_file(corpus / name).data
    before = copy.deepcopy(source)
    upgraded = upgrade_to_31(source, file=name)
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    assert upgraded.warnings == []
    assert source == before
    assert len(operations(upgraded.document)) == count
    assert operations(upgraded.document) == operations(source)


def test_swagger_petstore_binary_upload(corpus: Path) -> None:
    source = load_file(corpus / "swagger-petstore-3" / "openapi.yaml").data
    document = upgrade_to_31(source, file="openapi.yaml").document
    operation = document["paths"]["/pet/{petId}/uploadImage"]["post"]
    assert operation["requestBody"]["content"] == {
        "application/octet-stream": {
            "schema": {"contentMediaType": "application/octet-stream"}
        }
    }


@pytest.fixture(scope="module")
def stripe(corpus: Path) -> tuple[dict[str, Any], str, Upgraded]:
    source = load_file(corpus / "stripe-2023-09" / "spec3.yaml").data
    before = json.dumps(source)
    return source, before, upgrade_to_31(source, file="spec3.yaml")


def test_stripe_validates(stripe: tuple[dict[str, Any], str, Upgraded]) -> None:
    source, before, upgraded = stripe
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    assert upgraded.warnings == []
    assert json.dumps(source) == before
    assert len(operations(upgraded.document)) == 468
    assert operations(upgraded.document) == operations(source)


def test_stripe_fragments(stripe: tuple[dict[str, Any], str, Upgraded]) -> None:
    _, _, upgraded = stripe
    document = upgraded.document
    application = document["components"]["schemas"]["charge"]["properties"][
        "application"
    ]
    assert application["anyOf"] == [
        {"maxLength": 5000, "type": "string"},
        {"$ref": "#/components/schemas/application"},
        {"type": "null"},
    ]
    assert "nullable" not in application
    pdf = document["paths"]["/v1/quotes/{quote}/pdf"]["get"]["responses"]["200"]
    assert pdf["content"]["application/pdf"] == {
        "schema": {"contentMediaType": "application/pdf"}
    }
    upload = document["paths"]["/v1/files"]["post"]["requestBody"]["content"]
    file_field = upload["multipart/form-data"]["schema"]["properties"]["file"]
    assert (file_field["type"], file_field["format"]) == ("string", "binary")
    assert '"nullable": ' not in json.dumps(document["components"]["schemas"])


def test_stripe_deterministic(stripe: tuple[dict[str, Any], str, Upgraded]) -> None:
    source, _, upgraded = stripe
    again = upgrade_to_31(source, file="spec3.yaml")
    assert json.dumps(again.document) == json.dumps(upgraded.document)


def test_twilio_validates(corpus: Path) -> None:
    source = load_file(corpus / "twilio-api-v2010" / "twilio_api_v2010.yaml").data
    before = json.dumps(source)
    upgraded = upgrade_to_31(source, file="twilio_api_v2010.yaml")
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    assert upgraded.warnings == []
    assert json.dumps(source) == before
    assert len(operations(upgraded.document)) == 197
    assert operations(upgraded.document) == operations(source)
    schemas = upgraded.document["components"]["schemas"]
    # Twilio's nullable properties without `type` accept null in 3.1 as they are.
    request = schemas["api.v2010.account.call.call_event"]["properties"]["request"]
    assert request == {
        "description": "Contains a dictionary representing the request of the call.",
        "x-twilio": {"pii": {"handling": "sensitive", "deleteSla": 30}},
    }


def test_digitalocean_only_source_defect(corpus: Path) -> None:
    """After bundling, one error remains, and the 3.0 source has it too.

    `chat_completion_request.properties.stop` has `default: null` on a
    `oneOf` of a string and an array that does not allow null.
    """
    root = corpus / "digitalocean" / "specification" / "DigitalOcean-public.v2.yaml"
    source = bundle_document(root).document
    before = json.dumps(source)
    upgraded = upgrade_to_31(source, file=str(root))
    assert upgraded.warnings == []
    assert json.dumps(source) == before
    assert len(operations(upgraded.document)) == 659
    assert operations(upgraded.document) == operations(source)

    schemas = upgraded.document["components"]["schemas"]
    stop = schemas["chat_completion_request"]["properties"]["stop"]
    errors = list(OpenAPIV31SpecValidator(upgraded.document).iter_errors())
    assert [(error.message, error.schema) for error in errors] == [
        ("None is not valid under any of the given schemas", stop)
    ]
    source_errors = list(OpenAPIV30SpecValidator(source).iter_errors())
    assert [error.message for error in source_errors] == [
        "None is not valid under any of the given schemas"
    ]


@pytest.fixture(scope="module")
def converted_kubernetes(corpus: Path) -> dict[str, Any]:
    path = corpus / "kubernetes-1.36-swagger" / "swagger.json.unprocessed"
    return convert_swagger2(json.loads(path.read_text()), file=str(path)).document


def test_kubernetes_converted_validates(converted_kubernetes: dict[str, Any]) -> None:
    upgraded = upgrade_to_31(converted_kubernetes, file="swagger.json")
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    assert len(operations(upgraded.document)) == 1123
    assert operations(upgraded.document) == operations(converted_kubernetes)
    assert messages(upgraded) == [
        "warning: swagger.json: components.schemas"
        '["io.k8s.api.admissionregistration.v1.MatchResources"].properties.'
        "namespaceSelector.$ref: 840 schemas have 'description' next to $ref, which "
        "OpenAPI 3.0 ignores, and they were kept: in 3.1 they document the schema; "
        "remove them where they should not describe the referenced schema"
    ]


def test_petstore_separate_converted_validates(corpus: Path) -> None:
    folder = corpus / "oai-petstore-separate-2.0"
    bundled = bundle_document(folder / "spec" / "swagger.yaml", ref_root=folder)
    converted = convert_swagger2(bundled.document, file="swagger.yaml").document
    upgraded = upgrade_to_31(converted, file="swagger.yaml")
    validate(upgraded.document, cls=OpenAPIV31SpecValidator)
    assert upgraded.warnings == []
    assert len(operations(upgraded.document)) == 4
    assert operations(upgraded.document) == operations(converted)


# A property whose YAML key is the number 1.5, with a schema that the upgrade
# warns about.
NUMBER_KEY_DOCUMENT = """\
openapi: 3.0.3
info: {title: Measures, version: "1"}
paths:
  /measures:
    get:
      operationId: listMeasures
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Measure'
components:
  schemas:
    Measure:
      type: object
      properties:
        1.5:
          type: integer
          exclusiveMinimum: true
"""


def test_split_warns_under_number_key(tmp_path: Path, runner: Any) -> None:
    source = tmp_path / "measures.yaml"
    source.write_text(NUMBER_KEY_DOCUMENT, encoding="utf-8")

    result = runner(
        "split",
        "--openapi",
        "3.1",
        "--specs-only",
        source.name,
        "-o",
        "out",
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.stderr
    assert "internal error" not in result.stderr
    assert (
        "warning: measures.yaml: "
        "components.schemas.Measure.properties[\"1.5\"].exclusiveMinimum: "
        "exclusiveMinimum: true without a numeric `minimum` has no effect"
    ) in result.stderr
