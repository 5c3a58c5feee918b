"""Tests of `nanogen.convert`: Swagger 2.0 to OpenAPI 3.0.3, rule by rule."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, validate

from nanogen.bundle import bundle_document
from nanogen.convert import Converted, convert_swagger2
from nanogen.errors import InputError
from nanogen.load import load_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "swagger2"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
KUBERNETES = CORPUS / "kubernetes-1.36-swagger" / "swagger.json.unprocessed"
PETSTORE_SEPARATE = CORPUS / "oai-petstore-separate-2.0"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


def swagger(**fields: Any) -> dict[str, Any]:
    """Return a minimal Swagger 2.0 document with `fields` set at the top level."""
    document: dict[str, Any] = {
        "swagger": "2.0",
        "info": {"title": "Shop", "version": "1.0"},
        "paths": {},
    }
    document.update(fields)
    return document


def with_operation(operation: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Return a Swagger document whose only operation is `POST /items`."""
    operation.setdefault("responses", {"204": {"description": "Done"}})
    return swagger(paths={"/items": {"post": operation}}, **fields)


def convert(document: dict[str, Any]) -> Converted:
    """Convert, and check that the result is a valid OpenAPI 3.0 document."""
    converted = convert_swagger2(document, file="api.yaml")
    validate(converted.document, cls=OpenAPIV30SpecValidator)
    return converted


def messages(converted: Converted) -> list[str]:
    return [str(problem) for problem in converted.warnings]


def error_messages(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InputError) as raised:
        convert_swagger2(document, file="api.yaml")
    return [str(problem) for problem in raised.value.problems]


def posted(document: dict[str, Any]) -> dict[str, Any]:
    return convert(document).document["paths"]["/items"]["post"]


# --- Input that is not Swagger 2.0 ------------------------------------------


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            {"info": {}, "paths": {}},
            "api.yaml: swagger: missing `swagger`, so the document is not "
            'Swagger 2.0; add `swagger: "2.0"` at the top level if it is a '
            "Swagger 2.0 document",
        ),
        (
            {"openapi": "3.0.3", "info": {}, "paths": {}},
            "api.yaml: openapi: the document is OpenAPI 3.0.3, not Swagger 2.0; "
            "only Swagger 2.0 documents need converting, so read this one as it is",
        ),
        (
            {"swagger": "1.2"},
            "api.yaml: swagger: unsupported Swagger version '1.2'; set "
            '`swagger: "2.0"` if the document follows Swagger 2.0, or upgrade it '
            "to Swagger 2.0 first",
        ),
        (
            {"swagger": 2.0},
            "api.yaml: swagger: `swagger` is the number 2.0, not the string "
            "'2.0'; quote it: `swagger: \"2.0\"`",
        ),
        (
            ["swagger", "2.0"],
            "api.yaml: the document is not a mapping; give a Swagger 2.0 "
            'document with `swagger: "2.0"` at the top level',
        ),
    ],
    ids=["missing", "openapi-3", "swagger-1.2", "number", "list"],
)
def test_version_rejected(document: Any, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        convert_swagger2(document, file="api.yaml")
    assert str(raised.value) == expected


# --- Servers ----------------------------------------------------------------


def test_servers_one_per_scheme() -> None:
    converted = convert(
        swagger(
            host="api.example.test:8080", basePath="/v2/", schemes=["https", "http"]
        )
    )
    assert converted.document["servers"] == [
        {"url": "https://api.example.test:8080/v2"},
        {"url": "http://api.example.test:8080/v2"},
    ]
    assert converted.warnings == []


def test_servers_relative_without_host() -> None:
    converted = convert(swagger(basePath="/api"))
    assert converted.document["servers"] == [{"url": "/api"}]
    assert converted.warnings == []


def test_servers_omitted_without_host_or_path() -> None:
    converted = convert(swagger())
    assert "servers" not in converted.document
    assert converted.warnings == []


def test_servers_scheme_from_operation() -> None:
    document = with_operation({"schemes": ["http"]}, host="api.example.test")
    converted = convert(document)
    assert converted.document["servers"] == [{"url": "http://api.example.test"}]
    assert "servers" not in converted.document["paths"]["/items"]["post"]
    assert messages(converted) == [
        "warning: api.yaml: schemes: schemes is not set, so the server URL uses "
        "'http'; set `schemes`, because without it Swagger 2.0 means the scheme "
        "that the document itself was fetched with"
    ]


def test_servers_default_https_warns() -> None:
    converted = convert(swagger(host="api.example.test"))
    assert converted.document["servers"] == [{"url": "https://api.example.test"}]
    assert len(converted.warnings) == 1
    assert converted.warnings[0].key_path == "schemes"
    assert converted.warnings[0].severity == "warning"


def test_servers_per_operation_schemes() -> None:
    document = with_operation(
        {"schemes": ["wss"]}, host="api.example.test", schemes=["https"]
    )
    operation = posted(document)
    assert operation["servers"] == [{"url": "wss://api.example.test"}]


def test_servers_same_schemes_not_repeated() -> None:
    document = with_operation(
        {"schemes": ["http", "https"]},
        host="api.example.test",
        schemes=["https", "http"],
    )
    assert "servers" not in posted(document)


def test_operation_schemes_without_host_warn_once() -> None:
    document = swagger(
        paths={
            "/a": {
                "get": {
                    "schemes": ["https"],
                    "responses": {"200": {"description": "A"}},
                }
            },
            "/b": {
                "get": {
                    "schemes": ["https"],
                    "responses": {"200": {"description": "B"}},
                }
            },
        }
    )
    converted = convert(document)
    assert messages(converted) == [
        "warning: api.yaml: paths[\"/a\"].get.schemes: 2 operations set `schemes`, which "
        "cannot be carried over without `host`, because the server URL is then "
        "relative and keeps the document's scheme; set `host`, or add `servers` to "
        "the converted document"
    ]


def test_host_with_scheme_and_path() -> None:
    converted = convert(
        swagger(host="https://api.example.test/v1", basePath="v2", schemes=["https"])
    )
    assert converted.document["servers"] == [{"url": "https://api.example.test/v2"}]
    assert messages(converted) == [
        "warning: api.yaml: basePath: basePath 'v2' does not start with '/', so one "
        "was added; start basePath with '/'",
        "warning: api.yaml: host: host 'https://api.example.test/v1' holds more than "
        "a host name and port, so only 'api.example.test' was used; write the scheme "
        "under `schemes` and the path under `basePath`",
    ]


# --- Components -------------------------------------------------------------


def test_definitions_become_schemas() -> None:
    document = swagger(
        definitions={
            "Pet": {
                "type": "object",
                "properties": {"owner": {"$ref": "#/definitions/Person"}},
            },
            "Person": {"type": "object"},
        }
    )
    assert convert(document).document["components"] == {
        "schemas": {
            "Pet": {
                "type": "object",
                "properties": {"owner": {"$ref": "#/components/schemas/Person"}},
            },
            "Person": {"type": "object"},
        }
    }


def test_parameters_split_by_location() -> None:
    document = swagger(
        parameters={
            "Limit": {"name": "limit", "in": "query", "type": "integer"},
            "NewPet": {
                "name": "pet",
                "in": "body",
                "required": True,
                "schema": {"type": "object"},
            },
            "Note": {"name": "note", "in": "formData", "type": "string"},
        },
        consumes=["application/xml"],
    )
    assert convert(document).document["components"] == {
        "parameters": {
            "Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}
        },
        "requestBodies": {
            "NewPet": {
                "content": {"application/xml": {"schema": {"type": "object"}}},
                "required": True,
            }
        },
    }


def test_parameter_refs_rewritten() -> None:
    document = with_operation(
        {
            "parameters": [
                {"$ref": "#/parameters/Limit"},
                {"$ref": "#/parameters/NewPet"},
            ]
        },
        parameters={
            "Limit": {"name": "limit", "in": "query", "type": "integer"},
            "NewPet": {"name": "pet", "in": "body", "schema": {"type": "object"}},
        },
    )
    operation = posted(document)
    assert operation["parameters"] == [{"$ref": "#/components/parameters/Limit"}]
    assert operation["requestBody"] == {"$ref": "#/components/requestBodies/NewPet"}


def test_form_parameter_ref_inlined() -> None:
    document = with_operation(
        {
            "consumes": ["application/x-www-form-urlencoded"],
            "parameters": [{"$ref": "#/parameters/Note"}],
        },
        parameters={
            "Note": {
                "name": "note",
                "in": "formData",
                "type": "string",
                "required": True,
            }
        },
    )
    assert posted(document)["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {"note": {"type": "string"}},
                    "required": ["note"],
                }
            }
        },
        "required": True,
    }


