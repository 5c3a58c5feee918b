"""End-to-end tests of the python-fastapi generator and of nanogen.models.

Every fixture document is rendered into one temporary workspace, whose
generated test suites then run together in one pytest subprocess, as
`nanogen test` runs them. The same tree proves that a correct handler keeps
the contract tests green, that an off-contract one turns them red, and that
a service runs under uvicorn.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import py_compile
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from nanogen import models
from nanogen.render import find_generator
from nanogen.testing import load_document, render_into, run_pytest

DOCUMENTS = Path(__file__).parent / "fixtures" / "documents"
FIXTURE_NAMES = sorted(path.stem for path in DOCUMENTS.glob("*.json"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Render every fixture document into one workspace."""
    root = tmp_path_factory.mktemp("workspace")
    services = [load_document(DOCUMENTS / f"{name}.json") for name in FIXTURE_NAMES]
    render_into(root, find_generator("python-fastapi"), services)
    return root


def package_of(name: str) -> str:
    return name.replace("-", "_")


def test_fixtures_cover_every_case() -> None:
    assert len(FIXTURE_NAMES) >= 8
    documents = [
        json.loads((DOCUMENTS / f"{n}.json").read_text("utf-8")) for n in FIXTURE_NAMES
    ]
    methods = {
        method for doc in documents for item in doc["paths"].values() for method in item
    }
    schemes = {
        scheme["type"]
        for doc in documents
        for scheme in doc["components"].get("securitySchemes", {}).values()
    }
    assert {"get", "post", "delete"} <= methods
    assert {"apiKey", "http"} <= schemes
    assert any("securitySchemes" not in doc["components"] for doc in documents)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_generated_modules_compile(workspace: Path, tmp_path: Path, name: str) -> None:
    service = workspace / "services" / package_of(name)
    modules = sorted(service.rglob("*.py"))

    assert len(modules) >= 9
    for module in modules:
        py_compile.compile(
            str(module), cfile=str(tmp_path / "module.pyc"), doraise=True
        )


def test_generated_suites_pass_side_by_side(workspace: Path) -> None:
    result = run_pytest(workspace / "services", cwd=workspace)

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert " passed" in summary
    assert "skipped" not in summary
    assert "warning" not in summary


def test_service_tests_pass_from_the_service_folder(workspace: Path) -> None:
    service = workspace / "services" / "public_echo"

    result = run_pytest(service, cwd=service)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


CORRECT_HANDLER = '''
from __future__ import annotations

from .models import CalculateTaxInput, CalculateTaxOutput, Money

RATES = {"DE": 19, "FR": 20}


async def handle(*, body: CalculateTaxInput) -> CalculateTaxOutput:
    """Charge the country's rate, rounded down to whole minor units."""
    rate = RATES.get(body.country, 0)
    tax = Money(amount=body.amount.amount * rate // 100, currency=body.amount.currency)
    return CalculateTaxOutput(tax=tax)
'''

OFF_CONTRACT_HANDLER = '''
async def handle(*, body):
    """Return the amount as a string, which the response schema forbids."""
    return {"tax": {"amount": str(body.amount.amount), "currency": "EUR"}}
'''


def service_copy(workspace: Path, tmp_path: Path, package: str) -> Path:
    target = tmp_path / "services" / package
    shutil.copytree(workspace / "services" / package, target)
    return target


def test_correct_handler_keeps_contract_tests_green(
    workspace: Path, tmp_path: Path
) -> None:
    service = service_copy(workspace, tmp_path, "payments_calculate_tax")
    (service / "payments_calculate_tax" / "handler.py").write_text(
        CORRECT_HANDLER, "utf-8"
    )

    result = run_pytest(service, cwd=service)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_off_contract_handler_fails_contract_tests(
    workspace: Path, tmp_path: Path
) -> None:
    service = service_copy(workspace, tmp_path, "payments_calculate_tax")
    (service / "payments_calculate_tax" / "handler.py").write_text(
        OFF_CONTRACT_HANDLER, "utf-8"
    )

    result = run_pytest(service, cwd=service)

    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert result.returncode == 1, result.stdout[-4000:]
    assert any(
        "contract.py::test_example_request_gets_success" in line for line in failed
    )
    assert any("contract.py::test_schemathesis" in line for line in failed)


