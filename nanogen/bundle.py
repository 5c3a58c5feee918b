"""Join an OpenAPI document spread over several files into one document.

Takes the path of a root document: OpenAPI 3.0 or 3.1, or Swagger 2.0, in
YAML or JSON. Hands `split` a `Bundled`, which is one document in memory whose
every `$ref` is internal (`#/...`), plus the files read and the version.

Each `$ref` is resolved relative to the file that contains it, and its target
file is read once. Where the target lands depends on the position of the
`$ref` in the OpenAPI structure:

- Where the specification allows a reference to a component (a schema, a
  parameter, a response, a request body, a header, an example object, a
  link, a callback or a security scheme), the target is added once to the
  components under a name taken from its pointer or its file name, and the
  `$ref` is rewritten to point there. Swagger 2.0 has `definitions`,
  `parameters` and `responses` at the top level instead.
- Anywhere else (an operation, a path item, a `description`, an `x-`
  extension, an example value) the `$ref` object is replaced by its target,
  because real documents put refs there although the specification does not
  allow them.
- A target inside the root document becomes an internal `$ref` to it.

A document without external refs is returned as loaded, without a copy.
Every broken `$ref` in the whole document is reported in one `InputError`.
"""

from __future__ import annotations

import copy
import difflib
import logging
import os
import re
from collections import deque
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from nanogen.errors import (
    InputError,
    Origin,
    Problem,
    Severity,
    display_key_path,
    input_error,
    json_type_name,
)
from nanogen.load import (
    MAX_EXPANDED_VALUES,
    Loaded,
    _check_structure,
    _has_content,
    _load_json,
    _load_yaml,
    _looks_like_json,
    _read_text,
    duplicate_key_problem,
    load_file,
)
from nanogen.schema_keywords import (
    LIST,
    MAP,
    ONE,
    ONE_OR_LIST,
    SUBSCHEMAS_WITH_DEPENDENCIES,
)
from nanogen.spec import HTTP_METHODS

logger = logging.getLogger(__name__)

KeyPath = tuple[Hashable, ...]


@dataclass
class Bundled:
    """An OpenAPI document joined from all its files, with only internal `$ref`s."""

    document: dict[str, Any]
    # The root file as given, and every file read, root first.
    file: str
    files: list[str]
    # The `openapi` or `swagger` value as written: "2.0", "3.0.3", "3.1.0".
    version: str
    warnings: list[Problem] = field(default_factory=list)
    # Where each value of `document` is written, for messages about it.
    source_map: SourceMap | None = None


# --- Positions in an OpenAPI document ---------------------------------------

# A position is a container and the kind of OpenAPI object it contains. The
# container is a shape of `nanogen.schema_keywords`: ONE is a single object,
# MAP a mapping of them by name, status code or media type, LIST a list of
# them, and ONE_OR_LIST either (a schema's `items`).
Position = tuple[str, str]

# Free-form values: `info`, `tags`, `description`, `x-` extensions. A `$ref`
# here is inlined.
_ANY = "any"
# Data that is taken as written: `enum`, `const` and `default`.
_LITERAL = "literal"
# An example value: a `$ref` that is the whole value is inlined as data.
_EXAMPLE = "example"

_DOCUMENT = "document"
_COMPONENTS = "components"
_PATHS = "paths"
_PATH_ITEM = "path item"
_OPERATION = "operation"
_RESPONSES = "responses"
_RESPONSE = "response"
_PARAMETER = "parameter"
_HEADER = "header"
_REQUEST_BODY = "request body"
_MEDIA_TYPE = "media type"
_ENCODING = "encoding"
_EXAMPLE_OBJECT = "example object"
_LINK = "link"
_CALLBACK = "callback"
_SECURITY_SCHEME = "security scheme"
_SCHEMA = "schema"
_DISCRIMINATOR = "discriminator"

_SCHEMA_FIELDS: dict[str, Position] = {
    **SUBSCHEMAS_WITH_DEPENDENCIES.fields(_SCHEMA),
    "discriminator": (ONE, _DISCRIMINATOR),
    "example": (ONE, _EXAMPLE),
    "examples": (LIST, _EXAMPLE),
    **dict.fromkeys(["enum", "const", "default"], (ONE, _LITERAL)),
}

# Parameters and headers share their fields. `items` and `default` are the
# Swagger 2.0 forms of a non-body parameter.
_PARAMETER_FIELDS: dict[str, Position] = {
    "schema": (ONE, _SCHEMA),
    "content": (MAP, _MEDIA_TYPE),
    "example": (ONE, _EXAMPLE),
    "examples": (MAP, _EXAMPLE_OBJECT),
    "items": (ONE, _SCHEMA),
    **dict.fromkeys(["enum", "default"], (ONE, _LITERAL)),
}

