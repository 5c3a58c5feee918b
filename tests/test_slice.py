"""Tests for nanogen.slice: one self-contained OpenAPI document per operation."""

from __future__ import annotations

import copy
import hashlib
import json
import statistics
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from nanogen.bundle import SourceMap, bundle_document
from nanogen.convert import convert_swagger2
from nanogen.errors import InputError
from nanogen.load import load_file
from nanogen.slice import (
    METHODS,
    SlicedOperation,
    SliceResult,
    kebab_words,
    safe_name,
    slice_document,
)
from nanogen.validate import is_valid_name

FIXTURES = Path(__file__).parent / "fixtures" / "slice"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def document_of(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(textwrap.dedent(text))
    return data


def slice_text(text: str, **options: Any) -> SliceResult:
    return slice_document(document_of(text), file="api.yaml", **options)


def only(result: SliceResult) -> SlicedOperation:
    assert len(result.operations) == 1
    return result.operations[0]


def operation_of(sliced: SlicedOperation) -> dict[str, Any]:
    operation: dict[str, Any] = sliced.document["paths"][sliced.path][sliced.method]
    return operation


def component_names(sliced: SlicedOperation) -> dict[str, list[str]]:
    components = sliced.document.get("components", {})
    return {section: list(entries) for section, entries in components.items()}


def parsed_text(sliced: SlicedOperation) -> Any:
    return yaml.load(sliced.text, Loader=_Loader)


def validation_errors(document: dict[str, Any]) -> list[str]:
    version = str(document["openapi"])
    cls = (
        OpenAPIV31SpecValidator
        if version.startswith("3.1")
        else OpenAPIV30SpecValidator
    )
    return [error.message for error in cls(document).iter_errors()]


# --- Parameters -------------------------------------------------------------

PARAMETERS = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Pets, version: '1'}
    paths:
      /pets/{petId}:
        summary: One pet
        description: A pet by its id
        parameters:
          - $ref: '#/components/parameters/PetId'
          - {name: verbose, in: query, schema: {type: boolean}}
          - {name: trace, in: header, schema: {type: string}}
        get:
          operationId: getPet
          parameters:
            - {name: verbose, in: query, required: true, schema: {type: integer}}
            - {name: trace, in: query, schema: {type: string}}
          responses:
            '200': {description: OK}
        delete:
          operationId: deletePet
          responses:
            '204': {description: Deleted}
    components:
      parameters:
        PetId: {name: petId, in: path, required: true, schema: {type: string}}
"""
)


def test_path_parameters_merged_into_operation() -> None:
    result = slice_text(PARAMETERS)
    delete = result.operations[1]
    assert operation_of(delete)["parameters"] == [
        {"$ref": "#/components/parameters/PetId"},
        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
        {"name": "trace", "in": "header", "schema": {"type": "string"}},
    ]
    # The merged list goes before the responses, where OpenAPI lists it.
    assert list(operation_of(delete)) == ["operationId", "parameters", "responses"]
    assert component_names(delete) == {"parameters": ["PetId"]}


def test_operation_parameter_overrides_path_one() -> None:
    get = slice_text(PARAMETERS).operations[0]
    assert operation_of(get)["parameters"] == [
        {"$ref": "#/components/parameters/PetId"},
        {"name": "trace", "in": "header", "schema": {"type": "string"}},
        {
            "name": "verbose",
            "in": "query",
            "required": True,
            "schema": {"type": "integer"},
        },
        {"name": "trace", "in": "query", "schema": {"type": "string"}},
    ]


def test_path_item_keeps_summary_not_parameters() -> None:
    get = slice_text(PARAMETERS).operations[0]
    path_item = get.document["paths"]["/pets/{petId}"]
    assert list(path_item) == ["summary", "description", "get"]
    assert path_item["summary"] == "One pet"


def test_overriding_ref_parameter_by_name_and_location() -> None:
    text = PARAMETERS.replace(
        "{name: verbose, in: query, required: true, schema: {type: integer}}",
        "{name: petId, in: path, required: true, schema: {type: integer}}",
    )
    get = slice_text(text).operations[0]
    parameters = operation_of(get)["parameters"]
    assert {"$ref": "#/components/parameters/PetId"} not in parameters
    assert parameters[-2]["schema"] == {"type": "integer"}
    assert "components" not in get.document


# --- Components -------------------------------------------------------------


@pytest.fixture(scope="module")
def component_kinds() -> SliceResult:
    document = load_file(FIXTURES / "components.yaml").data
    return slice_document(document, file="components.yaml")


def test_closure_holds_every_component_kind(component_kinds: SliceResult) -> None:
    update = component_kinds.operations[0]
    assert component_names(update) == {
        "schemas": ["Order", "Id", "OrderPatch", "Event"],
        "responses": ["Order"],
        "parameters": ["OrderId"],
        "examples": ["PaidOrder"],
        "requestBodies": ["OrderUpdate"],
        "headers": ["RateLimit"],
        "securitySchemes": ["apiKey"],
        "links": ["GetOrder"],
        "callbacks": ["Shipped"],
        "pathItems": ["ShippedEvent"],
    }


def test_closure_leaves_out_unused(component_kinds: SliceResult) -> None:
    unused = component_kinds.operations[1]
    assert component_names(unused) == {"responses": ["Unused"]}


def test_component_values_unchanged(component_kinds: SliceResult) -> None:
    source = load_file(FIXTURES / "components.yaml").data["components"]
    for section, entries in (
        component_kinds.operations[0].document["components"].items()
    ):
        for name, value in entries.items():
            assert value == source[section][name], f"{section}.{name}"


def test_component_kinds_validate(component_kinds: SliceResult) -> None:
    for sliced in component_kinds.operations:
        assert validation_errors(sliced.document) == [], sliced.source


def test_input_not_modified(component_kinds: SliceResult) -> None:
    document = load_file(FIXTURES / "components.yaml").data
    before = copy.deepcopy(document)
    slice_document(document, file="components.yaml", max_depth=0)
    assert document == before


RECURSIVE = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Trees, version: '1'}
    paths:
      /trees:
        get:
          operationId: listTrees
          responses:
            '200':
              description: OK
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Tree'}
      /people:
        get:
          operationId: listPeople
          responses:
            '200':
              description: OK
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Person'}
    components:
      schemas:
        Tree:
          type: object
          nullable: true
          properties:
            children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
        Person:
          type: object
          properties:
            employer: {$ref: '#/components/schemas/Company'}
        Company:
          allOf:
            - {$ref: '#/components/schemas/Named'}
            - type: object
              properties:
                staff: {type: array, items: {$ref: '#/components/schemas/Person'}}
        Named:
          type: object
          properties:
            name: {type: string}
        Lonely: {type: string}
"""
)