TYPE_CHECKING_HANDLER = '''
from __future__ import annotations

from typing import Any


async def handle(*, body: Any, media_type: str | None = None, **parameters: Any) -> Any:
    """Fail with 500 unless every value arrives with the type its schema gives it."""
    if media_type == "multipart/form-data":
        assert isinstance(body.file, bytes), type(body.file)
        assert body.size is None or type(body.size) is int, body.size
    else:
        assert type(body.size) is int, body.size
        assert body.public is None or type(body.public) is bool, body.public
        assert isinstance(body.labels, list | type(None)), body.labels
    assert type(parameters["from_"]) is int, parameters["from_"]
    assert parameters["tags"] is None or isinstance(parameters["tags"], list)
    return {"sid": "AT0001", "name": body.name}
'''


def test_form_and_multipart_values_arrive_typed(
    workspace: Path, tmp_path: Path
) -> None:
    service = service_copy(workspace, tmp_path, "uploads_create_attachment")
    (service / "uploads_create_attachment" / "handler.py").write_text(
        TYPE_CHECKING_HANDLER, "utf-8"
    )

    result = run_pytest(service, cwd=service)

    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "test_other_media_type_gets_success" in (
        service / "tests" / "test_uploads_create_attachment_contract.py"
    ).read_text("utf-8")


def generated_inputs(workspace: Path) -> Any:
    """Import the inputs module of one generated service."""
    path = workspace / "services" / "public_echo" / "public_echo" / "inputs.py"
    spec = importlib.util.spec_from_file_location("generated_inputs", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generated_inputs"] = module
    spec.loader.exec_module(module)
    return module


def unused_validator(schema: Any) -> Any:
    """Stand in for the app's validators, which decoding a body never calls."""
    raise AssertionError(f"decoding validated against {schema!r}")


FORM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "active": {"type": "boolean"},
        "labels": {"type": "array", "items": {"type": "string"}},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"quantity": {"type": "integer"}},
            },
        },
        # Stripe's "emptyable" number, and a string enum of digits.
        "percent": {"anyOf": [{"type": "number"}, {"type": "string", "enum": [""]}]},
        "level": {"type": "string", "enum": ["1", "2"]},
        "note": {"type": "string"},
        "a[b]": {"type": "integer"},
    },
}

FORM_CASES = [
    ("count=5", {"count": 5}),
    ("count=five", {"count": "five"}),
    ("active=true", {"active": True}),
    # A repeated field whose schema is not an array stays a list of text,
    # which validation rejects.
    ("active=true&active=false", {"active": ["true", "false"]}),
    ("labels=a", {"labels": ["a"]}),
    ("labels=a&labels=b", {"labels": ["a", "b"]}),
    ("metadata[team]=ops&metadata[tier]=1", {"metadata": {"team": "ops", "tier": "1"}}),
    (
        "items[0][quantity]=2&items[1][quantity]=3",
        {"items": [{"quantity": 2}, {"quantity": 3}]},
    ),
    ("percent=12.5", {"percent": 12.5}),
    ("percent=", {"percent": ""}),
    ("level=1", {"level": "1"}),
    ("note=5", {"note": "5"}),
    ("a[b]=7", {"a[b]": 7}),
    (f"count={'0' * 5000}", {"count": "0" * 5000}),
]


@pytest.mark.parametrize(
    ("text", "expected"), FORM_CASES, ids=[text[:30] for text, _ in FORM_CASES]
)
def test_form_fields_are_converted_by_schema(
    workspace: Path, text: str, expected: dict[str, Any]
) -> None:
    inputs = generated_inputs(workspace)
    schemas = inputs.Schemas({"components": {"schemas": {}}}, unused_validator)

    assert inputs.form_values(text, FORM_SCHEMA, schemas) == expected


