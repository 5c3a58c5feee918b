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
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    with warnings.catch_warnings():
        # jsonschema compiles patterns with `re`, which warns about
        # `[[:alpha:]]` and `[a-z--b]` though it reads them.
        warnings.simplefilter("ignore", FutureWarning)
        return bool(Draft202012Validator(root).is_valid(instance))


# -- patterns --------------------------------------------------------------

# The generated service matches `pattern` with RE2 in its jsonschema check
# before any model validates a value, so the models leave patterns out.
PATTERN_SCHEMAS = {
    "Lookahead": {"type": "string", "pattern": "^(?!tmp)[a-z]+$"},
    "Backreference": {"type": "string", "pattern": "^(a+)-\\1$"},
    "Plain": {"type": "string", "pattern": "^[A-Z]{3}$"},
    # `\p{L}` is ECMA-262 syntax that Python's `re` rejects.
    "Neither": {"type": "string", "pattern": "(?<=x)\\p{L}"},
    # Python 3.11's `re` took 0.45 s to match 24 'a's here, on one core of
    # a shared 2-core machine, and twice as long for each further 'a'.
    "NestedRepeat": {"type": "string", "pattern": "^(?:(a+)+c|a*)$", "maxLength": 50},
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
    ("name", "instance", "valid"),
    PATTERN_CASES,
    ids=[f"{name}-{instance}" for name, instance, _ in PATTERN_CASES],
)
def test_models_leave_patterns_to_jsonschema(
    tmp_path: Path, name: str, instance: str, valid: bool
) -> None:
    module = load_models(tmp_path, PATTERN_SCHEMAS)

    assert accepts(module, name, instance)
    assert jsonschema_accepts(PATTERN_SCHEMAS, name, instance) is valid


def test_pattern_leaves_no_regex_in_code() -> None:
    code = models.generate_models(PATTERN_SCHEMAS).code

    assert "import re" not in code
    assert "NestedRepeat = Annotated[str, StringConstraints(max_length=50)]" in code
    assert "Plain = str" in code
    assert "Neither = str" in code


def test_pattern_in_parameter_alias_is_unchecked(tmp_path: Path) -> None:
    module = load_models(
        tmp_path, {}, {"CodeParameter": {"type": "string", "pattern": "(?<!x)$"}}
    )

    assert accepts(module, "CodeParameter", "abc")
    assert accepts(module, "CodeParameter", "abx")


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


# -- models never reject what the schema allows -------------------------------

# Schemas whose keywords pydantic reads differently from JSON Schema. The
# generated service validates with jsonschema first, so a model may accept
# more than its schema, but never less.
DISAGREEING_SCHEMAS: dict[str, Any] = {
    "HalfBound": {"type": "integer", "minimum": 0.5, "exclusiveMaximum": 2.5},
    "Tenths": {"type": "number", "multipleOf": 0.1},
    "EndOfLine": {"type": "string", "pattern": "^a$"},
    "PosixClass": {"type": "string", "pattern": "^[[:alpha:]]+$"},
    "SetDifference": {"type": "string", "pattern": "^[a-z--b]+$"},
    "ConstOne": {"const": 1},
    "ConstTrue": {"const": True},
    "MixedEnum": {"enum": [1, "a", None, [1]]},
    "IntegerEnum": {"type": "integer", "enum": [1, 2.0]},
    "Unique": {"type": "array", "uniqueItems": True},
    "UniqueObjects": {
        "type": "array",
        "uniqueItems": True,
        "items": {"$ref": "#/components/schemas/Point"},
    },
    "Point": {
        "type": "object",
        "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}},
    },
    "Extensions": {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
    },
    "OnlyExtensions": {
        "type": "object",
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
    },
    "TypedExtensions": {
        "type": "object",
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": {"type": "integer"},
    },
    "Pair": {
        "type": "array",
        "prefixItems": [{"type": "string"}],
        "items": {"type": "integer"},
    },
    "EvaluatedByAnyOf": {
        "type": "object",
        "properties": {"a": {"type": "string"}},
        "anyOf": [{"properties": {"b": {"type": "string"}}}, {"required": ["a"]}],
        "unevaluatedProperties": False,
    },
    # OpenAPI 3.0 bounds: more than 3, and at least 5.
    "MergedBounds": {
        "allOf": [
            {"type": "number", "minimum": 3, "exclusiveMinimum": True},
            {"minimum": 5},
        ]
    },
}