def test_responses_become_components() -> None:
    document = with_operation(
        {"responses": {"404": {"$ref": "#/responses/NotFound"}}},
        responses={
            "NotFound": {
                "description": "No such item",
                "schema": {"$ref": "#/definitions/Problem"},
            }
        },
        definitions={"Problem": {"type": "object"}},
    )
    converted = convert(document).document
    assert converted["components"]["responses"] == {
        "NotFound": {
            "description": "No such item",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    }
    assert converted["paths"]["/items"]["post"]["responses"] == {
        "404": {"$ref": "#/components/responses/NotFound"}
    }


OAUTH_URLS = {
    "authorizationUrl": "https://auth.example.test/authorize",
    "tokenUrl": "https://auth.example.test/token",
}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        (
            {"type": "basic", "description": "Staff"},
            {"type": "http", "scheme": "basic", "description": "Staff"},
        ),
        (
            {"type": "apiKey", "name": "X-Key", "in": "query", "x-rotate": "daily"},
            {"type": "apiKey", "name": "X-Key", "in": "query", "x-rotate": "daily"},
        ),
        (
            {
                "type": "oauth2",
                "flow": "implicit",
                "authorizationUrl": OAUTH_URLS["authorizationUrl"],
                "scopes": {"read": "Read"},
            },
            {
                "type": "oauth2",
                "flows": {
                    "implicit": {
                        "authorizationUrl": OAUTH_URLS["authorizationUrl"],
                        "scopes": {"read": "Read"},
                    }
                },
            },
        ),
        (
            {
                "type": "oauth2",
                "flow": "password",
                "tokenUrl": OAUTH_URLS["tokenUrl"],
                "scopes": {},
            },
            {
                "type": "oauth2",
                "flows": {
                    "password": {"tokenUrl": OAUTH_URLS["tokenUrl"], "scopes": {}}
                },
            },
        ),
        (
            {
                "type": "oauth2",
                "flow": "application",
                "tokenUrl": OAUTH_URLS["tokenUrl"],
                "scopes": {"admin": "Everything"},
            },
            {
                "type": "oauth2",
                "flows": {
                    "clientCredentials": {
                        "tokenUrl": OAUTH_URLS["tokenUrl"],
                        "scopes": {"admin": "Everything"},
                    }
                },
            },
        ),
        (
            {"type": "oauth2", "flow": "accessCode", **OAUTH_URLS, "scopes": {}},
            {
                "type": "oauth2",
                "flows": {"authorizationCode": {**OAUTH_URLS, "scopes": {}}},
            },
        ),
    ],
    ids=["basic", "api-key", "implicit", "password", "application", "access-code"],
)
def test_security_definitions(definition: dict, expected: dict) -> None:
    converted = convert(swagger(securityDefinitions={"auth": definition}))
    assert converted.document["components"]["securitySchemes"] == {"auth": expected}
    assert converted.warnings == []