# The fields whose values are OpenAPI objects, for each kind of object. Every
# other field is free-form (`_ANY`). The Swagger 2.0 and OpenAPI 3.x fields
# share one table because their names do not collide.
_FIELDS: dict[str, dict[str, Position]] = {
    _DOCUMENT: {
        "paths": (ONE, _PATHS),
        "webhooks": (MAP, _PATH_ITEM),
        "components": (ONE, _COMPONENTS),
        "definitions": (MAP, _SCHEMA),
        "parameters": (MAP, _PARAMETER),
        "responses": (MAP, _RESPONSE),
        "securityDefinitions": (MAP, _SECURITY_SCHEME),
    },
    _COMPONENTS: {
        "schemas": (MAP, _SCHEMA),
        "responses": (MAP, _RESPONSE),
        "parameters": (MAP, _PARAMETER),
        "examples": (MAP, _EXAMPLE_OBJECT),
        "requestBodies": (MAP, _REQUEST_BODY),
        "headers": (MAP, _HEADER),
        "securitySchemes": (MAP, _SECURITY_SCHEME),
        "links": (MAP, _LINK),
        "callbacks": (MAP, _CALLBACK),
        "pathItems": (MAP, _PATH_ITEM),
    },
    _PATH_ITEM: {
        **dict.fromkeys(HTTP_METHODS, (ONE, _OPERATION)),
        "parameters": (LIST, _PARAMETER),
    },
    _OPERATION: {
        "parameters": (LIST, _PARAMETER),
        "requestBody": (ONE, _REQUEST_BODY),
        "responses": (ONE, _RESPONSES),
        "callbacks": (MAP, _CALLBACK),
    },
    _RESPONSE: {
        "headers": (MAP, _HEADER),
        "content": (MAP, _MEDIA_TYPE),
        "links": (MAP, _LINK),
        "schema": (ONE, _SCHEMA),
        "examples": (MAP, _EXAMPLE),
    },
    _PARAMETER: _PARAMETER_FIELDS,
    _HEADER: _PARAMETER_FIELDS,
    _REQUEST_BODY: {"content": (MAP, _MEDIA_TYPE)},
    _MEDIA_TYPE: {
        "schema": (ONE, _SCHEMA),
        "example": (ONE, _EXAMPLE),
        "examples": (MAP, _EXAMPLE_OBJECT),
        "encoding": (MAP, _ENCODING),
    },
    _ENCODING: {"headers": (MAP, _HEADER)},
    _EXAMPLE_OBJECT: {"value": (ONE, _EXAMPLE)},
    _SCHEMA: _SCHEMA_FIELDS,
}

# Objects whose keys are names chosen by the author (paths, status codes,
# callback expressions): each value not under an `x-` key has this position.
_ENTRIES: dict[str, Position] = {
    _PATHS: (ONE, _PATH_ITEM),
    _RESPONSES: (ONE, _RESPONSE),
    _CALLBACK: (ONE, _PATH_ITEM),
}

# The section that stores components of each kind. A path item is always
# inlined, because only OpenAPI 3.1 has a section for path items.
_SECTIONS_3 = {
    _SCHEMA: "schemas",
    _PARAMETER: "parameters",
    _RESPONSE: "responses",
    _REQUEST_BODY: "requestBodies",
    _HEADER: "headers",
    _EXAMPLE_OBJECT: "examples",
    _LINK: "links",
    _CALLBACK: "callbacks",
    _SECURITY_SCHEME: "securitySchemes",
}
_SECTIONS_2 = {
    _SCHEMA: "definitions",
    _PARAMETER: "parameters",
    _RESPONSE: "responses",
}

_DOCUMENT_POSITION: Position = (ONE, _DOCUMENT)
_ANY_POSITION: Position = (ONE, _ANY)
_SCHEMA_POSITION: Position = (ONE, _SCHEMA)


# --- References --------------------------------------------------------------

# A URI scheme (RFC 3986, section 3.1), as in `https:` or `file:`. One letter
# before the colon is taken for a Windows drive, not a scheme.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]+:")
_LIST_INDEX = re.compile(r"0|[1-9][0-9]*")
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Characters that RFC 3986 allows unescaped in a fragment, besides letters,
# digits and `-._~`.
_FRAGMENT_SAFE = "/!$&'()*+,;=:@?"


def _pointer_text(parts: list[str] | tuple[Hashable, ...]) -> str:
    """Write pointer parts as a JSON pointer (RFC 6901) after `#`."""
    return "#" + "".join(
        "/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts
    )


def _pointer_ref(parts: list[str] | tuple[Hashable, ...]) -> str:
    """Write pointer parts as an internal `$ref`, percent-encoded as a URI fragment."""
    return "#" + quote(_pointer_text(parts)[1:], safe=_FRAGMENT_SAFE)


def _looks_like_ref(value: str) -> bool:
    """Tell a discriminator mapping value that is a reference from a schema name."""
    return "#" in value or "/" in value or value.endswith((".yaml", ".yml", ".json"))


@dataclass
class _Source:
    """A file that was read, and the names it goes by."""

    loaded: Loaded
    # The path as written in messages, relative when the input path was.
    display: str
    # The absolute path before symbolic links are followed: refs inside the
    # file are relative to its folder.
    lexical: Path


@dataclass(frozen=True)
class _Target:
    """The value a `$ref` points to: its file, its key path there and the value."""

    source: _Source
    keys: KeyPath
    value: Any


@dataclass(frozen=True)
class _Failure:
    """The reason a `$ref` cannot be followed, as the text after `$ref '...'`."""

    text: str
    hint: str


class _EmptyFileError(Exception):
    pass


