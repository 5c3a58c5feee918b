"""Capabilities with `code: false`: an OpenAPI document, no service code.

`nanogen split` marks an operation so when its generated tests could not
pass (it inherits a defect of an invalid input, or it has a part without a
valid example), and `generate` keeps to the mark. Each test runs the real
command in a subprocess.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import Result

Run = Callable[..., Result]

MONOLITH = """\
openapi: 3.0.3
info: {title: Mixed, version: "1"}
paths:
  /fine:
    get:
      operationId: getFine
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {x: {type: integer}}}
  /no-responses:
    get:
      operationId: getNoResponses
  /impossible:
    post:
      operationId: postImpossible
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: string, minLength: 5, maxLength: 2}
      responses:
        "200": {description: ok}
"""

IMPOSSIBLE_NOTE = (
    "mixed-post-impossible (POST /impossible): written as an OpenAPI document "
    "only, without service code or tests, because the request body has no "
    "valid example"
)


def capabilities(workspace: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((workspace / "nanogen.yaml").read_text("utf-8"))
    return {
        capability["name"]: capability
        for body in data["services"].values()
        for capability in body["capabilities"]
    }


def split_monolith(runner: Run, tmp_path: Path, *options: str) -> Result:
    (tmp_path / "api.yaml").write_text(MONOLITH, "utf-8")
    return runner(
        "split", "api.yaml", "--group-by", "none", "-o", "ws", *options, cwd=tmp_path
    )


def test_split_marks_untestable_operations(runner: Run, tmp_path: Path) -> None:
    result = split_monolith(runner, tmp_path)

    assert result.exit_code == 0, result.stderr
    workspace = tmp_path / "ws"
    listed = capabilities(workspace)
    assert "code" not in listed["get-fine"]
    assert listed["get-no-responses"]["code"] is False
    assert listed["post-impossible"]["code"] is False
    assert IMPOSSIBLE_NOTE in result.stderr
    assert "mixed-get-no-responses (GET /no-responses): written as an OpenAPI " in (
        result.stderr
    )
    assert "because the document is invalid" in result.stderr
    for name in ("get-fine", "get-no-responses", "post-impossible"):
        assert (workspace / "specs" / "mixed" / f"{name}.openapi.yaml").is_file()
    packages = sorted(path.name for path in (workspace / "services").iterdir())
    assert packages == ["mixed_get_fine"]

    again = runner("generate", "-v", cwd=workspace)
    assert again.exit_code == 0, again.stderr
    verbs = {line.split()[0] for line in again.stderr.splitlines() if line[:2] == "  "}
    assert verbs == {"identical"}, again.stderr

    tests = runner("test", cwd=workspace)
    assert tests.exit_code == 0, tests.stdout + tests.stderr


def test_split_specs_only_leaves_missing_examples_to_generate(
    runner: Run, tmp_path: Path
) -> None:
    result = split_monolith(runner, tmp_path, "--specs-only")

    assert result.exit_code == 0, result.stderr
    workspace = tmp_path / "ws"
    listed = capabilities(workspace)
    assert [name for name, body in listed.items() if body.get("code") is False] == [
        "get-no-responses"
    ]
    assert IMPOSSIBLE_NOTE not in result.stderr
    assert not (workspace / "services").exists()

    rejected = runner("generate", cwd=workspace)
    assert rejected.exit_code == 1
    assert (
        "mixed-post-impossible: the generated tests cannot pass, because the "
        "request body has no valid example" in rejected.stderr
    )
    assert not (workspace / "services").exists()


def test_generate_rejects_document_without_examples_until_code_false(
    runner: Run, tmp_path: Path
) -> None:
    assert split_monolith(runner, tmp_path).exit_code == 0
    workspace = tmp_path / "ws"
    config = workspace / "nanogen.yaml"
    text = config.read_text("utf-8")
    marked = "post-impossible.openapi.yaml\n      code: false\n"
    assert marked in text
    config.write_text(
        text.replace(marked, "post-impossible.openapi.yaml\n      code: true\n"),
        "utf-8",
    )

    rejected = runner("generate", cwd=workspace)

    assert rejected.exit_code == 1
    lines = [line for line in rejected.stderr.splitlines() if "post-impossible" in line]
    line = next(
        number
        for number, line in enumerate(text.splitlines(), start=1)
        if line.endswith("- name: post-impossible")
    )
    assert lines[0].startswith(
        f"nanogen.yaml:{line}: services.mixed.capabilities[2]: "
        "mixed-post-impossible: the generated tests cannot pass, because the "
        "request body has no valid example; fix the operation in "
        "'specs/mixed/post-impossible.openapi.yaml', or set `code: false`"
    ), rejected.stderr
    assert "get-no-responses" not in rejected.stderr  # still `code: false`
    assert not (workspace / "services" / "mixed_post_impossible").exists()

    config.write_text(text, "utf-8")
    assert runner("generate", cwd=workspace).exit_code == 0


def test_fixed_document_gets_its_service(runner: Run, tmp_path: Path) -> None:
    assert split_monolith(runner, tmp_path).exit_code == 0
    workspace = tmp_path / "ws"
    document = workspace / "specs" / "mixed" / "post-impossible.openapi.yaml"
    document.write_text(
        document.read_text("utf-8").replace("maxLength: 2", "maxLength: 9"), "utf-8"
    )
    config = workspace / "nanogen.yaml"
    text = config.read_text("utf-8")
    marked = "openapi: specs/mixed/post-impossible.openapi.yaml\n      code: false\n"
    assert marked in text
    config.write_text(
        text.replace(marked, "openapi: specs/mixed/post-impossible.openapi.yaml\n"),
        "utf-8",
    )

    result = runner("generate", cwd=workspace)

    assert result.exit_code == 0, result.stderr
    assert (workspace / "services" / "mixed_post_impossible").is_dir()
    tests = runner("test", cwd=workspace)
    assert tests.exit_code == 0, tests.stdout + tests.stderr


CONTRACT_ONLY = """\
nanogen: 1
project: contracts
security: none
services:
  ledger:
    capabilities:
      - name: post-entry
        effect: create
        code: false
        input:
          amount: {type: integer, minimum: 10, maximum: 1}
      - name: get-balance
        effect: read
        output:
          balance: integer
