"""Tests of `nanogen new`: the copier template and `create_workspace`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import copier
import jinja2
import jsonschema
import pytest
import yaml

import nanogen.workspace
from nanogen.errors import NanogenError, OutputError
from nanogen.workspace import (
    BUNDLE_PATH,
    SCHEMA_COPY_PATH,
    check_output_folder,
    create_workspace,
    refresh_template_bundle,
    template_dir,
)
from tests.conftest import REPO

SCHEMA = REPO / "nanogen" / "schemas" / "capabilities.schema.json"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not found")


@pytest.fixture(autouse=True)
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the tests and copier commit without the machine's git config."""
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")


def new(folder: Path, **answers) -> Path:
    answers.setdefault("project", None)
    return create_workspace(folder, defaults=True, interactive=False, **answers)


def git(workspace: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=workspace, capture_output=True, text=True, check=True
    )
    return completed.stdout


def copier_update(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `copier update` from the workspace root, as the workspace README tells."""
    return subprocess.run(
        [sys.executable, "-m", "copier", "update", "--defaults", *args],
        cwd=workspace,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_defaults_write_every_file(tmp_path):
    workspace = new(tmp_path / "shop")

    assert workspace == tmp_path / "shop"
    for name in [
        "nanogen.yaml",
        "README.md",
        ".gitignore",
        ".copier-answers.yml",
        SCHEMA_COPY_PATH,
    ]:
        assert (workspace / name).is_file(), name
    if shutil.which("git"):
        assert (workspace / BUNDLE_PATH).is_file()


def test_starter_list_is_valid(tmp_path):
    workspace = new(tmp_path / "shop")

    text = (workspace / "nanogen.yaml").read_text()
    first_line = text.splitlines()[0]
    assert first_line == f"# yaml-language-server: $schema={SCHEMA_COPY_PATH}"
    data = yaml.safe_load(text)
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    assert data["project"] == "shop"
    assert data["target"] == "python-fastapi"
    assert data["security"] == "api-key"
    capabilities = data["services"]["greetings"]["capabilities"]
    assert 2 <= len(capabilities) <= 3


def test_schema_copy_matches_package(tmp_path):
    workspace = new(tmp_path / "shop")

    assert (workspace / SCHEMA_COPY_PATH).read_bytes() == SCHEMA.read_bytes()


def test_answers_reach_the_files(tmp_path):
    workspace = new(tmp_path / "x", project="card-payments", security="bearer")

    data = yaml.safe_load((workspace / "nanogen.yaml").read_text())
    answers = yaml.safe_load((workspace / ".copier-answers.yml").read_text())
    assert data["project"] == "card-payments"
    assert data["security"] == "bearer"
    assert answers["project"] == "card-payments"
    assert answers["security"] == "bearer"
    assert (workspace / "README.md").read_text().startswith("# card-payments\n")


def test_project_defaults_to_folder_name(tmp_path):
    workspace = new(tmp_path / "My Shop")

    assert yaml.safe_load((workspace / "nanogen.yaml").read_text())["project"] == (
        "my-shop"
    )


def test_existing_empty_folder_accepted(tmp_path):
    (tmp_path / "shop").mkdir()

    workspace = new(tmp_path / "shop")

    assert (workspace / "nanogen.yaml").is_file()


def test_non_empty_folder_rejected(tmp_path):
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "mine.txt").write_text("mine")

    with pytest.raises(OutputError) as caught:
        new(folder)

    assert str(caught.value) == (
        f"folder {str(folder)!r} exists and is not empty; "
        "choose a new folder or empty it"
    )
    assert [path.name for path in folder.iterdir()] == ["mine.txt"]


@pytest.mark.parametrize(
    "project",
    ["Shop", "my_shop", "-shop", "shop-", "a--b", "2shop", "x" * 64, 'a"\nb: 1'],
    ids=[
        "upper",
        "underscore",
        "leading",
        "trailing",
        "double",
        "digit",
        "long",
        "yaml",
    ],
)
def test_bad_project_rejected(tmp_path, project):
    with pytest.raises(NanogenError) as caught:
        new(tmp_path / "shop", project=project)

    message = str(caught.value)
    assert message.startswith(f"invalid project name {project!r}: use kebab-case")
    assert not (tmp_path / "shop").exists()


def test_folder_name_without_project_rejected(tmp_path):
    with pytest.raises(NanogenError, match="pass --project NAME"):
        new(tmp_path / "2nd")

    assert not (tmp_path / "2nd").exists()


@pytest.mark.parametrize(
    ("answer", "value", "expected"),
    [
        ("target", "go-gin", "unknown target 'go-gin'; choose one of: python-fastapi"),
        (
            "security",
            "oauth",
            "unknown security 'oauth'; choose one of: api-key, bearer, none",
        ),
    ],
    ids=["target", "security"],
)
def test_unknown_choice_rejected(tmp_path, answer, value, expected):
    with pytest.raises(NanogenError) as caught:
        new(tmp_path / "shop", **{answer: value})

    assert str(caught.value) == expected


def test_template_validator_explains_project(tmp_path):
    # The same rule for people who run copier on the template directly.
    with pytest.raises(ValueError, match="invalid project name; use kebab-case"):
        copier.run_copy(
            str(template_dir()),
            tmp_path / "shop",
            data={"project": "Bad Name"},
            defaults=True,
            quiet=True,
        )


def test_failure_after_copier_removes_folder(tmp_path, monkeypatch):
    # nanogen.yaml is a file, so writing below it fails once copier is done.
    bad = nanogen.workspace.RenderedFile("nanogen.yaml/x", "", "generated")
    monkeypatch.setattr(nanogen.workspace, "support_files", lambda: [bad])

    with pytest.raises(OutputError, match="cannot write the workspace"):
        new(tmp_path / "shop")

    assert not (tmp_path / "shop").exists()


@pytest.mark.parametrize(
    "value",
    ['a"b', "a\nb: injected", "x' # c", "\\u0041", "é ✓", "{a: 1}", "- item"],
    ids=["quote", "newline", "comment", "backslash", "unicode", "flow", "dash"],
)
def test_answers_cannot_break_yaml(value):
    # Values are validated before rendering; this checks the quoting alone.
    source = (template_dir() / "nanogen.yaml.jinja").read_text()
    template = jinja2.Environment(
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined
    ).from_string(source)

    text = template.render(project=value, target=value, security=value)

    data = yaml.safe_load(text)
    assert data["project"] == value
    assert data["target"] == value
    assert data["security"] == value
    assert "injected" not in data


def test_without_git_no_bundle(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(nanogen.workspace.shutil, "which", lambda name: None)

    workspace = new(tmp_path / "shop")

    assert (workspace / "nanogen.yaml").is_file()
    assert not (workspace / BUNDLE_PATH).exists()
    assert "git not found" in caplog.text


@needs_git
def test_bundle_is_deterministic(tmp_path):
    first = new(tmp_path / "one")
    second = new(tmp_path / "two")

    assert (first / BUNDLE_PATH).read_bytes() == (second / BUNDLE_PATH).read_bytes()


@needs_git
def test_copier_update_changes_an_answer_in_a_clone(tmp_path):
    workspace = new(tmp_path / "shop")
    git(workspace, "init", "--quiet")
    git(workspace, "add", "--all")
    git(workspace, "commit", "--quiet", "--message", "new workspace")
    starter = workspace / "nanogen.yaml"
    starter.write_text(starter.read_text().replace("Greet people", "Greet friends"))
    git(workspace, "commit", "--quiet", "--all", "--message", "my edit")
    # A clone at another path proves that nothing points back to the original.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "--quiet", str(workspace), str(clone))

    result = copier_update(clone, "--data", "security=bearer")

    assert result.returncode == 0, result.stderr
    data = yaml.safe_load((clone / "nanogen.yaml").read_text())
    assert data["security"] == "bearer"
    assert data["services"]["greetings"]["summary"].startswith("Greet friends")
    answers = yaml.safe_load((clone / ".copier-answers.yml").read_text())
    assert answers["security"] == "bearer"
    assert answers["_src_path"] == BUNDLE_PATH
    assert answers["_commit"] == f"v{nanogen.__version__}"


@needs_git
def test_refreshed_bundle_brings_template_changes(tmp_path, monkeypatch):
    workspace = new(tmp_path / "shop")
    git(workspace, "init", "--quiet")
    git(workspace, "add", "--all")
    git(workspace, "commit", "--quiet", "--message", "new workspace")
    # Stand in for an upgrade of nanogen whose template changed.
    upgraded = tmp_path / "upgraded-template"
    shutil.copytree(template_dir(), upgraded)
    readme = upgraded / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA line added in 99.0.0.\n")
    monkeypatch.setattr(nanogen.workspace, "__version__", "99.0.0")
    monkeypatch.setattr(nanogen.workspace, "template_dir", lambda: upgraded)

    assert refresh_template_bundle(workspace)
    assert not refresh_template_bundle(workspace)
    git(workspace, "commit", "--quiet", "--all", "--message", "refresh template")
    result = copier_update(workspace)

    assert result.returncode == 0, result.stderr
    assert (workspace / "README.md").read_text().endswith("A line added in 99.0.0.\n")
    answers = yaml.safe_load((workspace / ".copier-answers.yml").read_text())
    assert answers["_commit"] == "v99.0.0"


def test_refresh_outside_workspace_rejected(tmp_path):
    with pytest.raises(NanogenError, match="was not made by `nanogen new`"):
        refresh_template_bundle(tmp_path)


# The `nanogen new` command, end to end.


def test_cli_new_defaults(tmp_path, runner):
    result = runner("new", tmp_path / "shop", "--defaults", "--security", "none")

    assert result.exit_code == 0, result.stderr
    data = yaml.safe_load((tmp_path / "shop" / "nanogen.yaml").read_text())
    assert data["security"] == "none"


def test_cli_new_bad_project(tmp_path, runner):
    result = runner("new", tmp_path / "shop", "--defaults", "--project", "Bad Name")

    assert result.exit_code == 1
    assert "invalid project name 'Bad Name'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "shop").exists()


def test_cli_new_non_empty_folder(tmp_path, runner):
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "mine.txt").write_text("mine")

    result = runner("new", tmp_path / "shop", "--defaults")

    assert result.exit_code == 1
    assert "exists and is not empty; choose a new folder or empty it" in result.stderr
    assert (tmp_path / "shop" / "mine.txt").read_text() == "mine"


def test_cli_validate_accepts_starter(tmp_path, runner):
    created = runner("new", tmp_path / "shop", "--defaults")
    assert created.exit_code == 0, created.stderr

    result = runner("validate", cwd=tmp_path / "shop")

    assert result.exit_code == 0, result.stderr


def test_reserved_project_name_rejected(tmp_path: Path) -> None:
    with pytest.raises(NanogenError, match="reserved word"):
        create_workspace(
            tmp_path / "shop",
            project="class",
            target=None,
            security=None,
            defaults=True,
        )
    assert not (tmp_path / "shop").exists()


# Where a workspace may be written.


def test_new_below_a_file_rejected(tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("mine")

    with pytest.raises(OutputError) as caught:
        new(file / "shop")

    assert str(caught.value) == (
        f"output folder {str(file / 'shop')!r} cannot be created because "
        f"{str(file)!r} is a file; choose a folder whose parents are folders"
    )
    assert file.read_text() == "mine"


@pytest.mark.parametrize("generated", ["services", "specs", ".nanogen"])
def test_new_inside_generated_folder_rejected(tmp_path, generated):
    outer = new(tmp_path / "outer")
    before = sorted(path.relative_to(outer) for path in outer.rglob("*"))

    with pytest.raises(OutputError) as caught:
        new(outer / generated / "inner")

    assert str(caught.value) == (
        f"output folder {str(outer / generated / 'inner')!r} is inside "
        f"{str((outer / generated).resolve())!r}, the {generated}/ folder that "
        f"nanogen fills in the workspace {str(outer.resolve())!r}; choose a folder "
        "outside it"
    )
    assert sorted(path.relative_to(outer) for path in outer.rglob("*")) == before


def test_output_folder_through_symlink_rejected(tmp_path):
    outer = tmp_path / "outer"
    (outer / "services").mkdir(parents=True)
    (outer / ".nanogen").mkdir()
    (outer / ".nanogen" / "manifest.json").write_text("{}")
    link = tmp_path / "link"
    link.symlink_to(outer / "services")

    with pytest.raises(OutputError, match="the services/ folder that nanogen fills"):
        check_output_folder(link / "inner")


def test_output_folder_in_given_workspace_rejected(tmp_path):
    # No marker file: only the `workspaces` argument makes it a workspace.
    with pytest.raises(OutputError, match="the specs/ folder that nanogen fills"):
        check_output_folder(tmp_path / "specs" / "x", workspaces=[tmp_path])
    check_output_folder(tmp_path / "specs" / "x")


def test_output_folder_next_to_workspace_accepted(tmp_path):
    (tmp_path / "nanogen.yaml").write_text("nanogen: 1\n")
    check_output_folder(tmp_path)
    check_output_folder(tmp_path / "sub" / "deeper")
    check_output_folder(tmp_path / "services-old")


def test_output_folder_dangling_symlink_rejected(tmp_path):
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "missing")

    with pytest.raises(OutputError) as caught:
        check_output_folder(link / "inner")

    assert str(caught.value) == (
        f"output folder {str(link / 'inner')!r} cannot be created because "
        f"{str(link)!r} is a symbolic link that does not resolve; choose a folder "
        "whose parents are folders"
    )
