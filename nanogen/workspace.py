"""Workspace stage: create a new workspace from the copier template `workspace`.

Takes a folder and the answers of `nanogen new` (project, target, security)
and hands back the folder, rendered by copier from `templates/workspace/`: a
starter `nanogen.yaml`, a README, a `.gitignore` and copier's answers file.

`copier update` needs its template in git, tagged with versions, and the
installed package is no git repository. So the template travels with the
workspace as a git bundle, `.nanogen/workspace-template.bundle`, holding one
tagged commit per nanogen version; the answers file points at it by a path
relative to the workspace root, so the update works offline and in any clone.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nanogen import __version__
from nanogen.errors import NanogenError, OutputError
from nanogen.spec import SECURITY_KINDS, RenderedFile
from nanogen.validate import is_valid_name

logger = logging.getLogger(__name__)

BUNDLE_PATH = ".nanogen/workspace-template.bundle"
SCHEMA_COPY_PATH = ".nanogen/capabilities.schema.json"
ANSWERS_FILE = ".copier-answers.yml"
TARGETS = ("python-fastapi",)
# The `name` pattern of the capability list's JSON Schema.
PROJECT_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
PROJECT_MAX_LENGTH = 63
# The folders of a workspace that nanogen fills: a workspace written inside
# one of them would mix its files with generated ones, and the next
# `generate` of the outer workspace could remove them.
GENERATED_FOLDERS = ("services", "specs", ".nanogen")
# Either file marks a folder as a workspace.
WORKSPACE_MARKERS = ("nanogen.yaml", ".nanogen/manifest.json")

# Commits of the template bundle get a fixed author and date, so that one
# nanogen version always produces the same commit id.
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "nanogen",
    "GIT_AUTHOR_EMAIL": "nanogen@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_NAME": "nanogen",
    "GIT_COMMITTER_EMAIL": "nanogen@localhost",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
}


def template_dir() -> Path:
    """Locate the workspace template, in an installed wheel or a source checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (
        package / "templates" / "workspace",
        package.parent / "templates" / "workspace",
    ):
        if (candidate / "copier.yml").is_file():
            return candidate
    raise NanogenError(
        "the workspace template is missing from the nanogen installation; "
        "reinstall nanogen"
    )


def template_tag() -> str:
    """Return the git tag of this nanogen version's template, e.g. `v0.1.0`."""
    return f"v{__version__}"


def support_files() -> list[RenderedFile]:
    """Return the files nanogen keeps current in every workspace.

    Today that is the copy of the capability list's JSON Schema that line 1
    of `nanogen.yaml` names, so that editors check the file against the
    installed nanogen's format, also after an upgrade.
    """
    schema = Path(__file__).resolve().parent / "schemas" / "capabilities.schema.json"
    return [
        RenderedFile(SCHEMA_COPY_PATH, schema.read_text(encoding="utf-8"), "generated")
    ]


def check_output_folder(folder: Path, *, workspaces: Iterable[Path] = ()) -> None:
    """Raise `OutputError` unless a workspace can be written into `folder`.

    The folder must be a folder or absent, below folders only, and outside
    the `GENERATED_FOLDERS` of every workspace above it: each of `workspaces`
    (such as the folder of the input) and each folder that contains a
    `WORKSPACE_MARKERS` file. Symbolic links are followed.
    """
    folder = Path(folder)
    shown = str(folder)
    for candidate in (folder, *folder.parents):
        kind = _file_kind(candidate)
        if kind is None:
            continue
        if kind == "a folder":
            break
        if candidate == folder:
            raise OutputError(
                f"output folder {shown!r} is {kind}; choose a folder to write the "
                "workspace into"
            )
        raise OutputError(
            f"output folder {shown!r} cannot be created because {str(candidate)!r} "
            f"is {kind}; choose a folder whose parents are folders"
        )

    resolved = _resolve(folder)
    roots = {_resolve(Path(workspace)) for workspace in workspaces}
    roots.update(
        parent
        for parent in resolved.parents
        if any(_file_kind(parent / marker) == "a file" for marker in WORKSPACE_MARKERS)
    )
    for root in sorted(roots):
        for name in GENERATED_FOLDERS:
            generated = root / name
            if not resolved.is_relative_to(generated):
                continue
            where = "is" if resolved == generated else "is inside"
            raise OutputError(
                f"output folder {shown!r} {where} {str(generated)!r}, the {name}/ "
                f"folder that nanogen fills in the workspace {str(root)!r}; "
                "choose a folder outside it"
            )


def _file_kind(path: Path) -> str | None:
    """Name what is at `path`, following symbolic links; None when nothing is.

    A path that cannot be examined, as below a folder without search
    permission, counts as absent, and writing it reports the error later.
    """
    try:
        mode = path.stat().st_mode
    except OSError:
        try:
            path.lstat()
        except OSError:
            return None
        return "a symbolic link that does not resolve"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a file"


