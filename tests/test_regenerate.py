"""Regenerating a workspace after its capability list or split documents change.

Each test runs the real `nanogen` command in a subprocess, edits the
capability list as a user would, runs `generate` again and then the generated
tests with `nanogen test`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CAPABILITIES = """\
nanogen: 1
project: hello
services:
  greetings:
    capabilities:
      - name: say-hello
        effect: read
        method: GET
        path: /hello
        input:
          name: string
        output:
          greeting: string
"""
HANDLER = Path("services/greetings_say_hello/greetings_say_hello/handler.py")


def nanogen(workspace: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanogen", *arguments],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=False,
    )


def test_unedited_handler_gets_new_input(tmp_path):
    (tmp_path / "nanogen.yaml").write_text(CAPABILITIES, "utf-8")
    assert nanogen(tmp_path, "generate").returncode == 0
    before = (tmp_path / HANDLER).read_text("utf-8")
    assert "language" not in before

    (tmp_path / "nanogen.yaml").write_text(
        CAPABILITIES.replace(
            "          name: string\n",
            "          name: string\n          language: string?\n",
        ),
        "utf-8",
    )
    completed = nanogen(tmp_path, "-v", "generate")
    assert completed.returncode == 0, completed.stderr
    assert f"update    {HANDLER.as_posix()}" in completed.stderr

    after = (tmp_path / HANDLER).read_text("utf-8")
    assert "language: models.GreetingsSayHelloQueryLanguage | None = None" in after
    tested = nanogen(tmp_path, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_edited_handler_kept_on_new_input(tmp_path):
    (tmp_path / "nanogen.yaml").write_text(CAPABILITIES, "utf-8")
    assert nanogen(tmp_path, "generate").returncode == 0
    handler = tmp_path / HANDLER
    edited = handler.read_text("utf-8") + "\n# my business logic\n"
    handler.write_text(edited, "utf-8")

    (tmp_path / "nanogen.yaml").write_text(
        CAPABILITIES.replace(
            "          name: string\n",
            "          name: string\n          language: string?\n",
        ),
        "utf-8",
    )
    completed = nanogen(tmp_path, "-v", "generate")
    assert completed.returncode == 0, completed.stderr
    assert f"keep      {HANDLER.as_posix()}" in completed.stderr
    assert handler.read_text("utf-8") == edited

    # The service calls the old handler without the argument it does not take.
    tested = nanogen(tmp_path, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr


TEST_HELPERS_API = """\
openapi: 3.0.3
info: {title: Clock, version: "1"}
paths:
  /test_helpers/clocks:
    post:
      operationId: AdvanceClock
      tags: [test_helpers]
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}}}
"""


def test_split_test_helpers_tag_generates(tmp_path):
    # Stripe tags operations `test_helpers`, so their packages start with
    # `test_`, which pytest's file pattern matches but which is no clash.
    (tmp_path / "api.yaml").write_text(TEST_HELPERS_API, "utf-8")
    split = nanogen(tmp_path, "split", "--specs-only", "api.yaml", "-o", "out")
    assert split.returncode == 0, split.stderr

    workspace = tmp_path / "out"
    generated = nanogen(workspace, "generate")
    assert generated.returncode == 0, generated.stderr
    assert (workspace / "services" / "test_helpers_advance_clock").is_dir()
    tested = nanogen(workspace, "test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    checked = nanogen(workspace, "generate", "--check")
    assert checked.returncode == 0, checked.stderr


SMALL_API = """\
openapi: 3.0.3
info: {title: Small, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200": {description: ok}
"""


def test_hand_written_document_survives_removed_capability(tmp_path):
    contracts = tmp_path / "contracts"
    contracts.mkdir()
    (contracts / "mine.yaml").write_text(SMALL_API, "utf-8")
    config = tmp_path / "nanogen.yaml"
    config.write_text(
        "nanogen: 1\nproject: t\nservices:\n  a:\n    capabilities:\n"
        "    - name: get-a\n      openapi: contracts/mine.yaml\n",
        "utf-8",
    )
    assert nanogen(tmp_path, "generate").returncode == 0
    config.write_text(CAPABILITIES, "utf-8")

    result = nanogen(tmp_path, "generate", "-v")

    assert result.returncode == 0, result.stderr
    assert "contracts/mine.yaml" not in result.stderr
    assert (contracts / "mine.yaml").read_text("utf-8") == SMALL_API


def test_split_again_keeps_documents_edited_before_generate(tmp_path):
    (tmp_path / "api.yaml").write_text(SMALL_API, "utf-8")
    assert nanogen(tmp_path, "split", "api.yaml", "-o", "ws").returncode == 0
    workspace = tmp_path / "ws"
    document = workspace / "specs" / "a" / "get-a.openapi.yaml"
    edited = document.read_text("utf-8").replace("description: ok", "description: mine")
    document.write_text(edited, "utf-8")
    config = workspace / "nanogen.yaml"
    listed = config.read_text("utf-8") + "# my note\n"
    config.write_text(listed, "utf-8")
    assert nanogen(workspace, "generate").returncode == 0

    again = nanogen(tmp_path, "split", "api.yaml", "-o", "ws")

    assert again.returncode == 1
    assert "specs/a/get-a.openapi.yaml: edited by hand" in again.stderr
    assert "nanogen.yaml: edited by hand" in again.stderr
    assert "2 of them the capability list or OpenAPI documents; run `nanogen " in (
        again.stderr
    )
    assert document.read_text("utf-8") == edited
    assert config.read_text("utf-8") == listed


def test_unedited_split_document_goes_with_its_capability(tmp_path):
    (tmp_path / "api.yaml").write_text(SMALL_API, "utf-8")
    assert nanogen(tmp_path, "split", "api.yaml", "-o", "ws").returncode == 0
    workspace = tmp_path / "ws"
    (workspace / "nanogen.yaml").write_text(CAPABILITIES, "utf-8")

    result = nanogen(workspace, "generate", "-v")

    assert result.returncode == 0, result.stderr
    assert "remove    specs/a/get-a.openapi.yaml" in result.stderr
    assert not (workspace / "specs" / "a" / "get-a.openapi.yaml").exists()


def test_generate_into_other_folder_copies_documents(tmp_path):
    (tmp_path / "api.yaml").write_text(SMALL_API, "utf-8")
    assert nanogen(tmp_path, "split", "api.yaml", "-o", "ws").returncode == 0

    result = nanogen(tmp_path, "generate", "-c", "ws/nanogen.yaml", "-o", "copy")

    assert result.returncode == 0, result.stderr
    copied = tmp_path / "copy" / "specs" / "a" / "get-a.openapi.yaml"
    original = tmp_path / "ws" / "specs" / "a" / "get-a.openapi.yaml"
    assert copied.read_text("utf-8") == original.read_text("utf-8")
    checked = nanogen(
        tmp_path, "generate", "-c", "ws/nanogen.yaml", "-o", "copy", "--check"
    )
    assert checked.returncode == 0, checked.stderr