def test_security_scheme_unknown_type() -> None:
    assert error_messages(
        swagger(securityDefinitions={"auth": {"type": "digest"}})
    ) == [
        "api.yaml: securityDefinitions.auth.type: unknown security scheme type "
        "'digest'; use one of 'basic', 'apiKey' or 'oauth2'"
    ]


def test_invalid_component_names_renamed() -> None:
    document = with_operation(
        {
            "responses": {
                "200": {
                    "description": "A page",
                    "schema": {"$ref": "#/definitions/Page%C2%ABPet%C2%BB"},
                }
            },
            "security": [{"api key": []}],
        },
        definitions={"Page«Pet»": {"type": "object"}, "Page_Pet_": {"type": "string"}},
        securityDefinitions={
            "api key": {"type": "apiKey", "name": "k", "in": "header"}
        },
    )
    converted = convert(document)
    components = converted.document["components"]
    assert list(components["schemas"]) == ["Page_Pet__2", "Page_Pet_"]
    assert list(components["securitySchemes"]) == ["api_key"]
    operation = converted.document["paths"]["/items"]["post"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Page_Pet__2"
    }
    assert operation["security"] == [{"api_key": []}]
    assert messages(converted) == [
        "warning: api.yaml: definitions.Page«Pet»: 'Page«Pet»' is not a valid "
        "OpenAPI 3.0 component name, so it was renamed 'Page_Pet__2' and every "
        "reference to it follows; use only letters, digits, '.', '-' and '_' in "
        "the name",
        "warning: api.yaml: securityDefinitions[\"api key\"]: 'api key' is not a "
        "valid OpenAPI 3.0 component name, so it was renamed 'api_key' and every "
        "reference to it follows; use only letters, digits, '.', '-' and '_' in "
        "the name",
    ]


# --- Request bodies ---------------------------------------------------------


BODY = {"name": "pet", "in": "body", "schema": {"$ref": "#/definitions/Pet"}}
PET = {"Pet": {"type": "object"}}


@pytest.mark.parametrize(
    ("operation_consumes", "global_consumes", "media_types"),
    [
        (
            ["application/xml", "text/plain"],
            ["application/json"],
            ["application/xml", "text/plain"],
        ),
        (None, ["application/yaml"], ["application/yaml"]),
        (None, None, ["application/json"]),
        ([], ["application/yaml"], ["application/json"]),
    ],
    ids=["operation", "global", "default", "cleared"],
)
def test_body_media_types(
    operation_consumes: list[str] | None,
    global_consumes: list[str] | None,
    media_types: list[str],
) -> None:
    operation: dict[str, Any] = {
        "parameters": [{**BODY, "description": "The pet", "required": True}]
    }
    if operation_consumes is not None:
        operation["consumes"] = operation_consumes
    fields: dict[str, Any] = {"definitions": PET}
    if global_consumes is not None:
        fields["consumes"] = global_consumes
    assert posted(with_operation(operation, **fields))["requestBody"] == {
        "description": "The pet",
        "content": {
            media_type: {"schema": {"$ref": "#/components/schemas/Pet"}}
            for media_type in media_types
        },
        "required": True,
    }


def test_body_ref_inlined_for_other_media_types() -> None:
    document = with_operation(
        {
            "consumes": ["application/merge-patch+json"],
            "parameters": [{"$ref": "#/parameters/Body"}],
        },
        parameters={"Body": {**BODY, "x-body-kind": "patch"}},
        definitions=PET,
    )
    assert posted(document)["requestBody"] == {
        "content": {
            "application/merge-patch+json": {
                "schema": {"$ref": "#/components/schemas/Pet"}
            }
        },
        "x-body-kind": "patch",
    }


def test_form_fields_urlencoded() -> None:
    document = with_operation(
        {
            "consumes": ["application/x-www-form-urlencoded"],
            "parameters": [
                {
                    "name": "name",
                    "in": "formData",
                    "type": "string",
                    "required": True,
                    "description": "Display name",
                    "maxLength": 40,
                },
                {
                    "name": "tags",
                    "in": "formData",
                    "type": "array",
                    "items": {"type": "string"},
                    "collectionFormat": "multi",
                },
                {
                    "name": "sizes",
                    "in": "formData",
                    "type": "array",
                    "items": {"type": "integer"},
                },
            ],
        }
    )
    assert posted(document)["requestBody"] == {
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "name": {
                            "type": "string",
                            "maxLength": 40,
                            "description": "Display name",
                        },
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "sizes": {"type": "array", "items": {"type": "integer"}},
                    },
                    "required": ["name"],
                },
                "encoding": {
                    "tags": {"style": "form", "explode": True},
                    "sizes": {"style": "form", "explode": False},
                },
            }
        },
        "required": True,
    }


def test_form_file_forces_multipart() -> None:
    document = with_operation(
        {
            "consumes": ["application/x-www-form-urlencoded", "multipart/form-data"],
            "parameters": [
                {"name": "upload", "in": "formData", "type": "file", "format": "png"}
            ],
        }
    )
    converted = convert(document)
    body = converted.document["paths"]["/items"]["post"]["requestBody"]
    assert body == {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"upload": {"type": "string", "format": "binary"}},
                }
            }
        }
    }
    assert messages(converted) == [
        "warning: api.yaml: paths[\"/items\"].post.consumes: a file cannot be sent as "
        "application/x-www-form-urlencoded, so the form body is multipart/form-data "
        "only; list only multipart/form-data in consumes"
    ]