def test_self_recursive_schema_kept() -> None:
    trees = slice_text(RECURSIVE).operations[0]
    assert component_names(trees) == {"schemas": ["Tree"]}
    assert parsed_text(trees) == trees.document


def test_mutual_recursion_kept_whole() -> None:
    people = slice_text(RECURSIVE).operations[1]
    assert component_names(people) == {"schemas": ["Person", "Company", "Named"]}
    source = document_of(RECURSIVE)["components"]["schemas"]
    assert people.document["components"]["schemas"]["Company"] == source["Company"]
    assert validation_errors(people.document) == []


DISCRIMINATOR = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Pets, version: '1'}
    paths:
      /pets:
        get:
          operationId: getPet
          responses:
            '200':
              description: OK
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Pet'}
    components:
      schemas:
        Pet:
          type: object
          required: [kind]
          properties:
            kind: {type: string}
          discriminator:
            propertyName: kind
            mapping:
              cat: '#/components/schemas/Cat'
              dog: Dog
        Cat: {type: object, properties: {meows: {type: boolean}}}
        Dog: {type: object, properties: {barks: {type: boolean}}}
        Bird: {type: object}
"""
)


def test_discriminator_mapping_targets_included() -> None:
    pet = only(slice_text(DISCRIMINATOR))
    assert component_names(pet) == {"schemas": ["Pet", "Cat", "Dog"]}
    assert validation_errors(pet.document) == []


# --- Security ---------------------------------------------------------------

SECURITY = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Shop, version: '1'}
    security:
      - bearer: []
    paths:
      /a:
        get:
          operationId: usesGlobal
          responses: {'200': {description: OK}}
      /b:
        get:
          operationId: usesOwn
          security:
            - apiKey: []
              basic: []
          responses: {'200': {description: OK}}
      /c:
        get:
          operationId: usesNone
          security: []
          responses: {'200': {description: OK}}
      /d:
        get:
          operationId: usesMissing
          security:
            - missing: []
          responses: {'200': {description: OK}}
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
        apiKey: {type: apiKey, in: header, name: X-API-Key}
        basic: {type: http, scheme: basic}
"""
)


def test_global_security_moves_to_operation() -> None:
    sliced = slice_text(SECURITY).operations[0]
    assert operation_of(sliced)["security"] == [{"bearer": []}]
    assert "security" not in sliced.document
    assert component_names(sliced) == {"securitySchemes": ["bearer"]}


def test_operation_security_wins() -> None:
    sliced = slice_text(SECURITY).operations[1]
    assert operation_of(sliced)["security"] == [{"apiKey": [], "basic": []}]
    assert component_names(sliced) == {"securitySchemes": ["apiKey", "basic"]}


def test_empty_security_means_none() -> None:
    sliced = slice_text(SECURITY).operations[2]
    assert operation_of(sliced)["security"] == []
    assert "components" not in sliced.document


def test_missing_security_scheme_warns() -> None:
    result = slice_text(SECURITY)
    assert [str(problem) for problem in result.warnings] == [
        'warning: api.yaml: paths["/d"].get.security: the security requirement names '
        "'missing', which components.securitySchemes does not define; add the "
        "security scheme, or remove it from the requirement"
    ]


def test_no_global_security_adds_none() -> None:
    text = SECURITY.replace("security:\n  - bearer: []\n", "")
    sliced = slice_text(text).operations[0]
    assert "security" not in operation_of(sliced)


# --- Webhooks and whole documents -------------------------------------------

WEBHOOKS = textwrap.dedent(
    """\
    openapi: 3.1.0
    info: {title: Events, version: '1'}
    webhooks:
      newPet:
        post:
          requestBody:
            content:
              application/json:
                schema: {$ref: '#/components/schemas/Pet'}
          responses: {'200': {description: OK}}
      pet/gone:
        $ref: '#/components/pathItems/Gone'
    components:
      schemas:
        Pet: {type: object}
      pathItems:
        Gone:
          delete:
            operationId: petGone
            responses: {'204': {description: OK}}
"""
)