"""


def test_capability_list_with_code_false_writes_document_only(
    runner: Run, tmp_path: Path
) -> None:
    (tmp_path / "nanogen.yaml").write_text(CONTRACT_ONLY, "utf-8")

    assert runner("validate", "nanogen.yaml", cwd=tmp_path).exit_code == 0
    result = runner("generate", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert "ledger-post-entry: POST /post-entry, OpenAPI document only" in (
        result.stderr
    )
    assert (tmp_path / "specs" / "ledger" / "post-entry.openapi.yaml").is_file()
    packages = sorted(path.name for path in (tmp_path / "services").iterdir())
    assert packages == ["ledger_get_balance"]

    with_code = CONTRACT_ONLY.replace("        code: false\n", "")
    (tmp_path / "nanogen.yaml").write_text(with_code, "utf-8")
    rejected = runner("validate", "nanogen.yaml", cwd=tmp_path)
    assert rejected.exit_code == 1
    assert "services.ledger.capabilities[0].input.amount" in rejected.stderr


def test_code_false_removes_the_service_generated_before(
    runner: Run, tmp_path: Path
) -> None:
    config = tmp_path / "nanogen.yaml"
    config.write_text(CONTRACT_ONLY, "utf-8")
    assert runner("generate", cwd=tmp_path).exit_code == 0
    package = tmp_path / "services" / "ledger_get_balance"
    handler = package / "ledger_get_balance" / "handler.py"
    assert handler.is_file()

    config.write_text(
        CONTRACT_ONLY.replace(
            "        effect: read\n", "        effect: read\n        code: false\n"
        ),
        "utf-8",
    )
    result = runner("generate", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert not handler.exists()
    assert not (package / "tests").exists()
    assert (tmp_path / "specs" / "ledger" / "get-balance.openapi.yaml").is_file()


HEADER_API = """\
openapi: 3.0.3
info: {title: Headers, version: "1"}
paths:
  /h:
    get:
      operationId: getH
      parameters:
        - {name: "X-H\u00e9", in: header, required: false, schema: {type: string}}
      responses:
        "200": {description: ok}