def _resolve(path: Path) -> Path:
    """Follow symbolic links where they resolve; keep the path absolute otherwise."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        # Python before 3.13 raises RuntimeError on a symbolic link loop.
        return Path(os.path.normpath(path.absolute()))


def default_project(folder: Path) -> str:
    """Derive a kebab-case project name from a folder name: `My Shop` -> `my-shop`."""
    name = re.sub(r"[^a-z0-9]+", "-", Path(folder).resolve().name.lower())
    return name.strip("-")


def check_project(project: str) -> None:
    """Raise `NanogenError` unless `project` is a kebab-case, non-reserved name."""
    if is_valid_name(project):
        return
    if PROJECT_PATTERN.match(project) and len(project) <= PROJECT_MAX_LENGTH:
        raise NanogenError(
            f"invalid project name {project!r}: it is a reserved word in Python or "
            "TypeScript; choose another name, e.g. 'my-project'"
        )
    raise NanogenError(
        f"invalid project name {project!r}: use kebab-case (lower-case letters, "
        "digits and single hyphens, starting with a letter, at most "
        f"{PROJECT_MAX_LENGTH} characters), e.g. 'card-payments'"
    )


def create_workspace(
    folder: Path,
    *,
    project: str | None,
    target: str | None = None,
    security: str | None = None,
    defaults: bool = False,
    interactive: bool = False,
) -> Path:
    """Render a new workspace into `folder`, which must be absent or empty.

    copier asks on the terminal for every answer not given when `interactive`
    is true, `defaults` false and standard input is a terminal. Otherwise the
    given answers and the defaults are used, and the project name defaults to
    the folder name. A `None` target or security means "ask, or use the default".
    """
    folder = Path(folder)
    _check_folder(folder)
    check_output_folder(folder)
    ask = interactive and not defaults and sys.stdin.isatty()
    data = _answers(project=project, target=target, security=security)
    if not ask and "project" not in data:
        derived = default_project(folder)
        try:
            check_project(derived)
        except NanogenError:
            raise NanogenError(
                f"cannot make a project name from the folder name {folder.name!r}; "
                "pass --project NAME with a kebab-case name such as 'shop'"
            ) from None
        data["project"] = derived

    existed = folder.exists()
    try:
        _render(folder, data, ask=ask)
        # Written directly, not through the manifest: a manifest entry would make
        # a `generate` run that does not produce these files remove them.
        for file in support_files():
            path = folder / file.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(file.content.encode("utf-8"))
    except OSError as error:
        _clean_up(folder, existed)
        raise OutputError(
            f"cannot write the workspace {str(folder)!r}: {error.strerror or error}"
        ) from error
    except BaseException:
        _clean_up(folder, existed)
        raise
    return folder


def _check_folder(folder: Path) -> None:
    if not folder.exists():
        return
    if not folder.is_dir():
        raise OutputError(
            f"{str(folder)!r} is a file; choose a new folder for the workspace"
        )
    if any(folder.iterdir()):
        raise OutputError(
            f"folder {str(folder)!r} exists and is not empty; "
            "choose a new folder or empty it"
        )


def _answers(
    *, project: str | None, target: str | None, security: str | None
) -> dict[str, Any]:
    """Check the answers given on the command line and return them as copier data."""
    data: dict[str, Any] = {}
    if project is not None:
        check_project(project)
        data["project"] = project
    if target is not None:
        if target not in TARGETS:
            raise NanogenError(
                f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}"
            )
        data["target"] = target
    if security is not None:
        if security not in SECURITY_KINDS:
            raise NanogenError(
                f"unknown security {security!r}; choose one of: "
                f"{', '.join(SECURITY_KINDS)}"
            )
        data["security"] = security
    return data


def _render(folder: Path, data: dict[str, Any], *, ask: bool) -> None:
    """Run copier from a bundle of the template, then store the bundle."""
    with tempfile.TemporaryDirectory(prefix="nanogen-template-") as scratch:
        bundle = Path(scratch) / "workspace-template.bundle"
        try:
            if shutil.which("git") is None:
                raise NanogenError("git not found")
            write_template_bundle(bundle)
        except NanogenError as error:
            # The workspace is still usable; only `copier update` is not, and
            # it needs git anyway.
            logger.warning(
                "%s: the workspace gets no template bundle, so `copier update` "
                "will not work in it",
                error,
            )
            _run_copier(str(template_dir()), folder, data, ref=None, ask=ask)
            return

        _run_copier(str(bundle), folder, data, ref=template_tag(), ask=ask)
        target = folder / BUNDLE_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(bundle, target)


def _run_copier(
    source: str, folder: Path, data: dict[str, Any], *, ref: str | None, ask: bool
) -> None:
    """Call `copier.run_copy` and turn its exceptions into nanogen's."""
    # Imported here so that commands other than `new` do not pay for importing copier.
    import copier
    from copier.errors import CopierAnswersInterrupt, CopierError

    try:
        copier.run_copy(
            source,
            folder,
            data=data,
            vcs_ref=ref,
            defaults=not ask,
            quiet=True,
            unsafe=False,
            # nanogen removes what it created itself, see create_workspace.
            cleanup_on_error=False,
        )
    except CopierAnswersInterrupt:
        raise KeyboardInterrupt from None
    except (CopierError, subprocess.CalledProcessError) as error:
        raise NanogenError(f"copier failed to create the workspace: {error}") from error
    except ValueError as error:
        # copier reports an answer that fails a question's validator, or is
        # not one of its choices, as a plain ValueError naming the question.
        raise NanogenError(f"invalid answer: {error}") from error
    except OSError as error:
        raise OutputError(
            f"cannot write the workspace {str(folder)!r}: {error.strerror or error}"
        ) from error
    except Exception as error:  # noqa: BLE001 - no copier traceback reaches a user
        raise NanogenError(
            f"copier failed to create the workspace: {type(error).__name__}: {error}"
        ) from error