def test_webhook_becomes_receiver() -> None:
    new_pet, gone = slice_text(WEBHOOKS).operations
    assert (new_pet.kind, new_pet.webhook) == ("webhook", "newPet")
    assert (new_pet.method, new_pet.path) == ("post", "/webhooks/newPet")
    assert new_pet.service == "webhooks"
    assert new_pet.capability == "post-webhooks-new-pet"
    assert operation_of(new_pet)["x-nanogen"] == {
        "kind": "webhook",
        "webhook": "newPet",
    }
    assert "webhooks" not in new_pet.document
    assert component_names(new_pet) == {"schemas": ["Pet"]}
    assert validation_errors(new_pet.document) == []
    assert gone.path == "/webhooks/pet%2Fgone"
    assert gone.capability == "pet-gone"
    assert "components" not in gone.document


def test_webhooks_follow_paths() -> None:
    text = WEBHOOKS.replace(
        "webhooks:",
        "paths:\n  /pets:\n    get:\n      responses: {'200': {description: OK}}\nwebhooks:",
    )
    kinds = [sliced.kind for sliced in slice_text(text).operations]
    assert kinds == ["operation", "webhook", "webhook"]


def test_document_without_operations_rejected() -> None:
    text = """\
        openapi: 3.1.0
        info: {title: Empty, version: '1'}
        paths:
          /pets:
            summary: No methods here
        webhooks: {}
    """
    with pytest.raises(InputError) as caught:
        slice_text(text)
    assert str(caught.value) == (
        "api.yaml: the document has no operation to split: neither paths nor "
        "webhooks has a get, put, post, delete, options, head, patch or trace "
        "operation; add an operation, or split another document"
    )


def test_swagger_document_rejected() -> None:
    with pytest.raises(InputError) as caught:
        slice_document({"swagger": "2.0", "paths": {}}, file="old.yaml")
    assert "is not OpenAPI 3.0 or 3.1 (openapi: None)" in str(caught.value)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"group_by": "folder"}, "group_by must be"),
        ({"max_depth": -1}, "max_depth must be 0 or more"),
    ],
    ids=["group-by", "max-depth"],
)
def test_invalid_options_raise(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        slice_text(SECURITY, **options)


TOP_LEVEL = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Shop, version: '1', description: "Line one\\nline two\\n"}
    servers: [{url: 'https://api.example.com/v1'}]
    externalDocs: {url: 'https://docs.example.com'}
    x-logo: {url: logo.png}
    tags:
      - {name: orders, description: Orders}
      - {name: carts}
      - {name: users}
    paths:
      /orders:
        servers: [{url: 'https://orders.example.com'}]
        x-owner: team-a
        get:
          tags: [orders, carts]
          servers: [{url: 'https://read.example.com'}]
          responses: {'200': {description: OK}}
"""
)


def test_top_level_fields_carried() -> None:
    sliced = only(slice_text(TOP_LEVEL))
    document = sliced.document
    assert list(document) == [
        "openapi",
        "info",
        "servers",
        "externalDocs",
        "x-logo",
        "tags",
        "paths",
    ]
    assert document["info"]["title"] == "Shop: GET /orders"
    assert document["info"]["description"] == "Line one\nline two\n"
    assert document["tags"] == [
        {"name": "orders", "description": "Orders"},
        {"name": "carts"},
    ]
    path_item = document["paths"]["/orders"]
    assert path_item["servers"] == [{"url": "https://orders.example.com"}]
    assert path_item["x-owner"] == "team-a"
    assert path_item["get"]["servers"] == [{"url": "https://read.example.com"}]
    assert validation_errors(document) == []


# --- Refs that need care ----------------------------------------------------


def test_duplicate_required_deduplicated() -> None:
    text = """\
        openapi: 3.1.0
        info: {title: Boxes, version: '1'}
        paths:
          /boxes:
            get:
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Box'}
        components:
          schemas:
            Box:
              type: object
              required: [id, name, id, size, name]
              properties: {id: {type: string}, name: {type: string}, size: {type: integer}}
    """
    document = document_of(text)
    result = slice_document(document, file="api.yaml")
    box = only(result).document["components"]["schemas"]["Box"]
    assert box["required"] == ["id", "name", "size"]
    assert document["components"]["schemas"]["Box"]["required"] == [
        "id",
        "name",
        "id",
        "size",
        "name",
    ]
    assert [str(problem) for problem in result.warnings] == [
        "warning: api.yaml: components.schemas.Box.required: required lists 'id', "
        "'name' more than once, so each document lists them once; remove the "
        "repeats from the input"
    ]
    assert validation_errors(only(result).document) == []


def test_recursive_ref_left_alone() -> None:
    text = """\
        openapi: 3.1.0
        info: {title: Filters, version: '1'}
        paths:
          /search:
            post:
              requestBody:
                content:
                  application/json:
                    schema: {$ref: '#/components/schemas/Filter'}
              responses: {'200': {description: OK}}
        components:
          schemas:
            Filter:
              $recursiveAnchor: true
              type: object
              properties:
                and: {type: array, items: {$recursiveRef: '#'}}
                next: {$dynamicRef: '#node'}
    """
    sliced = only(slice_text(text))
    source = document_of(text)["components"]["schemas"]["Filter"]
    assert sliced.document["components"]["schemas"]["Filter"] == source


def test_ref_outside_components_copied() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Pets, version: '1'}
        paths:
          /pets:
            get:
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Pet'}
            post:
              responses:
                '200':
                  $ref: '#/paths/~1pets/get/responses/200'
        components:
          schemas:
            Pet: {type: object}
    """
    result = slice_text(text)
    post = result.operations[1]
    assert operation_of(post)["responses"]["200"] == {
        "description": "OK",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
        },
    }
    assert component_names(post) == {"schemas": ["Pet"]}
    assert len(result.warnings) == 1
    assert "points outside components, so its target is copied" in str(
        result.warnings[0]
    )


