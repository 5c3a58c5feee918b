"""Tests of what generated python-fastapi services enforce at run time.

Every workspace here is written by the real `nanogen generate` or `nanogen
split` command. The services are called in process through httpx's ASGI
transport, and their generated test suites run in a pytest subprocess that
turns warnings into errors.

A service checks each request and each handler result against the schemas
of its openapi.json with jsonschema, so the JSON Schema keywords that the
pydantic models leave out are enforced too, and a model never rejects what
the document allows.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from nanogen.testing import run_pytest

# Capability lists of one service each, in the capability format. Every
# capability takes one input field, `value`, with the schema under test.
KEYWORD_SCHEMAS: dict[str, Any] = {
    "not-const": {"type": "string", "not": {"const": "forbidden"}},
    "min-properties": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "minProperties": 1,
        "maxProperties": 2,
    },
    "prefix-items": {
        "type": "array",
        "prefixItems": [{"type": "string"}, {"type": "integer"}],
        "items": False,
    },
    "contains": {
        "type": "array",
        "items": {"type": "string"},
        "contains": {"const": "main"},
        "minContains": 1,
    },
    "dependent-required": {
        "type": "object",
        "properties": {"number": {"type": "string"}, "cvc": {"type": "string"}},
        "dependentRequired": {"number": ["cvc"]},
    },
    "dependent-schemas": {
        "type": "object",
        "properties": {"express": {"type": "boolean"}, "date": {"type": "string"}},
        "dependentSchemas": {"express": {"required": ["date"]}},
    },
    "if-then-else": {
        "type": "object",
        "required": ["country"],
        "properties": {"country": {"type": "string"}, "postcode": {"type": "string"}},
        "if": {"properties": {"country": {"const": "US"}}},
        "then": {"properties": {"postcode": {"pattern": "^[0-9]{5}$"}}},
        "else": {"properties": {"postcode": {"maxLength": 10}}},
    },
    "property-names": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "propertyNames": {"pattern": "^[a-z-]+$"},
    },
    "one-of": {
        "oneOf": [
            {"type": "object", "required": ["email"]},
            {"type": "object", "required": ["phone"]},
        ]
    },
    "pattern-properties": {
        "type": "object",
        "properties": {"name": {"type": "string"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "additionalProperties": False,
    },
}

# (capability, a valid value, an invalid value) of KEYWORD_SCHEMAS.
KEYWORD_CASES = [
    ("not-const", "allowed", "forbidden"),
    ("min-properties", {"a": "1"}, {}),
    ("min-properties", {"a": "1", "b": "2"}, {"a": "1", "b": "2", "c": "3"}),
    ("prefix-items", ["a", 1], ["a", "b"]),
    ("prefix-items", ["a", 1], ["a", 1, 2]),
    ("contains", ["main", "extra"], ["extra"]),
    ("dependent-required", {"number": "4242", "cvc": "123"}, {"number": "4242"}),
    ("dependent-schemas", {"express": True, "date": "today"}, {"express": True}),
    (
        "if-then-else",
        {"country": "US", "postcode": "12345"},
        {"country": "US", "postcode": "1234"},
    ),
    (
        "if-then-else",
        {"country": "FR", "postcode": "75001"},
        {"country": "FR", "postcode": "75001-75020"},
    ),
    ("property-names", {"content-type": "json"}, {"Content-Type": "json"}),
    ("one-of", {"email": "a@example.com"}, {"email": "a@example.com", "phone": "555"}),
    (
        "pattern-properties",
        {"name": "n", "x-team": "core"},
        {"name": "n", "team": "core"},
    ),
    ("pattern-properties", {"name": "n", "x-team": "core"}, {"name": "n", "x-team": 5}),
]

# Schemas that pydantic reads differently from JSON Schema, with a value
# that JSON Schema allows and one that it forbids.
MODEL_SCHEMAS: dict[str, Any] = {
    "half-bound": {"type": "integer", "minimum": 0.5},
    "tenths": {"type": "number", "multipleOf": 0.1},
    "end-of-line": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "posix-class": {"type": "string", "pattern": "^[[:alpha:]]+$"},
    "set-difference": {"type": "string", "pattern": "^[a-z--b]+$"},
    "const-one": {"const": 1},
    "unique-items": {"type": "array", "uniqueItems": True},
    "whole-float": {"type": "array", "items": {"type": "integer"}},
}

MODEL_CASES = [
    ("half-bound", 1, 0),
    ("half-bound", 1.0, 0.9),
    ("tenths", 0.5, 0.55),
    # Python's `re`, which jsonschema uses, lets `$` match before a final
    # newline, and reads `[[:alpha:]]` as the characters `[:alph` and `]`.
    ("end-of-line", "EUR\n", "EURO"),
    ("posix-class", "a]", "abc"),
    ("set-difference", "c-b", "~"),
    ("const-one", 1.0, True),
    ("unique-items", [1, True], [1, 1.0]),
    ("whole-float", [1.0, 2], [1.5]),
]

PETS: dict[str, Any] = {
    "Cat": {
        "type": "object",
        "required": ["petType", "meow"],
        "properties": {"petType": {"type": "string"}, "meow": {"type": "boolean"}},
    },
    "Dog": {
        "type": "object",
        "required": ["petType", "bark"],
        "properties": {"petType": {"type": "string"}, "bark": {"type": "boolean"}},
    },
}

# Returns `ok: true` when the pet that the handler received is of the class
# that its `petType` names.
PET_HANDLER = """
from __future__ import annotations