# (schema, instance, whether both accept it). In the cases marked None the
# model accepts a value that only jsonschema rejects, as for every pattern.
DISAGREEING_CASES: list[tuple[str, Any, bool | None]] = [
    ("HalfBound", 1, True),
    ("HalfBound", 2, True),
    ("HalfBound", 0, False),
    ("HalfBound", 3, False),
    ("Tenths", 0.5, True),
    ("Tenths", 0.7, None),
    ("EndOfLine", "a\n", True),
    ("EndOfLine", "b", None),
    ("PosixClass", "a]", True),
    ("PosixClass", "abc", None),
    ("SetDifference", "c-b", True),
    ("SetDifference", "~", None),
    ("ConstOne", 1, True),
    ("ConstOne", 1.0, True),
    ("ConstOne", True, False),
    ("ConstTrue", True, True),
    ("ConstTrue", 1, False),
    ("MixedEnum", [1.0], True),
    ("MixedEnum", None, True),
    ("MixedEnum", False, False),
    ("IntegerEnum", 2, True),
    ("Unique", [1, True], True),
    ("Unique", [1, 1.0], False),
    ("Unique", [{"a": 1, "b": 2}, {"b": 2, "a": 1}], False),
    ("UniqueObjects", [{"x": 1}, {"x": 1, "y": 2}], True),
    ("UniqueObjects", [{"x": 1, "y": 2}, {"y": 2, "x": 1}], False),
    ("Extensions", {"name": "n", "x-team": "core"}, True),
    ("Extensions", {"other": 1}, None),
    ("OnlyExtensions", {"x-team": "core"}, True),
    ("TypedExtensions", {"x-team": "core", "count": 1}, True),
    ("Pair", ["a", 1, 2], True),
    ("EvaluatedByAnyOf", {"a": "x", "b": "y"}, True),
    ("MergedBounds", 5, True),
    ("MergedBounds", 4, False),
]


@pytest.mark.parametrize(
    ("name", "instance", "both"),
    DISAGREEING_CASES,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(DISAGREEING_CASES)],
)
def test_models_accept_what_the_schema_allows(
    tmp_path: Path, name: str, instance: Any, both: bool | None
) -> None:
    module = load_models(tmp_path, DISAGREEING_SCHEMAS)

    valid = jsonschema_accepts(DISAGREEING_SCHEMAS, name, instance)
    accepted = accepts(module, name, instance)

    if both is None:
        assert not valid
        assert accepted
    else:
        assert valid is both
        assert accepted is both


def test_integer_bounds_are_whole_numbers() -> None:
    code = models.generate_models({"HalfBound": DISAGREEING_SCHEMAS["HalfBound"]}).code

    assert "HalfBound = Annotated[int, Ge(1), Le(2)]" in code


def test_patterns_compile_without_future_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module = load_models(tmp_path, DISAGREEING_SCHEMAS)

        assert accepts(module, "PosixClass", "a]")


def test_discriminator_value_names_the_class(tmp_path: Path) -> None:
    # Without `mapping`, a discriminator value is the schema name. Both
    # variants accept every value here, so only the discriminator
    # distinguishes them.
    variant = {
        "type": "object",
        "required": ["petType"],
        "properties": {"petType": {"type": "string"}, "name": {"type": "string"}},
    }
    schemas = {
        "Pet": {
            "anyOf": [
                {"$ref": "#/components/schemas/Cat"},
                {"$ref": "#/components/schemas/Dog"},
            ],
            "discriminator": {
                "propertyName": "petType",
                "mapping": {"hound": "#/components/schemas/Dog"},
            },
        },
        "Cat": variant,
        "Dog": variant,
    }
    module = load_models(tmp_path, schemas)
    adapter: TypeAdapter[Any] = TypeAdapter(module.Pet, module=module.__name__)

    assert type(adapter.validate_python({"petType": "Dog"})) is module.Dog
    assert type(adapter.validate_python({"petType": "Cat"})) is module.Cat
    assert type(adapter.validate_python({"petType": "hound"})) is module.Dog
    # A value that names no variant is still valid, as JSON Schema has it.
    assert accepts(module, "Pet", {"petType": "Bird"})
    assert not accepts(module, "Pet", {"petType": 5})


