"""Tests of `nanogen.schema_keywords`: the keyword tables, the walks, and the
stages that read them.

The stage tests put a schema under each keyword of the stage's table and check
that the stage reaches it. Bundle and slice follow its `$ref`, and upgrade
rewrites its `nullable`. Repair replaces its `$recursiveRef`, and decompose
normalises its bare schema name.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from nanogen.bundle import bundle_document
from nanogen.decompose import iter_refs, normalize_schema
from nanogen.examples import schema_for_direction, to_json_schema_2020
from nanogen.load import load_file
from nanogen.repair import repair_document
from nanogen.schema_keywords import (
    CAPABILITY_SUBSCHEMAS,
    EXCLUSIVE_BOUNDS,
    LENIENT_SUBSCHEMAS,
    LIST,
    MAP,
    ONE,
    ONE_OR_LIST,
    SUBSCHEMA_KEYWORDS,
    SUBSCHEMAS,
    SUBSCHEMAS_WITH_DEPENDENCIES,
    SubschemaKeywords,
)
from nanogen.slice import slice_document
from nanogen.upgrade import upgrade_to_31
from nanogen.validate import validate_capabilities

# The keywords of JSON Schema draft 4 to 2020-12 that hold subschemas, by
# shape, written out here so that the stage tests do not read the tables.
ONE_KEYWORDS = [
    "additionalProperties",
    "additionalItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
    "items",
]
LIST_KEYWORDS = ["allOf", "anyOf", "oneOf", "prefixItems"]
MAP_KEYWORDS = [
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
]
EVERY_KEYWORD = ONE_KEYWORDS + LIST_KEYWORDS + MAP_KEYWORDS

TABLES = {
    "SUBSCHEMAS": SUBSCHEMAS,
    "SUBSCHEMAS_WITH_DEPENDENCIES": SUBSCHEMAS_WITH_DEPENDENCIES,
    "LENIENT_SUBSCHEMAS": LENIENT_SUBSCHEMAS,
    "CAPABILITY_SUBSCHEMAS": CAPABILITY_SUBSCHEMAS,
}


def keyword_sets(table: SubschemaKeywords) -> dict[str, frozenset[str]]:
    return {
        "schema": table.schema,
        "schema_or_list": table.schema_or_list,
        "schema_list": table.schema_list,
        "schema_map": table.schema_map,
    }


def under_keyword(keyword: str, subschema: Any) -> dict[str, Any]:
    """Return a schema with `subschema` under `keyword`, in the keyword's shape."""
    if keyword in MAP_KEYWORDS or keyword == "dependencies":
        return {keyword: {"name": subschema}}
    if keyword in LIST_KEYWORDS:
        return {keyword: [{"type": "string"}, subschema]}
    return {keyword: subschema}


def all_keywords(table: SubschemaKeywords) -> list[str]:
    return sorted(set().union(*keyword_sets(table).values()))


# --- The tables ---------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_table_shapes_disjoint(name: str) -> None:
    sets = list(keyword_sets(TABLES[name]).items())
    for index, (first, first_keywords) in enumerate(sets):
        for second, second_keywords in sets[index + 1 :]:
            shared = first_keywords & second_keywords
            assert not shared, f"{name}: {sorted(shared)} in {first} and {second}"


def test_table_with_dependencies_adds_only_it() -> None:
    assert SUBSCHEMAS_WITH_DEPENDENCIES.schema_map - SUBSCHEMAS.schema_map == {
        "dependencies"
    }
    assert SUBSCHEMAS.schema_map <= SUBSCHEMAS_WITH_DEPENDENCIES.schema_map
    assert SUBSCHEMAS_WITH_DEPENDENCIES.schema == SUBSCHEMAS.schema
    assert SUBSCHEMAS_WITH_DEPENDENCIES.schema_or_list == SUBSCHEMAS.schema_or_list
    assert SUBSCHEMAS_WITH_DEPENDENCIES.schema_list == SUBSCHEMAS.schema_list


