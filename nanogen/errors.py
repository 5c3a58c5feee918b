"""Exceptions that nanogen reports as a message and an exit status.

Every error that bad input can cause derives from `NanogenError`; the command
line prints its message on stderr and exits non-zero without a traceback.
Input problems are collected as `Problem` values first, so that one run
reports all of them.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

Severity = Literal["error", "warning"]


def format_key_path(parts: Iterable[str | int]) -> str:
    """Join key path parts as `services.payments.capabilities[0].effect`.

    Each `str` part is written as it is. Use `display_key_path` for keys read
    from a document, which may contain a dot or a slash.
    """
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text


# Characters that would make a key read as several keys, as a list index or
# as a JSON pointer in a key path written with dots.
_AMBIGUOUS_KEY_CHARACTERS = frozenset(" .[]'\"/")


def display_key_path(parts: Iterable[Hashable]) -> str:
    """Format a key path for a message, quoting the keys that could be misread.

    An `int` part is a list index (`[0]`). Every other part is a mapping key,
    which YAML allows to be a number, a boolean or null as well as a string.
    A key is written as its text after a dot, or as a JSON string in
    brackets when that text is empty, is not printable, or contains a space,
    dot, slash, bracket or quote: `paths["/pets"].get`, `properties["1.5"]`.
    """
    text = ""
    for part in parts:
        if isinstance(part, int) and not isinstance(part, bool):
            text += f"[{part}]"
            continue
        key = str(part)
        if (
            not key
            or not key.isprintable()
            or not _AMBIGUOUS_KEY_CHARACTERS.isdisjoint(key)
        ):
            text += f"[{quote_key(key)}]"
        elif text:
            text += f".{key}"
        else:
            text = key
    return text


def quote_key(key: str) -> str:
    """Write a key as a JSON string whose every character is printable."""
    quoted = json.dumps(key, ensure_ascii=False)
    return "".join(
        character if character.isprintable() else json.dumps(character)[1:-1]
        for character in quoted
    )


def type_name(value: Any) -> str:
    """Name the type of a value read from a document, with its article.

    The names are `null`, `a mapping`, `a list`, `a string`, `a boolean` and
    `a number`. A value of any other type is called a number too.
    """
    name = json_type_name(value)
    if name in ("null", "a mapping", "a list", "a string", "a boolean"):
        return name
    return "a number"


# The JSON Schema type names as messages write them, with their articles.
JSON_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def json_type_name(value: Any) -> str:
    """Name the JSON type of a value with its article: `an integer`, `a mapping`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, and how to fix it."""

    message: str
    hint: str = ""
    file: str | None = None
    line: int | None = None
    key_path: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        location = self.file or "<input>"
        if self.line is not None:
            location += f":{self.line}"
        text = f"{location}: "
        if self.key_path:
            text += f"{self.key_path}: "
        text += self.message
        if self.hint:
            text += f"; {self.hint}"
        if self.severity == "warning":
            text = "warning: " + text
        return text

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file or "", self.line or 0, self.key_path, self.message)


@dataclass(frozen=True)
class Origin:
    """The place where a value of a document is written: file, line and key path.

    `line` is None without a source map, when the file cannot be parsed for
    positions, and when not even the first key of the path is in the file.
    """

    file: str
    line: int | None
    key_path: str


class SourceMap(Protocol):
    """A lookup of where each value of a document in memory is written."""

    def origin(self, key_path: Sequence[Hashable]) -> Origin:
        """Return where the value at `key_path` of the document is written."""
        ...


def locate(
    key_path: Sequence[Hashable], *, file: str, source_map: SourceMap | None
) -> Origin:
    """Return where a value is written, or `file` and no line without a source map."""
    if source_map is None:
        return Origin(file, None, display_key_path(key_path))
    return source_map.origin(key_path)


def located_problem(
    key_path: Sequence[Hashable],
    message: str,
    hint: str,
    *,
    file: str,
    source_map: SourceMap | None,
    severity: Severity = "error",
) -> Problem:
    """Return a problem of the value at `key_path`, with the place `locate` finds."""
    origin = locate(key_path, file=file, source_map=source_map)
    return Problem(
        message,
        hint,
        file=origin.file,
        line=origin.line,
        key_path=origin.key_path,
        severity=severity,
    )


class NanogenError(Exception):
    """Base class of the errors that end a run with a message, not a traceback."""

    exit_code = 1


class InputError(NanogenError):
    """An input file has one or more problems; `problems` lists every one."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def input_error(
    message: str,
    hint: str = "",
    *,
    file: str | None = None,
    line: int | None = None,
    key_path: str = "",
) -> InputError:
    """Build an `InputError` that holds a single problem."""
    return InputError([Problem(message, hint, file=file, line=line, key_path=key_path)])


class TemplateError(NanogenError):
    """A generator template failed to render."""

    def __init__(
        self, template: str, line: int | None, message: str, source_line: str = ""
    ) -> None:
        self.template = template
        self.line = line
        location = template if line is None else f"{template}:{line}"
        text = f"{location}: template failed: {message}"
        if source_line:
            text += f"\n    {source_line.strip()}"
        super().__init__(text)


class GeneratorNotFoundError(NanogenError):
    """No generator of the requested name is installed or on the search path."""

    def __init__(self, name: str, available: Iterable[str]) -> None:
        choices = ", ".join(sorted(available)) or "none"
        super().__init__(
            f"generator {name!r} not found; available generators: {choices}. "
            "Set `target` to one of them or pass --template DIR."
        )


class OutputError(NanogenError):
    """The output tree could not be written; what was on disk is unchanged."""


class InternalError(NanogenError):
    """nanogen produced something invalid: a bug to report, not a user error."""

    exit_code = 3