def test_unresolved_refs_all_reported() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Pets, version: '1'}
        paths:
          /pets:
            get:
              parameters: [{$ref: '#/components/parameters/Limit'}]
              responses:
                '200': {$ref: 'responses.yaml#/Ok'}
        components:
          schemas:
            Pet: {$ref: '#/components/schemas/Animal'}
    """
    with pytest.raises(InputError) as caught:
        slice_text(text)
    assert [str(problem) for problem in caught.value.problems] == [
        "api.yaml: components.schemas.Pet.$ref: $ref '#/components/schemas/Animal' "
        "does not resolve; add the component it names, or correct the $ref",
        'api.yaml: paths["/pets"].get.parameters[0].$ref: $ref '
        "'#/components/parameters/Limit' does not resolve; add the component it "
        "names, or correct the $ref",
        "api.yaml: paths[\"/pets\"].get.responses.200.$ref: $ref 'responses.yaml#/Ok' "
        "points outside the document; bundle the document first, so that every "
        "$ref is internal",
    ]


def sliced_with_lines(tmp_path: Path, text: str) -> SliceResult:
    """Slice a document written to a file, with the line of each message."""
    path = tmp_path / "api.yaml"
    path.write_text(textwrap.dedent(text), "utf-8")
    loaded = load_file(path)
    return slice_document(
        loaded.data, file="api.yaml", source_map=SourceMap.for_file(loaded)
    )


def test_structure_errors_have_lines(tmp_path: Path) -> None:
    text = """\
        openapi: 3.1.0
        info: {title: Broken, version: "1"}
        paths:
          /a:
            get: [not, a, mapping]
          /b:
            $ref: '#/paths/~1b'
          /c.d: 5
        webhooks: []
        components:
          schemas: [Pet]
        """
    with pytest.raises(InputError) as caught:
        sliced_with_lines(tmp_path, text)

    assert [
        (problem.line, problem.key_path, problem.message)
        for problem in caught.value.problems
    ] == [
        (5, 'paths["/a"].get', "the operation is not a mapping"),
        (6, 'paths["/b"]', "the path item $ref '#/paths/~1b' refers back to itself"),
        (8, 'paths["/c.d"]', "the path item is not a mapping"),
        (9, "webhooks", "webhooks is not a mapping"),
        (11, "components.schemas", "components.schemas is not a mapping"),
    ]
    assert {problem.file for problem in caught.value.problems} == {
        str(tmp_path / "api.yaml")
    }


def test_warnings_have_lines(tmp_path: Path) -> None:
    result = sliced_with_lines(tmp_path, SECURITY)

    assert [(problem.line, problem.key_path) for problem in result.warnings] == [
        (25, 'paths["/d"].get.security')
    ]


def test_structure_errors_reported() -> None:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "Broken", "version": "1"},
        "paths": {
            "/a": {"get": ["not", "a", "mapping"]},
            "/b": {"$ref": "#/paths/~1b"},
        },
        "webhooks": [],
    }
    with pytest.raises(InputError) as caught:
        slice_document(document, file="api.yaml")
    assert [str(problem) for problem in caught.value.problems] == [
        'api.yaml: paths["/a"].get: the operation is not a mapping; write it as a mapping',
        "api.yaml: paths[\"/b\"]: the path item $ref '#/paths/~1b' refers back to itself; "
        "point it to a path item under components.pathItems",
        "api.yaml: webhooks: webhooks is not a mapping; write it as a mapping",
    ]


def test_ref_cycle_outside_components_rejected() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Loop, version: '1'}
        paths:
          /a:
            get:
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema: {$ref: '#/x-shared/Loop'}
        x-shared:
          Loop:
            type: object
            properties:
              again: {$ref: '#/x-shared/Loop'}
    """
    with pytest.raises(InputError) as caught:
        slice_text(text)
    assert "refers back to itself outside components" in str(caught.value)


def test_ref_in_example_not_followed() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Docs, version: '1'}
        paths:
          /docs:
            get:
              responses:
                '200':
                  description: OK
                  content:
                    application/json:
                      schema:
                        type: object
                        properties:
                          $ref: {type: string}
                          example: {$ref: '#/components/schemas/Used'}
                        example: {$ref: '#/components/schemas/Unused'}
                        enum: [{$ref: '#/components/schemas/Unused'}]
        components:
          schemas:
            Used: {type: string}
            Unused: {type: string}
    """
    sliced = only(slice_text(text))
    assert component_names(sliced) == {"schemas": ["Used"]}


# --- Names ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("listPets", "list-pets"),
        ("GetAccountsAccount", "get-accounts-account"),
        ("repos/get-content", "repos-get-content"),
        ("Pets.List", "pets-list"),
        ("HTMLParser", "html-parser"),
        ("listCoreV1NamespacedPod", "list-core-v1-namespaced-pod"),
        ("get_user_by_id", "get-user-by-id"),
        ("Café au lait", "cafe-au-lait"),
        ("get /pets/{petId}", "get-pets-pet-id"),
        ("2faVerify", "op-2fa-verify"),
        ("delete", "delete-op"),
        ("class", "class-op"),
        ("new", "new-op"),
        ("获取", ""),
        ("__", ""),
    ],
    ids=lambda value: value or "empty",
)
def test_capability_name_sanitised(text: str, name: str) -> None:
    assert safe_name(text, "op") == name
    if name:
        assert is_valid_name(name)


def test_long_name_cut_with_hash() -> None:
    text = "get" + "VeryLongWord" * 10
    name = safe_name(text, "op")
    digest = hashlib.sha256(kebab_words(text).encode()).hexdigest()[:8]
    assert len(name) <= 63
    assert name.endswith(f"-{digest}")
    assert name.startswith("get-very-long-word-very-long-word")
    assert is_valid_name(name)
    assert safe_name(text + "X", "op") != name


def test_name_from_method_and_path() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Pets, version: '1'}
        paths:
          /pets/{petId}:
            get:
              responses: {'200': {description: OK}}
            delete:
              operationId: 获取
              responses: {'200': {description: OK}}
          /:
            delete:
              responses: {'200': {description: OK}}
    """
    names = [sliced.name for sliced in slice_text(text).operations]
    assert names == ["pets-get-pets-pet-id", "pets-delete-pets-pet-id", "api-delete-op"]