def test_form_file_without_consumes() -> None:
    document = with_operation(
        {"parameters": [{"name": "upload", "in": "formData", "type": "file"}]}
    )
    converted = convert(document)
    body = converted.document["paths"]["/items"]["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"]
    assert converted.warnings == []


def test_form_without_form_media_type_warns() -> None:
    document = with_operation(
        {
            "consumes": ["application/json"],
            "parameters": [{"name": "note", "in": "formData", "type": "string"}],
        }
    )
    converted = convert(document)
    body = converted.document["paths"]["/items"]["post"]["requestBody"]
    assert list(body["content"]) == ["application/x-www-form-urlencoded"]
    assert [w.key_path for w in converted.warnings] == ["paths[\"/items\"].post.consumes"]


def test_multipart_array_warns() -> None:
    document = with_operation(
        {
            "consumes": ["multipart/form-data"],
            "parameters": [
                {
                    "name": "ids",
                    "in": "formData",
                    "type": "array",
                    "items": {"type": "integer"},
                    "collectionFormat": "csv",
                }
            ],
        }
    )
    assert messages(convert(document)) == [
        "warning: api.yaml: paths[\"/items\"].post.parameters[0].collectionFormat: "
        "multipart/form-data sends an array as one part per item, so "
        "collectionFormat 'csv' cannot be kept; check how clients send this field"
    ]


def test_path_level_body_moves_to_operations() -> None:
    document = swagger(
        paths={
            "/items": {
                "parameters": [
                    {"name": "id", "in": "query", "type": "string"},
                    {"name": "item", "in": "body", "schema": {"type": "object"}},
                ],
                "put": {"responses": {"204": {"description": "Stored"}}},
                "post": {
                    "parameters": [
                        {"name": "draft", "in": "body", "schema": {"type": "string"}}
                    ],
                    "responses": {"204": {"description": "Stored"}},
                },
            }
        }
    )
    item = convert(document).document["paths"]["/items"]
    assert item["parameters"] == [
        {"name": "id", "in": "query", "schema": {"type": "string"}}
    ]
    assert item["put"]["requestBody"] == {
        "content": {"application/json": {"schema": {"type": "object"}}}
    }
    assert item["post"]["requestBody"] == {
        "content": {"application/json": {"schema": {"type": "string"}}}
    }