def test_capability_table_lacks_content_schema() -> None:
    assert SUBSCHEMAS.schema - CAPABILITY_SUBSCHEMAS.schema == {"contentSchema"}
    assert CAPABILITY_SUBSCHEMAS.schema <= SUBSCHEMAS.schema
    assert CAPABILITY_SUBSCHEMAS.schema_or_list == SUBSCHEMAS.schema_or_list
    assert CAPABILITY_SUBSCHEMAS.schema_list == SUBSCHEMAS.schema_list
    assert CAPABILITY_SUBSCHEMAS.schema_map == SUBSCHEMAS.schema_map


def test_lenient_table_lists_every_one_keyword() -> None:
    assert LENIENT_SUBSCHEMAS.schema == frozenset()
    assert LENIENT_SUBSCHEMAS.schema_or_list == SUBSCHEMA_KEYWORDS | {"items"}
    assert LENIENT_SUBSCHEMAS.schema_list == SUBSCHEMAS.schema_list
    assert LENIENT_SUBSCHEMAS.schema_map == SUBSCHEMAS.schema_map


def test_tables_name_every_subschema_keyword() -> None:
    expected = set(EVERY_KEYWORD)
    assert set(all_keywords(SUBSCHEMAS)) == expected
    assert set(all_keywords(LENIENT_SUBSCHEMAS)) == expected
    assert set(all_keywords(SUBSCHEMAS_WITH_DEPENDENCIES)) == expected | {
        "dependencies"
    }


def test_exclusive_bounds_pair_keywords() -> None:
    assert dict(EXCLUSIVE_BOUNDS) == {
        "exclusiveMinimum": "minimum",
        "exclusiveMaximum": "maximum",
    }


# --- Shapes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keyword", "value", "expected"),
    [
        ("not", {"type": "string"}, ONE),
        ("not", False, ONE),
        ("not", [{"type": "string"}], None),
        ("contentSchema", {}, ONE),
        ("items", {"type": "string"}, ONE),
        ("items", [{"type": "string"}], LIST),
        ("items", True, ONE),
        ("allOf", [{}], LIST),
        ("allOf", {"type": "string"}, None),
        ("prefixItems", [], LIST),
        ("properties", {"name": {}}, MAP),
        ("properties", ["name"], None),
        ("$defs", {}, MAP),
        ("dependencies", {"a": {}}, None),
        ("enum", [{"$ref": "#/x"}], None),
        ("default", {"$ref": "#/x"}, None),
        ("$ref", "#/components/schemas/Pet", None),
        (200, {}, None),
    ],
)
def test_shape_of_value(keyword: Any, value: Any, expected: str | None) -> None:
    assert SUBSCHEMAS.shape(keyword, value) == expected


def test_shape_of_dependencies_by_table() -> None:
    value = {"credit_card": {"required": ["billing_address"]}}
    assert SUBSCHEMAS_WITH_DEPENDENCIES.shape("dependencies", value) == MAP
    assert SUBSCHEMAS.shape("dependencies", value) is None
    assert SUBSCHEMAS_WITH_DEPENDENCIES.shape("dependencies", ["a"]) is None


def test_lenient_shape_of_list_under_not() -> None:
    assert LENIENT_SUBSCHEMAS.shape("not", [{"type": "string"}]) == LIST
    assert LENIENT_SUBSCHEMAS.shape("not", {"type": "string"}) == ONE
    assert SUBSCHEMAS.shape("not", [{"type": "string"}]) is None


def test_fields_give_position_of_each_keyword() -> None:
    fields = SUBSCHEMAS_WITH_DEPENDENCIES.fields("schema")
    assert fields["not"] == (ONE, "schema")
    assert fields["items"] == (ONE_OR_LIST, "schema")
    assert fields["allOf"] == (LIST, "schema")
    assert fields["properties"] == (MAP, "schema")
    assert fields["dependencies"] == (MAP, "schema")
    assert "enum" not in fields
    assert set(fields) == set(all_keywords(SUBSCHEMAS_WITH_DEPENDENCIES))