def test_same_operation_id_suffixed_with_warning() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Pets, version: '1'}
        paths:
          /pets:
            get:
              operationId: listPets
              responses: {'200': {description: OK}}
          /pets?beta=true:
            get:
              operationId: list_pets
              responses: {'200': {description: OK}}
          /pets/all:
            get:
              operationId: ListPets
              responses: {'200': {description: OK}}
    """
    result = slice_text(text)
    assert [sliced.name for sliced in result.operations] == [
        "pets-list-pets",
        "pets-list-pets-2",
        "pets-list-pets-3",
    ]
    assert [str(problem) for problem in result.warnings] == [
        'warning: api.yaml: paths["/pets/all"].get: GET /pets/all (ListPets) would get '
        "the name 'pets-list-pets', which GET /pets (listPets) already has, so it "
        "is named 'pets-list-pets-3'; give the operations operationIds that differ "
        "in kebab-case",
        'warning: api.yaml: paths["/pets?beta=true"].get: GET /pets?beta=true '
        "(list_pets) would get the name 'pets-list-pets', which GET /pets "
        "(listPets) already has, so it is named 'pets-list-pets-2'; give the "
        "operations operationIds that differ in kebab-case",
    ]


def test_package_collision_across_services() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Shop, version: '1'}
        paths:
          /a:
            get:
              tags: [order-items]
              operationId: list
              responses: {'200': {description: OK}}
          /b:
            get:
              tags: [order]
              operationId: itemsList
              responses: {'200': {description: OK}}
    """
    result = slice_text(text)
    assert [sliced.package for sliced in result.operations] == [
        "order_items_list",
        "order_items_list_2",
    ]
    assert [sliced.service for sliced in result.operations] == ["order-items", "order"]
    assert len(result.warnings) == 1
    assert str(result.warnings[0]).startswith(
        'warning: api.yaml: paths["/b"].get: GET /b (itemsList) would get the package '
        "name 'order_items_list', which GET /a (list) already has, so it is named "
        "'order-items-list-2'"
    )


def test_standard_library_package_avoided() -> None:
    text = """\
        openapi: 3.0.3
        info: {title: Py, version: '1'}
        paths:
          /py:
            post:
              tags: [py]
              operationId: compile
              responses: {'200': {description: OK}}
    """
    sliced = only(slice_text(text))
    assert sliced.package == "py_compile_op"
    assert is_valid_name(sliced.service)
    assert is_valid_name(sliced.capability)


GROUPS = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: The Shop API!, version: '1'}
    paths:
      /v1/orders/{id}:
        get:
          tags: [Order Items]
          operationId: getOrder
          responses: {'200': {description: OK}}
      /api/2010-04-01/{account}/Calls.json:
        get:
          operationId: listCalls
          responses: {'200': {description: OK}}
      /v2beta1/{id}:
        get:
          operationId: getThing
          responses: {'200': {description: OK}}
      /default:
        get:
          tags: [default]
          operationId: getDefault
          responses: {'200': {description: OK}}
"""
)


@pytest.mark.parametrize(
    ("group_by", "services"),
    [
        ("tag", ["order-items", "calls", "api", "default-api"]),
        ("path", ["orders", "calls", "api", "default-api"]),
        ("none", ["the-shop-api"] * 4),
    ],
    ids=["tag", "path", "none"],
)
def test_group_by_modes(group_by: str, services: list[str]) -> None:
    result = slice_text(GROUPS, group_by=group_by)
    assert [sliced.service for sliced in result.operations] == services


def test_group_by_none_without_title() -> None:
    document = document_of(GROUPS)
    document["info"]["title"] = "***"
    result = slice_document(document, file="api.yaml", group_by="none")
    assert {sliced.service for sliced in result.operations} == {"api"}


# --- max_depth --------------------------------------------------------------

CHAIN = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: Chain, version: '1'}
    paths:
      /a:
        get:
          operationId: getA
          parameters: [{$ref: '#/components/parameters/Filter'}]
          responses:
            '200': {$ref: '#/components/responses/A'}
    components:
      schemas:
        A:
          type: object
          properties:
            b: {$ref: '#/components/schemas/B'}
            shape: {$ref: '#/components/schemas/Shape'}
            label: {$ref: '#/components/schemas/C'}
        B:
          type: object
          properties:
            c: {$ref: '#/components/schemas/C'}
        C: {type: string}
        Shape:
          oneOf:
            - {$ref: '#/components/schemas/Circle'}
            - {$ref: '#/components/schemas/C'}
          discriminator:
            propertyName: kind
            mapping: {circle: '#/components/schemas/Circle', c: C}
        Circle: {type: object}
        Query: {type: string}
      parameters:
        Filter: {name: filter, in: query, schema: {$ref: '#/components/schemas/Query'}}
      responses:
        A:
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/A'}
"""
)