async def handle(*, body):
    return {"ok": type(body.value).__name__ == body.value.pet_type}
"""


def capability(name: str, schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "effect": "read",
        "input": {"value": schema},
        "output": {"ok": "boolean"},
    }


def contract_capabilities() -> dict[str, Any]:
    pet = {
        "oneOf": [{"$ref": "Cat"}, {"$ref": "Dog"}],
        "discriminator": {"propertyName": "petType"},
    }
    return {
        "nanogen": 1,
        "project": "contract",
        "security": "none",
        "schemas": PETS,
        "services": {
            "keywords": {
                "capabilities": [
                    capability(name, schema) for name, schema in KEYWORD_SCHEMAS.items()
                ]
            },
            "models": {
                "capabilities": [
                    *(
                        capability(name, schema)
                        for name, schema in MODEL_SCHEMAS.items()
                    ),
                    capability("pets", pet),
                ]
            },
        },
    }


def nanogen(
    *args: str | Path, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `nanogen` command in a subprocess of this interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "nanogen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
    )


def generate(root: Path, capabilities: dict[str, Any]) -> Path:
    """Write a capability list into `root` and generate its workspace there."""
    root.mkdir(parents=True, exist_ok=True)
    config = root / "nanogen.yaml"
    config.write_text(yaml.safe_dump(capabilities, sort_keys=False), "utf-8")
    result = nanogen("generate", "-c", config, "-o", root)
    assert result.returncode == 0, result.stderr
    return root


# The generated packages that `load_app` imported.
LOADED_PACKAGES: set[str] = set()


def forget_package(package: str) -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == package]:
        del sys.modules[name]


def load_app(workspace: Path, package: str) -> Any:
    """Import `<package>.main` of a generated service, fresh, and return the module."""
    forget_package(package)
    LOADED_PACKAGES.add(package)
    service = str(workspace / "services" / package)
    sys.path.insert(0, service)
    try:
        return importlib.import_module(f"{package}.main")
    finally:
        sys.path.remove(service)


def call(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """Send one request to an app in process."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test"
        ) as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(send())