# Small vocabularies, so that random values often match random schemas.
_KEYS = ["a", "b", "x-a", "name"]
_TEXTS = ["", "a", "a]", "abc", "a\n", "-", "x-a", "EUR"]
_NUMBERS: list[Any] = [0, 1, 2, -1, 0.5, 1.0, 1.5, 2.0]
_PATTERNS = ["^a$", "^[[:alpha:]]+$", "^[a-z--b]+$", "a", "^[A-Z]{3}$", "(?<!x)$"]

json_values = st.recursive(
    st.none() | st.booleans() | st.sampled_from(_NUMBERS) | st.sampled_from(_TEXTS),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=3)
    ),
    max_leaves=6,
)


def _leaf_schemas() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries(
            {"type": st.just("integer")},
            optional={
                "minimum": st.sampled_from([0.5, 1, -1.5]),
                "exclusiveMaximum": st.sampled_from([2, 2.5]),
                "multipleOf": st.sampled_from([2, 0.5]),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("number")},
            optional={
                "multipleOf": st.sampled_from([0.1, 0.5]),
                "maximum": st.just(1.5),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("string")},
            optional={
                "pattern": st.sampled_from(_PATTERNS),
                "maxLength": st.integers(0, 3),
            },
        ),
        st.builds(lambda value: {"const": value}, json_values),
        st.builds(
            lambda values: {"enum": values},
            st.lists(json_values, min_size=1, max_size=3),
        ),
        st.sampled_from(
            [{"type": "boolean"}, {"type": "null"}, {"type": ["string", "integer"]}]
        ),
    )


def _container_schemas(
    inner: st.SearchStrategy[dict[str, Any]],
) -> st.SearchStrategy[dict[str, Any]]:
    typed = st.sampled_from([{}, {"type": "object"}])
    objects = st.builds(
        lambda kind, properties, rest: {**kind, "properties": properties, **rest},
        typed,
        st.dictionaries(st.sampled_from(_KEYS), inner, max_size=2),
        st.fixed_dictionaries(
            {},
            optional={
                "required": st.lists(st.sampled_from(_KEYS), max_size=2, unique=True),
                "additionalProperties": st.booleans() | inner,
                "patternProperties": st.builds(lambda item: {"^x-": item}, inner),
                "minProperties": st.integers(0, 2),
                "unevaluatedProperties": st.just(False),
            },
        ),
    )
    arrays = st.builds(
        lambda kind, rest: {**kind, **rest},
        st.sampled_from([{}, {"type": "array"}]),
        st.fixed_dictionaries(
            {"items": inner},
            optional={
                "uniqueItems": st.booleans(),
                "prefixItems": st.lists(inner, min_size=1, max_size=2),
                "minItems": st.integers(0, 2),
                "contains": inner,
            },
        ),
    )
    combined = st.builds(
        lambda keyword, parts: {keyword: parts},
        st.sampled_from(["anyOf", "oneOf", "allOf"]),
        st.lists(inner, min_size=1, max_size=3),
    )
    negated = st.builds(lambda part: {"not": part}, inner)
    return objects | arrays | combined | negated


json_schemas = st.recursive(_leaf_schemas(), _container_schemas, max_leaves=5)


def _whole_numbers_as_int(value: Any) -> Any:
    # The generated service does the same before its models see a value.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_whole_numbers_as_int(item) for item in value]
    if isinstance(value, dict):
        return {key: _whole_numbers_as_int(item) for key, item in value.items()}
    return value


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(schema=json_schemas, instances=st.lists(json_values, min_size=1, max_size=8))
def test_models_never_reject_valid_values(
    tmp_path_factory: pytest.TempPathFactory, schema: Any, instances: list[Any]
) -> None:
    # A reference, as a request body or a property has it: the class of a
    # schema without `type` takes only objects, and a reference to it any
    # other value too.
    schemas = {"Value": schema, "Root": {"$ref": "#/components/schemas/Value"}}
    module = load_models(tmp_path_factory.mktemp("models"), schemas)

    for instance in instances:
        if jsonschema_accepts(schemas, "Root", instance):
            assert accepts(module, "Root", _whole_numbers_as_int(instance)), instance


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