def test_path_level_form_field_overridden() -> None:
    document = swagger(
        paths={
            "/items": {
                "parameters": [
                    {"name": "a", "in": "formData", "type": "string"},
                    {"name": "b", "in": "formData", "type": "string"},
                ],
                "post": {
                    "parameters": [{"name": "b", "in": "formData", "type": "integer"}],
                    "responses": {"204": {"description": "Stored"}},
                },
            }
        }
    )
    item = convert(document).document["paths"]["/items"]
    assert "parameters" not in item
    schema = item["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]
    assert schema["properties"] == {"a": {"type": "string"}, "b": {"type": "integer"}}


def test_body_and_form_together_keep_body() -> None:
    document = with_operation(
        {
            "parameters": [
                {"name": "note", "in": "formData", "type": "string"},
                {"name": "item", "in": "body", "schema": {"type": "object"}},
            ]
        }
    )
    converted = convert(document)
    body = converted.document["paths"]["/items"]["post"]["requestBody"]
    assert list(body["content"]) == ["application/json"]
    assert [w.key_path for w in converted.warnings] == [
        "paths[\"/items\"].post.parameters[0]"
    ]


# --- Non-body parameters ----------------------------------------------------


@pytest.mark.parametrize(
    ("location", "collection_format", "style"),
    [
        ("query", None, {"style": "form", "explode": False}),
        ("query", "csv", {"style": "form", "explode": False}),
        ("query", "multi", {"style": "form", "explode": True}),
        ("query", "ssv", {"style": "spaceDelimited", "explode": False}),
        ("query", "pipes", {"style": "pipeDelimited", "explode": False}),
        ("path", "csv", {"style": "simple"}),
        ("header", None, {"style": "simple"}),
    ],
    ids=["query-default", "query-csv", "multi", "ssv", "pipes", "path", "header"],
)
def test_collection_format_style(
    location: str, collection_format: str | None, style: dict[str, Any]
) -> None:
    parameter: dict[str, Any] = {
        "name": "ids",
        "in": location,
        "required": True,
        "type": "array",
        "items": {"type": "integer"},
    }
    if collection_format is not None:
        parameter["collectionFormat"] = collection_format
    path = "/items/{ids}" if location == "path" else "/items"
    document = swagger(
        paths={
            path: {
                "get": {
                    "parameters": [parameter],
                    "responses": {"200": {"description": "Found"}},
                }
            }
        }
    )
    converted = convert(document)
    assert converted.document["paths"][path]["get"]["parameters"] == [
        {
            "name": "ids",
            "in": location,
            "required": True,
            **style,
            "schema": {"type": "array", "items": {"type": "integer"}},
        }
    ]
    assert converted.warnings == []


def test_collection_format_tsv_warns() -> None:
    document = with_operation(
        {
            "parameters": [
                {
                    "name": "ids",
                    "in": "query",
                    "type": "array",
                    "items": {"type": "string"},
                    "collectionFormat": "tsv",
                }
            ]
        }
    )
    converted = convert(document)
    parameter = converted.document["paths"]["/items"]["post"]["parameters"][0]
    assert (parameter["style"], parameter["explode"]) == ("form", False)
    assert messages(converted) == [
        "warning: api.yaml: paths[\"/items\"].post.parameters[0].collectionFormat: "
        "collectionFormat 'tsv' has no OpenAPI 3.0 equivalent, so it was written "
        "as 'csv' (style: form, explode: false); check how clients send this "
        "parameter"
    ]


def test_collection_format_pipes_in_header_warns() -> None:
    document = with_operation(
        {
            "parameters": [
                {
                    "name": "X-Ids",
                    "in": "header",
                    "type": "array",
                    "items": {"type": "string"},
                    "collectionFormat": "pipes",
                }
            ]
        }
    )
    converted = convert(document)
    parameter = converted.document["paths"]["/items"]["post"]["parameters"][0]
    assert parameter["style"] == "simple"
    assert len(converted.warnings) == 1


def test_parameter_schema_fields() -> None:
    document = with_operation(
        {
            "parameters": [
                {
                    "name": "size",
                    "in": "query",
                    "description": "Shoe size",
                    "required": False,
                    "allowEmptyValue": True,
                    "type": "number",
                    "format": "float",
                    "default": 42,
                    "minimum": 20,
                    "exclusiveMinimum": True,
                    "maximum": 50,
                    "multipleOf": 0.5,
                    "enum": [40, 42, 44],
                    "x-unit": "EU",
                },
                {
                    "name": "code",
                    "in": "query",
                    "type": "string",
                    "pattern": "^[A-Z]{3}$",
                    "minLength": 3,
                    "maxLength": 3,
                },
                {
                    "name": "ids",
                    "in": "query",
                    "type": "array",
                    "items": {"type": "integer", "format": "int64", "minimum": 1},
                    "minItems": 1,
                    "maxItems": 10,
                    "uniqueItems": True,
                },
            ]
        }
    )
    assert posted(document)["parameters"] == [
        {
            "name": "size",
            "in": "query",
            "description": "Shoe size",
            "required": False,
            "allowEmptyValue": True,
            "schema": {
                "type": "number",
                "format": "float",
                "default": 42,
                "minimum": 20,
                "exclusiveMinimum": True,
                "maximum": 50,
                "multipleOf": 0.5,
                "enum": [40, 42, 44],
            },
            "x-unit": "EU",
        },
        {
            "name": "code",
            "in": "query",
            "schema": {
                "type": "string",
                "pattern": "^[A-Z]{3}$",
                "minLength": 3,
                "maxLength": 3,
            },
        },
        {
            "name": "ids",
            "in": "query",
            "style": "form",
            "explode": False,
            "schema": {
                "type": "array",
                "items": {"type": "integer", "format": "int64", "minimum": 1},
                "minItems": 1,
                "maxItems": 10,
                "uniqueItems": True,
            },
        },
    ]


def test_allow_empty_value_only_in_query() -> None:
    document = with_operation(
        {
            "parameters": [
                {
                    "name": "X-Flag",
                    "in": "header",
                    "type": "string",
                    "allowEmptyValue": True,
                }
            ]
        }
    )
    converted = convert(document)
    parameter = converted.document["paths"]["/items"]["post"]["parameters"][0]
    assert "allowEmptyValue" not in parameter
    assert messages(converted) == [
        "warning: api.yaml: paths[\"/items\"].post.parameters[0].allowEmptyValue: "
        "allowEmptyValue applies only to query parameters, not to 'header' ones, "
        "so it was left out"
    ]


def test_path_parameter_made_required() -> None:
    document = swagger(
        paths={
            "/items/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "type": "string"}],
                    "responses": {"200": {"description": "Found"}},
                }
            }
        }
    )
    converted = convert(document)
    parameter = converted.document["paths"]["/items/{id}"]["get"]["parameters"][0]
    assert parameter["required"] is True
    assert [w.key_path for w in converted.warnings] == [
        "paths[\"/items/{id}\"].get.parameters[0].required"
    ]


# --- Responses --------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation_produces", "global_produces", "media_types"),
    [
        (["text/csv"], ["application/json"], ["text/csv"]),
        (
            None,
            ["application/xml", "application/json"],
            ["application/xml", "application/json"],
        ),
        (None, None, ["application/json"]),
    ],
    ids=["operation", "global", "default"],
)
def test_response_media_types(
    operation_produces: list[str] | None,
    global_produces: list[str] | None,
    media_types: list[str],
) -> None:
    operation: dict[str, Any] = {
        "responses": {
            "200": {
                "description": "Items",
                "schema": {"type": "array", "items": {"type": "string"}},
            }
        }
    }
    if operation_produces is not None:
        operation["produces"] = operation_produces
    fields = {} if global_produces is None else {"produces": global_produces}
    assert posted(with_operation(operation, **fields))["responses"] == {
        "200": {
            "description": "Items",
            "content": {
                media_type: {"schema": {"type": "array", "items": {"type": "string"}}}
                for media_type in media_types
            },
        }
    }


def test_response_headers_and_examples() -> None:
    document = with_operation(
        {
            "produces": ["application/json", "text/plain"],
            "responses": {
                200: {
                    "description": "Counted",
                    "headers": {
                        "X-Rate-Limit": {
                            "type": "integer",
                            "format": "int32",
                            "description": "Calls left",
                            "x-window": "1h",
                        }
                    },
                    "schema": {"type": "integer"},
                    "examples": {"application/json": 3, "text/plain": "3"},
                    "x-cache": "none",
                }
            },
        }
    )
    assert posted(document)["responses"] == {
        "200": {
            "description": "Counted",
            "headers": {
                "X-Rate-Limit": {
                    "description": "Calls left",
                    "schema": {"type": "integer", "format": "int32"},
                    "x-window": "1h",
                }
            },
            "content": {
                "application/json": {"schema": {"type": "integer"}, "example": 3},
                "text/plain": {"schema": {"type": "integer"}, "example": "3"},
            },
            "x-cache": "none",
        }
    }


