"""End-to-end runs of the `nanogen` command on the shipped examples.

Each test runs the real command in a subprocess on real files, and runs the
generated test suites with `nanogen test`, as a user would.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi

from tests.conftest import SPECS

EXAMPLES = sorted(path.stem for path in SPECS.glob("*.yaml"))


def snapshot(root: Path) -> dict[str, str]:
    """Map every file below `root` to the sha256 of its content."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def make_workspace(tmp_path: Path, example: str) -> Path:
    workspace = tmp_path / example
    workspace.mkdir()
    shutil.copy(SPECS / f"{example}.yaml", workspace / "nanogen.yaml")
    return workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace generated once from the shop example, shared read-only."""
    workspace = make_workspace(tmp_path_factory.mktemp("shop"), "shop")
    completed = subprocess.run(
        [sys.executable, "-m", "nanogen", "generate"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return workspace


def test_version_option(runner):
    result = runner("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("nanogen, version ")


@pytest.mark.parametrize(
    "command", ["validate", "generate", "test", "new"], ids=lambda c: c
)
def test_help_describes_every_option(runner, command):
    result = runner(command, "--help")
    assert result.exit_code == 0
    for line in result.stdout.splitlines():
        if line.strip().startswith("-") and "--help" not in line:
            assert len(line.split(maxsplit=1)) == 2, f"option without help: {line!r}"


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLES)
def test_generate_example_then_tests_pass(runner, tmp_path, example):
    workspace = make_workspace(tmp_path, example)

    result = runner("generate", cwd=workspace)
    assert result.exit_code == 0, result.stderr

    documents = sorted((workspace / "specs").rglob("*.openapi.yaml"))
    assert documents, "no OpenAPI document written"
    for document in documents:
        validate_openapi(yaml.safe_load(document.read_text(encoding="utf-8")))

    tests = runner("test", "-C", workspace, "-p", "no:cacheprovider")
    assert tests.exit_code == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout
    assert " failed" not in tests.stdout


def test_generate_prints_a_line_per_nanoservice(shop, runner, tmp_path):
    workspace = make_workspace(tmp_path, "shop")
    result = runner("generate", cwd=workspace)
    services = yaml.safe_load((workspace / "nanogen.yaml").read_text())["services"]
    names = [
        f"{service}-{capability['name']}"
        for service, body in services.items()
        for capability in body["capabilities"]
    ]
    lines = result.stderr.splitlines()
    for name in names:
        assert sum(line.startswith(f"{name}: ") for line in lines) == 1, name
    assert f"{len(names)} nanoservice(s) in" in lines[-1]


def test_second_generate_changes_nothing(shop, runner):
    before = snapshot(shop)
    result = runner("generate", cwd=shop)
    assert result.exit_code == 0, result.stderr
    assert snapshot(shop) == before
    assert " created" not in result.stderr
    assert " updated" not in result.stderr
    assert runner("generate", "--check", cwd=shop).exit_code == 0


def test_quiet_generate_prints_nothing(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    result = runner("--quiet", "generate", cwd=workspace)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == ""


def test_verbose_generate_lists_every_file(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    result = runner("-v", "generate", cwd=workspace)
    assert result.exit_code == 0
    written = [p for p in snapshot(workspace) if p != "nanogen.yaml"]
    for path in written:
        if not path.startswith(".nanogen/"):
            assert path in result.stderr, path


def test_handler_survives_regeneration(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    assert runner("generate", cwd=workspace).exit_code == 0
    handlers = list((workspace / "services").rglob("handler.py"))
    assert len(handlers) == 1
    handlers[0].write_text(handlers[0].read_text() + "\n# my business logic\n")

    result = runner("generate", "--force", cwd=workspace)

    assert result.exit_code == 0, result.stderr
    assert handlers[0].read_text().endswith("# my business logic\n")


def test_hand_edited_generated_file_is_reported_and_kept(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    assert runner("generate", cwd=workspace).exit_code == 0
    main_py = next((workspace / "services").rglob("main.py"))
    main_py.write_text(main_py.read_text() + "\n# hand edit\n")

    result = runner("generate", cwd=workspace)

    assert result.exit_code == 1
    assert "edited by hand" in result.stderr
    assert "--force" in result.stderr
    assert main_py.read_text().endswith("# hand edit\n")
    assert "Traceback" not in result.stderr


def test_failed_generate_leaves_output_as_it_was(tmp_path, runner):
    workspace = make_workspace(tmp_path, "shop")
    assert runner("generate", cwd=workspace).exit_code == 0
    before = snapshot(workspace)
    config = workspace / "nanogen.yaml"
    config.write_text(config.read_text().replace("effect: read", "effect: reed", 1))

    result = runner("generate", cwd=workspace)

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert "'reed'" in result.stderr
    after = snapshot(workspace)
    after.pop("nanogen.yaml")
    before.pop("nanogen.yaml")
    assert after == before


def test_generate_without_config_names_the_file(tmp_path, runner):
    result = runner("generate", cwd=tmp_path)
    assert result.exit_code == 1
    assert "nanogen.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_test_without_services_explains(tmp_path, runner):
    result = runner("test", "-C", tmp_path)
    assert result.exit_code == 1
    assert "nanogen generate" in result.stderr


LOOKALIKE_CONFIGS = ["nanogen.yml", "Nanogen.yaml", "nanogen.yaml.txt", "nanogen.json"]


@pytest.mark.parametrize("name", LOOKALIKE_CONFIGS)
def test_generate_names_lookalike_config(tmp_path, runner, name):
    shutil.copy(SPECS / "minimal.yaml", tmp_path / name)
    if (tmp_path / "nanogen.yaml").exists():
        pytest.skip("the file system ignores letter case")

    result = runner("generate", cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr == (
        f"nanogen.yaml: file not found; did you mean {name}? Run `nanogen generate "
        f"-c {name}`, or rename the file to nanogen.yaml\n"
    )
    assert not (tmp_path / "services").exists()


@pytest.mark.parametrize("name", LOOKALIKE_CONFIGS)
def test_validate_names_lookalike_config(tmp_path, runner, name):
    shutil.copy(SPECS / "minimal.yaml", tmp_path / name)
    if (tmp_path / "nanogen.yaml").exists():
        pytest.skip("the file system ignores letter case")

    result = runner("validate", cwd=tmp_path)

    assert result.exit_code == 1
    assert result.stderr == (
        f"nanogen.yaml: file not found; did you mean {name}? Run `nanogen validate "
        f"{name}`, or rename the file to nanogen.yaml\n"
    )


def test_lookalike_config_suggestion_works(tmp_path, runner):
    shutil.copy(SPECS / "minimal.yaml", tmp_path / "nanogen.yml")
    assert runner("validate", "nanogen.yml", cwd=tmp_path).exit_code == 0
    result = runner("generate", "-c", "nanogen.yml", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "services").is_dir()


def test_lookalike_configs_listed_most_alike_first(tmp_path, runner):
    for name in ("nanogen.yaml.txt", "nanogen.yml", "notes.yaml"):
        (tmp_path / name).write_text("nanogen: 1\n")
    result = runner("generate", "-c", tmp_path / "nanogen.yaml")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tmp_path}/nanogen.yaml: file not found; did you mean {tmp_path}/nanogen.yml "
        f"or {tmp_path}/nanogen.yaml.txt? Run `nanogen generate -c "
        f"{tmp_path}/nanogen.yml`, or rename the file to nanogen.yaml\n"
    )


def test_missing_config_without_lookalike(tmp_path, runner):
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    result = runner("generate", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == "nanogen.yaml: file not found; check the path\n"


def test_test_names_lookalike_config(tmp_path, runner):
    shutil.copy(SPECS / "minimal.yaml", tmp_path / "nanogen.yml")
    result = runner("test", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        "nanogen: services: folder not found, and nanogen.yaml is missing; did you "
        "mean nanogen.yml? Run `nanogen generate -c nanogen.yml` first.\n"
    )


def test_check_up_to_date_summary(shop, runner):
    result = runner("generate", "--check", cwd=shop)
    assert result.exit_code == 0, result.stderr
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("check: up to date: 8 nanoservice(s) in .: ")
    assert summary.endswith(" identical file(s)")
    assert "dry run" not in result.stderr


def test_check_out_of_date_summary(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    assert runner("generate", cwd=workspace).exit_code == 0
    config = workspace / "nanogen.yaml"
    text = config.read_text().replace(
        "effect: read", "effect: read\n        summary: Hi", 1
    )
    config.write_text(text)
    before = snapshot(workspace)

    result = runner("generate", "--check", cwd=workspace)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    count = re.fullmatch(r"check: (\d+) file\(s\) would change: .*", lines[-2])
    assert count is not None, lines[-2]
    assert lines[-1] == (
        f"nanogen: {count.group(1)} file(s) are out of date; run `nanogen generate`."
    )
    assert " to update" in lines[-2]
    assert " updated" not in result.stderr
    assert snapshot(workspace) == before


def test_check_reports_hand_edited_file(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    assert runner("generate", cwd=workspace).exit_code == 0
    main_py = next((workspace / "services").rglob("main.py"))
    main_py.write_text(main_py.read_text() + "\n# hand edit\n")

    result = runner("generate", "--check", cwd=workspace)

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    summaries = [line for line in lines if line.startswith("check: ")]
    assert len(summaries) == 1
    assert summaries[0].startswith("check: 1 file(s) edited by hand: ")


def test_dry_run_summary_unchanged_by_check(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    result = runner("generate", "--dry-run", cwd=workspace)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1].startswith("dry run, nothing written: ")
    assert not (workspace / "services").exists()


MEDIA_TYPES_API = """\
openapi: 3.1.0
info: {title: Media, version: "1"}
paths:
  /text:
    post:
      operationId: sendText
      requestBody:
        required: true
        content:
          text/plain: {schema: {type: string}, example: hi}
      responses: {"204": {description: Done}}
  /image:
    post:
      operationId: sendImage
      requestBody:
        required: true
        content:
          image/png: {schema: {type: string}, example: abc}
      responses: {"204": {description: Done}}
  /form:
    post:
      operationId: sendForm
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, properties: {a: {type: string}}}
            example: {a: x}
          multipart/form-data:
            schema: {type: object, properties: {a: {type: string}}}
            example: {a: x}
      responses: {"204": {description: Done}}