def cut_schema_of(pointer: str, depth: int) -> dict[str, str]:
    return {
        "description": f"Cut by nanogen at depth {depth}: {pointer}",
        "x-nanogen-cut": pointer,
    }


def test_max_depth_one_cuts_second_level() -> None:
    sliced = only(slice_text(CHAIN, max_depth=1))
    assert component_names(sliced) == {
        "schemas": ["A", "Query"],
        "responses": ["A"],
        "parameters": ["Filter"],
    }
    a = sliced.document["components"]["schemas"]["A"]
    assert a["properties"] == {
        "b": cut_schema_of("#/components/schemas/B", 1),
        "shape": cut_schema_of("#/components/schemas/Shape", 1),
        "label": cut_schema_of("#/components/schemas/C", 1),
    }
    assert sliced.cut == [
        "#/components/schemas/B",
        "#/components/schemas/C",
        "#/components/schemas/Shape",
    ]
    assert validation_errors(sliced.document) == []
    assert parsed_text(sliced) == sliced.document


def test_max_depth_two_drops_cut_mapping() -> None:
    sliced = only(slice_text(CHAIN, max_depth=2))
    assert component_names(sliced)["schemas"] == ["A", "B", "C", "Shape", "Query"]
    shape = sliced.document["components"]["schemas"]["Shape"]
    assert shape["oneOf"] == [
        cut_schema_of("#/components/schemas/Circle", 2),
        {"$ref": "#/components/schemas/C"},
    ]
    assert shape["discriminator"] == {"propertyName": "kind", "mapping": {"c": "C"}}
    assert sliced.cut == ["#/components/schemas/Circle"]
    assert validation_errors(sliced.document) == []


def test_max_depth_reached_another_way_not_cut() -> None:
    # C is three references away through B, but two through A's `label`.
    sliced = only(slice_text(CHAIN, max_depth=2))
    b = sliced.document["components"]["schemas"]["B"]
    assert b["properties"]["c"] == {"$ref": "#/components/schemas/C"}


def test_max_depth_zero_keeps_non_schemas() -> None:
    sliced = only(slice_text(CHAIN, max_depth=0))
    assert component_names(sliced) == {"responses": ["A"], "parameters": ["Filter"]}
    response = sliced.document["components"]["responses"]["A"]
    assert response["content"]["application/json"]["schema"] == cut_schema_of(
        "#/components/schemas/A", 0
    )
    assert sliced.cut == ["#/components/schemas/A", "#/components/schemas/Query"]
    assert validation_errors(sliced.document) == []


def test_max_depth_past_deepest_is_lossless() -> None:
    sliced = only(slice_text(CHAIN, max_depth=3))
    assert sliced.cut == []
    assert sliced.document == only(slice_text(CHAIN)).document
    assert sliced.text == only(slice_text(CHAIN)).text


def test_max_depth_shared_source_unchanged() -> None:
    document = document_of(CHAIN)
    before = copy.deepcopy(document)
    shallow = slice_document(document, file="api.yaml", max_depth=1)
    deep = slice_document(document, file="api.yaml")
    assert document == before
    assert (
        only(deep).document["components"]["schemas"]["A"]
        == before["components"]["schemas"]["A"]
    )
    assert only(shallow).cut


def test_cut_schema_valid_in_3_1() -> None:
    document = document_of(CHAIN)
    document["openapi"] = "3.1.0"
    sliced = only(slice_document(document, file="api.yaml", max_depth=1))
    assert validation_errors(sliced.document) == []


# --- Text -------------------------------------------------------------------

AWKWARD_TEXT = textwrap.dedent(
    """\
    openapi: 3.0.3
    info: {title: "Text: the hard parts", version: '1'}
    paths:
      /notes:
        get:
          description: "  starts with spaces\\n\\n  and a line of spaces\\n   \\nend  "
          responses:
            '200':
              description: OK
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Note'}
    components:
      schemas:
        Note:
          type: object
          description: "literal\\nblock\\n\\n"
          properties:
            yes: {type: string, default: 'no', example: '1e3'}
            '200': {type: string, pattern: "^\\\\d+$", example: "0o17"}
            trailing: {type: string, description: "tab\\there\\u2028line"}
            nested: {type: string, description: "  indented\\n    more\\n"}
          example: {'on': 'off', 'null': '~', text: "a: b # c"}
"""
)


def test_text_parses_to_document() -> None:
    sliced = only(slice_text(AWKWARD_TEXT))
    assert parsed_text(sliced) == sliced.document
    assert sliced.size == len(sliced.text.encode())


def test_text_reads_back_with_nanogen_loader(tmp_path: Path) -> None:
    sliced = only(slice_text(AWKWARD_TEXT))
    path = tmp_path / "notes.openapi.yaml"
    path.write_text(sliced.text, encoding="utf-8")
    assert load_file(path).data == sliced.document


def test_text_starts_with_comment() -> None:
    result = slice_document(document_of(TOP_LEVEL), file="specs/shop\nx.yaml")
    first_line = only(result).text.splitlines()[0]
    # The file name alone, with its line break escaped: the folder would make
    # the bytes depend on where the command ran.
    assert first_line == "# Generated by nanogen split from shop\\nx.yaml."


def test_text_identical_across_runs(component_kinds: SliceResult) -> None:
    document = load_file(FIXTURES / "components.yaml").data
    again = slice_document(document, file="components.yaml")
    assert [sliced.text for sliced in again.operations] == [
        sliced.text for sliced in component_kinds.operations
    ]