def test_example_for_unlisted_media_type_warns() -> None:
    document = with_operation(
        {
            "responses": {
                "200": {
                    "description": "Counted",
                    "schema": {"type": "integer"},
                    "examples": {"application/xml": "<n>3</n>"},
                }
            }
        }
    )
    converted = convert(document)
    assert converted.document["paths"]["/items"]["post"]["responses"]["200"] == {
        "description": "Counted",
        "content": {"application/json": {"schema": {"type": "integer"}}},
    }
    assert [w.key_path for w in converted.warnings] == [
        "paths[\"/items\"].post.responses.200.examples[\"application/xml\"]"
    ]


def test_response_without_schema_has_no_content() -> None:
    document = with_operation(
        {
            "produces": ["application/json"],
            "responses": {"204": {"description": "Gone"}},
        }
    )
    assert posted(document)["responses"] == {"204": {"description": "Gone"}}


def test_response_ref_inlined_for_other_media_types() -> None:
    document = with_operation(
        {
            "produces": ["text/html"],
            "responses": {
                "404": {"$ref": "#/responses/NotFound"},
                "410": {"$ref": "#/responses/Gone"},
            },
        },
        responses={
            "NotFound": {"description": "Missing", "schema": {"type": "string"}},
            "Gone": {"description": "Gone for good"},
        },
    )
    assert posted(document)["responses"] == {
        "404": {
            "description": "Missing",
            "content": {"text/html": {"schema": {"type": "string"}}},
        },
        "410": {"$ref": "#/components/responses/Gone"},
    }


# --- Schemas ----------------------------------------------------------------


def convert_schema(schema: dict[str, Any], **definitions: Any) -> Converted:
    return convert(swagger(definitions={"Thing": schema, **definitions}))


def schema_of(converted: Converted) -> Any:
    return converted.document["components"]["schemas"]["Thing"]


def test_schema_x_nullable() -> None:
    converted = convert_schema(
        {
            "type": "object",
            "properties": {"nick": {"type": "string", "x-nullable": True}},
        }
    )
    assert schema_of(converted) == {
        "type": "object",
        "properties": {"nick": {"type": "string", "nullable": True}},
    }


def test_schema_type_file() -> None:
    converted = convert_schema({"type": "file", "format": "png", "description": "A"})
    assert schema_of(converted) == {
        "type": "string",
        "format": "binary",
        "description": "A",
    }


def test_schema_discriminator() -> None:
    converted = convert_schema(
        {
            "type": "object",
            "discriminator": "kind",
            "required": ["kind"],
            "properties": {"kind": {"type": "string"}},
        }
    )
    assert schema_of(converted)["discriminator"] == {"propertyName": "kind"}


def test_schema_fields_kept() -> None:
    schema = {
        "title": "Thing",
        "description": "A thing",
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "integer", "readOnly": True, "x-db": "pk"},
            "name": {"type": "string", "example": "pen", "xml": {"attribute": True}},
        },
        "additionalProperties": {"type": "string"},
        "minProperties": 1,
        "externalDocs": {"url": "https://example.test/thing"},
        "example": {"id": 1, "name": "pen"},
        "xml": {"name": "thing"},
        "x-internal": True,
    }
    assert schema_of(convert_schema(copy.deepcopy(schema))) == schema


def test_schema_keyword_named_properties_stay() -> None:
    reference = {"$ref": "#/definitions/Other"}
    schema = {
        "type": "object",
        "properties": {
            "$ref": {"type": "string"},
            "$schema": {"type": "string"},
            "not": reference,
            "default": reference,
            "enum": {"type": "array", "items": reference},
        },
        "default": {"$ref": "#/definitions/NotAReference"},
        "example": {"$ref": "#/definitions/NotAReference"},
        "enum": [{"$ref": "#/definitions/NotAReference"}],
    }
    # Not validated: openapi-spec-validator 0.9.0 follows `$ref` in data too.
    converted = convert_swagger2(
        swagger(definitions={"Thing": schema, "Other": {"type": "object"}}),
        file="api.yaml",
    )
    rewritten = {"$ref": "#/components/schemas/Other"}
    assert schema_of(converted) == {
        "type": "object",
        "properties": {
            "$ref": {"type": "string"},
            "$schema": {"type": "string"},
            "not": rewritten,
            "default": rewritten,
            "enum": {"type": "array", "items": rewritten},
        },
        "default": {"$ref": "#/definitions/NotAReference"},
        "example": {"$ref": "#/definitions/NotAReference"},
        "enum": [{"$ref": "#/definitions/NotAReference"}],
    }


def test_schema_nested_ref_rewritten() -> None:
    converted = convert_schema(
        {
            "allOf": [{"$ref": "#/definitions/Base"}],
            "properties": {"id": {"$ref": "#/definitions/Base/properties/id"}},
        },
        Base={"type": "object", "properties": {"id": {"type": "integer"}}},
    )
    assert schema_of(converted) == {
        "allOf": [{"$ref": "#/components/schemas/Base"}],
        "properties": {"id": {"$ref": "#/components/schemas/Base/properties/id"}},
    }


def test_schema_unknown_field_warns() -> None:
    converted = convert_schema({"type": "string", "const": "a"})
    assert schema_of(converted) == {"type": "string"}
    assert messages(converted) == [
        "warning: api.yaml: definitions.Thing.const: 'const' is not an OpenAPI 3.0 "
        "schema field, so it was left out; remove it, or rename it with an 'x-' "
        "prefix to keep it as an extension"
    ]


def test_schema_type_list_with_null() -> None:
    converted = convert_schema({"type": ["string", "null"]})
    assert schema_of(converted) == {"type": "string", "nullable": True}
    assert len(converted.warnings) == 1