# --- Walks --------------------------------------------------------------------

# A schema whose property names are keywords and whose data contains `$ref`s.
MIXED = {
    "type": "object",
    "properties": {"not": {"type": "string"}, "enum": {"$ref": "#/a"}},
    "enum": [{"$ref": "#/data"}],
    "allOf": [{"$ref": "#/b"}, True],
    "default": {"items": {"$ref": "#/data"}},
    "items": [{"$ref": "#/c"}],
    "not": {"$ref": "#/d"},
    "x-extension": {"not": {}},
    "additionalProperties": False,
    "$defs": {"Leaf": {"type": "integer"}},
}


def test_subschemas_paths_in_order() -> None:
    found = list(SUBSCHEMAS.subschemas(MIXED))
    assert found == [
        (("properties", "not"), {"type": "string"}),
        (("properties", "enum"), {"$ref": "#/a"}),
        (("allOf", 0), {"$ref": "#/b"}),
        (("allOf", 1), True),
        (("items", 0), {"$ref": "#/c"}),
        (("not",), {"$ref": "#/d"}),
        (("additionalProperties",), False),
        (("$defs", "Leaf"), {"type": "integer"}),
    ]


@pytest.mark.parametrize("value", [None, True, [{"type": "string"}], "text"])
def test_subschemas_of_non_mapping_none(value: Any) -> None:
    assert list(SUBSCHEMAS.subschemas(value)) == []


def test_keyword_subschemas_of_one_keyword() -> None:
    assert list(SUBSCHEMAS.keyword_subschemas("oneOf", [{}, {"a": 1}])) == [
        (("oneOf", 0), {}),
        (("oneOf", 1), {"a": 1}),
    ]
    assert list(SUBSCHEMAS.keyword_subschemas("enum", [{}])) == []


def test_map_subschemas_transforms_each() -> None:
    before = copy.deepcopy(MIXED)
    seen: list[tuple[Any, ...]] = []

    def transform(subschema: Any, path: tuple[Any, ...]) -> Any:
        seen.append(path)
        return {"at": list(path)}

    result = SUBSCHEMAS.map_subschemas(MIXED, transform, lambda value: ("data", value))

    assert MIXED == before
    assert list(result) == list(MIXED)
    assert seen == [path for path, _ in SUBSCHEMAS.subschemas(MIXED)]
    assert result["properties"] == {
        "not": {"at": ["properties", "not"]},
        "enum": {"at": ["properties", "enum"]},
    }
    assert result["allOf"] == [{"at": ["allOf", 0]}, {"at": ["allOf", 1]}]
    assert result["items"] == [{"at": ["items", 0]}]
    assert result["not"] == {"at": ["not"]}
    assert result["enum"] == ("data", MIXED["enum"])
    assert result["x-extension"] == ("data", MIXED["x-extension"])


def test_map_subschemas_shares_data_and_copies_containers() -> None:
    result = SUBSCHEMAS.map_subschemas(MIXED, lambda subschema, _: subschema)
    assert result == MIXED
    assert result is not MIXED
    assert result["enum"] is MIXED["enum"]
    assert result["allOf"] is not MIXED["allOf"]
    assert result["properties"] is not MIXED["properties"]


# --- Stages ---------------------------------------------------------------------