def _load_value(path: Path, display: str) -> Loaded:
    """Read a YAML or JSON file whose top level may be any value.

    A referenced file may hold a single string, list or number, as an example
    value or a description does, which `load_file` rejects.
    TODO: move into `nanogen.load` as an option of `load_file`.
    """
    text = _read_text(path, display)
    if not _has_content(text):
        raise _EmptyFileError
    loaded = None
    if path.suffix.lower() == ".json":
        loaded = _load_json(text, display, report_errors=True)
    elif _looks_like_json(text):
        loaded = _load_json(text, display, report_errors=False)
    if loaded is None:
        loaded = _load_yaml(text, display)
    _check_structure(loaded)
    return loaded


def _find_version(loaded: Loaded) -> str:
    """Return the `openapi` or `swagger` value of a document, or raise."""
    data = loaded.data
    for key, accepted in (("openapi", ("3.0", "3.1")), ("swagger", ("2.0",))):
        if key not in data:
            continue
        version = str(data[key])
        if version == "2.0" or version.startswith(tuple(f"{v}." for v in accepted)):
            return version
        raise input_error(
            f"unsupported version {version!r}",
            "nanogen reads OpenAPI 3.0 and 3.1 and Swagger 2.0 documents",
            file=loaded.file,
            line=loaded.line_of((key,)),
            key_path=key,
        )
    raise input_error(
        "not an OpenAPI document: it has no 'openapi' or 'swagger' key",
        "give an OpenAPI 3.0 or 3.1 document or a Swagger 2.0 one",
        file=loaded.file,
        line=1,
    )


def _absolute(path: Path) -> Path:
    """Make a path absolute and drop its `.` and `..` parts, without following links."""
    return Path(os.path.normpath(path.absolute()))


def default_ref_root(path: Path) -> Path:
    """Return the current folder when it contains `path`, else the folder of `path`."""
    cwd = Path.cwd()
    absolute = _absolute(path)
    if absolute.is_relative_to(cwd) or path.resolve().is_relative_to(cwd.resolve()):
        return cwd
    # The folder as written, not with links followed: a file reached through
    # a linked folder must stay inside the root by both its spellings.
    return absolute.parent


# --- Bundling ------------------------------------------------------------------


