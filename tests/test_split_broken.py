"""`nanogen split` and `generate` on OpenAPI documents whose structure is broken.

openapi-spec-validator stops with an exception on some of them; nanogen
must report the document's problems and never an internal error. The
tests of the command run it in a subprocess. The others run the stages of
`split` in process, with the source map that gives each message its line.
The documents are under tests/fixtures/broken/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nanogen.bundle import bundle_document
from nanogen.errors import InputError
from nanogen.repair import repair_document
from nanogen.slice import slice_document

FIXTURES = Path(__file__).parent / "fixtures" / "broken"

HEADER = 'openapi: 3.0.3\ninfo: {title: T, version: "1"}\n'

# Documents after HEADER, and a part of the message each must print.
BROKEN = {
    "parameter-without-name": (
        "paths: {/a: {get: {parameters: [{in: query, schema: {type: string}}],"
        ' responses: {"200": {description: ok}}}}}\n',
        "invalid OpenAPI",
    ),
    "parameter-without-in": (
        "paths: {/a: {get: {parameters: [{name: q, schema: {type: string}}],"
        ' responses: {"200": {description: ok}}}}}\n',
        "invalid OpenAPI",
    ),
    "path-item-not-a-mapping": (
        'paths: {/a: {get: {responses: {"200": {description: ok}}}}, /b: 5}\n',
        'paths["/b"]: the path item is not a mapping',
    ),
}


def nanogen(
    folder: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanogen", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
        env=None if env is None else {**os.environ, **env},
    )


def split(
    folder: Path, name: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return nanogen(folder, "split", name, "--dry-run", "-o", "out", env=env)


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_document_gets_message(tmp_path, case):
    text, expected = BROKEN[case]
    (tmp_path / "api.yaml").write_text(HEADER + text, "utf-8")

    completed = split(tmp_path, "api.yaml")

    assert completed.returncode in (0, 1), completed.stderr
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr
    assert expected in completed.stderr
    assert not (tmp_path / "out").exists()


# --- Structure errors, with the line of the bad value -------------------------

# Each fixture that `split` rejects, and the error it reports.
STRUCTURE_ERRORS = {
    "paths-not-a-mapping.yaml": (
        "paths-not-a-mapping.yaml:3: paths: paths is not a mapping; "
        "write it as a mapping"
    ),
    "operation-is-a-list.yaml": (
        'operation-is-a-list.yaml:5: paths["/a"].get: the operation is not a '
        "mapping; write it as a mapping"
    ),
    "path-item-is-a-number.yaml": (
        'path-item-is-a-number.yaml:9: paths["/b"]: the path item is not a '
        "mapping; write it as a mapping"
    ),
    "schemas-not-a-mapping.yaml": (
        "schemas-not-a-mapping.yaml:10: components.schemas: components.schemas is "
        "not a mapping; write it as a mapping of names to objects"
    ),
    "external/openapi.yaml": (
        "external/paths/items.yaml:2: get: the operation is not a mapping; "
        "write it as a mapping"
    ),
}

# Each fixture whose defect `split` reports as invalid OpenAPI and carries on.
STRUCTURE_WARNINGS = {
    "parameter-is-a-string.yaml": (
        'parameter-is-a-string.yaml:7: paths["/a"].get.parameters[0]: invalid '
        "OpenAPI: the value 'just-a-string' is a string, not a mapping"
    ),
    "responses-is-a-string.yaml": (
        'responses-is-a-string.yaml:6: paths["/a"].get.responses: invalid '
        "OpenAPI: the value 'none' is a string, not a mapping"
    ),
    "external/openapi.yaml": (
        "external/schemas/pet.yaml:5: required: invalid OpenAPI: the value 'yes' "
        "is a string, not a list"
    ),
}


def split_messages(name: str) -> list[str]:
    """Run bundle, repair and slice on a fixture as `split` does; return every message.

    The current folder must be FIXTURES, so that file names are as written.
    """
    bundled = bundle_document(Path(name))
    repaired = repair_document(
        bundled.document, file=bundled.file, source_map=bundled.source_map
    )
    found = [*repaired.warnings, *repaired.problems]
    try:
        sliced = slice_document(
            repaired.document, file=bundled.file, source_map=bundled.source_map
        )
    except InputError as error:
        found.extend(error.problems)
    else:
        found.extend(sliced.warnings)
    return [str(problem) for problem in found]


@pytest.mark.parametrize("name", sorted(STRUCTURE_ERRORS))
def test_structure_error_has_line(monkeypatch, name):
    monkeypatch.chdir(FIXTURES)

    assert STRUCTURE_ERRORS[name] in split_messages(name)


@pytest.mark.parametrize("name", sorted(STRUCTURE_WARNINGS))
def test_invalid_structure_warning_has_line(monkeypatch, name):
    monkeypatch.chdir(FIXTURES)

    messages = split_messages(name)

    assert any(message.startswith(STRUCTURE_WARNINGS[name]) for message in messages)


def without_line(message: str) -> str:
    """Drop `file:line: ` from a message, to find it in the command's output.

    The command prints the line only where `nanogen.pipeline.split` passes
    the bundle's source map to repair and slice.
    """
    return message.split(": ", 1)[1]


@pytest.mark.parametrize("name", sorted({*STRUCTURE_ERRORS, *STRUCTURE_WARNINGS}))
def test_structure_problem_printed_by_split(tmp_path, name):
    shutil.copytree(FIXTURES, tmp_path / "broken")

    completed = split(tmp_path / "broken", name)

    assert completed.returncode in (0, 1), completed.stderr
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr
    if name in STRUCTURE_ERRORS:
        assert completed.returncode == 1
        assert without_line(STRUCTURE_ERRORS[name]) in completed.stderr
    if name in STRUCTURE_WARNINGS and name not in STRUCTURE_ERRORS:
        assert without_line(STRUCTURE_WARNINGS[name]) in completed.stderr


# --- Readable messages for invalid OpenAPI ------------------------------------

# What `split` prints about invalid-openapi.yaml, one line per defect.
INVALID_OPENAPI = [
    'paths["/a"].get.summary: invalid OpenAPI: the value is a list, not a string',
    'paths["/a"].get.parameters[0]: invalid OpenAPI: the required key '
    "'name' is missing",
    "paths[\"/a\"].get.parameters[1].in: invalid OpenAPI: the value 'body' is not "
    "one of 'path', 'query', 'header' or 'cookie'",
    'paths["/a"].get.parameters[2].style: invalid OpenAPI: the value '
    "'" + "c" * 76 + "... is not one of 'form', 'spaceDelimited', "
    "'pipeDelimited' or 'deepObject'",
    'paths["/a"].get.responses.200: invalid OpenAPI: the required key '
    "'description' is missing",
    "paths[\"/b\"].get: invalid OpenAPI: the key 'operationID' is not allowed here "
    "(did you mean 'operationId'?)",
]


def test_invalid_openapi_messages_have_lines(monkeypatch):
    monkeypatch.chdir(FIXTURES)

    messages = split_messages("invalid-openapi.yaml")

    lines = [6, 10, 13, 17, 20, 25]
    for line, expected in zip(lines, INVALID_OPENAPI, strict=True):
        assert any(
            message.startswith(f"invalid-openapi.yaml:{line}: {expected}; ")
            for message in messages
        ), expected


# openapi-spec-validator 0.9 validates with jsonschema-rs where it is
# installed (schemathesis installs it) and with jsonschema otherwise, and the
# two word their errors differently.
@pytest.mark.parametrize("backend", ["auto", "jsonschema"])
def test_invalid_openapi_warnings_readable(tmp_path, backend):
    shutil.copy(FIXTURES / "invalid-openapi.yaml", tmp_path / "api.yaml")
    environment = {"OPENAPI_SPEC_VALIDATOR_SCHEMA_VALIDATOR_BACKEND": backend}

    completed = split(tmp_path, "api.yaml", env=environment)

    assert "Traceback" not in completed.stderr
    for expected in INVALID_OPENAPI:
        assert expected in completed.stderr
    invalid = [
        line for line in completed.stderr.splitlines() if "invalid OpenAPI" in line
    ]
    assert invalid
    for line in invalid:
        assert "Failed validating" not in line
        assert "On instance" not in line
        assert "c" * 81 not in line


# --- generate on a split document that openapi-spec-validator cannot check ------


def test_generate_reports_allof_cycle(tmp_path):
    # A schema whose allOf refers to itself makes openapi-spec-validator
    # recurse until Python stops it.
    shutil.copy(FIXTURES / "allof-cycle.yaml", tmp_path / "api.yaml")
    created = nanogen(tmp_path, "split", "api.yaml", "--specs-only", "-o", "ws")
    assert created.returncode == 0, created.stderr
    document_path = tmp_path / "ws" / "specs" / "a" / "make-a.openapi.yaml"
    document = yaml.safe_load(document_path.read_text("utf-8"))
    document["components"]["schemas"]["A"]["allOf"] = [
        {"$ref": "#/components/schemas/A"}
    ]
    document_path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")

    completed = nanogen(tmp_path / "ws", "generate", "--dry-run")

    assert completed.returncode == 1, completed.stderr
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr
    assert "specs/a/make-a.openapi.yaml" in completed.stderr, completed.stderr
    assert (
        "components.schemas.A: the schema applies itself to the same value again "
        "through allOf (components.schemas.A.allOf[0] refers to "
        "components.schemas.A), so checking a value against it never ends; "
        "remove the $ref that closes the cycle"
    ) in completed.stderr


def test_generate_reports_broken_parameter(tmp_path):
    # A parameter without `name` makes openapi-spec-validator raise KeyError.
    shutil.copy(FIXTURES / "allof-cycle.yaml", tmp_path / "api.yaml")
    created = nanogen(tmp_path, "split", "api.yaml", "--specs-only", "-o", "ws")
    assert created.returncode == 0, created.stderr
    document_path = tmp_path / "ws" / "specs" / "a" / "make-a.openapi.yaml"
    document = yaml.safe_load(document_path.read_text("utf-8"))
    document["paths"]["/a"]["post"]["parameters"] = [
        {"in": "query", "schema": {"type": "string"}}
    ]
    document_path.write_text(yaml.safe_dump(document, sort_keys=False), "utf-8")

    completed = nanogen(tmp_path / "ws", "generate", "--dry-run")

    assert completed.returncode == 1, completed.stderr
    assert "internal error" not in completed.stderr
    assert "Traceback" not in completed.stderr
    assert (
        'specs/a/make-a.openapi.yaml:18: paths["/a"].post.parameters[0]: invalid '
        "OpenAPI: the required key 'name' is missing"
    ) in completed.stderr