def test_multipart_file_parts_are_bytes(workspace: Path) -> None:
    inputs = generated_inputs(workspace)
    schemas = inputs.Schemas({"components": {"schemas": {}}}, unused_validator)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n\x89PNG\x00\xff\r\n"
        b'--b\r\nContent-Disposition: form-data; name="count"\r\n\r\n3\r\n'
        b'--b\r\nContent-Disposition: form-data; name="meta"\r\n'
        b'Content-Type: application/json\r\n\r\n{"k": [1]}\r\n--b--\r\n'
    )

    values = inputs.multipart_values(
        body, "multipart/form-data; boundary=b", FORM_SCHEMA, schemas
    )

    assert values == {"file": b"\x89PNG\x00\xff", "count": 3, "meta": {"k": [1]}}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(
    url: str, process: subprocess.Popen[str], timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"uvicorn exited with status {process.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def test_service_runs_under_uvicorn(workspace: Path, tmp_path: Path) -> None:
    service = workspace / "services" / "payments_calculate_tax"
    document = json.loads(
        (service / "payments_calculate_tax" / "openapi.json").read_text("utf-8")
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {**os.environ, "PAYMENTS_CALCULATE_TAX_API_KEY": "uvicorn-secret"}
    command = [sys.executable, "-m", "uvicorn", "payments_calculate_tax.main:app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    log_path = tmp_path / "uvicorn.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            cwd=service,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        wait_until_up(f"{base}/healthz", process)
        body = {"amount": {"amount": 1000, "currency": "EUR"}, "country": "DE"}

        accepted = httpx.post(
            f"{base}/calculate-tax",
            json=body,
            headers={"X-API-Key": "uvicorn-secret"},
            timeout=10,
        )
        rejected = httpx.post(f"{base}/calculate-tax", json=body, timeout=10)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    schema = {
        "$ref": "#/components/schemas/CalculateTaxOutput",
        "components": document["components"],
    }
    assert accepted.status_code == 200, accepted.text
    assert Draft202012Validator(schema).is_valid(accepted.json())
    assert rejected.status_code == 401
    assert rejected.headers["content-type"].startswith("application/problem+json")
    assert rejected.headers["www-authenticate"]


def test_hostile_text_stays_in_its_literals(workspace: Path) -> None:
    document = json.loads((DOCUMENTS / "hostile-weird-text.json").read_text("utf-8"))
    schema = document["components"]["schemas"]["WeirdTextInput"]
    hostile_name = next(
        name for name in schema["properties"] if name != "mode" and name != "note"
    )
    package = workspace / "services" / "hostile_weird_text" / "hostile_weird_text"
    models_source = (package / "models.py").read_text("utf-8")
    main_source = (package / "main.py").read_text("utf-8")

    aliases = [
        ast.literal_eval(keyword.value)
        for node in ast.walk(ast.parse(models_source))
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "alias"
    ]
    assert hostile_name in aliases
    assert "{{ x }}" in models_source
    assert "\u202e" not in models_source
    assert "\u202e" not in main_source
    assert "\u2028" not in models_source


# -- nanogen.models ----------------------------------------------------------


def load_models(tmp_path: Path, schemas: dict[str, Any], name: str) -> Any:
    path = tmp_path / f"{name}.py"
    path.write_text(models.generate_models(schemas).code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def catalog_schemas() -> dict[str, Any]:
    document = json.loads(
        (DOCUMENTS / "catalog-classify-items.json").read_text("utf-8")
    )
    return dict(document["components"]["schemas"])


MODEL_CASES = [
    ("Category", {"name": "a", "children": [{"name": "b"}]}),
    ("Category", {"name": "a", "children": [{}]}),
    ("Shape", {"kind": "circle", "radius": 1.5}),
    ("Shape", {"kind": "square", "side": 2}),
    ("Shape", {"kind": "square", "radius": 2}),
    ("Shape", {"kind": "cow"}),
    ("Label", "sale"),
    ("Label", 150),
    ("Label", 5),
    ("PricedItem", {"name": "pen", "price": {"amount": 1, "currency": "EUR"}}),
    ("PricedItem", {"name": "pen"}),
    ("PricedItem", {"name": "pen", "price": {"amount": 1, "currency": "EUR"}, "x": 1}),
    ("Money", {"amount": "1", "currency": "EUR"}),
    ("Money", {"amount": True, "currency": "EUR"}),
    (
        "ClassifyItemsInput",
        {"root": {"name": "r"}, "shape": {"kind": "circle", "radius": 0}},
    ),
    (
        "ClassifyItemsInput",
        {
            "root": {"name": "r"},
            "shape": {"kind": "circle", "radius": 0},
            "weight": None,
        },
    ),
    (
        "ClassifyItemsInput",
        {"root": {"name": "r"}, "shape": {"kind": "circle", "radius": 0}, "size": None},
    ),
]


@pytest.mark.parametrize(
    ("schema_name", "instance"),
    MODEL_CASES,
    ids=[f"{n}-{i}" for i, (n, _) in enumerate(MODEL_CASES)],
)
def test_models_agree_with_jsonschema(
    tmp_path: Path, schema_name: str, instance: Any
) -> None:
    schemas = catalog_schemas()
    module = load_models(
        tmp_path, schemas, f"catalog_models_{abs(hash(str(instance)))}"
    )
    validator = Draft202012Validator(
        {
            "$ref": f"#/components/schemas/{schema_name}",
            "components": {"schemas": schemas},
        }
    )
    adapter: TypeAdapter[Any] = TypeAdapter(
        getattr(module, schema_name), module=module.__name__
    )

    try:
        adapter.validate_python(instance)
        accepted = True
    except ValidationError:
        accepted = False

    assert accepted == validator.is_valid(instance)


def test_models_alias_non_identifier_properties(tmp_path: Path) -> None:
    schemas = {
        "Odd": {
            "type": "object",
            "additionalProperties": False,
            "required": ["from"],
            "properties": {
                "from": {"type": "string"},
                "class": {"type": "integer"},
                "Parameter1.Name": {"type": "string"},
                "$ref": {"type": "string"},
                "json": {"type": "boolean"},
                "model_config": {"type": "integer"},
                "a b": {"type": "string"},
                "a_b": {"type": "string"},
            },
        }
    }
    module = load_models(tmp_path, schemas, "odd_models")
    data = {
        "from": "x",
        "class": 1,
        "Parameter1.Name": "p",
        "$ref": "r",
        "json": True,
        "model_config": 2,
        "a b": "1",
        "a_b": "2",
    }

    instance = module.Odd.model_validate(data)

    assert instance.from_ == "x"
    assert instance.parameter1_name == "p"
    assert instance.ref == "r"
    assert instance.model_dump(by_alias=True, exclude_unset=True) == data
    with pytest.raises(ValidationError):
        module.Odd.model_validate({"from_": "x"})


def test_models_reuse_the_code_of_shared_schemas() -> None:
    money = {
        "Money": json.loads(
            (DOCUMENTS / "payments-calculate-tax.json").read_text("utf-8")
        )["components"]["schemas"]["Money"]
    }
    first = models.generate_models(
        {
            **money,
            "A": {
                "type": "object",
                "properties": {"m": {"$ref": "#/components/schemas/Money"}},
            },
        }
    )
    cached_blocks = len(models._BLOCK_CACHE)
    second = models.generate_models({**money, "B": {"type": "string"}})

    assert "class Money(BaseModel):" in first.code
    assert "class Money(BaseModel):" in second.code
    # Only B's definition is new: Money's came from the cache.
    assert len(models._BLOCK_CACHE) == cached_blocks + 1
    assert models.generate_models({**money, "B": {"type": "string"}}) is second


def test_models_name_collisions_get_suffixes() -> None:
    names = models.generate_models(
        {"a-b": {"type": "string"}, "a_b": {"type": "integer"}, "Any": {}}
    ).names

    assert names == {"a-b": "AB", "a_b": "A_b", "Any": "AnyModel"}