"""


def test_handler_docstring_articles(tmp_path, runner):
    path = tmp_path / "api.yaml"
    path.write_text(MEDIA_TYPES_API)
    result = runner("split", path, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr

    lines = {
        line.strip()
        for handler in (tmp_path / "out" / "services").rglob("handler.py")
        for line in handler.read_text().splitlines()
        if "`body`" in line
    }
    assert "A text/plain `body` is text (str)." in lines
    assert "An image/png `body` is the raw bytes." in lines
    assert (
        "An application/x-www-form-urlencoded `body` is validated against its" in lines
    )
    assert "A multipart/form-data `body` is validated against its" in lines


def test_handler_docstring_article_of_json_body(shop):
    handler = shop / "services/orders_create_order/orders_create_order/handler.py"
    text = handler.read_text()
    assert "    An application/json `body` is validated against its\n" in text
    assert "A application/json" not in text


def test_new_generate_test_flow(tmp_path, runner):
    workspace = tmp_path / "shop"
    created = runner("new", workspace, "--defaults")
    assert created.exit_code == 0, created.stderr
    assert (workspace / "nanogen.yaml").is_file()

    generated = runner("generate", cwd=workspace)
    assert generated.exit_code == 0, generated.stderr

    tested = runner("test", cwd=workspace)
    assert tested.exit_code == 0, tested.stdout[-4000:] + tested.stderr[-2000:]


def test_new_rejects_non_empty_folder(tmp_path, runner):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("mine")
    result = runner("new", tmp_path / "taken", "--defaults")
    assert result.exit_code != 0
    assert "not empty" in result.stderr
    assert (tmp_path / "taken" / "file.txt").read_text() == "mine"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def request(url: str, body: dict, headers: dict[str, str]) -> tuple[int, dict]:
    data = json.dumps(body).encode()
    message = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(message, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_uvicorn_serves_a_generated_service(shop):
    package = "payments_calculate_tax"
    folder = shop / "services" / package
    document = yaml.safe_load(
        (shop / "specs" / "payments" / "calculate-tax.openapi.yaml").read_text()
    )
    operation = document["paths"]["/calculate-tax"]["post"]
    request_body = operation["requestBody"]["content"]["application/json"]["example"]
    response_schema = operation["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    port = free_port()
    environment = {**os.environ, "NANOGEN_API_KEY": "secret-key"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{package}.main:app"]
        + ["--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("uvicorn did not start within 30 s")

        status, body = request(
            f"{base}/calculate-tax", request_body, {"X-API-Key": "secret-key"}
        )
        assert status == 200, body
        # Refs inside the schema point at #/components/..., so the schema is
        # checked with the document's components at its root.
        schema = {"allOf": [response_schema], "components": document["components"]}
        jsonschema.Draft202012Validator(schema).validate(body)

        status, problem = request(f"{base}/calculate-tax", request_body, {})
        assert status == 401
        assert problem["status"] == 401
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- Output folders ---------------------------------------------------------


def test_generate_output_below_a_file(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    before = snapshot(workspace)
    result = runner("generate", "-o", "nanogen.yaml/out", cwd=workspace)
    assert result.exit_code == 1
    assert result.stderr == (
        "nanogen: output folder 'nanogen.yaml/out' cannot be created because "
        "'nanogen.yaml' is a file; choose a folder whose parents are folders\n"
    )
    assert snapshot(workspace) == before


def test_generate_output_is_a_file(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    before = snapshot(workspace)
    result = runner("generate", "-o", "nanogen.yaml", cwd=workspace)
    assert result.exit_code == 1
    assert result.stderr == (
        "nanogen: output folder 'nanogen.yaml' is a file; choose a folder to write "
        "the workspace into\n"
    )
    assert snapshot(workspace) == before


def test_generate_output_inside_other_workspace_services(shop, tmp_path, runner):
    other = make_workspace(tmp_path, "minimal")
    target = shop / "services" / "payments_calculate_tax" / "nested"
    before = snapshot(shop)
    result = runner("generate", "-o", target, cwd=other)
    assert result.exit_code == 1
    assert result.stderr == (
        f"nanogen: output folder {str(target)!r} is inside "
        f"{str((shop / 'services').resolve())!r}, the services/ folder that nanogen "
        f"fills in the workspace {str(shop.resolve())!r}; choose a folder outside it\n"
    )
    assert snapshot(shop) == before
    assert list(snapshot(other)) == ["nanogen.yaml"]


def test_generate_output_inside_own_specs(tmp_path, runner):
    # The config is not named nanogen.yaml and nothing was generated yet, so
    # only its own folder marks the workspace.
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(SPECS / "minimal.yaml", folder / "minimal.yaml")
    result = runner("generate", "-c", "minimal.yaml", "-o", "specs/out", cwd=folder)
    assert result.exit_code == 1
    assert "is inside" in result.stderr
    assert "the specs/ folder that nanogen fills" in result.stderr
    assert sorted(path.name for path in folder.iterdir()) == ["minimal.yaml"]


def test_generate_output_is_own_services(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    result = runner("generate", "-o", "services", cwd=workspace)
    assert result.exit_code == 1
    assert result.stderr.startswith("nanogen: output folder 'services' is ")
    assert not (workspace / "services").exists()


def test_generate_output_beside_workspace_accepted(tmp_path, runner):
    workspace = make_workspace(tmp_path, "minimal")
    result = runner("-q", "generate", "-o", tmp_path / "elsewhere", cwd=workspace)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "elsewhere" / ".nanogen" / "manifest.json").is_file()


def test_split_output_inside_workspace_services(shop, tmp_path, runner):
    document = tmp_path / "api.yaml"
    document.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
        "paths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n"
    )
    before = snapshot(shop)
    result = runner("split", document, "-o", shop / "services" / "split", cwd=tmp_path)
    assert result.exit_code == 1
    assert "the services/ folder that nanogen fills" in result.stderr
    assert snapshot(shop) == before


# --- Inputs that are not YAML files -----------------------------------------


def test_validate_folder_gets_nanogen_message(tmp_path, runner):
    result = runner("validate", tmp_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"{tmp_path}: is a folder, not a file; give the path of a YAML or JSON file\n"
    )


def test_validate_capability_list_over_limit(tmp_path, runner):
    path = tmp_path / "nanogen.yaml"
    with path.open("wb") as stream:
        stream.truncate(16 * 1024 * 1024 + 1)
    result = runner("validate", path)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{path}: file is 16.1 MiB, larger than the limit of 16 MiB; "
    )


def test_split_max_file_size_option(tmp_path, runner):
    path = tmp_path / "api.yaml"
    with path.open("wb") as stream:
        stream.truncate(3 * 1024 * 1024 // 2)
    rejected = runner("split", path, "--max-file-size", "1", "-o", tmp_path / "out")
    assert rejected.exit_code == 1
    assert rejected.stderr.startswith(
        f"{path}: file is 1.5 MiB, larger than the limit of 1 MiB; "
    )
    # With the default limit the file is read, and fails on its content.
    read = runner("split", path, "-o", tmp_path / "out")
    assert read.exit_code == 1
    assert "larger than the limit" not in read.stderr
    assert not (tmp_path / "out").exists()


SPLIT_INPUT_HEAD = (
    "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
    "paths:\n  /a:\n    get:\n      summary: <<\n"
    "      responses:\n        '200': {description: ok}\n"
)


def test_split_merge_key_chain_rejected(tmp_path, runner):
    lines = ["x-chain:", "  m0: &m0 {k0: 0}"]
    lines += [f"  m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, 1000)]
    path = tmp_path / "api.yaml"
    path.write_text(SPLIT_INPUT_HEAD + "\n".join(lines) + "\n")
    result = runner("split", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        f"{path}:717: YAML merge keys ('<<') copy more than "
    )
    assert not (tmp_path / "out").exists()


def test_split_alias_bomb_rejected(tmp_path, runner):
    lines = ["x-bomb:", "  a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        lines.append(f"  a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    path = tmp_path / "api.yaml"
    path.write_text(SPLIT_INPUT_HEAD + "\n".join(lines) + "\n")
    result = runner("split", path, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert "YAML aliases expand the data to more than 1,000,000 values" in result.stderr
    assert not (tmp_path / "out").exists()


def test_split_summary_merge_sign_is_text(tmp_path, runner):
    path = tmp_path / "api.yaml"
    path.write_text(SPLIT_INPUT_HEAD)
    result = runner("-q", "split", path, "--specs-only", "-o", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    capabilities = yaml.safe_load((tmp_path / "out" / "nanogen.yaml").read_text())
    assert capabilities["services"]["a"]["capabilities"][0]["summary"] == "<<"