def _clean_up(folder: Path, existed: bool) -> None:
    """Remove what a failed `create_workspace` wrote; the folder was empty before."""
    if not folder.exists():
        return
    if not existed:
        shutil.rmtree(folder, ignore_errors=True)
        return
    for child in folder.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


# The template bundle


def write_template_bundle(bundle: Path, *, base: Path | None = None) -> bool:
    """Write a git bundle of the workspace template, tagged with this version.

    With `base`, an existing bundle, the new one contains its history plus a
    commit for this version, so that `copier update` can compare the template
    a workspace was made from with the current one. Returns False, writing
    nothing, when `base` already has this version's tag.
    """
    tag = template_tag()
    if base is not None and tag in _bundle_tags(base):
        return False

    with tempfile.TemporaryDirectory(prefix="nanogen-bundle-") as scratch:
        repo = Path(scratch) / "repo"
        if base is None:
            _git("init", "--quiet", str(repo), cwd=Path(scratch))
        else:
            _git(
                "clone",
                "--quiet",
                "--",
                str(base.resolve()),
                str(repo),
                cwd=Path(scratch),
            )
            _git("rm", "-r", "--quiet", "--ignore-unmatch", ".", cwd=repo)
        shutil.copytree(
            template_dir(),
            repo,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"),
        )
        _git("add", "--all", cwd=repo)
        _git(
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "--no-gpg-sign",
            "--message",
            f"nanogen {__version__} workspace template",
            cwd=repo,
        )
        _git("tag", tag, cwd=repo)
        staged = Path(scratch) / "new.bundle"
        _git(
            "bundle",
            "create",
            str(staged),
            "HEAD",
            "--branches",
            "--tags",
            cwd=repo,
        )
        bundle.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(staged, bundle)
    return True


def refresh_template_bundle(folder: Path | str) -> bool:
    """Add this nanogen version's template to a workspace's bundle.

    Run it after upgrading nanogen; commit the bundle, then `copier update`
    brings the template's changes into the workspace. Returns whether the
    bundle changed.
    """
    folder = Path(folder)
    if not (folder / ANSWERS_FILE).is_file():
        raise NanogenError(
            f"{str(folder)!r} has no {ANSWERS_FILE}, so it was not made by "
            "`nanogen new`; run this in a workspace folder"
        )
    if shutil.which("git") is None:
        raise NanogenError("git not found; install git to update a workspace")
    bundle = folder / BUNDLE_PATH
    base = bundle if bundle.is_file() else None
    return write_template_bundle(bundle, base=base)


def _bundle_tags(bundle: Path) -> set[str]:
    output = _git("bundle", "list-heads", str(bundle.resolve()), cwd=bundle.parent)
    prefix = "refs/tags/"
    tags = set()
    for line in output.splitlines():
        _, _, ref = line.partition(" ")
        if ref.startswith(prefix):
            tags.add(ref[len(prefix) :])
    return tags


def _git(*args: str, cwd: Path) -> str:
    """Run git on nanogen's own scratch repositories, ignoring user settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # Set when nanogen runs inside a git hook; they would redirect git
        # to the user's repository.
        if key not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
    }
    environment.update(_GIT_IDENTITY)
    # No global or system config: a user's hooks, signing or templates must
    # not change what goes into the bundle.
    environment.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    environment["GIT_TERMINAL_PROMPT"] = "0"
    try:
        completed = subprocess.run(
            ["git", "-c", "init.defaultBranch=main", *args],
            cwd=cwd,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
    except subprocess.CalledProcessError as error:
        raise NanogenError(
            f"git {args[0]} failed while building the workspace template bundle: "
            f"{error.stderr.strip() or error}"
        ) from error
    except OSError as error:
        raise NanogenError(f"cannot run git: {error.strerror or error}") from error
    return completed.stdout