def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def openapi(version: str, schemas: dict[str, Any]) -> dict[str, Any]:
    """Return a document whose one operation returns the schema `Root`."""
    body = {"schema": {"$ref": "#/components/schemas/Root"}}
    return {
        "openapi": version,
        "info": {"title": "Shop", "version": "1.0"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": body},
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }


@pytest.mark.parametrize("keyword", [*EVERY_KEYWORD, "dependencies"])
def test_bundle_follows_ref_under_keyword(keyword: str, tmp_path: Path) -> None:
    write_yaml(tmp_path / "leaf.yaml", {"type": "integer"})
    root = under_keyword(keyword, {"$ref": "leaf.yaml"})
    spec = write_yaml(tmp_path / "openapi.yaml", openapi("3.1.0", {"Root": root}))

    bundled = bundle_document(spec, ref_root=tmp_path)

    schemas = bundled.document["components"]["schemas"]
    assert schemas["leaf"] == {"type": "integer"}
    expected = under_keyword(keyword, {"$ref": "#/components/schemas/leaf"})
    assert schemas["Root"] == expected


def test_bundle_leaves_dependency_names(tmp_path: Path) -> None:
    root = {"dependencies": {"card": ["billing_address"]}}
    spec = write_yaml(tmp_path / "openapi.yaml", openapi("3.1.0", {"Root": root}))

    bundled = bundle_document(spec, ref_root=tmp_path)

    assert bundled.document["components"]["schemas"]["Root"] == root


@pytest.mark.parametrize("keyword", [*EVERY_KEYWORD, "dependencies"])
def test_slice_keeps_component_under_keyword(keyword: str) -> None:
    leaf = {"$ref": "#/components/schemas/Leaf"}
    root = under_keyword(keyword, leaf)
    document = openapi("3.1.0", {"Root": root, "Leaf": {"type": "integer"}})

    result = slice_document(document, file="api.yaml")

    (operation,) = result.operations
    assert list(operation.document["components"]["schemas"]) == ["Root", "Leaf"]


def test_slice_leaves_ref_in_data() -> None:
    root = {"enum": [{"$ref": "#/components/schemas/Leaf"}]}
    document = openapi("3.1.0", {"Root": root, "Leaf": {"type": "integer"}})

    result = slice_document(document, file="api.yaml")

    (operation,) = result.operations
    assert list(operation.document["components"]["schemas"]) == ["Root"]


@pytest.mark.parametrize("keyword", EVERY_KEYWORD)
def test_upgrade_rewrites_schema_under_keyword(keyword: str) -> None:
    nullable = {"type": "string", "nullable": True}
    document = openapi("3.0.3", {"Root": under_keyword(keyword, nullable)})

    upgraded = upgrade_to_31(document, file="api.yaml")

    root = upgraded.document["components"]["schemas"]["Root"]
    assert root == under_keyword(keyword, {"type": ["string", "null"]})


def test_upgrade_rewrites_each_item_schema() -> None:
    items = [{"type": "string", "nullable": True}, {"type": "integer"}]
    document = openapi("3.0.3", {"Root": {"type": "array", "items": items}})

    upgraded = upgrade_to_31(document, file="api.yaml")

    root = upgraded.document["components"]["schemas"]["Root"]
    assert root["items"] == [{"type": ["string", "null"]}, {"type": "integer"}]


def with_child(child: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"child": child}}


@pytest.mark.parametrize("keyword", EVERY_KEYWORD)
def test_repair_replaces_recursive_ref_under_keyword(keyword: str) -> None:
    # The recursion goes through `properties`, because openapi-spec-validator
    # 0.9 recurses without end on a schema whose `allOf` refers to itself.
    recursive = with_child({"$recursiveRef": "#"})
    root = {"$recursiveAnchor": True, **under_keyword(keyword, recursive)}
    document = openapi("3.1.0", {"Root": root})

    repaired = repair_document(document, file="api.yaml")

    replaced = with_child({"$ref": "#/components/schemas/Root"})
    expected = under_keyword(keyword, replaced)
    assert repaired.document["components"]["schemas"]["Root"] == expected
    assert repaired.problems == []


# `contentSchema` is left out: see CAPABILITY_SUBSCHEMAS.
@pytest.mark.parametrize(
    "keyword", [keyword for keyword in EVERY_KEYWORD if keyword != "contentSchema"]
)
def test_decompose_normalises_name_under_keyword(keyword: str) -> None:
    schema = under_keyword(keyword, {"$ref": "Money"})

    normalised = normalize_schema(schema, {"Money": {"type": "integer"}})

    expected = {"$ref": "#/components/schemas/Money"}
    assert normalised == under_keyword(keyword, expected)
    assert list(iter_refs(normalised)) == ["#/components/schemas/Money"]