def test_schema_items_list() -> None:
    converted = convert_schema(
        {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]}
    )
    assert schema_of(converted) == {
        "type": "array",
        "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
    }
    assert [w.key_path for w in converted.warnings] == ["definitions.Thing.items"]


def test_schema_required_repeats_dropped() -> None:
    converted = convert_schema({"type": "object", "required": ["a", "a"]})
    assert schema_of(converted) == {"type": "object", "required": ["a"]}
    assert [w.key_path for w in converted.warnings] == ["definitions.Thing.required[1]"]


# --- References that cannot be converted ------------------------------------


def test_missing_reference_is_an_error() -> None:
    document = with_operation(
        {
            "responses": {
                "200": {"description": "A", "schema": {"$ref": "#/definitions/Nope"}}
            }
        }
    )
    assert error_messages(document) == [
        "api.yaml: paths[\"/items\"].post.responses.200.schema.$ref: reference "
        "'#/definitions/Nope' not found; define 'Nope' under `definitions`, or fix "
        "the reference"
    ]


def test_external_reference_is_an_error() -> None:
    document = with_operation({"parameters": [{"$ref": "common.yaml#/Limit"}]})
    assert error_messages(document) == [
        "api.yaml: paths[\"/items\"].post.parameters[0].$ref: external reference "
        "'common.yaml#/Limit' cannot be converted; bundle the document into one "
        "file first"
    ]


def test_parameter_ref_to_definitions_is_an_error() -> None:
    document = with_operation(
        {"parameters": [{"$ref": "#/definitions/Pet"}]}, definitions=PET
    )
    assert error_messages(document) == [
        "api.yaml: paths[\"/items\"].post.parameters[0].$ref: reference "
        "'#/definitions/Pet' does not point into `parameters`; refer to an entry of "
        "the top-level `parameters`"
    ]


def test_missing_paths_is_an_error() -> None:
    document = swagger()
    del document["paths"]
    assert error_messages(document) == [
        "api.yaml: paths: missing `paths`; add `paths`, even as an empty mapping"
    ]


# --- The document as a whole ------------------------------------------------


def test_document_fields_carried_over() -> None:
    document = with_operation(
        {
            "tags": ["items"],
            "summary": "Add an item",
            "description": "Adds one item.",
            "externalDocs": {"url": "https://example.test/items"},
            "operationId": "addItem",
            "deprecated": True,
            "security": [{"key": []}],
            "consumes": ["application/json"],
            "produces": ["application/json"],
            "x-rate": 5,
        },
        info={"title": "Shop", "version": "2", "contact": {"name": "Team"}},
        tags=[{"name": "items", "description": "Items"}],
        externalDocs={"url": "https://example.test"},
        security=[{"key": []}],
        securityDefinitions={"key": {"type": "apiKey", "name": "k", "in": "query"}},
        consumes=["application/json"],
        produces=["application/json"],
        **{"x-team": "shop"},
    )
    converted = convert(document).document
    assert list(converted) == [
        "openapi",
        "info",
        "externalDocs",
        "security",
        "tags",
        "paths",
        "components",
        "x-team",
    ]
    assert converted["openapi"] == "3.0.3"
    assert converted["info"] == document["info"]
    assert converted["tags"] == document["tags"]
    assert converted["externalDocs"] == document["externalDocs"]
    assert converted["security"] == [{"key": []}]
    assert converted["paths"]["/items"]["post"] == {
        "tags": ["items"],
        "summary": "Add an item",
        "description": "Adds one item.",
        "externalDocs": {"url": "https://example.test/items"},
        "operationId": "addItem",
        "responses": {"204": {"description": "Done"}},
        "deprecated": True,
        "security": [{"key": []}],
        "x-rate": 5,
    }


def test_unknown_fields_warn() -> None:
    document = with_operation({"callbacks": {}}, webhooks={})
    converted = convert(document)
    assert "webhooks" not in converted.document
    assert "callbacks" not in converted.document["paths"]["/items"]["post"]
    assert messages(converted) == [
        "warning: api.yaml: paths[\"/items\"].post.callbacks: 'callbacks' is not a "
        "Swagger 2.0 operation field, so it was left out; remove it, or rename it "
        "with an 'x-' prefix to keep it as an extension",
        "warning: api.yaml: webhooks: 'webhooks' is not a Swagger 2.0 top-level "
        "field, so it was left out; remove it, or rename it with an 'x-' prefix to "
        "keep it as an extension",
    ]


UNKNOWN_FIELD_CASES = [
    (
        {"parameters": [{"name": "q", "in": "query", "type": "string", "mode": 1}]},
        "paths[\"/items\"].post.parameters[0].mode",
        "parameter field",
    ),
    (
        {
            "consumes": ["application/x-www-form-urlencoded"],
            "parameters": [
                {"name": "f", "in": "formData", "type": "string", "mode": 1}
            ],
        },
        "paths[\"/items\"].post.parameters[0].mode",
        "parameter field",
    ),
    (
        {"parameters": [{"name": "b", "in": "body", "schema": {}, "mode": 1}]},
        "paths[\"/items\"].post.parameters[0].mode",
        "body parameter field",
    ),
    (
        {"responses": {"204": {"description": "Done", "mode": 1}}},
        "paths[\"/items\"].post.responses.204.mode",
        "response field",
    ),
    (
        {
            "responses": {
                "204": {
                    "description": "Done",
                    "headers": {"X-Rate": {"type": "integer", "mode": 1}},
                }
            }
        },
        "paths[\"/items\"].post.responses.204.headers.X-Rate.mode",
        "header field",
    ),
]


