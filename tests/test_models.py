"""Tests of nanogen.models on schema shapes that real OpenAPI documents use.

Each generated module is imported, and where a case is about validation,
the models' verdict on an instance is compared with jsonschema's on the same
schema (OpenAPI 3.0 keywords converted to JSON Schema 2020-12 first).
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from nanogen import models
from nanogen.examples import to_json_schema_2020
from nanogen.render import find_generator, nanoservice_from_document

_COUNTER = itertools.count()


def load_models(
    tmp_path: Path, schemas: dict[str, Any], parameters: dict[str, Any] | None = None
) -> Any:
    """Write the models module of `schemas` and import it under a fresh name."""
    name = f"models_under_test_{next(_COUNTER)}"
    path = tmp_path / f"{name}.py"
    path.write_text(models.generate_models(schemas, parameters).code, "utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def accepts(module: Any, name: str, instance: Any) -> bool:
    adapter: TypeAdapter[Any] = TypeAdapter(
        getattr(module, name), module=module.__name__
    )
    try:
        adapter.validate_python(instance)
    except ValidationError:
        return False
    return True


def jsonschema_accepts(schemas: dict[str, Any], name: str, instance: Any) -> bool:
    root = {
        "$ref": f"#/components/schemas/{name}",
        "components": {
            "schemas": {key: to_json_schema_2020(s) for key, s in schemas.items()}
        },
    }
    return bool(Draft202012Validator(root).is_valid(instance))


# -- patterns --------------------------------------------------------------

PATTERN_SCHEMAS = {
    "Lookahead": {"type": "string", "pattern": "^(?!tmp)[a-z]+$"},
    "Backreference": {"type": "string", "pattern": "^(a+)-\\1$"},
    "Plain": {"type": "string", "pattern": "^[A-Z]{3}$"},
    # `\p{L}` is ECMA-262 and Rust syntax that Python's `re` rejects, and
    # the look-behind is what Rust rejects: neither engine compiles both.
    "Neither": {"type": "string", "pattern": "(?<=x)\\p{L}"},
}

PATTERN_CASES = [
    ("Lookahead", "sales", True),
    ("Lookahead", "tmpfile", False),
    ("Backreference", "aa-aa", True),
    ("Backreference", "aa-a", False),
    ("Plain", "EUR", True),
    ("Plain", "eur", False),
]


@pytest.mark.parametrize(
    ("name", "instance", "expected"),
    PATTERN_CASES,
    ids=[f"{name}-{instance}" for name, instance, _ in PATTERN_CASES],
)
def test_pattern_engines_agree_with_jsonschema(
    tmp_path: Path, name: str, instance: str, expected: bool
) -> None:
    module = load_models(tmp_path, PATTERN_SCHEMAS)

    assert accepts(module, name, instance) is expected
    assert jsonschema_accepts(PATTERN_SCHEMAS, name, instance) is expected


def test_pattern_neither_engine_compiles_is_not_checked(tmp_path: Path) -> None:
    module = load_models(tmp_path, PATTERN_SCHEMAS)

    assert accepts(module, "Neither", "anything")


def test_python_pattern_in_parameter_alias(tmp_path: Path) -> None:
    module = load_models(
        tmp_path, {}, {"CodeParameter": {"type": "string", "pattern": "(?<!x)$"}}
    )

    assert accepts(module, "CodeParameter", "abc")
    assert not accepts(module, "CodeParameter", "abx")


# -- object shapes ---------------------------------------------------------

OBJECT_SCHEMAS: dict[str, Any] = {
    # OpenAPI 3.0 style, as Stripe and DigitalOcean write it.
    "Pet": {
        "type": "object",
        "required": ["id", "name", "password"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "name": {"type": "string"},
            "password": {"type": "string", "writeOnly": True},
            "nickname": {"type": "string", "nullable": True},
            "weight": {
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": True,
            },
            "pg_stat_statements.track": {"type": "string"},
            "from": {"type": "string"},
            "continue": {"type": "boolean"},
        },
    },
    # A required alternative beside the properties, as OpenAI writes it.
    "Batch": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "file_ids": {"type": "array", "items": {"type": "string"}},
            "files": {"type": "array", "items": {"type": "string"}},
        },
        "anyOf": [{"required": ["file_ids"]}, {"required": ["files"]}],
    },
    # OpenAPI 3.1 nullability and const.
    "Event": {
        "type": "object",
        "required": ["kind", "note"],
        "properties": {
            "kind": {"const": "created"},
            "note": {"type": ["string", "null"]},
        },
    },
    "Upload": {
        "type": "object",
        "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"}},
    },
}

OBJECT_CASES = [
    ("Pet", {"name": "Rex", "password": "x"}),
    ("Pet", {"id": 1, "name": "Rex"}),
    ("Pet", {"name": "Rex", "nickname": None}),
    ("Pet", {"name": "Rex", "weight": 0}),
    ("Pet", {"name": "Rex", "weight": 0.5}),
    ("Pet", {"name": "Rex", "pg_stat_statements.track": "all", "from": "x"}),
    ("Pet", {"name": "Rex", "continue": "yes"}),
    ("Batch", {"file_ids": ["a"]}),
    ("Batch", {"files": ["a"]}),
    ("Batch", {}),
    ("Batch", {"file_ids": ["a"], "other": 1}),
    ("Event", {"kind": "created", "note": None}),
    ("Event", {"kind": "deleted", "note": None}),
    ("Event", {"kind": "created"}),
    ("Upload", {"file": "text"}),
    ("Upload", {"file": 5}),
]


# readOnly and writeOnly properties are optional in the models, because one
# model serves requests and responses. jsonschema validates the instance with
# them added.
READ_WRITE_ONLY = {"Pet": {"id": 1, "password": "x"}}


@pytest.mark.parametrize(
    ("name", "instance"),
    OBJECT_CASES,
    ids=[f"{name}-{index}" for index, (name, _) in enumerate(OBJECT_CASES)],
)
def test_object_models_agree_with_jsonschema(
    tmp_path: Path, name: str, instance: Any
) -> None:
    module = load_models(tmp_path, OBJECT_SCHEMAS)
    completed = {**READ_WRITE_ONLY.get(name, {}), **instance}

    expected = jsonschema_accepts(OBJECT_SCHEMAS, name, completed)

    assert accepts(module, name, instance) is expected


def test_reference_to_nullable_object_allows_null(tmp_path: Path) -> None:
    # OpenAPI 3.0, as DigitalOcean writes `droplet.kernel`.
    schemas = {
        "Droplet": {
            "type": "object",
            "required": ["kernel"],
            "properties": {"kernel": {"$ref": "#/components/schemas/Kernel"}},
        },
        "Kernel": {
            "type": "object",
            "nullable": True,
            "properties": {"id": {"type": "integer"}},
        },
    }
    module = load_models(tmp_path, schemas)

    for instance in ({"kernel": None}, {"kernel": {"id": 1}}, {"kernel": 5}):
        expected = jsonschema_accepts(schemas, "Droplet", instance)
        assert accepts(module, "Droplet", instance) is expected, instance


def test_binary_property_accepts_bytes(tmp_path: Path) -> None:
    module = load_models(tmp_path, OBJECT_SCHEMAS)

    assert accepts(module, "Upload", {"file": b"\x89PNG"})


def test_aliases_keep_json_names(tmp_path: Path) -> None:
    module = load_models(tmp_path, OBJECT_SCHEMAS)
    data = {"name": "Rex", "pg_stat_statements.track": "all", "from": "x"}

    pet = module.Pet.model_validate(data)

    assert pet.pg_stat_statements_track == "all"
    assert pet.from_ == "x"
    assert pet.model_dump(by_alias=True, exclude_unset=True) == data


def test_recursive_ref_is_an_open_value(tmp_path: Path) -> None:
    schemas = {
        "CompoundFilter": {
            "$recursiveAnchor": True,
            "type": "object",
            "required": ["filters"],
            "properties": {
                "filters": {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"$ref": "#/components/schemas/Comparison"},
                            {"$recursiveRef": "#"},
                        ]
                    },
                }
            },
        },
        "Comparison": {
            "type": "object",
            "required": ["key"],
            "properties": {"key": {"type": "string"}},
        },
    }
    module = load_models(tmp_path, schemas)

    assert accepts(module, "CompoundFilter", {"filters": [{"filters": []}]})
    assert not accepts(module, "CompoundFilter", {"filters": "x"})


def test_discriminator_with_shared_value_is_plain_union(tmp_path: Path) -> None:
    schemas = {
        "Action": {
            "oneOf": [
                {"$ref": "#/components/schemas/Reboot"},
                {"$ref": "#/components/schemas/Restart"},
            ],
            "discriminator": {"propertyName": "type"},
        },
        "Reboot": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"type": "string", "enum": ["reboot"]}},
        },
        "Restart": {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"type": "string", "enum": ["reboot"]}},
        },
    }

    module = load_models(tmp_path, schemas)

    assert accepts(module, "Action", {"type": "reboot"})
    assert not accepts(module, "Action", {"type": "halt"})


# -- the cache ---------------------------------------------------------------


def document_with(operation_id: str, schema_name: str) -> dict[str, Any]:
    """A one-operation document whose response reaches the shared `Money` schema."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "shop", "version": "1"},
        "paths": {
            f"/{operation_id}": {
                "get": {
                    "operationId": operation_id,
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "$ref": f"#/components/schemas/{schema_name}"
                                    }
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                schema_name: {
                    "type": "object",
                    "properties": {"total": {"$ref": "#/components/schemas/Money"}},
                },
                "Money": {
                    "type": "object",
                    "required": ["amount", "currency"],
                    "properties": {
                        "amount": {"type": "integer"},
                        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    },
                },
            }
        },
    }


def test_shared_schema_code_is_built_once_per_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: Counter[str] = Counter()
    original = models._Builder.named_block

    def counting(self: Any, name: str, schema: Any) -> str:
        built[name] += 1
        return str(original(self, name, schema))

    monkeypatch.setattr(models, "_BLOCK_CACHE", {})
    monkeypatch.setattr(models, "_MODULE_CACHE", {})
    monkeypatch.setattr(models._Builder, "named_block", counting)
    generator = find_generator("python-fastapi")
    documents = [
        document_with("listOrders", "OrderList"),
        document_with("getInvoice", "Invoice"),
        document_with("getRefund", "Refund"),
    ]

    for document in documents:
        files = generator.render(nanoservice_from_document(document), document)
        assert any("class Money(BaseModel):" in file.content for file in files)

    assert built["Money"] == 1
    assert built["OrderList"] == built["Invoice"] == built["Refund"] == 1


def test_cache_keeps_distinct_schemas_apart() -> None:
    first = models.generate_models({"Money": {"type": "integer"}})
    second = models.generate_models({"Money": {"type": "string"}})

    assert "Money = int" in first.code
    assert "Money = str" in second.code
    assert json.dumps(first.names) == json.dumps(second.names)