def test_decompose_refs_in_document_order() -> None:
    schema = {
        "properties": {"total": {"$ref": "Money"}},
        "$ref": "Base",
        "enum": [{"$ref": "Data"}],
        "items": [{"$ref": "First"}, {"$ref": "Second"}],
    }

    assert list(iter_refs(schema)) == ["Money", "Base", "First", "Second"]
    normalised = normalize_schema(schema, {})
    assert list(normalised) == list(schema)
    assert normalised["$ref"] == "#/components/schemas/Base"
    assert normalised["enum"] == [{"$ref": "Data"}]
    assert normalised["enum"] is not schema["enum"]


# `examples` and `validate` read capability lists and documents with
# CAPABILITY_SUBSCHEMAS, so `contentSchema` is left out of both.
CAPABILITY_KEYWORDS = [
    keyword for keyword in EVERY_KEYWORD if keyword != "contentSchema"
]


@pytest.mark.parametrize("keyword", CAPABILITY_KEYWORDS)
def test_examples_converts_schema_under_keyword(keyword: str) -> None:
    schema = under_keyword(keyword, {"type": "string", "nullable": True})

    converted = to_json_schema_2020(schema)

    assert converted == under_keyword(keyword, {"type": ["string", "null"]})


def test_examples_leaves_content_schema() -> None:
    schema = {"contentSchema": {"type": "string", "nullable": True}}

    assert to_json_schema_2020(copy.deepcopy(schema)) == schema


@pytest.mark.parametrize(
    "keyword", [keyword for keyword in CAPABILITY_KEYWORDS if keyword != "not"]
)
def test_examples_hides_read_only_under_keyword(keyword: str) -> None:
    read_only = {"properties": {"id": {"type": "string", "readOnly": True}}}
    schema = under_keyword(keyword, read_only)

    hidden = schema_for_direction(schema, {}, "request")

    assert hidden == under_keyword(keyword, {"properties": {"id": False}})


def test_examples_keeps_properties_under_not() -> None:
    # Leaving out a property under `not` would widen what the schema rejects.
    schema = {"not": {"properties": {"id": {"type": "string", "readOnly": True}}}}

    assert schema_for_direction(copy.deepcopy(schema), {}, "request") == schema


@pytest.mark.parametrize("keyword", CAPABILITY_KEYWORDS)
def test_validate_checks_ref_under_keyword(keyword: str, tmp_path: Path) -> None:
    schema = under_keyword(keyword, {"$ref": "Nowhere"})
    capability_list = {
        "nanogen": 1,
        "project": "shop",
        "schemas": {"Thing": schema},
        "services": {
            "things": {
                "capabilities": [
                    {
                        "name": "get-thing",
                        "effect": "read",
                        "output": {"thing": "Thing"},
                    }
                ]
            }
        },
    }
    path = write_yaml(tmp_path / "nanogen.yaml", capability_list)

    problems = validate_capabilities(load_file(path))

    messages = [(problem.key_path, problem.message) for problem in problems]
    where = f"schemas.Thing.{keyword}"
    if keyword in LIST_KEYWORDS:
        where += "[1]"
    elif keyword in MAP_KEYWORDS:
        where += ".name"
    assert (f"{where}.$ref", "$ref 'Nowhere' names no shared schema") in messages


def test_validate_leaves_ref_under_content_schema(tmp_path: Path) -> None:
    capability_list = {
        "nanogen": 1,
        "project": "shop",
        "schemas": {"Thing": {"contentSchema": {"$ref": "Nowhere"}}},
        "services": {
            "things": {
                "capabilities": [
                    {
                        "name": "get-thing",
                        "effect": "read",
                        "output": {"thing": "Thing"},
                    }
                ]
            }
        },
    }
    path = write_yaml(tmp_path / "nanogen.yaml", capability_list)

    problems = validate_capabilities(load_file(path))

    assert not [problem for problem in problems if "Nowhere" in problem.message]