def test_text_identical_across_processes() -> None:
    script = (
        "import hashlib, sys\n"
        "from nanogen.load import load_file\n"
        "from nanogen.slice import slice_document\n"
        "result = slice_document(load_file(sys.argv[1]).data, file='c.yaml', "
        "group_by='path')\n"
        "text = ''.join(op.name + op.text for op in result.operations)\n"
        "print(hashlib.sha256(text.encode()).hexdigest())\n"
    )
    digests = set()
    for seed in ("0", "1", "random"):
        completed = subprocess.run(
            [sys.executable, "-c", script, str(FIXTURES / "components.yaml")],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            timeout=120,
        )
        digests.add(completed.stdout)
    assert len(digests) == 1


# --- The corpus of real documents --------------------------------------------

# name: (entry file, whether it is large enough to sample)
CORPUS_ENTRIES = {
    "oai-petstore": ("oai-petstore/petstore.yaml", False),
    "oai-petstore-expanded": ("oai-petstore-expanded/petstore-expanded.yaml", False),
    "oai-callback-example": ("oai-callback-example/callback-example.yaml", False),
    "oai-link-example": ("oai-link-example/link-example.yaml", False),
    "oai-webhook-example": ("oai-webhook-example-3.1/webhook-example.yaml", False),
    "oai-tictactoe": ("oai-tictactoe-3.1/tictactoe.yaml", False),
    "oai-petstore-separate": ("oai-petstore-separate-2.0/spec/swagger.yaml", False),
    "swagger-petstore": ("swagger-petstore-3/openapi.yaml", False),
    "redocly-museum": ("redocly-museum-3.1/openapi.yaml", False),
    "digitalocean": ("digitalocean/specification/DigitalOcean-public.v2.yaml", True),
    "twilio": ("twilio-api-v2010/twilio_api_v2010.yaml", True),
    "openai": ("openai/openapi.yaml", True),
    "stripe": ("stripe-2023-09/spec3.yaml", True),
    "kubernetes": ("kubernetes-1.36-swagger/swagger.json.unprocessed", True),
}
# Every 25th document of a large entry is validated and read back.
SAMPLE_STEP = 25


class CorpusEntry:
    """A corpus document as the split command gets it, and its slices."""

    def __init__(self, name: str) -> None:
        relative, self.large = CORPUS_ENTRIES[name]
        path = CORPUS / relative
        # Each entry's folder is its ref root, because the Swagger 2.0
        # petstore refers to `../common/Error.yaml` above its spec folder.
        bundled = bundle_document(path, ref_root=CORPUS / relative.split("/")[0])
        document = bundled.document
        if bundled.version.startswith("2"):
            document = convert_swagger2(document, file=str(path)).document
        self.name = name
        self.file = str(path)
        self.document = document
        self.size = sum(Path(file).stat().st_size for file in bundled.files)
        self._slices: dict[int | None, SliceResult] = {}
        self.errors: set[str] | None = None

    def sliced(self, max_depth: int | None = None) -> SliceResult:
        if max_depth not in self._slices:
            self._slices[max_depth] = slice_document(
                self.document, file=self.file, max_depth=max_depth
            )
        return self._slices[max_depth]

    def sample(self, max_depth: int | None = None) -> list[SlicedOperation]:
        operations = self.sliced(max_depth).operations
        return operations[::SAMPLE_STEP] if self.large else operations


@pytest.fixture(scope="module")
def corpus() -> Iterator[dict[str, CorpusEntry]]:
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real OpenAPI documents is not at {CORPUS}")
    entries: dict[str, CorpusEntry] = {}
    yield entries


def entry_of(corpus: dict[str, CorpusEntry], name: str) -> CorpusEntry:
    if name not in corpus:
        corpus[name] = CorpusEntry(name)
    return corpus[name]


def refs_in(value: Any) -> Iterator[str]:
    """Yield every `$ref` and discriminator mapping value, wherever it is."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield ref
        discriminator = value.get("discriminator")
        if isinstance(discriminator, dict) and isinstance(
            discriminator.get("mapping"), dict
        ):
            for target in discriminator["mapping"].values():
                if "/" in target:
                    yield target
                else:
                    yield f"#/components/schemas/{target}"
        for item in value.values():
            yield from refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs_in(item)


def component_of(ref: str) -> tuple[str, str]:
    parts = ref[len("#/components/") :].split("/")
    return parts[0], parts[1].replace("~1", "/").replace("~0", "~")


def expected_operations(
    document: dict[str, Any],
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Yield (method, route, operation) of a monolith as each slice should hold it."""

    def resolved(value: Any) -> Any:
        while isinstance(value, dict) and "$ref" in value:
            section, name = component_of(value["$ref"])
            value = document["components"][section][name]
        return value

    def identity(parameter: Any) -> tuple[str, str]:
        parameter = resolved(parameter)
        return parameter["name"], parameter["in"]

    for section in ("paths", "webhooks"):
        for key, item in document.get(section, {}).items():
            path_item = resolved(item)
            for method, operation in path_item.items():
                if method not in METHODS:
                    continue
                expected = dict(operation)
                own = operation.get("parameters", [])
                shared = path_item.get("parameters", [])
                if shared:
                    overridden = {identity(parameter) for parameter in own}
                    expected["parameters"] = [
                        parameter
                        for parameter in shared
                        if identity(parameter) not in overridden
                    ] + own
                if "security" not in expected and "security" in document:
                    expected["security"] = document["security"]
                if section == "webhooks":
                    expected["x-nanogen"] = {"kind": "webhook", "webhook": key}
                    route = "/webhooks/" + key
                else:
                    route = key
                yield method, route, expected


