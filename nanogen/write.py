"""Write stage: plan a run's file set against the disk, then write it atomically.

Takes every `RenderedFile` of a run from `nanogen.render` and hands the CLI a
`WritePlan` (one action per file, computed before anything is written, so
`--dry-run` and `--check` can show or refuse it) and, after `apply_write`, a
`WriteReport`.

`.nanogen/manifest.json` stores what nanogen last wrote: for each path the
sha256 of its content, its owner and the nanoservice it belongs to. A
generated file whose content on disk no longer matches that hash was edited by
hand, so it is reported as a conflict and left alone unless `force` is set.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import secrets
import shutil
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from nanogen.errors import OutputError
from nanogen.spec import Owner, RenderedFile

logger = logging.getLogger(__name__)

Verb = Literal[
    "create", "update", "identical", "keep", "conflict", "overwrite", "remove"
]
# The order in which the CLI prints the summary counts.
VERBS: tuple[Verb, ...] = (
    "create",
    "update",
    "overwrite",
    "remove",
    "conflict",
    "keep",
    "identical",
)

MANIFEST_PATH = ".nanogen/manifest.json"
MANIFEST_VERSION = 1
TEMP_SUFFIX = ".nanogen-tmp"
BACKUP_SUFFIX = ".nanogen-backup"


@dataclass(frozen=True)
class ManifestEntry:
    """A manifest record: the hash, owner and nanoservice of one written path."""

    sha256: str
    owner: Owner
    service: str = ""


@dataclass(frozen=True)
class FileAction:
    """The planned action for one path, with the reason shown after it."""

    path: str
    verb: Verb
    owner: Owner
    service: str = ""
    detail: str = ""
    # Where `overwrite` saves the hand-edited copy before replacing it.
    backup: str | None = None
    content: str | None = field(default=None, repr=False)

    @property
    def writes(self) -> bool:
        """Whether applying this action writes new content to `path`."""
        return self.verb in ("create", "update", "overwrite")


@dataclass(frozen=True)
class WritePlan:
    """Every action of a run, sorted by path, and the manifest to write after."""

    root: Path
    actions: tuple[FileAction, ...]
    manifest: Mapping[str, ManifestEntry]
    manifest_changed: bool

    @property
    def conflicts(self) -> tuple[FileAction, ...]:
        """Generated files edited by hand that this run leaves alone."""
        return tuple(action for action in self.actions if action.verb == "conflict")

    @property
    def changes(self) -> tuple[FileAction, ...]:
        """Actions that change a file on disk."""
        return tuple(
            action
            for action in self.actions
            if action.writes or action.verb == "remove"
        )

    @property
    def up_to_date(self) -> bool:
        """Whether the disk already matches this run: what `--check` tests."""
        return not self.changes and not self.conflicts

    def counts(self) -> dict[Verb, int]:
        """Count the actions per verb, in the order of `VERBS`, omitting zeros."""
        return _count(self.actions)


@dataclass(frozen=True)
class WriteReport:
    """The result of `apply_write`: the plan's actions, carried out."""

    root: Path
    actions: tuple[FileAction, ...]
    manifest_written: bool

    @property
    def conflicts(self) -> tuple[FileAction, ...]:
        """Generated files edited by hand that the run left alone."""
        return tuple(action for action in self.actions if action.verb == "conflict")

    def counts(self) -> dict[Verb, int]:
        """Count the actions per verb, in the order of `VERBS`, omitting zeros."""
        return _count(self.actions)


def _count(actions: Iterable[FileAction]) -> dict[Verb, int]:
    counter = Counter(action.verb for action in actions)
    return {verb: counter[verb] for verb in VERBS if counter[verb]}


