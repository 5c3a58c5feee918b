"""Tests of `nanogen.repair`: each repair on a small document, then real ones."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from nanogen.bundle import bundle_document
from nanogen.emit import document_problems
from nanogen.errors import InputError
from nanogen.repair import Repaired, repair_document

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DEFAULT_DROPPED = (
    "nanogen dropped the `default`, which is only an annotation, so the schema "
    "still accepts the same values"
)


def openapi(version: str = "3.1.0", **schemas: Any) -> dict[str, Any]:
    """Return a document whose one operation returns `schemas["S"]` by `$ref`."""
    ok = {"description": "OK"}
    if "S" in schemas:
        schema = {"$ref": "#/components/schemas/S"}
        ok["content"] = {"application/json": {"schema": schema}}
    return {
        "openapi": version,
        "info": {"title": "Shop", "version": "1.0"},
        "paths": {"/items": {"get": {"responses": {"200": ok}}}},
        "components": {"schemas": schemas},
    }


def repair(document: dict[str, Any]) -> Repaired:
    """Repair a copy; check that the input is unchanged and the result valid."""
    before = copy.deepcopy(document)
    repaired = repair_document(document, file="api.yaml")
    assert document == before
    assert document_problems(repaired.document, file="api.yaml") == []
    assert repaired.problems == []
    return repaired


def messages(repaired: Repaired) -> list[str]:
    return [str(problem) for problem in repaired.warnings]


def schema_of(repaired: Repaired, name: str = "S") -> Any:
    return repaired.document["components"]["schemas"][name]


# --- Duplicate names in `required` -------------------------------------------


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_required_duplicates_kept_first(version: str) -> None:
    schema = {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "required": ["id", "name", "id", "id"],
    }
    repaired = repair(openapi(version, S=schema))

    assert schema_of(repaired)["required"] == ["id", "name"]
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.required: `required` lists 'id' "
        "more than once; nanogen kept the first of each"
    ]


def test_required_property_name_is_data() -> None:
    # A property named `required` is a schema, not the keyword.
    schema = {
        "type": "object",
        "properties": {"required": {"type": "boolean", "default": "yes"}},
        "required": ["required", "required"],
    }
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {
        "type": "object",
        "properties": {"required": {"type": "boolean"}},
        "required": ["required"],
    }
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.properties.required.default: "
        "`default` 'yes' does not match its schema: 'yes' is not of type "
        f"'boolean'; {DEFAULT_DROPPED}",
        "warning: api.yaml: components.schemas.S.required: `required` lists "
        "'required' more than once; nanogen kept the first of each",
    ]


# --- Boolean exclusiveMinimum and exclusiveMaximum in 3.1 --------------------


def test_exclusive_true_becomes_bound() -> None:
    schema = {"type": "number", "minimum": 0, "exclusiveMinimum": True}
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {"type": "number", "exclusiveMinimum": 0}
    assert list(schema_of(repaired)) == ["type", "exclusiveMinimum"]
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.exclusiveMinimum: "
        "`exclusiveMinimum: true` is the OpenAPI 3.0 form, which OpenAPI 3.1 "
        "rejects; nanogen replaced it and `minimum: 0` with `exclusiveMinimum: 0`, "
        "which means the same"
    ]


def test_exclusive_both_bounds() -> None:
    # The validator reports one error per schema, so the second is found
    # when the schema is checked again.
    schema = {
        "type": "number",
        "minimum": 1,
        "maximum": 2.5,
        "exclusiveMinimum": True,
        "exclusiveMaximum": True,
    }
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {
        "type": "number",
        "exclusiveMinimum": 1,
        "exclusiveMaximum": 2.5,
    }
    assert len(repaired.warnings) == 2


def test_exclusive_true_without_bound_dropped() -> None:
    repaired = repair(openapi(S={"type": "integer", "exclusiveMaximum": True}))

    assert schema_of(repaired) == {"type": "integer"}
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.exclusiveMaximum: "
        "`exclusiveMaximum: true` is the OpenAPI 3.0 form, which OpenAPI 3.1 "
        "rejects; nanogen dropped it, because it has no effect without a numeric "
        "`maximum`"
    ]


def test_exclusive_false_dropped() -> None:
    schema = {"type": "integer", "minimum": 3, "exclusiveMinimum": False}
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {"type": "integer", "minimum": 3}
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.exclusiveMinimum: "
        "`exclusiveMinimum: false` is the OpenAPI 3.0 form, which OpenAPI 3.1 "
        "rejects; nanogen dropped it, because `false` has no effect"
    ]


def test_exclusive_in_30_untouched() -> None:
    document = openapi(
        "3.0.3", S={"type": "number", "minimum": 0, "exclusiveMinimum": True}
    )
    repaired = repair_document(document, file="api.yaml")

    assert repaired.document is document
    assert repaired.warnings == []


def test_default_valid_after_exclusive_kept() -> None:
    # With `exclusiveMinimum: true` the validator compares 0.5 with True as
    # the number 1 and rejects the default; against the mended schema it
    # passes, so it stays.
    schema = {"type": "number", "minimum": 0, "exclusiveMinimum": True, "default": 0.5}
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 0.5,
    }
    assert len(repaired.warnings) == 1


# --- Defaults that do not match their schema ---------------------------------


def test_default_null_dropped_30() -> None:
    schema = {
        "type": "object",
        "properties": {
            "stop": {
                "oneOf": [{"type": "string"}, {"type": "array"}],
                "default": None,
            },
            "kept": {"type": "string", "nullable": True, "default": None},
        },
    }
    repaired = repair(openapi("3.0.3", S=schema))

    assert schema_of(repaired)["properties"] == {
        "stop": {"oneOf": [{"type": "string"}, {"type": "array"}]},
        "kept": {"type": "string", "nullable": True, "default": None},
    }
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.properties.stop.default: "
        "`default` None does not match its schema: None is not valid under any of "
        f"the given schemas; {DEFAULT_DROPPED}"
    ]


def test_default_list_on_items_dropped() -> None:
    schema = {
        "type": "array",
        "items": {"type": "string", "enum": ["text", "audio"], "default": ["text"]},
        "default": ["audio"],
    }
    repaired = repair(openapi(S=schema))

    assert schema_of(repaired) == {
        "type": "array",
        "items": {"type": "string", "enum": ["text", "audio"]},
        "default": ["audio"],
    }
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.items.default: `default` ['text'] "
        "does not match its schema: ['text'] is not of type 'string'; "
        + DEFAULT_DROPPED
    ]


def test_default_in_parameter_schema() -> None:
    document = openapi()
    document["paths"]["/items"]["get"]["parameters"] = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "default": "ten"},
        }
    ]
    repaired = repair(document)

    parameter = repaired.document["paths"]["/items"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer"}
    assert messages(repaired) == [
        'warning: api.yaml: paths["/items"].get.parameters[0].schema.default: '
        "`default` 'ten' does not match its schema: 'ten' is not of type "
        f"'integer'; {DEFAULT_DROPPED}"
    ]


def test_default_behind_ref_located() -> None:
    # The validator reaches the schema through the response's `$ref`; the
    # repair and its key path are where the schema is written.
    document = openapi(
        S={"$ref": "#/components/schemas/T"}, T={"type": "integer", "default": "x"}
    )
    repaired = repair(document)

    assert schema_of(repaired, "T") == {"type": "integer"}
    assert schema_of(repaired, "S") is document["components"]["schemas"]["S"]
    assert [problem.key_path for problem in repaired.warnings] == [
        "components.schemas.T.default"
    ]


def test_default_property_key_quoted() -> None:
    schema = {"properties": {"a.b": {"type": "string", "default": 1}}}
    repaired = repair(openapi(S=schema))

    assert [problem.key_path for problem in repaired.warnings] == [
        'components.schemas.S.properties["a.b"].default'
    ]


# --- $recursiveAnchor and $recursiveRef (JSON Schema 2019-09) -----------------


def filter_schema() -> dict[str, Any]:
    return {
        "$recursiveAnchor": True,
        "type": "object",
        "properties": {
            "filters": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Leaf"},
                        {"$recursiveRef": "#"},
                    ]
                },
            }
        },
    }


LEAF = {"type": "object", "properties": {"key": {"type": "string"}}}


def test_recursive_ref_becomes_ref() -> None:
    repaired = repair(openapi(S=filter_schema(), Leaf=LEAF))

    assert schema_of(repaired) == {
        "type": "object",
        "properties": {
            "filters": {
                "type": "array",
                "items": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Leaf"},
                        {"$ref": "#/components/schemas/S"},
                    ]
                },
            }
        },
    }
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.$recursiveAnchor: "
        "`$recursiveAnchor: true` is a JSON Schema 2019-09 keyword that OpenAPI "
        "3.1 (JSON Schema 2020-12) rejects as a boolean; nanogen dropped it and "
        "replaced the `$recursiveRef`s that use it with "
        "`$ref: '#/components/schemas/S'`",
        "warning: api.yaml: components.schemas.S.properties.filters.items.oneOf[1]."
        "$recursiveRef: `$recursiveRef: '#'` is a JSON Schema 2019-09 keyword; "
        "nanogen replaced it with `$ref: '#/components/schemas/S'`, the same schema",
    ]


def test_recursive_ref_outer_anchor_dropped() -> None:
    # Outer reaches S and has `$recursiveAnchor: true` too, so in draft
    # 2019-09 the ref inside S may mean Outer: no `$ref` is equivalent.
    outer = {
        "$recursiveAnchor": True,
        "type": "object",
        "properties": {"inner": {"$ref": "#/components/schemas/S"}},
    }
    repaired = repair(openapi(S=filter_schema(), Leaf=LEAF, Outer=outer))

    items = schema_of(repaired)["properties"]["filters"]["items"]
    assert items["oneOf"][1] == {}
    assert "$recursiveAnchor" not in schema_of(repaired, "Outer")
    assert (
        "warning: api.yaml: components.schemas.S.properties.filters.items.oneOf[1]."
        "$recursiveRef: `$recursiveRef: '#'` is a JSON Schema 2019-09 keyword; "
        "nanogen dropped it, because the schema it refers to depends on the "
        "schemas around it, so this schema no longer checks the value against the "
        "recursive schema"
    ) in messages(repaired)
    assert (
        "warning: api.yaml: components.schemas.S.$recursiveAnchor: "
        "`$recursiveAnchor: true` is a JSON Schema 2019-09 keyword that OpenAPI "
        "3.1 (JSON Schema 2020-12) rejects as a boolean; nanogen dropped it and "
        "the `$recursiveRef`s that use it, because another schema with "
        "`$recursiveAnchor: true` reaches this one"
    ) in messages(repaired)


def test_recursive_ref_partly_replaced() -> None:
    # `b` has a `$ref` already, and `c` has its own anchor inside S.
    schema = {
        "$recursiveAnchor": True,
        "type": "object",
        "properties": {
            "a": {"$recursiveRef": "#"},
            "b": {"$recursiveRef": "#", "$ref": "#/components/schemas/Leaf"},
            "c": {
                "$recursiveAnchor": True,
                "properties": {"d": {"$recursiveRef": "#"}},
            },
        },
    }
    repaired = repair(openapi(S=schema, Leaf=LEAF))

    assert schema_of(repaired)["properties"] == {
        "a": {"$ref": "#/components/schemas/S"},
        "b": {"$ref": "#/components/schemas/Leaf"},
        "c": {"properties": {"d": {}}},
    }
    assert messages(repaired)[0] == (
        "warning: api.yaml: components.schemas.S.$recursiveAnchor: "
        "`$recursiveAnchor: true` is a JSON Schema 2019-09 keyword that OpenAPI "
        "3.1 (JSON Schema 2020-12) rejects as a boolean; nanogen dropped it, "
        "replaced 1 of the 2 `$recursiveRef`s that use it with "
        "`$ref: '#/components/schemas/S'` and dropped the others"
    )
    assert [problem.key_path for problem in repaired.warnings[1:]] == [
        "components.schemas.S.properties.a.$recursiveRef",
        "components.schemas.S.properties.b.$recursiveRef",
        "components.schemas.S.properties.c.$recursiveAnchor",
        "components.schemas.S.properties.c.properties.d.$recursiveRef",
    ]


def test_recursive_anchor_false_dropped() -> None:
    repaired = repair(openapi(S={"$recursiveAnchor": False, "type": "object"}))

    assert schema_of(repaired) == {"type": "object"}
    assert messages(repaired) == [
        "warning: api.yaml: components.schemas.S.$recursiveAnchor: "
        "`$recursiveAnchor: false` is a JSON Schema 2019-09 keyword that OpenAPI "
        "3.1 (JSON Schema 2020-12) rejects as a boolean; nanogen dropped it, "
        "because `false` has no effect"
    ]


def test_recursive_anchor_property_is_data() -> None:
    # A property named `$recursiveAnchor` is a boolean schema, which is valid.
    document = openapi(S={"properties": {"$recursiveAnchor": True}})
    repaired = repair_document(document, file="api.yaml")

    assert repaired.document is document
    assert repaired.warnings == []


# --- What stays, and the contract --------------------------------------------


def test_unmendable_error_reported() -> None:
    document = openapi(S={"type": "object", "minProperties": -1})
    repaired = repair_document(document, file="api.yaml")

    assert repaired.document is document
    assert repaired.warnings == []
    assert [str(problem) for problem in repaired.problems] == [
        "api.yaml: components.schemas.S.minProperties: invalid OpenAPI: -1 is less "
        "than the minimum of 0; fix the document, or report the defect to whoever "
        "publishes it, because nanogen cannot mend it safely"
    ]


def test_unmendable_kept_beside_repair() -> None:
    document = openapi(
        S={"type": "object", "minProperties": -1},
        T={"type": "string", "default": 3},
    )
    repaired = repair_document(document, file="api.yaml")

    assert "default" not in schema_of(repaired, "T")
    assert schema_of(repaired)["minProperties"] == -1
    assert [problem.key_path for problem in repaired.problems] == [
        "components.schemas.S.minProperties"
    ]


def test_unmended_error_described_in_one_sentence() -> None:
    # The validator reports the first error of each schema only.
    long_name = "objekt" * 40
    document = openapi(S={"type": long_name}, T={"required": "yes"})
    repaired = repair_document(document, file="api.yaml")

    assert [problem.key_path for problem in repaired.problems] == [
        "components.schemas.S.type",
        "components.schemas.T.required",
    ]
    first, second = (problem.message for problem in repaired.problems)
    # The quoted value, quotes included, is cut to 80 characters.
    assert first == (
        "invalid OpenAPI: the value '"
        + ("objekt" * 13)[:76]
        + "... is not one of 'array', 'boolean', 'integer', 'null', 'number', "
        "'object' or 'string'"
    )
    assert second == "invalid OpenAPI: the value 'yes' is a string, not a list"


def test_unmended_error_found_twice_reported_once() -> None:
    # The check of the whole document and the check of each schema both
    # find a `required` that is not a list.
    document = openapi("3.0.3", S={"type": "object", "required": "yes"})
    repaired = repair_document(document, file="api.yaml")

    assert [str(problem) for problem in repaired.problems] == [
        "api.yaml: components.schemas.S.required: invalid OpenAPI: the value 'yes' "
        "is a string, not a list; fix the document, or report the defect to "
        "whoever publishes it, because nanogen cannot mend it safely"
    ]


def test_problems_have_lines_from_source_map(tmp_path: Path) -> None:
    text = UNQUOTED_STATUS.replace("VERSION", "3.1.0").replace(
        "      properties:",
        "      required: [id, id]\n      properties:",
    )
    text += "    Empty:\n      minProperties: -1\n"
    (tmp_path / "pets.yaml").write_text(text, encoding="utf-8")
    bundled = bundle_document(tmp_path / "pets.yaml", ref_root=tmp_path)

    repaired = repair_document(
        bundled.document, file=bundled.file, source_map=bundled.source_map
    )

    file = str(tmp_path / "pets.yaml")
    assert [(w.file, w.line, w.key_path) for w in repaired.warnings] == [
        (file, 8, 'paths["/pets"].get.responses.200'),
        (file, 19, "components.schemas.Pet.required"),
    ]
    assert [(p.file, p.line, p.key_path) for p in repaired.problems] == [
        (file, 23, "components.schemas.Empty.minProperties"),
    ]


def test_unchanged_parts_shared() -> None:
    document = openapi(S={"type": "string", "default": 3}, T={"type": "integer"})
    repaired = repair(document)

    assert repaired.document is not document
    assert repaired.document["paths"] is document["paths"]
    assert schema_of(repaired, "T") is document["components"]["schemas"]["T"]
    assert schema_of(repaired) is not document["components"]["schemas"]["S"]


def test_shared_mapping_repaired_twice() -> None:
    # A YAML alias puts one mapping at two places. The validator checks it
    # once, so the second place is found when the whole document is checked
    # again.
    shared = {"type": "integer", "default": "x"}
    repaired = repair(openapi(A=shared, B=shared))

    assert schema_of(repaired, "A") == {"type": "integer"}
    assert schema_of(repaired, "B") == {"type": "integer"}
    assert [problem.key_path for problem in repaired.warnings] == [
        "components.schemas.A.default",
        "components.schemas.B.default",
    ]


def test_not_openapi_3_returned() -> None:
    document = {"swagger": "2.0", "info": {"title": "Shop", "version": "1"}}
    repaired = repair_document(document, file="api.yaml")

    assert repaired.document is document
    assert repaired.warnings == []


def test_deterministic() -> None:
    def build() -> dict[str, Any]:
        return openapi(
            S=filter_schema(),
            Leaf=LEAF,
            T={"type": "number", "minimum": 2, "exclusiveMinimum": True, "default": 1},
            U={
                "required": ["a", "a"],
                "properties": {"a": {"default": None, "type": "string"}},
            },
        )

    first = repair_document(build(), file="api.yaml")
    second = repair_document(build(), file="api.yaml")

    assert json.dumps(first.document) == json.dumps(second.document)
    assert first.warnings == second.warnings
    assert len(first.warnings) == 6


# --- Real documents ----------------------------------------------------------


def bundled(relative: str, **options: Any) -> tuple[dict[str, Any], str]:
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"the corpus of real OpenAPI documents is not at {CORPUS}")
    result = bundle_document(path, **options)
    return result.document, result.file


@pytest.mark.parametrize(
    "relative",
    [
        "oai-petstore/petstore.yaml",
        "swagger-petstore-3/openapi.yaml",
        "redocly-museum-3.1/openapi.yaml",
    ],
    ids=["oai-petstore", "swagger-petstore-3", "redocly-museum-3.1"],
)
def test_valid_corpus_unchanged(relative: str) -> None:
    document, file = bundled(relative)
    repaired = repair_document(document, file=file)

    assert repaired.document is document
    assert repaired.warnings == []
    assert repaired.problems == []


def repair_kinds(repaired: Repaired) -> Counter[str]:
    return Counter(problem.key_path.rsplit(".", 1)[-1] for problem in repaired.warnings)


def test_openai_valid_after_repair() -> None:
    document, file = bundled("openai/openapi.yaml")
    before = copy.deepcopy(document)
    repaired = repair_document(document, file=file)

    assert document == before
    assert repaired.problems == []
    assert document_problems(repaired.document, file=file) == []
    assert repair_kinds(repaired) == {
        "default": 14,
        "exclusiveMinimum": 7,
        "$recursiveAnchor": 2,
        "$recursiveRef": 2,
        "required": 1,
    }
    schemas = repaired.document["components"]["schemas"]
    assert schemas["CompoundFilter"]["properties"]["filters"]["items"]["oneOf"][1] == {
        "$ref": "#/components/schemas/CompoundFilter"
    }


def test_digitalocean_valid_after_repair() -> None:
    document, file = bundled(
        "digitalocean/specification/DigitalOcean-public.v2.yaml",
        ref_root=CORPUS / "digitalocean" / "specification",
    )
    repaired = repair_document(document, file=file)
    again = repair_document(document, file=file)

    assert repaired.problems == []
    assert document_problems(repaired.document, file=file) == []
    assert [problem.key_path for problem in repaired.warnings] == [
        "components.schemas.chat_completion_request.properties.stop.default"
    ]
    assert json.dumps(again.document) == json.dumps(repaired.document)
    assert again.warnings == repaired.warnings


# --- Schemas that the validator cannot check ----------------------------------


def cycle_document(version: str, schemas: str) -> str:
    """Return a document whose one operation returns `Top`, with `schemas` as YAML."""
    return (
        f"openapi: {version}\n"
        "info: {title: Loops, version: '1'}\n"
        "paths:\n"
        "  /top:\n"
        "    get:\n"
        "      operationId: getTop\n"
        "      responses:\n"
        "        '200':\n"
        "          description: ok\n"
        "          content:\n"
        "            application/json:\n"
        "              schema: {$ref: '#/components/schemas/Top'}\n"
        "components:\n"
        "  schemas:\n" + schemas
    )


SELF_ALL_OF = """\
    Top:
      allOf:
        - type: string
        - $ref: '#/components/schemas/Top'