@pytest.mark.parametrize(("operation", "key_path", "kind"), UNKNOWN_FIELD_CASES)
def test_unknown_field_of_each_object_warns(
    operation: dict[str, Any], key_path: str, kind: str
) -> None:
    converted = convert(with_operation(operation))
    assert messages(converted) == [
        f"warning: api.yaml: {key_path}: 'mode' is not a Swagger 2.0 {kind}, so "
        "it was left out; remove it, or rename it with an 'x-' prefix to keep it "
        "as an extension",
    ]


def test_known_and_extension_fields_quiet() -> None:
    header = {"type": "array", "items": {"type": "integer"}}
    header |= {"collectionFormat": "csv", "x-unit": "seconds"}
    operation = {
        "parameters": [{"name": "q", "in": "query", "type": "string", "x-a": 1}],
        "responses": {
            "204": {"description": "Done", "headers": {"X-Wait": header}, "x-b": 2}
        },
    }
    converted = convert(with_operation(operation))
    assert messages(converted) == []


def test_info_version_number_quoted() -> None:
    converted = convert(swagger(info={"title": "Shop", "version": 1.5}))
    assert converted.document["info"]["version"] == "1.5"
    assert [w.key_path for w in converted.warnings] == ["info.version"]


def test_input_unchanged_and_not_shared() -> None:
    document = yaml.safe_load((FIXTURES / "bookshop.yaml").read_text())
    before = copy.deepcopy(document)
    first = convert_swagger2(document, file="bookshop.yaml").document
    assert document == before

    # Changing every list and mapping of the output leaves the input alone.
    def scribble(value: Any) -> None:
        if isinstance(value, dict):
            for item in list(value.values()):
                scribble(item)
            value["x-scribbled"] = True
        elif isinstance(value, list):
            for item in value:
                scribble(item)
            value.append("scribbled")

    scribble(first)
    assert document == before


def test_output_deterministic() -> None:
    document = yaml.safe_load((FIXTURES / "bookshop.yaml").read_text())
    first = convert_swagger2(copy.deepcopy(document), file="bookshop.yaml")
    second = convert_swagger2(copy.deepcopy(document), file="bookshop.yaml")
    assert json.dumps(first.document) == json.dumps(second.document)
    assert first.warnings == second.warnings


# --- Whole documents --------------------------------------------------------


def test_bookshop_matches_expected(update_golden: bool) -> None:
    """The fixture converts to exactly the expected document, key order included."""
    loaded = load_file(FIXTURES / "bookshop.yaml")
    converted = convert_swagger2(loaded.data, file=loaded.file)
    validate(converted.document, cls=OpenAPIV30SpecValidator)
    expected_path = FIXTURES / "bookshop.openapi.yaml"
    text = yaml.safe_dump(converted.document, sort_keys=False, allow_unicode=True)
    if update_golden:
        expected_path.write_text(text)
    assert converted.warnings == []
    assert text == expected_path.read_text()


def operations(paths: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        (path, method, operation.get("operationId"))
        for path, item in paths.items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_petstore_separate_after_bundling() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-document corpus is not at {CORPUS}")
    root = PETSTORE_SEPARATE / "spec" / "swagger.yaml"
    # `../common/Error.yaml` climbs out of spec/, so the ref root is one up.
    bundled = bundle_document(root, ref_root=PETSTORE_SEPARATE)
    converted = convert_swagger2(bundled.document, file=str(root))
    validate(converted.document, cls=OpenAPIV30SpecValidator)
    document = converted.document
    assert converted.warnings == []
    assert operations(document["paths"]) == [
        ("/pets", "get", "findPets"),
        ("/pets", "post", "addPet"),
        ("/pets/{id}", "get", "find pet by id"),
        ("/pets/{id}", "delete", "deletePet"),
    ]
    assert document["servers"] == [{"url": "http://petstore.swagger.io/api"}]
    assert document["paths"]["/pets"]["post"]["requestBody"]["required"] is True
    tags = document["components"]["parameters"]["tagsParam"]
    assert (tags["style"], tags["explode"]) == ("form", False)


@pytest.fixture(scope="module")
def kubernetes() -> tuple[dict[str, Any], Converted]:
    if not CORPUS.is_dir():
        pytest.skip(f"the real-document corpus is not at {CORPUS}")
    source = json.loads(KUBERNETES.read_text())
    converted = convert_swagger2(copy.deepcopy(source), file=str(KUBERNETES))
    return source, converted


def test_kubernetes_validates(kubernetes: tuple[dict[str, Any], Converted]) -> None:
    _, converted = kubernetes
    validate(converted.document, cls=OpenAPIV30SpecValidator)


def test_kubernetes_keeps_operations(
    kubernetes: tuple[dict[str, Any], Converted],
) -> None:
    source, converted = kubernetes
    before = operations(source["paths"])
    after = operations(converted.document["paths"])
    assert len(after) == 1123
    assert after == before


def test_kubernetes_keyword_properties(
    kubernetes: tuple[dict[str, Any], Converted],
) -> None:
    _, converted = kubernetes
    name = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps"
    properties = converted.document["components"]["schemas"][name]["properties"]
    assert properties["$ref"] == {"type": "string"}
    assert properties["$schema"] == {"type": "string"}
    assert properties["not"] == {"$ref": f"#/components/schemas/{name}"}
    assert properties["default"]["$ref"] == (
        "#/components/schemas/io.k8s.apiextensions-apiserver.pkg.apis."
        "apiextensions.v1.JSON"
    )
    assert properties["enum"]["type"] == "array"


def test_kubernetes_warnings(kubernetes: tuple[dict[str, Any], Converted]) -> None:
    _, converted = kubernetes
    assert [problem.message for problem in converted.warnings] == [
        "1123 operations set `schemes`, which cannot be carried over without "
        "`host`, because the server URL is then relative and keeps the document's "
        "scheme"
    ]