class _Bundler:
    """Walker over a document and the files it refers to (see the module docstring)."""

    def __init__(self, loaded: Loaded, path: Path, ref_root: Path, version: str):
        self.version = version
        if version == "2.0":
            self.sections, self.section_prefix = _SECTIONS_2, "#/"
        else:
            self.sections, self.section_prefix = _SECTIONS_3, "#/components/"
        self.root_lexical = _absolute(ref_root)
        self.root_real = ref_root.resolve()

        self.root = _Source(loaded, str(path), _absolute(path))
        # Every file read, by its path with symbolic links followed.
        self.sources: dict[Path, _Source] = {path.resolve(): self.root}
        self.failures: dict[Path, _Failure] = {}
        self.opened: dict[tuple[Path, str], _Source | _Failure] = {}
        self.pointers: dict[tuple[int, tuple[str, ...]], _Target | _Failure] = {}

        # Components added so far. `names` maps each target (file, key path and
        # section) to its name, `used` lists the names taken in each section,
        # and `queue` contains the targets whose content is still to be walked.
        self.names: dict[tuple[int, KeyPath, str], str] = {}
        self.used: dict[str, set[str]] = {}
        self.added: dict[str, dict[str, Any]] = {}
        self.queue: deque[tuple[str, str, _Target, Position]] = deque()

        # Inlined values by file, key path and position, and those being walked.
        self.inlined: dict[tuple[int, KeyPath, Position], Any] = {}
        self.inlining: set[tuple[int, KeyPath, Position]] = set()
        self.inlined_sizes: dict[tuple[int, KeyPath, Position], int] = {}
        self.copied_values = 0
        self.copies_over_limit = False
        # The target of each `$ref` object replaced by its target, by the file
        # and key path of the `$ref` object, for `SourceMap`.
        self.inlined_at: dict[tuple[int, KeyPath], tuple[int, KeyPath]] = {}

        self.problems: list[Problem] = []
        self.warnings: list[Problem] = [
            replace(duplicate_key_problem(duplicate, loaded), severity="warning")
            for duplicate in loaded.duplicate_keys
        ]

    def run(self) -> dict[str, Any]:
        """Bundle the document and return it, collecting problems in `self.problems`."""
        self._claim_root_slots()
        document = self._walk(self.root.loaded.data, _DOCUMENT_POSITION, self.root, ())
        while self.queue:
            section, name, target, position = self.queue.popleft()
            self.added[section][name] = self._walk(
                target.value, position, target.source, target.keys
            )
        return self._add_components(document)

    # --- Walking

    def _walk(
        self, node: Any, position: Position, source: _Source, path: KeyPath
    ) -> Any:
        """Return `node` with its refs bundled: the same object when nothing changed."""
        container, kind = position
        if kind == _LITERAL:
            return node
        if container == ONE_OR_LIST:
            container = LIST if isinstance(node, list) else ONE
            position = (container, kind)
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return self._walk_ref(node, ref, position, source, path)
        if kind == _EXAMPLE and container == ONE:
            return node

        if container == MAP:
            if isinstance(node, dict):
                return self._walk_values(node, (ONE, kind), source, path)
        elif container == LIST:
            if isinstance(node, list):
                return self._walk_items(node, (ONE, kind), source, path)
        elif isinstance(node, dict):
            if kind == _DISCRIMINATOR:
                return self._walk_discriminator(node, source, path)
            return self._walk_fields(node, kind, source, path)
        elif isinstance(node, list) and kind == _ANY:
            return self._walk_items(node, _ANY_POSITION, source, path)
        return node

    def _walk_fields(
        self, node: dict[Any, Any], kind: str, source: _Source, path: KeyPath
    ) -> dict[Any, Any]:
        fields = _FIELDS.get(kind, {})
        entries = _ENTRIES.get(kind)
        changed = None
        for key, value in node.items():
            if not isinstance(value, dict | list):
                continue
            position = fields.get(key)
            if position is None:
                extension = isinstance(key, str) and key.startswith("x-")
                position = entries if entries and not extension else _ANY_POSITION
            result = self._walk(value, position, source, (*path, key))
            if result is not value:
                if changed is None:
                    changed = dict(node)
                changed[key] = result
        return node if changed is None else changed

    def _walk_values(
        self, node: dict[Any, Any], position: Position, source: _Source, path: KeyPath
    ) -> dict[Any, Any]:
        changed = None
        for key, value in node.items():
            result = self._walk(value, position, source, (*path, key))
            if result is not value:
                if changed is None:
                    changed = dict(node)
                changed[key] = result
        return node if changed is None else changed

    def _walk_items(
        self, node: list[Any], position: Position, source: _Source, path: KeyPath
    ) -> list[Any]:
        changed = None
        for index, value in enumerate(node):
            result = self._walk(value, position, source, (*path, index))
            if result is not value:
                if changed is None:
                    changed = list(node)
                changed[index] = result
        return node if changed is None else changed

    def _walk_discriminator(
        self, node: dict[Any, Any], source: _Source, path: KeyPath
    ) -> dict[Any, Any]:
        """Rewrite the references among the values of a discriminator's `mapping`.

        A mapping value is either a schema name or a reference to a schema,
        and the target of a reference is bundled like that of a `$ref`.
        """
        mapping = node.get("mapping")
        if not isinstance(mapping, dict):
            return node
        changed = None
        for key, value in mapping.items():
            if not isinstance(value, str) or not _looks_like_ref(value):
                continue
            site = (*path, "mapping", key)
            result = self._walk_ref(
                {"$ref": value}, value, _SCHEMA_POSITION, source, site, site
            )
            new_value = result.get("$ref", value) if isinstance(result, dict) else value
            if new_value != value:
                if changed is None:
                    changed = dict(mapping)
                changed[key] = new_value
        return node if changed is None else {**node, "mapping": changed}

    def _walk_ref(
        self,
        node: dict[Any, Any],
        ref: str,
        position: Position,
        source: _Source,
        path: KeyPath,
        site: KeyPath | None = None,
    ) -> Any:
        """Bundle the target of one `$ref` object and return what replaces it.

        `site` is the key path of the reference string, for messages, and
        defaults to the `$ref` key of `node`.
        """
        if site is None:
            site = (*path, "$ref")
        target = self._locate(ref, source, site)
        if target is None:
            return node

        if target.source is self.root:
            # A ref in the root that names the root file itself is rewritten too.
            internal = source is self.root and ref.startswith("#")
            new_ref = ref if internal else _pointer_ref(target.keys)
            return self._with_ref(node, new_ref, position, source, path)

        container, kind = position
        section = self.sections.get(kind) if container == ONE else None
        if section is not None:
            name = self._component_name(section, target, position)
            new_ref = self.section_prefix + section + "/" + name
            return self._with_ref(node, new_ref, position, source, path)

        content = self._inline(ref, target, position, source, site)
        if content is not None:
            self.inlined_at[(id(source), path)] = (id(target.source), target.keys)
        if content is None or len(node) == 1:
            return node if content is None else content
        siblings = self._walk(
            {k: v for k, v in node.items() if k != "$ref"}, position, source, path
        )
        if isinstance(content, dict):
            # OpenAPI 3.1 lets a `summary` or `description` next to a `$ref`
            # override the one of the target.
            return {**content, **siblings}
        self.warnings.append(
            self._problem(
                source,
                site,
                f"$ref {ref!r} points to {json_type_name(content)}, so the keys next "
                f"to it ({', '.join(map(str, siblings))}) are dropped",
                "remove those keys, or point the $ref at a mapping",
                severity="warning",
            )
        )
        return content

    def _with_ref(
        self,
        node: dict[Any, Any],
        new_ref: str,
        position: Position,
        source: _Source,
        path: KeyPath,
    ) -> dict[Any, Any]:
        """Return the `$ref` object with `new_ref` and its sibling keys bundled."""
        if len(node) == 1:
            return node if node["$ref"] == new_ref else {"$ref": new_ref}
        siblings = self._walk(
            {k: v for k, v in node.items() if k != "$ref"}, position, source, path
        )
        if new_ref == node["$ref"] and all(siblings[k] is node[k] for k in siblings):
            return node
        return {key: new_ref if key == "$ref" else siblings[key] for key in node}

    def _inline(
        self,
        ref: str,
        target: _Target,
        position: Position,
        source: _Source,
        site: KeyPath,
    ) -> Any:
        """Return the bundled value of a target that replaces its `$ref` object."""
        key = (id(target.source), target.keys, position)
        if key in self.inlined:
            return self._copy_inlined(key, ref, source, site)
        if key in self.inlining:
            # NOTE: a recursive schema reached from a free-form place, such as
            # an `x-` extension, is inlined too and ends here.
            self.problems.append(
                self._problem(
                    source,
                    site,
                    f"$ref {ref!r} is circular, and its position in the document "
                    "needs the value itself, not a reference to it",
                    "break the cycle, or move the repeated part into components",
                )
            )
            return None
        self.inlining.add(key)
        try:
            content = self._walk(target.value, position, target.source, target.keys)
        finally:
            self.inlining.discard(key)
        self.inlined[key] = content
        return content

    def _copy_inlined(
        self,
        key: tuple[int, KeyPath, Position],
        ref: str,
        source: _Source,
        site: KeyPath,
    ) -> Any:
        """Return a copy of a value already inlined elsewhere, within a size limit.

        The copy keeps a change to one place of the document from changing
        another. The limit stops files that inline each other many times over
        from growing the document exponentially, as YAML aliases can.
        """
        content = self.inlined[key]
        size = self.inlined_sizes.get(key)
        if size is None:
            size = _count_values(content)
            self.inlined_sizes[key] = size
        self.copied_values += size
        if self.copied_values <= MAX_EXPANDED_VALUES:
            return copy.deepcopy(content)
        if not self.copies_over_limit:
            self.copies_over_limit = True
            self.problems.append(
                self._problem(
                    source,
                    site,
                    f"inlining $ref {ref!r} makes the inlined copies exceed "
                    f"{MAX_EXPANDED_VALUES:,} values in all",
                    "move the repeated parts into components, where they are "
                    "stored once",
                )
            )
        return None

    # --- Components

    def _component_name(self, section: str, target: _Target, position: Position) -> str:
        """Return the component name of a target, adding it when it is new."""
        key = (id(target.source), target.keys, section)
        name = self.names.get(key)
        if name is not None:
            return name

        keys = target.keys
        if not keys:
            base = Path(target.source.display).stem
        elif isinstance(keys[-1], int):
            # A list item, as in `#/allOf/0`, is named with its list: `allOf_0`.
            parent = keys[-2] if len(keys) > 1 else Path(target.source.display).stem
            base = f"{parent}_{keys[-1]}"
        else:
            base = str(keys[-1])
        # Component names may contain only letters, digits, `.`, `-` and `_`.
        base = _NAME_UNSAFE.sub("_", base).strip("_") or "component"
        used = self._used_names(section)
        name, number = base, 2
        while name in used:
            name, number = f"{base}_{number}", number + 1
        self._claim(section, name, key, target, position)
        return name

    def _claim(
        self,
        section: str,
        name: str,
        key: tuple[int, KeyPath, str],
        target: _Target,
        position: Position,
    ) -> None:
        self._used_names(section).add(name)
        self.names[key] = name
        self.added.setdefault(section, {})[name] = None
        self.queue.append((section, name, target, position))

    def _used_names(self, section: str) -> set[str]:
        used = self.used.get(section)
        if used is None:
            used = {str(name) for name in self._root_section(section)}
            self.used[section] = used
        return used

    def _root_section(self, section: str) -> dict[Any, Any]:
        data = self.root.loaded.data
        if self.version != "2.0":
            data = data.get("components")
            if not isinstance(data, dict):
                return {}
        entries = data.get(section)
        return entries if isinstance(entries, dict) else {}

    def _claim_root_slots(self) -> None:
        """Fill a root component that is only a `$ref` to a file with the target itself.

        Without this, `components.schemas.Pet: {$ref: pet.yaml}` would become
        a `$ref` to a second schema `Pet_2` that contains the content.
        """
        for kind, section in self.sections.items():
            for name, value in self._root_section(section).items():
                if not (isinstance(value, dict) and len(value) == 1):
                    continue
                ref = value.get("$ref")
                if not isinstance(ref, str) or ref.startswith("#"):
                    continue
                target = self._locate(ref, self.root, (), report=False)
                if target is None or target.source is self.root:
                    continue
                key = (id(target.source), target.keys, section)
                if key not in self.names:
                    self._claim(section, str(name), key, target, (ONE, kind))

    def _add_components(self, document: dict[str, Any]) -> dict[str, Any]:
        if not self.added:
            return document
        document = dict(document)
        if self.version == "2.0":
            parent = document
        else:
            components = document.get("components")
            parent = dict(components) if isinstance(components, dict) else {}
            document["components"] = parent
        for section, entries in self.added.items():
            existing = parent.get(section)
            parent[section] = {
                **(existing if isinstance(existing, dict) else {}),
                **entries,
            }
        return document

    # --- Resolving a reference

    def _locate(
        self, ref: str, source: _Source, site: KeyPath, *, report: bool = True
    ) -> _Target | None:
        """Find the target of a `$ref`, or record why it has none and return None."""
        # NOTE: an OpenAPI 3.1 schema's `$id` does not change the base of the
        # refs inside it. They are always relative to the file.
        location, _, fragment = ref.partition("#")
        result: _Source | _Target | _Failure
        if _SCHEME.match(location) or location.startswith("//"):
            result = _Failure(
                "is a remote reference, and remote references are not fetched",
                "download the file and refer to it by a relative path",
            )
        elif fragment and not unquote(fragment).startswith("/"):
            result = _Failure(
                "has a fragment that is not a JSON pointer",
                f"start the part after '#' with '/', as in '{location}#/{fragment}'",
            )
        else:
            result = self._open(location, source) if location else source
        if isinstance(result, _Source):
            result = self._resolve(result, location, fragment)
        if isinstance(result, _Target):
            return result
        if report and isinstance(result, _Failure):
            self.problems.append(
                self._problem(source, site, f"$ref {ref!r} {result.text}", result.hint)
            )
        return None

    def _open(self, location: str, source: _Source) -> _Source | _Failure:
        """Return the file a `$ref` location names, read once for the whole run."""
        cache_key = (source.lexical.parent, location)
        opened = self.opened.get(cache_key)
        if opened is None:
            opened = self._open_uncached(unquote(location), source)
            self.opened[cache_key] = opened
        return opened

    def _open_uncached(self, location: str, source: _Source) -> _Source | _Failure:
        lexical = Path(os.path.normpath(source.lexical.parent / location))
        display = os.path.normpath(Path(source.display).parent / location)
        try:
            real = self._real_path(lexical)
            if isinstance(real, _Failure):
                return real
            known = self.sources.get(real) or self.failures.get(real)
            if known is not None:
                return known
            loaded = _read_file(real, lexical, display)
        except RecursionError:
            raise
        except (OSError, ValueError, RuntimeError) as error:
            # A NUL byte, a name too long for the file system or a loop of
            # symbolic links.
            reason = error.strerror if isinstance(error, OSError) else None
            return _Failure(
                f"points to an unusable path: {reason or error}",
                "write a relative path to a YAML or JSON file",
            )
        if isinstance(loaded, _Failure):
            self.failures[real] = loaded
            return loaded

        opened = _Source(loaded, display, lexical)
        self.sources[real] = opened
        self.warnings.extend(
            replace(duplicate_key_problem(duplicate, loaded), severity="warning")
            for duplicate in loaded.duplicate_keys
        )
        return opened

    def _real_path(self, lexical: Path) -> Path | _Failure:
        """Follow the symbolic links of a path that must be inside the ref root."""
        hint = (
            "move the file into the ref root, "
            "or set --ref-root to a folder that contains both files"
        )
        if not (
            lexical.is_relative_to(self.root_lexical)
            or lexical.is_relative_to(self.root_real)
        ):
            return _Failure(
                f"points to {lexical}, outside the ref root {self.root_lexical}",
                hint,
            )
        real = lexical.resolve()
        if not real.is_relative_to(self.root_real):
            return _Failure(
                f"leads through a symbolic link to {real}, "
                f"outside the ref root {self.root_real}",
                hint,
            )
        return real

    def _resolve(
        self, source: _Source, location: str, fragment: str
    ) -> _Target | _Failure:
        """Follow a JSON pointer (RFC 6901) through the data of a file."""
        text = unquote(fragment)
        parts = tuple(
            part.replace("~1", "/").replace("~0", "~") for part in text.split("/")[1:]
        )
        cache_key = (id(source), parts)
        resolved = self.pointers.get(cache_key)
        if resolved is None:
            resolved = _follow_pointer(source, location, parts)
            self.pointers[cache_key] = resolved
        return resolved

    def _problem(
        self,
        source: _Source,
        site: KeyPath,
        message: str,
        hint: str,
        *,
        severity: Severity = "error",
    ) -> Problem:
        """Build a problem about the reference string at key path `site`."""
        loaded = source.loaded
        key_path = site[:-1] if site[-1:] == ("$ref",) else site
        return Problem(
            message,
            hint,
            file=source.display,
            line=loaded.line_of(site),
            key_path=display_key_path(_document_keys(loaded.data, key_path)),
            severity=severity,
        )

    def source_map(self, document: dict[str, Any]) -> SourceMap:
        """Return the source map of `document`, the result of `run`."""
        numbers = {
            id(source): number for number, source in enumerate(self.sources.values())
        }
        prefix: KeyPath = () if self.version == "2.0" else ("components",)
        components = {
            (*prefix, section, name): (numbers[source_id], keys)
            for (source_id, keys, section), name in self.names.items()
        }
        inlined_at = {
            (numbers[source_id], keys): (numbers[target_id], target_keys)
            for (source_id, keys), (target_id, target_keys) in self.inlined_at.items()
        }
        files = [
            (_without_positions(source.loaded), source.display)
            for source in self.sources.values()
        ]
        return SourceMap(document, files, components, inlined_at)