def assert_rejected(
    response: httpx.Response, status: int = 422
) -> list[dict[str, str]]:
    """Check a problem details response (RFC 9457); return its `errors`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["errors"], body
    return list(body["errors"])


@pytest.fixture(scope="module")
def contract_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = generate(tmp_path_factory.mktemp("contract"), contract_capabilities())
    (root / "services" / "models_pets" / "models_pets" / "handler.py").write_text(
        PET_HANDLER, "utf-8"
    )
    return root


@pytest.fixture
def restore_modules() -> Iterator[None]:
    """Forget the generated packages that a test imported.

    Only those: a library module that is imported twice would give its
    classes twice, which other tests would then not recognize.
    """
    yield
    for package in LOADED_PACKAGES:
        forget_package(package)
    LOADED_PACKAGES.clear()


# -- keywords that the models leave to jsonschema ------------------------------


@pytest.mark.parametrize(
    ("name", "valid", "invalid"),
    KEYWORD_CASES,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(KEYWORD_CASES)],
)
def test_keyword_is_enforced(
    contract_workspace: Path, restore_modules: None, name: str, valid: Any, invalid: Any
) -> None:
    package = "keywords_" + name.replace("-", "_")
    main = load_app(contract_workspace, package)

    accepted = call(main.app, "POST", f"/{name}", json={"value": valid})
    rejected = call(main.app, "POST", f"/{name}", json={"value": invalid})

    assert accepted.status_code == 200, accepted.text
    errors = assert_rejected(rejected)
    assert all(error["pointer"].startswith("/value") for error in errors), errors


# -- keywords that pydantic reads differently ------------------------------------


@pytest.mark.parametrize(
    ("name", "valid", "invalid"),
    MODEL_CASES,
    ids=[f"{name}-{index}" for index, (name, _, _) in enumerate(MODEL_CASES)],
)
def test_models_follow_json_schema(
    contract_workspace: Path, restore_modules: None, name: str, valid: Any, invalid: Any
) -> None:
    package = "models_" + name.replace("-", "_")
    main = load_app(contract_workspace, package)

    accepted = call(main.app, "POST", f"/{name}", json={"value": valid})
    rejected = call(main.app, "POST", f"/{name}", json={"value": invalid})

    assert accepted.status_code == 200, accepted.text
    assert_rejected(rejected)


def test_discriminator_value_picks_the_model(
    contract_workspace: Path, restore_modules: None
) -> None:
    main = load_app(contract_workspace, "models_pets")

    dog = call(
        main.app, "POST", "/pets", json={"value": {"petType": "Dog", "bark": True}}
    )
    both = {"petType": "Cat", "meow": True, "bark": True}
    ambiguous = call(main.app, "POST", "/pets", json={"value": both})

    assert dog.status_code == 200, dog.text
    assert dog.json() == {"ok": True}
    # Valid under both variants of `oneOf`, so invalid.
    assert_rejected(ambiguous)


def test_generated_suites_pass_strict_warnings(contract_workspace: Path) -> None:
    result = run_pytest(contract_workspace / "services", cwd=contract_workspace)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "failed" not in summary
    assert "FutureWarning" not in result.stdout + result.stderr


def test_nanogen_test_passes_without_warnings(contract_workspace: Path) -> None:
    result = nanogen("test", "-C", contract_workspace)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "warning" not in result.stdout.strip().splitlines()[-1]


def test_jsonschema_is_a_runtime_dependency(contract_workspace: Path) -> None:
    pyproject = contract_workspace / "services" / "keywords_one_of" / "pyproject.toml"

    text = pyproject.read_text("utf-8")
    # tomllib is not in Python 3.10, which nanogen supports.
    runtime = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    test = text.split("test = [", 1)[1].split("]", 1)[0]

    assert '"jsonschema>=' in runtime
    assert "jsonschema" not in test


# -- handler results ----------------------------------------------------------------


def test_off_contract_result_is_logged(
    contract_workspace: Path,
    restore_modules: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    main = load_app(contract_workspace, "keywords_not_const")

    async def handle(*, body: Any) -> Any:
        return {"ok": "yes"}

    monkeypatch.setattr(main.handler, "handle", handle)
    with caplog.at_level(logging.ERROR, logger=main.__name__):
        response = call(main.app, "POST", "/not-const", json={"value": "allowed"})

    assert response.status_code == 500
    detail = response.json()["detail"]
    assert "does not match the OpenAPI document" in detail
    assert "service log" in detail
    assert "'yes' is not of type 'boolean'" in caplog.text
    assert "/ok" in caplog.text


def test_non_json_result_is_off_contract(
    contract_workspace: Path,
    restore_modules: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    main = load_app(contract_workspace, "keywords_not_const")
    monkeypatch.setattr(
        main.handler, "handle", lambda **arguments: {"ok": float("nan")}
    )

    with caplog.at_level(logging.ERROR, logger=main.__name__):
        response = call(main.app, "POST", "/not-const", json={"value": "allowed"})

    assert response.status_code == 500
    assert "service log" in response.json()["detail"]
    assert "not JSON" in caplog.text


def test_model_defect_gives_500(
    contract_workspace: Path,
    restore_modules: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A models.py stricter than its schema, as a defect of the generator
    # would make it, is reported as a server error, not blamed on the request.
    copy = tmp_path / "services" / "keywords_not_const"
    shutil.copytree(contract_workspace / "services" / "keywords_not_const", copy)
    models = copy / "keywords_not_const" / "models.py"
    source = models.read_text("utf-8")
    assert "    value: str\n" in source
    models.write_text(
        source.replace("    value: str\n", "    value: Literal['never']\n").replace(
            "from __future__ import annotations\n",
            "from __future__ import annotations\n\nfrom typing import Literal\n",
        ),
        "utf-8",
    )
    main = load_app(tmp_path, "keywords_not_const")

    with caplog.at_level(logging.ERROR, logger=main.__name__):
        response = call(main.app, "POST", "/not-const", json={"value": "allowed"})

    assert response.status_code == 500
    assert "models reject" in response.json()["detail"]
    assert "models of keywords-not-const reject" in caplog.text


def test_nan_in_request_body_is_rejected(
    contract_workspace: Path, restore_modules: None
) -> None:
    main = load_app(contract_workspace, "models_tenths")

    response = call(
        main.app,
        "POST",
        "/tenths",
        content=b'{"value": NaN}',
        headers={"Content-Type": "application/json"},
    )

    assert_rejected(response)


# -- properties required in one direction only -----------------------------------

ACCOUNT: dict[str, Any] = {
    "type": "object",
    "required": ["id", "password", "name"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "password": {"type": "string", "writeOnly": True},
        "name": {"type": "string"},
    },
}


def account_capabilities() -> dict[str, Any]:
    return {
        "nanogen": 1,
        "project": "accounts",
        "security": "none",
        "schemas": {"Account": ACCOUNT},
        "services": {
            "accounts": {
                "capabilities": [
                    {
                        "name": "open-account",
                        "effect": "create",
                        "input": {"account": "Account"},
                        "output": {"account": "Account"},
                    }
                ]
            }
        },
    }


def test_read_only_not_required_in_requests(
    tmp_path: Path, restore_modules: None
) -> None:
    root = generate(tmp_path, account_capabilities())
    main = load_app(root, "accounts_open_account")

    # A request leaves out the read-only `id`, which OpenAPI requires only
    # in responses.
    opened = call(
        main.app,
        "POST",
        "/open-account",
        json={"account": {"name": "Ada", "password": "secret"}},
    )
    missing_password = call(
        main.app, "POST", "/open-account", json={"account": {"name": "Ada"}}
    )

    assert opened.status_code == 200, opened.text
    # The example response leaves out the write-only `password`, which
    # OpenAPI requires only in requests.
    assert "password" not in opened.json()["account"]
    assert "id" in opened.json()["account"]
    errors = assert_rejected(missing_password)
    assert [error["pointer"] for error in errors] == ["/account"]

    tested = run_pytest(root / "services", cwd=root)
    assert tested.returncode == 0, tested.stdout[-4000:]


# -- handlers written for an older document --------------------------------------

SEARCH_HANDLER = """
from __future__ import annotations