"""

# `Top` and `Other` apply each other to the same value.
MUTUAL_CYCLE = """\
    Top:
      allOf:
        - $ref: '#/components/schemas/Other'
    Other:
      oneOf:
        - type: integer
        - $ref: '#/components/schemas/Top'
"""

# A nested array is valid JSON Schema, but the validator recurses on it when
# an `allOf` branch reaches it.
ITEMS_CYCLE = """\
    Top:
      allOf:
        - $ref: '#/components/schemas/Nested'
    Nested:
      type: array
      items: {$ref: '#/components/schemas/Nested'}
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_split_rejects_self_referencing_all_of(
    version: str, tmp_path: Path, runner: Any
) -> None:
    (tmp_path / "loops.yaml").write_text(
        cycle_document(version, SELF_ALL_OF), encoding="utf-8"
    )

    result = runner("split", "loops.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "loops.yaml:15: components.schemas.Top: the schema applies itself to the "
        "same value again through allOf (components.schemas.Top.allOf[1] refers "
        "to components.schemas.Top), so checking a value against it never ends; "
        "remove the $ref that closes the cycle"
    )
    assert not (tmp_path / "out").exists()


def test_split_names_each_ref_of_a_cycle(tmp_path: Path, runner: Any) -> None:
    (tmp_path / "loops.yaml").write_text(
        cycle_document("3.0.3", MUTUAL_CYCLE), encoding="utf-8"
    )

    result = runner("split", "--specs-only", "loops.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.startswith("loops.yaml:15: components.schemas.Top: ")
    assert (
        "through allOf and oneOf (components.schemas.Top.allOf[0] refers to "
        "components.schemas.Other, then components.schemas.Other.oneOf[1] refers "
        "to components.schemas.Top)"
    ) in result.stderr


def test_split_rejects_items_cycle_below_all_of(tmp_path: Path, runner: Any) -> None:
    (tmp_path / "loops.yaml").write_text(
        cycle_document("3.0.3", ITEMS_CYCLE), encoding="utf-8"
    )

    result = runner("split", "--specs-only", "loops.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.startswith("loops.yaml:18: components.schemas.Nested: ")
    assert (
        "through `items` (components.schemas.Nested.items refers to "
        "components.schemas.Nested) below the allOf branch "
        "components.schemas.Top.allOf[0]"
    ) in result.stderr


def test_self_reference_outside_all_of_is_split(tmp_path: Path, runner: Any) -> None:
    # The validator follows `anyOf` only below an `allOf` branch, so it checks
    # this schema, and nanogen leaves it to the later stages.
    schemas = (
        "    Top:\n"
        "      anyOf:\n"
        "        - type: string\n"
        "        - $ref: '#/components/schemas/Top'\n"
    )
    (tmp_path / "loops.yaml").write_text(
        cycle_document("3.0.3", schemas), encoding="utf-8"
    )

    result = runner("split", "--specs-only", "loops.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "specs").is_dir()


def test_split_rejects_ref_loop(tmp_path: Path, runner: Any) -> None:
    schemas = (
        "    Top: {$ref: '#/components/schemas/Other'}\n"
        "    Other: {$ref: '#/components/schemas/Top'}\n"
    )
    (tmp_path / "loops.yaml").write_text(
        cycle_document("3.0.3", schemas), encoding="utf-8"
    )

    result = runner("split", "--specs-only", "loops.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.strip() == (
        "loops.yaml:15: components.schemas.Top: the $refs lead in a cycle that "
        "reaches no schema (components.schemas.Top refers to "
        "components.schemas.Other, then components.schemas.Other refers to "
        "components.schemas.Top); point one of the $refs at a schema"
    )


def test_deep_schema_without_cycle_reported() -> None:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(500):
        schema = {"allOf": [schema]}
    document = openapi("3.0.3", S=schema)

    with pytest.raises(InputError) as caught:
        repair_document(document, file="deep.yaml")

    assert str(caught.value) == (
        "deep.yaml: the document is nested too deep to validate; check the "
        "document for schemas or data nested hundreds of levels deep"
    )


# --- Keys that are not strings --------------------------------------------------

UNQUOTED_STATUS = """\
openapi: VERSION
info: {title: Pets, version: '1'}
paths:
  /pets:
    get:
      operationId: listPets
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
        404:
          description: missing
components:
  schemas:
    Pet:
      type: object
      properties:
        1.5: {type: string}
"""


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_split_reads_unquoted_status_codes(
    version: str, tmp_path: Path, runner: Any
) -> None:
    (tmp_path / "pets.yaml").write_text(
        UNQUOTED_STATUS.replace("VERSION", version), encoding="utf-8"
    )

    result = runner("split", "--specs-only", "pets.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert (
        'warning: pets.yaml:8: paths["/pets"].get.responses.200: 3 mapping key(s) are '
        "numbers, booleans or null, but OpenAPI keys are strings, so each was read "
        "as the text that JSON writes for it; quote those keys in the document, "
        "as in '200':"
    ) in result.stderr.splitlines()
    (spec,) = (tmp_path / "out" / "specs").rglob("*.openapi.yaml")
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    assert list(document["paths"]["/pets"]["get"]["responses"]) == ["200", "404"]
    pet = document["components"]["schemas"]["Pet"]
    assert list(pet["properties"]) == ["1.5"]


def test_split_rejects_key_beside_its_text(tmp_path: Path, runner: Any) -> None:
    text = UNQUOTED_STATUS.replace("VERSION", "3.0.3").replace(
        "        404:", "        '200':"
    )
    (tmp_path / "pets.yaml").write_text(text, encoding="utf-8")

    result = runner("split", "--specs-only", "pets.yaml", "-o", "out", cwd=tmp_path)

    assert result.exit_code == 1
    assert "internal error" not in result.stderr
    assert result.stderr.strip() == (
        "pets.yaml:13: paths[\"/pets\"].get.responses: keys 200 and '200' are the same "
        "key in JSON; remove or rename one of them"
    )


def test_repair_writes_keys_as_json_does() -> None:
    document = openapi(
        "3.1.0",
        S={"type": "object", "properties": {2: {}, 1.5: {}, True: {}, None: {}}},
    )
    before = copy.deepcopy(document)

    repaired = repair_document(document, file="api.yaml")

    assert document == before
    properties = repaired.document["components"]["schemas"]["S"]["properties"]
    assert list(properties) == ["2", "1.5", "true", "null"]
    assert [problem.key_path for problem in repaired.warnings] == [
        "components.schemas.S.properties.2"
    ]
    assert repaired.warnings[0].message.startswith("4 mapping key(s) are numbers")
    assert repaired.problems == []


def test_repair_leaves_string_keys_alone() -> None:
    document = openapi("3.1.0", S={"type": "object", "properties": {"a": {}}})

    repaired = repair_document(document, file="api.yaml")

    assert repaired.document is document
    assert repaired.warnings == []