def _read_file(real: Path, lexical: Path, display: str) -> Loaded | _Failure:
    """Load a referenced file, or describe why it cannot be loaded."""
    if real.is_dir():
        return _Failure(
            f"points to a folder, not a file: {display}", "name a YAML or JSON file"
        )
    if not real.exists():
        return _Failure(
            f"points to a missing file: {display}", _missing_file_hint(lexical)
        )
    if not real.is_file():
        # Reading a FIFO or a device could block or never end.
        return _Failure(
            f"points to something that is not a regular file: {display}",
            "name a YAML or JSON file",
        )
    try:
        return _load_value(real, display)
    except _EmptyFileError:
        return _Failure(
            f"points to an empty file: {display}",
            "write the referenced value into the file, or remove the $ref",
        )
    except InputError as error:
        problem = error.problems[0]
        where = (
            problem.file if problem.line is None else f"{problem.file}:{problem.line}"
        )
        return _Failure(
            f"points to a file that cannot be loaded: {where}: {problem.message}",
            problem.hint,
        )


def _follow_pointer(
    source: _Source, location: str, parts: tuple[str, ...]
) -> _Target | _Failure:
    value = source.loaded.data
    keys: list[Hashable] = []
    for index, part in enumerate(parts):
        key: Hashable = part
        if isinstance(value, dict):
            if part not in value:
                # YAML reads an unquoted `200:` as the number 200.
                key = next(
                    (k for k in value if not isinstance(k, str) and str(k) == part),
                    None,
                )
        elif isinstance(value, list):
            fits = _LIST_INDEX.fullmatch(part) and int(part) < len(value)
            key = int(part) if fits else None
        else:
            key = None
        if key is None:
            return _missing_pointer(source, location, parts, index, value)
        keys.append(key)
        value = value[key]
    return _Target(source, tuple(keys), value)