"""


def test_split_header_name_outside_http_is_document_only(
    runner: Run, tmp_path: Path
) -> None:
    (tmp_path / "api.yaml").write_text(HEADER_API, "utf-8")

    result = runner("split", "api.yaml", "-o", "ws", cwd=tmp_path)

    assert result.exit_code == 0, result.stderr
    assert "the header parameter 'X-H\u00e9' has a name that HTTP cannot carry" in (
        result.stderr
    )
    assert capabilities(tmp_path / "ws")["get-h"]["code"] is False
    assert not (tmp_path / "ws" / "services").exists()


def test_validate_checks_referenced_documents(runner: Run, tmp_path: Path) -> None:
    assert split_monolith(runner, tmp_path).exit_code == 0
    workspace = tmp_path / "ws"
    config = workspace / "nanogen.yaml"
    assert runner("validate", cwd=workspace).exit_code == 0
    config.write_text(
        config.read_text("utf-8").replace("      code: false\n", ""), "utf-8"
    )

    result = runner("validate", cwd=workspace)

    # The invalid document is reported first: its examples cannot be read.
    assert result.exit_code == 1
    assert "get-no-responses.openapi.yaml:" in result.stderr
    assert "the required key 'responses' is missing" in result.stderr
    assert "internal error" not in result.stderr


def test_validate_rejects_swagger_document(runner: Run, tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "old.yaml").write_text(
        'swagger: "2.0"\ninfo: {title: x, version: "1"}\n'
        'paths: {/a: {get: {responses: {"200": {description: ok}}}}}\n',
        "utf-8",
    )
    (tmp_path / "nanogen.yaml").write_text(
        "nanogen: 1\nproject: p\nservices:\n  a:\n    capabilities:\n"
        "      - name: c\n        openapi: specs/old.yaml\n",
        "utf-8",
    )

    for command in ("validate", "generate"):
        result = runner(command, cwd=tmp_path)
        assert result.exit_code == 1, command
        assert result.stderr.startswith(
            "specs/old.yaml:1: swagger: specs/old.yaml is a Swagger 2.0 document; "
            "a capability's document must be OpenAPI 3.0 or 3.1; convert it"
        ), result.stderr
    assert not (tmp_path / "services").exists()


def test_validate_rejects_document_named_twice(runner: Run, tmp_path: Path) -> None:
    assert split_monolith(runner, tmp_path).exit_code == 0
    workspace = tmp_path / "ws"
    config = workspace / "nanogen.yaml"
    config.write_text(
        config.read_text("utf-8")
        + "  extra:\n    capabilities:\n"
        + "    - name: again\n      openapi: ./specs/mixed/get-fine.openapi.yaml\n"
        + "    - name: inside\n"
        + "      openapi: services/mixed_get_fine/mixed_get_fine/openapi.json\n",
        "utf-8",
    )

    result = runner("validate", cwd=workspace)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(
        "services.extra.capabilities[0].openapi: OpenAPI document "
        "'./specs/mixed/get-fine.openapi.yaml' is also the document of "
        "services.mixed.capabilities[0]" in line
        for line in lines
    ), result.stderr
    assert any(
        "services.extra.capabilities[1].openapi: OpenAPI document "
        "'services/mixed_get_fine/mixed_get_fine/openapi.json' is in a folder that "
        "nanogen generates" in line
        for line in lines
    ), result.stderr


def test_nanogen_test_without_any_code_says_so(runner: Run, tmp_path: Path) -> None:
    config = tmp_path / "nanogen.yaml"
    config.write_text(CONTRACT_ONLY, "utf-8")
    assert runner("generate", cwd=tmp_path).exit_code == 0
    tests_folder = tmp_path / "services" / "ledger_get_balance" / "tests"
    handler_test = tests_folder / "test_ledger_get_balance_handler.py"
    handler_test.write_text(handler_test.read_text("utf-8") + "# mine\n", "utf-8")
    config.write_text(
        CONTRACT_ONLY.replace(
            "        effect: read\n", "        effect: read\n        code: false\n"
        ),
        "utf-8",
    )
    assert runner("generate", cwd=tmp_path).exit_code == 0
    assert handler_test.is_file()

    result = runner("test", cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr == (
        "nanogen: no generated test suites to run: every capability of the last "
        "`nanogen generate` has `code: false`\n"
    )


BROKEN_DOCUMENTS = {
    "schemas-not-a-mapping": (
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n"
        "paths: {/a: {get: {responses: {'200': {description: ok}}}}}\n"
        "components: {schemas: [1, 2]}\n"
    ),
    "paths-not-a-mapping": (
        "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: [1, 2]\n"
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN_DOCUMENTS))
@pytest.mark.parametrize("code", ["", "        code: false\n"])
def test_broken_referenced_document_gets_message(
    runner: Run, tmp_path: Path, case: str, code: str
) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "x.yaml").write_text(BROKEN_DOCUMENTS[case], "utf-8")
    (tmp_path / "nanogen.yaml").write_text(
        "nanogen: 1\nproject: p\nservices:\n  a:\n    capabilities:\n"
        "      - name: c\n        openapi: specs/x.yaml\n" + code,
        "utf-8",
    )

    for command in ("validate", "generate"):
        result = runner(command, cwd=tmp_path)
        assert "internal error" not in result.stderr, (command, result.stderr)
        assert "Traceback" not in result.stderr
        assert "specs/x.yaml" in result.stderr, (command, result.stderr)


def test_validate_rejects_dot_dot_in_document_path(runner: Run, tmp_path: Path) -> None:
    assert split_monolith(runner, tmp_path).exit_code == 0
    workspace = tmp_path / "ws"
    config = workspace / "nanogen.yaml"
    config.write_text(
        config.read_text("utf-8").replace(
            "openapi: specs/mixed/get-fine.openapi.yaml",
            "openapi: specs/../specs/mixed/get-fine.openapi.yaml",
        ),
        "utf-8",
    )

    for command in ("validate", "generate"):
        result = runner(command, cwd=workspace)
        assert result.exit_code == 1, command
        assert (
            "services.mixed.capabilities[0].openapi: OpenAPI document "
            "'specs/../specs/mixed/get-fine.openapi.yaml' contains '..'"
        ) in result.stderr, (command, result.stderr)