async def handle(*, q: str) -> dict[str, str]:
    return {"echo": q}
"""

REGION_HANDLER = """
from __future__ import annotations


async def handle(*, q: str, region: str) -> dict[str, str]:
    return {"echo": f"{q} in {region}"}
"""

COUNT_HANDLER = """
from __future__ import annotations

from typing import Any


def handle(**arguments: Any) -> dict[str, Any]:
    return {"keys": sorted(arguments)}
"""


def lookup_capabilities(inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "nanogen": 1,
        "project": "evolve",
        "security": "none",
        "services": {
            "orders": {
                "capabilities": [
                    {
                        "name": "search",
                        "effect": "read",
                        "method": "GET",
                        "input": inputs,
                        "output": {"echo": "string"},
                    },
                    {
                        "name": "count",
                        "effect": "read",
                        "method": "GET",
                        "input": inputs,
                        "output": {"keys": "string[]"},
                    },
                ]
            }
        },
    }


def test_old_handler_gets_only_its_arguments(
    tmp_path: Path, restore_modules: None, caplog: pytest.LogCaptureFixture
) -> None:
    root = generate(tmp_path, lookup_capabilities({"q": "string"}))
    search = root / "services" / "orders_search" / "orders_search" / "handler.py"
    count = root / "services" / "orders_count" / "orders_count" / "handler.py"
    search.write_text(SEARCH_HANDLER, "utf-8")
    count.write_text(COUNT_HANDLER, "utf-8")

    generate(root, lookup_capabilities({"q": "string", "limit": "integer?"}))
    with caplog.at_level(logging.WARNING):
        search_app = load_app(root, "orders_search").app
    count_app = load_app(root, "orders_count").app
    searched = call(search_app, "GET", "/search", params={"q": "a", "limit": "3"})
    counted = call(count_app, "GET", "/count", params={"q": "a", "limit": "3"})

    assert search.read_text("utf-8") == SEARCH_HANDLER
    main_source = (search.parent / "main.py").read_text("utf-8")
    assert "limit" in main_source
    assert searched.status_code == 200, searched.text
    assert searched.json() == {"echo": "a"}
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"keys": ["limit", "q"]}
    assert "handle() does not take these arguments" in caplog.text
    assert "limit" in caplog.text
    result = run_pytest(root / "services", cwd=root)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


def test_handler_requiring_removed_input_fails_import(tmp_path: Path) -> None:
    root = generate(tmp_path, lookup_capabilities({"q": "string", "region": "string"}))
    service = root / "services" / "orders_search"
    (service / "orders_search" / "handler.py").write_text(REGION_HANDLER, "utf-8")
    generate(root, lookup_capabilities({"q": "string"}))

    imported = subprocess.run(
        [sys.executable, "-c", "import orders_search.main"],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    tested = nanogen("test", "-C", root)

    assert imported.returncode != 0
    message = imported.stderr.strip().splitlines()[-1]
    assert "HandlerSignatureError" in message
    assert str(service / "orders_search" / "handler.py") in message
    assert "handle() requires the argument 'region'" in message
    assert "GET /search does not have" in message
    assert "Remove 'region' from handle() or give it a default value" in message
    assert (service / "orders_search" / "handler.py").read_text(
        "utf-8"
    ) == REGION_HANDLER
    assert tested.returncode != 0
    assert "handle() requires the argument 'region'" in tested.stdout


# -- type names ------------------------------------------------------------------

# Parameter names whose type names would be the same without a number.
SIMILAR_INPUTS = {
    "page_size": "integer?",
    "pageSize": "string?",
    "ab": "integer?",
    "a_b": "boolean?",
}

SIMILAR_QUERY = {"page_size": "5", "pageSize": "five", "ab": "2", "a_b": "true"}

SPLIT_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "similar", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "operationId": "listItems",
                "tags": ["items"],
                "parameters": [
                    {"name": "page_size", "in": "query", "schema": {"type": "integer"}},
                    {"name": "pageSize", "in": "query", "schema": {"type": "string"}},
                    {"name": "ab", "in": "query", "schema": {"type": "integer"}},
                    {"name": "a_b", "in": "query", "schema": {"type": "boolean"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"ok": {"type": "boolean"}},
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def assert_similar_parameters_apart(root: Path, package: str, path: str) -> None:
    main = load_app(root, package)
    source = (root / "services" / package / package / "main.py").read_text("utf-8")
    adapters = [
        line.strip() for line in source.splitlines() if "TypeAdapter(models." in line
    ]

    accepted = call(main.app, "GET", path, params=SIMILAR_QUERY)
    wrong_integer = call(
        main.app, "GET", path, params={**SIMILAR_QUERY, "page_size": "x"}
    )
    wrong_boolean = call(main.app, "GET", path, params={**SIMILAR_QUERY, "a_b": "x"})

    assert len(adapters) == 4
    assert len(set(adapters)) == 4
    assert accepted.status_code == 200, accepted.text
    assert [e["parameter"] for e in assert_rejected(wrong_integer)] == ["page_size"]
    assert [e["parameter"] for e in assert_rejected(wrong_boolean)] == ["a_b"]


def test_similar_input_names_get_own_types(
    tmp_path: Path, restore_modules: None
) -> None:
    capabilities = {
        "nanogen": 1,
        "project": "similar",
        "security": "none",
        "services": {
            "items": {
                "capabilities": [
                    {
                        "name": "list",
                        "effect": "read",
                        "method": "GET",
                        "input": SIMILAR_INPUTS,
                        "output": {"ok": "boolean"},
                    }
                ]
            }
        },
    }
    root = generate(tmp_path, capabilities)

    assert_similar_parameters_apart(root, "items_list", "/list")


def test_similar_split_parameters_get_own_types(
    tmp_path: Path, restore_modules: None
) -> None:
    monolith = tmp_path / "similar.json"
    monolith.write_text(json.dumps(SPLIT_DOCUMENT), "utf-8")
    root = tmp_path / "workspace"

    result = nanogen("split", monolith, "-o", root, "--quiet")

    assert result.returncode == 0, result.stderr
    packages = [path.name for path in (root / "services").iterdir()]
    assert len(packages) == 1
    assert_similar_parameters_apart(root, packages[0], "/items")
    tested = run_pytest(root / "services", cwd=root)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-3000:]


# -- OpenAPI 3.0 keywords --------------------------------------------------------

OPENAPI_30_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "legacy", "version": "1"},
    "paths": {
        "/quotes": {
            "post": {
                "operationId": "createQuote",
                "tags": ["quotes"],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/Quote"}
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Quote"}
                            }
                        },
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "Quote": {
                "type": "object",
                "required": ["price", "note"],
                "properties": {
                    "price": {
                        "type": "number",
                        "minimum": 0,
                        "exclusiveMinimum": True,
                        "example": 2.5,
                    },
                    "note": {"type": "string", "nullable": True, "example": "firm"},
                },
                "example": {"price": 2.5, "note": "firm"},
            }
        }
    },
}


def test_openapi_30_keywords_are_read_as_30(
    tmp_path: Path, restore_modules: None
) -> None:
    monolith = tmp_path / "legacy.json"
    monolith.write_text(json.dumps(OPENAPI_30_DOCUMENT), "utf-8")
    root = tmp_path / "workspace"

    result = nanogen("split", monolith, "-o", root, "--quiet")

    assert result.returncode == 0, result.stderr
    package = next((root / "services").iterdir()).name
    main = load_app(root, package)
    null_note = call(main.app, "POST", "/quotes", json={"price": 0.5, "note": None})
    zero_price = call(main.app, "POST", "/quotes", json={"price": 0, "note": "firm"})
    assert null_note.status_code == 200, null_note.text
    errors = assert_rejected(zero_price)
    assert [error["pointer"] for error in errors] == ["/price"]
    tested = run_pytest(root / "services", cwd=root)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-3000:]


def test_input_named_like_stub_function(tmp_path: Path) -> None:
    # The handler stub calls `example_response()`; an input of that name
    # must not hide it.
    capabilities = {
        "nanogen": 1,
        "project": "names",
        "security": "none",
        "services": {
            "s": {
                "capabilities": [
                    {
                        "name": "g",
                        "effect": "read",
                        "method": "GET",
                        "input": {"example_response": "string"},
                    }
                ]
            }
        },
    }
    root = generate(tmp_path, capabilities)

    tested = run_pytest(root / "services", cwd=root)
    assert tested.returncode == 0, tested.stdout[-4000:]


# -- patterns on which Python's `re` backtracks ---------------------------------

# `re` takes time exponential in the length of 'aaa...ab' on `^(a+)+$`. The
# time doubles with each character, which puts 40 characters at an estimated
# 11 hours. RE2 cannot express the lookahead, so the app matches that
# pattern with `re`.
BACKTRACKING = "^(a+)+$"
ALMOST_MATCHING = "a" * 40 + "b"
PATTERN_SCHEMAS: dict[str, Any] = {
    "nested-repeat": {"type": "string", "pattern": BACKTRACKING, "minLength": 40},
    "lookahead": {"type": "string", "pattern": "^(?!admin$)[a-z]{3,}$"},
}

# Sends requests, given as JSON [method, path, body] triples in argv[2], to
# the app of the package argv[1], and prints each response's status and
# body. A null body sends none.
SEND_SCRIPT = """
import asyncio, importlib, json, sys