def _missing_pointer(
    source: _Source, location: str, parts: tuple[str, ...], index: int, parent: Any
) -> _Failure:
    """Describe a pointer whose part `index` is not found in `parent`."""
    missing = _pointer_text(parts[: index + 1])
    where = _pointer_text(parts[:index])
    text = f"points to a missing value: {source.display} has no {missing!r}"
    if isinstance(parent, dict) and parent:
        names = [str(name) for name in parent]
        close = difflib.get_close_matches(parts[index], names, n=1)
        if close:
            fixed = location + _pointer_text(
                (*parts[:index], close[0], *parts[index + 1 :])
            )
            return _Failure(text, f"did you mean {fixed!r}?")
        listed = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        return _Failure(text, f"point to one of the keys under {where!r}: {listed}")
    if isinstance(parent, list) and parent:
        return _Failure(
            text,
            f"{where!r} is a list of {len(parent)} items, so use an index from 0 "
            f"to {len(parent) - 1}",
        )
    return _Failure(
        text, f"{where!r} is {_empty_or_type(parent)}, so end the pointer there"
    )


def _count_values(value: Any) -> int:
    """Count the mappings, lists and scalars in a value."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _empty_or_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an empty mapping"
    if isinstance(value, list):
        return "an empty list"
    return json_type_name(value)


def _missing_file_hint(lexical: Path) -> str:
    try:
        siblings = sorted(path.name for path in lexical.parent.iterdir())
    except OSError:
        siblings = []
    close = difflib.get_close_matches(lexical.name, siblings, n=1)
    if close:
        return (
            f"did you mean {close[0]!r}? "
            "The path is relative to the file that contains the $ref"
        )
    return "check the path, which is relative to the file that contains the $ref"


# --- Where each value of the bundled document is written -------------------

# The maximum number of `$ref`s that `SourceMap.origin` follows for one key path.
_MAX_ORIGIN_REFS = 100


class SourceMap:
    """The file, line and key path where each value of a bundled document is written.

    `origin` takes key paths of the bundled document as the later stages
    report them. A path may go on past an internal `$ref`, as a validator
    that follows it does, and its keys may be the strings that keys such as
    200 became. A component that came from another file is found in that
    file, and so is the target of a `$ref` that bundling replaced by its
    target. The files' texts are kept and parsed again for positions when
    the first line of each is looked up, because their node trees take much
    more memory than the texts.
    """

    def __init__(
        self,
        document: Any,
        files: list[tuple[Loaded, str]],
        components: dict[KeyPath, tuple[int, KeyPath]],
        inlined_at: dict[tuple[int, KeyPath], tuple[int, KeyPath]],
    ) -> None:
        # `files` lists each file read and its name in messages, the root
        # first; the other arguments name a file by its index there.
        self.document = document
        self.files = files
        self.components = components
        self.inlined_at = inlined_at

    @classmethod
    def for_file(cls, loaded: Loaded) -> SourceMap:
        """Return the source map of a document read from one file."""
        return cls(loaded.data, [(loaded, loaded.file)], {}, {})

    def origin(self, key_path: Sequence[Hashable]) -> Origin:
        """Return where the value at `key_path` of the bundled document is written.

        Where the path leaves what the file contains, as for a key that a
        conversion added, the line is that of the last key found, and the
        parts not found are appended to the key path as given.
        """
        path = tuple(key_path)
        for _ in range(_MAX_ORIGIN_REFS):
            followed = self._follow(path)
            if isinstance(followed, Origin):
                return followed
            path = followed
        return Origin(self.files[0][1], None, display_key_path(key_path))

    def _follow(self, path: KeyPath) -> Origin | KeyPath:
        """Walk `path` in the bundled document and in the files side by side.

        Returns where the value is written, or the path to walk instead when
        the walk reaches an internal `$ref` that `path` goes past.
        """
        number, keys, index = self._start(path)
        value = _value_at(self.files[number][0].data, keys)
        bundled = _value_at(self.document, path[:index])
        switches = 0
        while index < len(path):
            part = path[index]
            ref = bundled.get("$ref") if isinstance(bundled, dict) else None
            if isinstance(ref, str) and _find_key(bundled, part) is _MISSING:
                target = _internal_keys(self.document, ref)
                if target is None:
                    break
                return (*target, *path[index:])
            inlined = self.inlined_at.get((number, keys))
            if (
                inlined is not None
                and switches < _MAX_ORIGIN_REFS
                and _find_key(value, part) is _MISSING
            ):
                number, keys = inlined
                value = _value_at(self.files[number][0].data, keys)
                switches += 1
                continue
            key = _find_key(value, part)
            if key is _MISSING:
                break
            keys = (*keys, key)
            value = value[key]
            bundled_key = _find_key(bundled, part)
            bundled = _MISSING if bundled_key is _MISSING else bundled[bundled_key]
            index += 1
        return self._origin(number, keys, path[index:])

    def _start(self, path: KeyPath) -> tuple[int, KeyPath, int]:
        """Return the file and key path where `path` starts, and the parts used."""
        for length in (3, 2):
            found = self.components.get(path[:length])
            if found is not None:
                return (*found, length)
        return 0, (), 0

    def _origin(self, number: int, keys: KeyPath, rest: KeyPath) -> Origin:
        loaded, display = self.files[number]
        # A value that is not found in the root file has no line there, and
        # the line of the root mapping would point nowhere useful.
        line = loaded.line_of(keys) if keys or number else None
        parts = [*_document_keys(loaded.data, keys), *rest]
        return Origin(display, line, display_key_path(parts))


class _Missing:
    pass


_MISSING: Any = _Missing()


def _value_at(data: Any, keys: KeyPath) -> Any:
    for key in keys:
        found = _find_key(data, key)
        if found is _MISSING:
            return _MISSING
        data = data[found]
    return data


def _find_key(container: Any, part: Hashable) -> Any:
    """Return the key or index of `container` that `part` names, or `_MISSING`.

    `part` may be the text of a key that is not a string (`"200"` for the
    key 200), or the number that a validator made of such a text.
    """
    if isinstance(container, dict):
        # True == 1, so a bool part is looked up by its text only.
        if part in container and not isinstance(part, bool):
            return part
        text = _key_text(part)
        if text in container:
            return text
        for key in container:
            if not isinstance(key, str) and _key_text(key) == text:
                return key
        return _MISSING
    if isinstance(container, list):
        if isinstance(part, int) and not isinstance(part, bool):
            index = part
        elif isinstance(part, str) and _LIST_INDEX.fullmatch(part):
            index = int(part)
        else:
            return _MISSING
        return index if 0 <= index < len(container) else _MISSING
    return _MISSING


def _key_text(key: Hashable) -> str:
    """Return the text that JSON writes for a key: 200 as "200", true as "true"."""
    if isinstance(key, bool):
        return str(key).lower()
    if key is None:
        return "null"
    return str(key)


def _internal_keys(document: Any, ref: str) -> KeyPath | None:
    """Return the key path that an internal `$ref` points to, or None."""
    if not ref.startswith("#"):
        return None
    pointer = unquote(ref[1:])
    if not pointer:
        return ()
    if not pointer.startswith("/"):
        return None
    keys: list[Hashable] = []
    value = document
    for text in pointer[1:].split("/"):
        key = _find_key(value, text.replace("~1", "/").replace("~0", "~"))
        if key is _MISSING:
            return None
        keys.append(key)
        value = value[key]
    return tuple(keys)


def _document_keys(data: Any, keys: Sequence[Hashable]) -> list[Hashable]:
    """Return key path parts for `display_key_path`: a key that is an int as text.

    `display_key_path` writes an int as a list index, so the key 200 of a
    mapping, which YAML reads from an unquoted `200:`, is passed as "200".
    """
    parts: list[Hashable] = []
    for key in keys:
        if (
            isinstance(data, dict)
            and isinstance(key, int)
            and not isinstance(key, bool)
        ):
            parts.append(str(key))
        else:
            parts.append(key)
        found = _find_key(data, key) if isinstance(data, dict | list) else _MISSING
        data = None if found is _MISSING else data[found]
    return parts


def _without_positions(loaded: Loaded) -> Loaded:
    """Return a `Loaded` of the same data that parses its text for positions when asked."""
    if loaded.text is None:
        return loaded
    return Loaded(loaded.data, loaded.file, text=loaded.text)


def bundle_document(path: Path, *, ref_root: Path | None = None) -> Bundled:
    """Read an OpenAPI document and every file its `$ref`s reach into one document.

    `ref_root` is the folder that every referenced file must be inside, by
    its path with symbolic links followed. It defaults to `default_ref_root`.

    Raises:
        InputError: the root file cannot be read or is not an OpenAPI 2.0,
            3.0 or 3.1 document, or lists every `$ref` that cannot be
            followed: remote, outside the ref root, a missing or unreadable
            file, a missing pointer, or a cycle where a value must be inlined.
    """
    path = Path(path)
    loaded = load_file(path)
    version = _find_version(loaded)

    if ref_root is None:
        ref_root = default_ref_root(path)
    elif not Path(ref_root).is_dir():
        raise input_error(
            f"the ref root {str(ref_root)!r} is not a folder",
            "give an existing folder that contains the input file",
            file=str(path),
        )
    elif not path.resolve().is_relative_to(Path(ref_root).resolve()):
        raise input_error(
            f"the file is outside the ref root {Path(ref_root).resolve()}",
            "choose a ref root that contains the input file",
            file=str(path),
        )

    bundler = _Bundler(loaded, path, Path(ref_root), version)
    try:
        document = bundler.run()
    except RecursionError:
        raise input_error(
            "the references nest too deep to bundle",
            "check the document for a very long chain of $refs",
            file=str(path),
        ) from None
    if bundler.problems:
        raise InputError(bundler.problems)

    files = [source.display for source in bundler.sources.values()]
    logger.debug("bundled %s from %d files", path, len(files))
    return Bundled(
        document,
        str(path),
        files,
        version,
        bundler.warnings,
        bundler.source_map(document),
    )