def sha256_text(content: str) -> str:
    """Hash content as nanogen writes it: UTF-8, newlines unchanged."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


# Planning


def plan_write(
    root: Path, files: Iterable[RenderedFile], *, force: bool = False
) -> WritePlan:
    """Compare a run's files with the disk and the manifest; write nothing.

    Raises `OutputError` for a path that is absolute, contains `..`, resolves
    outside `root` (through a symlink too), appears twice, or where the disk
    has a folder in place of a file or a file in place of a folder.
    """
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise OutputError(
            f"output folder {str(root)!r} is a file; choose a folder to write into"
        )

    rendered = _index_files(root, files)
    previous = read_manifest(root)
    for path in previous:
        _check_path(root, path, origin=MANIFEST_PATH)

    actions: list[FileAction] = []
    manifest: dict[str, ManifestEntry] = {}
    for path, file in rendered.items():
        action, entry = _plan_file(root, path, file, previous.get(path), force=force)
        actions.append(action)
        if entry is not None:
            manifest[path] = entry
    for path, old_entry in previous.items():
        if path not in rendered:
            removal = _plan_removal(root, path, old_entry)
            if removal is not None:
                actions.append(removal)

    actions.sort(key=lambda action: action.path)
    manifest = dict(sorted(manifest.items()))
    return WritePlan(
        root=root,
        actions=tuple(actions),
        manifest=manifest,
        manifest_changed=manifest != previous,
    )


def _index_files(root: Path, files: Iterable[RenderedFile]) -> dict[str, RenderedFile]:
    """Check every path and return the files by normalized path, sorted."""
    by_path: dict[str, RenderedFile] = {}
    duplicates: set[str] = set()
    for file in files:
        path = _check_path(root, file.path, origin="rendered file")
        if path in by_path:
            duplicates.add(path)
        by_path[path] = file
    if duplicates:
        names = ", ".join(repr(path) for path in sorted(duplicates))
        raise OutputError(
            f"the run renders more than one file at {names}; this is a bug in "
            "nanogen or in the generator's templates, so report it with the "
            "capability list"
        )

    # Two paths that differ only in letter case are one file on the default
    # file systems of macOS and Windows.
    by_folded: dict[str, str] = {}
    for path in sorted(by_path):
        other = by_folded.setdefault(path.casefold(), path)
        if other != path:
            raise OutputError(
                f"the run renders both {other!r} and {path!r}, which differ only "
                "in letter case and collide on macOS and Windows; rename one of "
                "the services or capabilities"
            )

    for path in by_path:
        for parent in PurePosixPath(path).parents:
            if str(parent) in by_path:
                raise OutputError(
                    f"the run renders {str(parent)!r} both as a file and as the "
                    f"folder of {path!r}; this is a bug in the generator's templates"
                )
    return dict(sorted(by_path.items()))


def _check_path(root: Path, path: str, *, origin: str) -> str:
    """Normalize a relative posix path, or raise if it could leave `root`."""
    pure = PurePosixPath(path)
    if not path or "\\" in path or "\0" in path:
        raise OutputError(
            f"{origin} path {path!r} is not a valid relative path; use '/' "
            "between folders and no backslashes"
        )
    if pure.is_absolute() or (len(path) > 1 and path[1] == ":"):
        raise OutputError(
            f"{origin} path {path!r} is absolute; nanogen writes only inside "
            f"{str(root)!r}"
        )
    if ".." in pure.parts:
        raise OutputError(
            f"{origin} path {path!r} contains '..'; nanogen writes only inside "
            f"{str(root)!r}"
        )
    normalized = str(pure)
    if normalized in (".", MANIFEST_PATH):
        raise OutputError(f"{origin} path {path!r} is reserved for nanogen itself")

    # A symlinked folder inside the workspace could point anywhere.
    target = (root / normalized).resolve()
    if not target.is_relative_to(root.resolve()):
        raise OutputError(
            f"{origin} path {path!r} resolves to {str(target)!r} through a "
            f"symlink, outside {str(root)!r}; remove the symlink"
        )
    return normalized


def read_manifest(root: Path) -> dict[str, ManifestEntry]:
    """Read `.nanogen/manifest.json`; an absent manifest is an empty one."""
    manifest_file = Path(root) / MANIFEST_PATH
    try:
        text = manifest_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise OutputError(f"cannot read {MANIFEST_PATH!r}: {error.strerror}") from error

    fix = (
        "restore it from version control, or delete it so that nanogen reports "
        "every existing file that differs from its output as a conflict"
    )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputError(
            f"{MANIFEST_PATH}:{error.lineno}: invalid JSON ({error.msg}); {fix}"
        ) from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise OutputError(f"{MANIFEST_PATH}: missing the 'files' object; {fix}")
    if data.get("version") != MANIFEST_VERSION:
        raise OutputError(
            f"{MANIFEST_PATH}: unsupported version {data.get('version')!r}, "
            f"expected {MANIFEST_VERSION}; upgrade nanogen or {fix}"
        )

    entries: dict[str, ManifestEntry] = {}
    for path, item in data["files"].items():
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("sha256"), str)
            or item.get("owner") not in ("generated", "user")
        ):
            raise OutputError(f"{MANIFEST_PATH}: invalid entry for {path!r}; {fix}")
        entries[path] = ManifestEntry(
            sha256=item["sha256"],
            owner=item["owner"],
            service=str(item.get("service", "")),
        )
    return entries


def manifest_text(manifest: Mapping[str, ManifestEntry]) -> str:
    """Serialize a manifest: sorted keys and a final newline, so that runs diff well."""
    files = {
        path: {"owner": entry.owner, "service": entry.service, "sha256": entry.sha256}
        for path, entry in sorted(manifest.items())
    }
    data = {"files": files, "version": MANIFEST_VERSION}
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _read_disk(root: Path, path: str) -> bytes | None:
    """Return the bytes at `path`, None when absent; raise when it is no file."""
    target = root / path
    for parent in reversed(PurePosixPath(path).parents):
        folder = root / parent
        if folder.exists() and not folder.is_dir():
            raise OutputError(
                f"{str(parent)!r} is a file, but nanogen needs a folder there to "
                f"write {path!r}; move the file away"
            )
    if target.is_dir():
        raise OutputError(
            f"{path!r} is a folder, but nanogen needs to write a file there; "
            "move the folder away"
        )
    try:
        return target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(f"cannot read {path!r}: {error.strerror}") from error


def _plan_file(
    root: Path,
    path: str,
    file: RenderedFile,
    old: ManifestEntry | None,
    *,
    force: bool,
) -> tuple[FileAction, ManifestEntry | None]:
    """Decide what to do with one rendered file and what the manifest records."""
    new_hash = sha256_text(file.content)
    new_entry = ManifestEntry(new_hash, file.owner, file.service)

    def make(verb: Verb, detail: str = "", backup: str | None = None) -> FileAction:
        writes = verb in ("create", "update", "overwrite")
        return FileAction(
            path,
            verb,
            file.owner,
            file.service,
            detail,
            backup=backup,
            content=file.content if writes else None,
        )

    if file.owner == "input":
        # The run read the file from disk, so it is what the disk holds. The
        # manifest keeps what nanogen last wrote there, if anything, so that
        # a later `split` still finds the user's edits and a file nanogen
        # never wrote is never removed.
        return make("identical"), old
    disk = _read_disk(root, path)
    if disk is None:
        return make("create"), new_entry
    disk_hash = hashlib.sha256(disk).hexdigest()

    if file.owner == "user":
        if disk_hash == new_hash and (old is None or old.sha256 == new_hash):
            # Unedited and already what this run renders.
            return make("identical"), new_entry
        if old is not None and disk_hash == old.sha256 and disk_hash != new_hash:
            # The file is byte for byte what nanogen last wrote, so no edit of
            # the user's is lost when the new version replaces it.
            return make("update", "not edited since nanogen wrote it"), new_entry
        # The recorded hash is of the content nanogen last wrote, from which
        # the next run learns whether the user has edited the file since.
        return make("keep"), ManifestEntry(
            old.sha256 if old else new_hash, "user", file.service
        )
    if disk_hash == new_hash:
        return make("identical"), new_entry
    if old is not None and disk_hash == old.sha256:
        return make("update"), new_entry

    if old is None:
        reason = "not written by nanogen"
    else:
        reason = "edited by hand"
    if not force:
        # Keep the old hash so that the next run reports the conflict again.
        return make("conflict", f"{reason}; left as it is"), old
    backup = _free_backup_name(root, path)
    return make(
        "overwrite", f"{reason}; old copy saved as {backup}", backup=backup
    ), new_entry


def _free_backup_name(root: Path, path: str) -> str:
    """Return `<path>.orig`, or `<path>.orig.N` when earlier backups exist."""
    candidates = [f"{path}.orig"] + [f"{path}.orig.{n}" for n in range(1, 1000)]
    for candidate in candidates:
        if not (root / candidate).exists():
            return candidate
    raise OutputError(
        f"too many backups of {path!r} ({path}.orig.1 to .orig.999); delete old ones"
    )


def _plan_removal(root: Path, path: str, old: ManifestEntry) -> FileAction | None:
    """Plan a file nanogen wrote before that this run no longer produces."""
    if (root / path).is_dir():
        return None
    disk = _read_disk(root, path)
    if disk is None:
        return None
    unedited = hashlib.sha256(disk).hexdigest() == old.sha256
    if old.owner == "user" and not unedited:
        return FileAction(
            path, "keep", "user", old.service, "no longer generated; yours to delete"
        )
    if not unedited:
        return FileAction(
            path,
            "keep",
            "generated",
            old.service,
            "no longer generated but edited by hand; yours to delete",
        )
    detail = "no longer generated"
    if old.owner == "user":
        detail += "; not edited since nanogen wrote it"
    return FileAction(path, "remove", old.owner, old.service, detail)


# Writing


def apply_write(plan: WritePlan) -> WriteReport:
    """Carry out a plan so that every file changes, or none does.

    New content goes to a temporary file in the target's folder first, then
    `os.replace` moves it into place. Replaced and removed files are kept as
    backups until the manifest, written last, is in place. On any `OSError`
    every step is undone and `OutputError` is raised.
    """
    transaction = _Transaction(plan.root)
    try:
        _apply_steps(plan, transaction)
    except OSError as error:
        failures = transaction.rollback()
        raise _output_error(error, transaction.current, failures) from error
    except BaseException:
        # An interrupt (Ctrl-C) or a bug must not leave half a run either.
        transaction.rollback()
        raise
    transaction.commit()

    for action in plan.actions:
        logger.debug("%s %s", action.verb, action.path)
    return WriteReport(plan.root, plan.actions, plan.manifest_changed)


def _apply_steps(plan: WritePlan, transaction: _Transaction) -> None:
    # Stage every file before touching any target, so that most failures
    # (permissions, a full disk) happen while the old tree is intact.
    staged = [
        (action, transaction.stage(action.path, action.content or ""))
        for action in plan.actions
        if action.writes
    ]
    manifest_temp = None
    if plan.manifest_changed:
        manifest_temp = transaction.stage(MANIFEST_PATH, manifest_text(plan.manifest))

    for action, temp in staged:
        if action.verb == "overwrite":
            backup = action.backup
            if backup is None or (plan.root / backup).exists():
                backup = _free_backup_name(plan.root, action.path)
            transaction.save_copy(action.path, backup)
        transaction.replace(temp, action.path)
    for action in plan.actions:
        if action.verb == "remove":
            transaction.remove(action.path)
    if manifest_temp is not None:
        transaction.replace(manifest_temp, MANIFEST_PATH)


def _output_error(error: OSError, where: str, failures: list[str]) -> OutputError:
    """Build a message that names the path, the cause and the fix."""
    if isinstance(error, PermissionError):
        text = (
            f"cannot write {where!r}: permission denied; check the folder's permissions"
        )
    elif error.errno == errno.ENOSPC:
        text = f"cannot write {where!r}: no space left on the disk; free some space"
    elif error.errno == errno.EDQUOT:
        text = f"cannot write {where!r}: disk quota exceeded; free some space"
    elif isinstance(error, IsADirectoryError) or error.errno == errno.ENOTEMPTY:
        text = f"cannot write {where!r}: a folder is in the way; move it away"
    elif isinstance(error, NotADirectoryError):
        text = f"cannot write {where!r}: a file is in the way of a folder; move it away"
    else:
        text = f"cannot write {where!r}: {error.strerror or error}"
    if failures:
        text += "; the rollback also failed, so check " + ", ".join(failures)
    else:
        text += ". Nothing was changed."
    return OutputError(text)


class _Transaction:
    """Changes under one root that can be undone until `commit`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # The workspace path of the step in progress, for error messages;
        # OSError.filename may name a temporary file or nothing at all.
        self.current = "."
        self.temps: list[Path] = []
        self.folders: list[Path] = []
        # Undo steps in the order the changes happened.
        self.undo: list[tuple[str, Path, Path | None]] = []
        self.backups: list[Path] = []
        self.removed: list[str] = []

    def _make_folders(self, folder: Path) -> None:
        missing: list[Path] = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.folders.append(path)

    def _sibling(self, target: Path, suffix: str) -> Path:
        return target.with_name(f".{target.name}.{secrets.token_hex(4)}{suffix}")

    def stage(self, path: str, content: str) -> Path:
        """Write content to a new temporary file next to `path`."""
        self.current = path
        target = self.root / path
        self._make_folders(target.parent)
        while True:
            temp = self._sibling(target, TEMP_SUFFIX)
            try:
                # Binary mode keeps the newlines as rendered on every platform;
                # "x" opens a new file with the usual umask-based mode.
                with temp.open("xb") as stream:
                    self.temps.append(temp)
                    stream.write(content.encode("utf-8"))
                break
            except FileExistsError:
                continue
        if target.is_file():
            temp.chmod(stat.S_IMODE(target.stat().st_mode))
        # TODO: no template marks a file executable yet; when one does,
        # RenderedFile needs a mode and this is where to apply it.
        return temp

    def save_copy(self, path: str, backup: str) -> None:
        """Copy the hand-edited file at `path` to `backup` (a .orig file)."""
        self.current = backup
        shutil.copy2(self.root / path, self.root / backup)
        self.undo.append(("delete", self.root / backup, None))

    def replace(self, temp: Path, path: str) -> None:
        """Move a staged file into place, keeping the old one as a backup."""
        self.current = path
        target = self.root / path
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "Is a directory", str(target))
        backup: Path | None = None
        if target.exists():
            backup = self._link_backup(target)
        temp.replace(target)
        self.temps.remove(temp)
        if backup is None:
            self.undo.append(("delete", target, None))
        else:
            self.undo.append(("restore", target, backup))

    def remove(self, path: str) -> None:
        """Move a file aside; `commit` deletes it."""
        self.current = path
        target = self.root / path
        backup = self._sibling(target, BACKUP_SUFFIX)
        target.replace(backup)
        self.backups.append(backup)
        self.removed.append(path)
        self.undo.append(("restore", target, backup))

    def _link_backup(self, target: Path) -> Path:
        """Keep the current file under a backup name without a moment of absence."""
        backup = self._sibling(target, BACKUP_SUFFIX)
        try:
            os.link(target, backup)
        except OSError:
            # Some file systems (FAT, some network mounts) have no hard links.
            shutil.copy2(target, backup)
        self.backups.append(backup)
        return backup

    def rollback(self) -> list[str]:
        """Undo every step, newest first; return the paths that could not be restored."""
        failures: list[str] = []
        for kind, target, backup in reversed(self.undo):
            try:
                if kind == "delete":
                    target.unlink()
                elif backup is not None:
                    backup.replace(target)
                    self.backups.remove(backup)
            except OSError as error:
                logger.error("rollback of %s failed: %s", target, error)
                failure = target.relative_to(self.root).as_posix()
                if backup is not None:
                    # The backup is the only copy of the old content now.
                    self.backups.remove(backup)
                    failure += f" (old content in {backup.name})"
                failures.append(failure)
        for path in [*self.temps, *self.backups]:
            _unlink_quietly(path)
        for folder in reversed(self.folders):
            _rmdir_quietly(folder)
        return failures

    def commit(self) -> None:
        """Delete the backups and the folders that removals emptied."""
        for backup in self.backups:
            _unlink_quietly(backup)
        for path in self.removed:
            for parent in PurePosixPath(path).parents:
                if str(parent) == "." or not _rmdir_quietly(self.root / parent):
                    break


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as error:
        logger.warning("could not delete the temporary file %s: %s", path, error)


def _rmdir_quietly(folder: Path) -> bool:
    """Remove a folder if it is empty; return whether it was removed."""
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def iter_lines(report: WriteReport | WritePlan) -> Iterator[str]:
    """Yield one `verb  path  (detail)` line per file, in path order."""
    width = max(len(verb) for verb in VERBS)
    for action in report.actions:
        line = f"{action.verb:>{width}}  {action.path}"
        if action.detail:
            line += f"  ({action.detail})"
        yield line