import httpx

app = importlib.import_module(sys.argv[1] + ".main").app


async def send_all(requests):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        responses = [
            await client.request(method, path, json=body)
            for method, path, body in requests
        ]
    return [[response.status_code, response.json()] for response in responses]


print(json.dumps(asyncio.run(send_all(json.loads(sys.argv[2])))))
"""

# Seconds that a subprocess sending a few requests, or running the generated
# suite of one service, may take. `re` would need hours.
PATTERN_TIMEOUT = 300


def pattern_capabilities() -> dict[str, Any]:
    return {
        "nanogen": 1,
        "project": "patterns",
        "security": "none",
        "services": {
            "names": {
                "capabilities": [
                    capability(name, schema) for name, schema in PATTERN_SCHEMAS.items()
                ]
            }
        },
    }


@pytest.fixture(scope="module")
def pattern_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("patterns"), pattern_capabilities())


def send_in_subprocess(
    service: Path, requests: list[tuple[str, str, Any]]
) -> list[tuple[int, Any]]:
    """Send requests to a service's app in a fresh interpreter and return each status and body.

    Raises subprocess.TimeoutExpired after PATTERN_TIMEOUT seconds.
    """
    result = subprocess.run(
        [sys.executable, "-c", SEND_SCRIPT, service.name, json.dumps(requests)],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=PATTERN_TIMEOUT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return [(status, body) for status, body in json.loads(result.stdout)]


def test_backtracking_pattern_answers_quickly(pattern_workspace: Path) -> None:
    service = pattern_workspace / "services" / "names_nested_repeat"

    (rejected, accepted) = send_in_subprocess(
        service,
        [
            ("POST", "/nested-repeat", {"value": ALMOST_MATCHING}),
            ("POST", "/nested-repeat", {"value": "a" * 40}),
        ],
    )

    assert rejected[0] == 422, rejected
    assert [error["pointer"] for error in rejected[1]["errors"]] == ["/value"]
    assert BACKTRACKING in rejected[1]["errors"][0]["detail"]
    assert accepted[0] == 200, accepted


# Patterns on which `re` backtracks for hours on texts that they match, so
# any check with `re` after RE2 has accepted such a text would hang.
MATCHING_BACKTRACKING_CAPABILITIES: dict[str, Any] = {
    "nanogen": 1,
    "project": "matching",
    "security": "none",
    "services": {
        "texts": {
            "capabilities": [
                {
                    "name": "nested-alternative",
                    "effect": "read",
                    "input": {"s": {"type": "string", "pattern": "^(?:(a+)+c|a*)$"}},
                    "output": {"ok": "boolean"},
                },
                {
                    "name": "query-alternative",
                    "effect": "read",
                    "method": "GET",
                    "input": {"s": {"type": "string", "pattern": "(a+)+b|x"}},
                    "output": {"ok": "boolean"},
                },
            ]
        }
    },
}


@pytest.fixture(scope="module")
def matching_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(
        tmp_path_factory.mktemp("matching"), MATCHING_BACKTRACKING_CAPABILITIES
    )


def test_matching_backtracking_body_answers_quickly(matching_workspace: Path) -> None:
    service = matching_workspace / "services" / "texts_nested_alternative"

    (accepted, rejected) = send_in_subprocess(
        service,
        [
            ("POST", "/nested-alternative", {"s": "a" * 40}),
            ("POST", "/nested-alternative", {"s": "a" * 40 + "b"}),
        ],
    )

    assert accepted[0] == 200, accepted
    assert rejected[0] == 422, rejected
    assert [error["pointer"] for error in rejected[1]["errors"]] == ["/s"]


def test_matching_backtracking_query_answers_quickly(
    matching_workspace: Path,
) -> None:
    service = matching_workspace / "services" / "texts_query_alternative"

    (accepted, rejected) = send_in_subprocess(
        service,
        [
            ("GET", "/query-alternative?s=" + "a" * 40 + "x", None),
            ("GET", "/query-alternative?s=" + "a" * 40, None),
        ],
    )

    assert accepted[0] == 200, accepted
    assert rejected[0] == 422, rejected
    assert [error["parameter"] for error in rejected[1]["errors"]] == ["s"]


def test_matching_backtracking_suites_pass(matching_workspace: Path) -> None:
    result = run_pytest(
        matching_workspace / "services", cwd=matching_workspace, timeout=PATTERN_TIMEOUT
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout.strip().splitlines()[-1]


def test_lookahead_pattern_falls_back_to_re(
    pattern_workspace: Path, restore_modules: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        main = load_app(pattern_workspace, "names_lookahead")

    accepted = call(main.app, "POST", "/lookahead", json={"value": "alice"})
    reserved = call(main.app, "POST", "/lookahead", json={"value": "admin"})
    short = call(main.app, "POST", "/lookahead", json={"value": "al"})

    assert accepted.status_code == 200, accepted.text
    assert [error["pointer"] for error in assert_rejected(reserved)] == ["/value"]
    assert [error["pointer"] for error in assert_rejected(short)] == ["/value"]
    # Logged when the app is imported, not at the first request.
    assert "'^(?!admin$)[a-z]{3,}$' is matched with Python's re" in caplog.text
    assert "negative lookahead" in caplog.text


# Patterns that the app matches with RE2. Each must match exactly the texts
# of PATTERN_TEXTS that `re` matches, where `re` reads some differently from
# ECMA-262 and from RE2 (`$` before a final newline, Unicode `\d`).
TRANSLATED_PATTERNS = [
    "^[A-Z]{3}$",
    r"^\d+$",
    r"^\w+\s*$",
    r"^[^\W\d]+$",
    r"(?a)\bfoo\b",
    r"(?s)a.b",
    "a.b",
    r"(?m)^a$",
    r"\Aab\Z",
    "^.{2,5}$",
    "[^a]",
    r"^\D\W\S$",
    r"^[\u00e0-\u00ff]+$",
    "a{,3}b",
    r"^\N{EM DASH}$",
    # `python_pattern`'s quiet forms of `^[[:alpha:]]+$` and `^[a-z--b]+$`.
    r"^[\[:alpha:]]+$",
    r"^[a-z\--b]+$",
    "a|b$",
    # Names U+FFFD, so the app reads a lone surrogate as another character.
    r"^[^\ufffd]$",
    "^(a|aa)+$",
    BACKTRACKING,
    # Case-insensitive. `re` matches U+0130 and U+0131 with `i`, which
    # RE2's case folding does not, and U+017F with `s` and U+212A with `k`,
    # as RE2 does.
    "(?i)abc",
    "(?i)^[a-z]+$",
    "(?i)^k$",
    "(?i)^[^k]$",
    "(?i)^[is]$",
    "(?ai)^[a-z]+$",
    "(?i)^[\\wK]$",
    "^(?i:a)b$",
    "(?i)^a(?-i:b)$",
    "(?i)^\u0130$",
    "(?i)^\u00e9$",
]
# Patterns with a construct that RE2 lacks, matched with `re`.
FALLBACK_PATTERNS = [
    r"(a)\1",
    "a(?=b)",
    "(?i)(a)\\1",
    r"\bfoo",
    "^a{1001}$",
    "$\n",
    r"[\ud800-\udfff]",
]
PATTERN_TEXTS = [
    "",
    "a",
    "aa",
    "ab",
    "abc",
    "ABC",
    "EUR",
    "EUR\n",
    "EURO",
    "foo",
    "a foo b",
    "afoo",
    "a\nb",
    "a\rb",
    "\u0663",
    "12",
    "\u00e9",
    "\u00e9e",
    "a]",
    "c-b",
    "~",
    "\xa0",
    "_",
    "\ud800",
    "\ufffd",
    "\u2014",
    "aaab",
    "a" * 30,
    "x\n",
    "\n",
    "Ab",
    "aB",
    "k",
    "K",
    "i",
    "I",
    "\u212a",
    "\u0130",
    "\u0131",
    "\u017f",
    "\u00c9",
]


def load_validation(workspace: Path, package: str) -> Any:
    """Import the validation module of a generated service, fresh."""
    load_app(workspace, package)
    return sys.modules[f"{package}.validation"]


@pytest.mark.parametrize("pattern", TRANSLATED_PATTERNS + FALLBACK_PATTERNS)
def test_pattern_matcher_agrees_with_re(
    pattern_workspace: Path,
    restore_modules: None,
    caplog: pytest.LogCaptureFixture,
    pattern: str,
) -> None:
    validation = load_validation(pattern_workspace, "names_nested_repeat")

    with caplog.at_level(logging.WARNING):
        matches = validation.pattern_matcher(pattern)
    expected = [text for text in PATTERN_TEXTS if re.search(pattern, text)]
    matched = [text for text in PATTERN_TEXTS if matches(text)]

    assert matched == expected
    falls_back = "is matched with Python's re" in caplog.text
    assert falls_back == (pattern in FALLBACK_PATTERNS), caplog.text


# Patterns that the heuristic must flag, and safe ones it must not.
RISKY_PATTERNS = [
    BACKTRACKING,
    r"^(\w+\s?)*$",
    "^(a|aa)+$",
    "^(a+|b)+$",
    "^(x+x+)+y$",
    "^(-?[a-z]+)+$",
]
SAFE_PATTERNS = [
    "^[A-Z]{3}$",
    r"^([a-z]+\.)+[a-z]+$",
    "^[a-z0-9]+(-[a-z0-9]+)*$",
    r"^(\d{1,3}\.){3}\d{1,3}$",
    "^(com|net|org)+$",
    r"^(\w|\s)*$",
    r"^(\+|-)?\d+$",
]


@pytest.mark.parametrize("pattern", RISKY_PATTERNS + SAFE_PATTERNS)
def test_backtracking_heuristic(
    pattern_workspace: Path, restore_modules: None, pattern: str
) -> None:
    validation = load_validation(pattern_workspace, "names_nested_repeat")

    flagged = validation.may_backtrack_catastrophically(pattern)

    assert flagged == (pattern in RISKY_PATTERNS)


def test_schemathesis_document_leaves_out_risky_pattern(
    pattern_workspace: Path, restore_modules: None
) -> None:
    risky = load_validation(pattern_workspace, "names_nested_repeat")
    safe = load_validation(pattern_workspace, "names_lookahead")

    risky_value = risky.schemathesis_document()["components"]["schemas"][
        "NestedRepeatInput"
    ]["properties"]["value"]
    safe_value = safe.schemathesis_document()["components"]["schemas"][
        "LookaheadInput"
    ]["properties"]["value"]

    assert "pattern" not in risky_value
    assert risky_value["minLength"] == 40
    assert safe_value["pattern"] == PATTERN_SCHEMAS["lookahead"]["pattern"]


def test_backtracking_pattern_suites_pass(pattern_workspace: Path) -> None:
    result = run_pytest(
        pattern_workspace / "services", cwd=pattern_workspace, timeout=PATTERN_TIMEOUT
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "skipped" not in summary


def test_re2_is_a_runtime_dependency(pattern_workspace: Path) -> None:
    pyproject = (
        pattern_workspace / "services" / "names_nested_repeat" / "pyproject.toml"
    )

    text = pyproject.read_text("utf-8")
    runtime = text.split("dependencies = [", 1)[1].split("]", 1)[0]

    assert '"google-re2>=' in runtime


SPLIT_PATTERN_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "tags", "version": "1"},
    "paths": {
        "/tags": {
            "post": {
                "operationId": "addTags",
                "parameters": [
                    {
                        "name": "tag",
                        "in": "query",
                        "schema": {"type": "string", "pattern": BACKTRACKING},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "patternProperties": {"^x-(a+)+$": {"type": "string"}},
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["tag"],
                                    "properties": {
                                        "tag": {
                                            "type": "string",
                                            "pattern": BACKTRACKING,
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            }
        }
    },
}


def test_split_backtracking_patterns(tmp_path: Path) -> None:
    monolith = tmp_path / "tags.json"
    monolith.write_text(json.dumps(SPLIT_PATTERN_DOCUMENT), "utf-8")
    root = tmp_path / "workspace"

    result = nanogen("split", monolith, "-o", root, "--quiet")

    assert result.returncode == 0, result.stderr
    service = next((root / "services").iterdir())
    (query, name, valid) = send_in_subprocess(
        service,
        [
            ("POST", f"/tags?tag={ALMOST_MATCHING}", {}),
            ("POST", "/tags", {"x-" + ALMOST_MATCHING: "v"}),
            ("POST", "/tags?tag=aaa", {"x-aaa": "v"}),
        ],
    )
    assert query[0] == 422, query
    assert [error["parameter"] for error in query[1]["errors"]] == ["tag"]
    assert name[0] == 422, name
    assert valid[0] == 200, valid
    tested = run_pytest(root / "services", cwd=root, timeout=PATTERN_TIMEOUT)
    assert tested.returncode == 0, tested.stdout[-6000:] + tested.stderr[-3000:]