@pytest.mark.parametrize("name", list(CORPUS_ENTRIES))
def test_corpus_operations_preserved(corpus: dict[str, CorpusEntry], name: str) -> None:
    entry = entry_of(corpus, name)
    result = entry.sliced()
    found = {(sliced.method, sliced.path): sliced for sliced in result.operations}
    expected = list(expected_operations(entry.document))

    assert len(result.operations) == len(expected)
    for method, route, operation in expected:
        sliced = found[(method, route)]
        assert operation_of(sliced) == operation, sliced.source


@pytest.mark.parametrize("name", list(CORPUS_ENTRIES))
def test_corpus_closure_exact(corpus: dict[str, CorpusEntry], name: str) -> None:
    entry = entry_of(corpus, name)
    components = entry.document.get("components", {})
    refs_of: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for section, entries in components.items():
        if isinstance(entries, dict):
            for key, value in entries.items():
                refs_of[(section, key)] = {component_of(ref) for ref in refs_in(value)}

    for sliced in entry.sliced().operations:
        operation = operation_of(sliced)
        reached = {component_of(ref) for ref in refs_in(sliced.document["paths"])}
        for requirement in operation.get("security", []):
            reached |= {("securitySchemes", scheme) for scheme in requirement}
        queue = list(reached)
        while queue:
            for target in refs_of[queue.pop()] - reached:
                reached.add(target)
                queue.append(target)

        held = sliced.document.get("components", {})
        assert {(s, key) for s, entries in held.items() for key in entries} == reached
        for section, entries in held.items():
            for key, value in entries.items():
                source = components[section][key]
                if value is not source:
                    # Only a `required` list loses its repeats.
                    assert {k: v for k, v in value.items() if k != "required"} == {
                        k: v for k, v in source.items() if k != "required"
                    }
                    assert value["required"] == list(dict.fromkeys(source["required"]))


@pytest.mark.parametrize("name", list(CORPUS_ENTRIES))
def test_corpus_text_parses_to_document(
    corpus: dict[str, CorpusEntry], name: str
) -> None:
    entry = entry_of(corpus, name)
    for sliced in entry.sample():
        assert parsed_text(sliced) == sliced.document, sliced.source
        assert sliced.size == len(sliced.text.encode()), sliced.source


def monolith_errors(entry: CorpusEntry) -> set[str]:
    if entry.errors is None:
        entry.errors = set(validation_errors(entry.document))
    return entry.errors


# Corpus documents that the validator rejects, for reasons that the slices
# of the operations using the invalid parts inherit:
# - DigitalOcean: `chat_completion_request.stop` has `default: null` but is
#   not `nullable`.
# - OpenAI: 3.0-style `exclusiveMinimum: true`, `$recursiveAnchor: true`
#   (a draft 2019-09 keyword the OpenAPI 3.1 schema types as a string) and
#   defaults that do not match their schema. Its duplicate `required` names
#   are deduplicated, so the slices do not inherit that error.
INHERITS_ERRORS = {"digitalocean", "openai"}


@pytest.mark.parametrize("name", list(CORPUS_ENTRIES))
def test_corpus_documents_validate(corpus: dict[str, CorpusEntry], name: str) -> None:
    entry = entry_of(corpus, name)
    allowed = monolith_errors(entry) if name in INHERITS_ERRORS else set()
    for sliced in entry.sample():
        errors = set(validation_errors(sliced.document))
        assert errors <= allowed, sliced.source
        assert not any("has non-unique elements" in error for error in errors)


@pytest.mark.parametrize("name", ["stripe", "openai", "kubernetes"])
def test_corpus_cut_documents_validate(
    corpus: dict[str, CorpusEntry], name: str
) -> None:
    entry = entry_of(corpus, name)
    allowed = monolith_errors(entry) if name in INHERITS_ERRORS else set()
    for sliced in entry.sample(max_depth=2):
        assert set(validation_errors(sliced.document)) <= allowed, sliced.source
        assert parsed_text(sliced) == sliced.document, sliced.source


def median_percent(entry: CorpusEntry, max_depth: int | None) -> float:
    sizes = [sliced.size for sliced in entry.sliced(max_depth).operations]
    return 100 * statistics.median_low(sizes) / entry.size


def test_stripe_depth_two_median_small(corpus: dict[str, CorpusEntry]) -> None:
    stripe = entry_of(corpus, "stripe")
    assert median_percent(stripe, None) > 15
    assert median_percent(stripe, 2) < 2
    cuts = [len(sliced.cut) for sliced in stripe.sliced(2).operations]
    assert statistics.median(cuts) > 0


def test_only_stripe_needs_max_depth(corpus: dict[str, CorpusEntry]) -> None:
    large = [name for name, (_, is_large) in CORPUS_ENTRIES.items() if is_large]
    percents = {name: median_percent(entry_of(corpus, name), None) for name in large}
    needs_depth = sorted(name for name, percent in percents.items() if percent >= 2)
    assert needs_depth == ["stripe"], json.dumps(percents)


def test_stripe_slices_deterministic(corpus: dict[str, CorpusEntry]) -> None:
    stripe = entry_of(corpus, "stripe")
    again = slice_document(stripe.document, file=stripe.file)
    first = stripe.sliced().operations
    assert [sliced.name for sliced in again.operations] == [s.name for s in first]
    assert [sliced.pieces for sliced in again.operations] == [s.pieces for s in first]
