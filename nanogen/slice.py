"""Split an OpenAPI document into one self-contained document per operation.

Takes an OpenAPI 3.0 or 3.1 document whose every `$ref` is internal: the
output of `nanogen.bundle`, converted by `nanogen.convert` when it was
Swagger 2.0. Hands the split command one `SlicedOperation` per operation
under `paths` and per operation of a 3.1 webhook, in document order. Each
contains a service and a capability name that pass the capability-list
naming rules, and its OpenAPI document as a dict and as YAML text.

A document holds the one operation, with the path item's parameters merged
into it, and exactly the components that the operation reaches through
`$ref`s, discriminator mappings and security requirements. `max_depth` keeps
only the schemas within that many references and replaces each deeper
reference by a schema that accepts any value. docs/split.md gives every rule.

The input is not changed. The documents share the input's values, so a
caller that changes a document changes the input too.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import re
import unicodedata
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Literal
from urllib.parse import quote, unquote

import yaml

from nanogen.emit import YAML_12_NON_STRING, DocumentDumper
from nanogen.errors import (
    InputError,
    Problem,
    Severity,
    SourceMap,
    display_key_path,
    input_error,
    located_problem,
)
from nanogen.schema_keywords import (
    LIST,
    MAP,
    ONE,
    ONE_OR_LIST,
    SUBSCHEMAS_WITH_DEPENDENCIES,
)
from nanogen.spec import HTTP_METHODS, ServiceNames, snake_case
from nanogen.validate import NAME_MAX_LENGTH, is_taken_package, is_valid_name

logger = logging.getLogger(__name__)

GroupBy = Literal["tag", "path", "none"]
OperationKind = Literal["operation", "webhook"]
KeyPath = tuple[Hashable, ...]

METHODS = HTTP_METHODS

# The sections of `components` in the order of the OpenAPI specification,
# which is the order in which each document writes them.
COMPONENT_SECTIONS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "pathItems",
)

# The path-item fields that a document keeps next to its one operation.
# `parameters` is merged into the operation, and the other methods are left out.
_PATH_ITEM_KEPT = ("summary", "description", "servers")

# Top-level fields that every document of a split copies as they are.
_SHARED_FIELDS = ("jsonSchemaDialect", "servers", "externalDocs")

# A path segment that names an API version, not a resource: `v1`,
# `v2beta1`, `1.0`, `2010-04-01`.
_VERSION_SEGMENT = re.compile(
    r"v\d+(\.\d+)*((alpha|beta|rc|preview)\d*)?|\d+([._-]\d+)*", re.IGNORECASE
)
# Path segments that many documents put before their resources (`/api/v1/...`,
# Kubernetes' `/apis/apps/v1/...`), so they do not name a resource either.
_GENERIC_SEGMENTS = frozenset({"api", "apis"})
# A format suffix glued to a path segment, as in `/Accounts.json`.
_FORMAT_SUFFIX = re.compile(r"\.(json|xml|ya?ml|csv|txt|html)\Z", re.IGNORECASE)

# The service name when neither a tag, a path segment nor a title gives one.
DEFAULT_SERVICE = "api"
# The word added to a name that is a reserved word (at the end) or that
# starts with a digit (in front): `delete` -> `delete-op`, `3d-secure` ->
# `api-3d-secure`.
_SERVICE_FIX = "api"
_CAPABILITY_FIX = "op"
# Hex digits of the SHA-256 of a name that is cut to the length limit.
_HASH_LENGTH = 8


# --- Results ----------------------------------------------------------------


@dataclass(frozen=True)
class SlicedOperation(ServiceNames):
    """One operation of the input, as its own nanoservice and OpenAPI document.

    `document` shares its values with the input document. `text` is built
    from pieces that the operations of one split share, on each access.
    """

    service: str
    capability: str
    method: str
    # The route in `document`: the input's path, or `/webhooks/<name>`.
    path: str
    operation_id: str | None
    kind: OperationKind
    document: dict[str, Any]
    # Each `$ref` that `max_depth` replaced, as written, sorted.
    cut: list[str]
    # The key path of the operation in the input: `paths["/pets"].get`.
    source: str
    # The size of `text` in bytes of UTF-8.
    size: int
    webhook: str | None = None
    pieces: tuple[str, ...] = field(default=(), repr=False, compare=False)

    @property
    def text(self) -> str:
        """The document as YAML text, headed by a generated-file comment."""
        return "".join(self.pieces)


@dataclass
class SliceResult:
    """Every operation of a document, sliced, and what the slicing warns about."""

    operations: list[SlicedOperation]
    warnings: list[Problem] = field(default_factory=list)


# --- YAML text --------------------------------------------------------------


class _Dumper(DocumentDumper):
    """The dumper of `nanogen.emit`, writing text with line breaks as a block.

    Pieces dumped one by one are joined into one YAML text, and PyYAML
    rejects an anchor name that occurs twice in one text, so no value is
    ever written as an alias.
    """

    def represent_text(self, data: str) -> yaml.ScalarNode:
        if "\n" in data and not YAML_12_NON_STRING.fullmatch(data):
            # A literal block reads best and costs the fewest bytes. The
            # emitter falls back to a quoted style where a block cannot hold
            # the text exactly (trailing spaces, control characters).
            return self.represent_scalar("tag:yaml.org,2002:str", data, style="|")
        return super().represent_text(data)


_Dumper.add_representer(str, _Dumper.represent_text)


def _dump(value: dict[Any, Any], indent: int = 0) -> str:
    """Dump a mapping as block YAML, every non-empty line shifted by `indent`."""
    text: str = yaml.dump(
        value,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=4096,
        default_flow_style=False,
    )
    if indent:
        # Only lines split at "\n" are shifted, because the dumper escapes every
        # other line break. A line of spaces inside a block scalar is content,
        # so it is shifted too, and an empty line means the same at any
        # indentation.
        text = re.sub(r"(?m)^(?=.)", " " * indent, text)
    return text


def _comment_text(text: str) -> str:
    """Escape what could end a YAML comment line early."""
    return "".join(
        char if char.isprintable() else char.encode("unicode_escape").decode()
        for char in text
    )


# --- JSON pointers ----------------------------------------------------------


def _pointer_parts(ref: str) -> list[str]:
    """Split an internal `$ref` (`#/components/schemas/Pet`) into its keys."""
    pointer = unquote(ref[1:])
    if not pointer:
        return []
    return [
        part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]
    ]


def _follow_pointer(document: Any, parts: list[str]) -> Any:
    """Return the value at `parts`, or raise `LookupError`."""
    value = document
    for part in parts:
        if isinstance(value, dict):
            if part in value:
                value = value[part]
                continue
            # YAML reads an unquoted `200:` as the number 200.
            matches = [key for key in value if str(key) == part]
            if not matches:
                raise LookupError(part)
            value = value[matches[0]]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise LookupError(part)
    return value


def _escape_key(key: Hashable) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _is_extension(key: Hashable) -> bool:
    return isinstance(key, str) and key.startswith("x-")


# --- Walking OpenAPI objects ------------------------------------------------

# The kinds of OpenAPI object that can contain a `$ref`.
_SCHEMA = "schema"
_PARAMETER = "parameter"
_HEADER = "header"
_REQUEST_BODY = "request body"
_RESPONSE = "response"
_MEDIA_TYPE = "media type"
_ENCODING = "encoding"
_EXAMPLE = "example"
_LINK = "link"
_CALLBACK = "callback"
_PATH_ITEM = "path item"
_OPERATION = "operation"
_SECURITY_SCHEME = "security scheme"

_SECTION_KINDS = {
    "schemas": _SCHEMA,
    "responses": _RESPONSE,
    "parameters": _PARAMETER,
    "examples": _EXAMPLE,
    "requestBodies": _REQUEST_BODY,
    "headers": _HEADER,
    "securitySchemes": _SECURITY_SCHEME,
    "links": _LINK,
    "callbacks": _CALLBACK,
    "pathItems": _PATH_ITEM,
}

# The shape of a field's value: one of the shapes of `nanogen.schema_keywords`,
# or a mapping whose `x-` keys are extensions and not names.
_MAP_WITH_EXTENSIONS = "map with extensions"

_Field = tuple[str, str]

_SCHEMA_FIELDS: dict[str, _Field] = SUBSCHEMAS_WITH_DEPENDENCIES.fields(_SCHEMA)
# Every other keyword of a schema (`enum`, `const`, `default`, `example`,
# `examples`, `x-` extensions) is data, and a `$ref` inside it is not followed.

_PARAMETER_FIELDS: dict[str, _Field] = {
    "schema": (ONE, _SCHEMA),
    "content": (MAP, _MEDIA_TYPE),
    "examples": (MAP, _EXAMPLE),
}
_FIELDS: dict[str, dict[str, _Field]] = {
    _SCHEMA: _SCHEMA_FIELDS,
    _PARAMETER: _PARAMETER_FIELDS,
    _HEADER: _PARAMETER_FIELDS,
    _REQUEST_BODY: {"content": (MAP, _MEDIA_TYPE)},
    _MEDIA_TYPE: {
        "schema": (ONE, _SCHEMA),
        "examples": (MAP, _EXAMPLE),
        "encoding": (MAP, _ENCODING),
    },
    _ENCODING: {"headers": (MAP, _HEADER)},
    _RESPONSE: {
        "headers": (MAP, _HEADER),
        "content": (MAP, _MEDIA_TYPE),
        "links": (MAP, _LINK),
    },
    _PATH_ITEM: {
        "parameters": (LIST, _PARAMETER),
        **{method: (ONE, _OPERATION) for method in METHODS},
    },
    _OPERATION: {
        "parameters": (LIST, _PARAMETER),
        "requestBody": (ONE, _REQUEST_BODY),
        "responses": (_MAP_WITH_EXTENSIONS, _RESPONSE),
        "callbacks": (MAP, _CALLBACK),
    },
    # An example's `value`, a link's `parameters` and a security scheme's
    # flows are data, so only a `$ref` to the whole object is followed.
    # NOTE: a link's `operationRef` is a JSON pointer, not a `$ref`, and stays
    # as written even when it points to an operation the document leaves out.
    _EXAMPLE: {},
    _LINK: {},
    _SECURITY_SCHEME: {},
}


class _Walker:
    """Walk an OpenAPI object by its kind and let hooks replace parts of it.

    A value that no hook changes is returned as it is. A changed value is a
    new container that shares the unchanged parts, so the input is never
    modified.
    """

    def on_ref(self, value: dict[str, Any], ref: str, kind: str, path: KeyPath) -> Any:
        """Return `value`, or what replaces this Reference Object."""
        return value

    def keep_mapping(self, target: str, path: KeyPath) -> bool:
        """Tell whether a discriminator mapping value stays."""
        return True

    def on_required(self, required: list[Any], path: KeyPath) -> list[Any]:
        """Return `required`, or the list that replaces it."""
        return required

    def walk(self, value: Any, kind: str, path: KeyPath) -> Any:
        if not isinstance(value, dict):
            return value

        ref = value.get("$ref")
        if isinstance(ref, str):
            replaced = self.on_ref(value, ref, kind, path)
            if replaced is not value:
                return replaced
            # A Reference Object has nothing else to walk, but a schema or a
            # path item may have fields next to its `$ref`.
            if kind not in (_SCHEMA, _PATH_ITEM):
                return value

        changes: dict[Hashable, Any] = {}
        if kind == _CALLBACK:
            for key, item in value.items():
                if not _is_extension(key):
                    new = self.walk(item, _PATH_ITEM, (*path, key))
                    if new is not item:
                        changes[key] = new
        else:
            fields = _FIELDS[kind]
            for key, child in value.items():
                spec = fields.get(key) if isinstance(key, str) else None
                if spec is not None:
                    new = self._walk_field(child, spec, (*path, key))
                    if new is not child:
                        changes[key] = new
            if kind == _SCHEMA:
                self._walk_schema_lists(value, changes, path)

        if not changes:
            return value
        return {key: changes.get(key, item) for key, item in value.items()}

    def _walk_field(self, value: Any, spec: _Field, path: KeyPath) -> Any:
        shape, kind = spec
        if shape == ONE_OR_LIST:
            shape = LIST if isinstance(value, list) else ONE
        if shape == ONE:
            return self.walk(value, kind, path)

        if shape == LIST:
            if not isinstance(value, list):
                return value
            items = [self.walk(item, kind, (*path, i)) for i, item in enumerate(value)]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return items

        if not isinstance(value, dict):
            return value
        changes = {}
        for key, item in value.items():
            if shape == _MAP_WITH_EXTENSIONS and _is_extension(key):
                continue
            new = self.walk(item, kind, (*path, key))
            if new is not item:
                changes[key] = new
        if not changes:
            return value
        return {key: changes.get(key, item) for key, item in value.items()}

    def _walk_schema_lists(
        self, schema: dict[str, Any], changes: dict[Hashable, Any], path: KeyPath
    ) -> None:
        """Pass a schema's discriminator mapping and `required` list to the hooks."""
        discriminator = schema.get("discriminator")
        mapping = (
            discriminator.get("mapping") if isinstance(discriminator, dict) else None
        )
        if isinstance(discriminator, dict) and isinstance(mapping, dict):
            mapping_path = (*path, "discriminator", "mapping")
            kept = {
                key: target
                for key, target in mapping.items()
                if not isinstance(target, str)
                or self.keep_mapping(target, (*mapping_path, key))
            }
            if len(kept) != len(mapping):
                new = {
                    key: item for key, item in discriminator.items() if key != "mapping"
                }
                if kept:
                    new["mapping"] = kept
                changes["discriminator"] = new

        required = schema.get("required")
        if isinstance(required, list):
            new_required = self.on_required(required, (*path, "required"))
            if new_required is not required:
                changes["required"] = new_required


# --- The component graph ----------------------------------------------------


class _Components:
    """The components of the input, numbered in the order documents list them."""

    def __init__(self, document: dict[str, Any], problems: _Problems):
        self.document = document
        self.keys: list[tuple[str, Hashable]] = []
        self.values: list[Any] = []
        self.number: dict[tuple[str, str], int] = {}
        self._ref_cache: dict[str, int | None] = {}

        components = document.get("components", {})
        if not isinstance(components, dict):
            problems.add(
                ("components",),
                "components is not a mapping",
                "write components as a mapping of sections",
            )
            return
        for section in COMPONENT_SECTIONS:
            entries = components.get(section)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                problems.add(
                    ("components", section),
                    f"components.{section} is not a mapping",
                    "write it as a mapping of names to objects",
                )
                continue
            for key, value in entries.items():
                self.number.setdefault((section, str(key)), len(self.keys))
                self.keys.append((section, key))
                self.values.append(value)

    def __len__(self) -> int:
        return len(self.keys)

    def is_schema(self, number: int) -> bool:
        return self.keys[number][0] == "schemas"

    def kind(self, number: int) -> str:
        return _SECTION_KINDS[self.keys[number][0]]

    def path(self, number: int) -> KeyPath:
        section, key = self.keys[number]
        return ("components", section, key)

    def pointer(self, number: int) -> str:
        section, key = self.keys[number]
        return f"#/components/{section}/{_escape_key(key)}"

    def find(self, ref: str) -> int | None:
        """Return the number of the component that an internal `$ref` points into.

        Raises `LookupError` when `ref` points into `components` but not to
        an existing value. Returns None for a `$ref` to anywhere else.
        """
        if ref in self._ref_cache:
            number = self._ref_cache[ref]
        else:
            parts = _pointer_parts(ref) if ref.startswith("#") else []
            number = None
            if len(parts) >= 3 and parts[0] == "components":
                number = self.number.get((parts[1], parts[2]))
                if number is None:
                    raise LookupError(ref)
                if len(parts) > 3:
                    # A pointer into a component (`.../Pet/properties/id`)
                    # still needs the whole component.
                    _follow_pointer(self.values[number], parts[3:])
            self._ref_cache[ref] = number
        return number

    def mapping_ref(self, target: str) -> str:
        """Write a discriminator mapping value as a `$ref`: a bare name is a schema's."""
        if "#" in target or "/" in target:
            return target
        return f"#/components/schemas/{_escape_key(target)}"


class _Collector(_Walker):
    """Find the components that an object references, and repair two defects.

    A `required` list that names a property twice loses the repeats, and a
    `$ref` to a place outside `components` is replaced by a copy of its
    target. Both are warnings, and a `$ref` that does not resolve is an error.
    """

    def __init__(self, components: _Components, problems: _Problems) -> None:
        self.components = components
        self.found: set[int] = set()
        self.problems = problems
        self._reported: set[tuple[KeyPath, str]] = set()
        self._inlining: list[str] = []

    def collect(self, value: Any, kind: str, path: KeyPath) -> tuple[Any, set[int]]:
        """Return the fixed value and the numbers of the components it references."""
        self.found = set()
        fixed = self.walk(value, kind, path)
        return fixed, self.found

    def report(
        self, path: KeyPath, message: str, hint: str, severity: Severity = "error"
    ) -> None:
        if (path, message) in self._reported:
            return
        self._reported.add((path, message))
        self.problems.add(path, message, hint, severity)

    def on_ref(self, value: dict[str, Any], ref: str, kind: str, path: KeyPath) -> Any:
        ref_path = (*path, "$ref")
        if not ref.startswith("#"):
            self.report(
                ref_path,
                f"$ref {ref!r} points outside the document",
                "bundle the document first, so that every $ref is internal",
            )
            return value
        try:
            number = self.components.find(ref)
        except LookupError:
            self.report(
                ref_path,
                f"$ref {ref!r} does not resolve",
                "add the component it names, or correct the $ref",
            )
            return value
        if number is not None:
            self.found.add(number)
            return value
        return self._inline(value, ref, kind, ref_path)

    def _inline(self, value: dict[str, Any], ref: str, kind: str, path: KeyPath) -> Any:
        """Replace a `$ref` to a place outside `components` by a copy of its target."""
        try:
            target = _follow_pointer(self.components.document, _pointer_parts(ref))
        except LookupError:
            self.report(
                path,
                f"$ref {ref!r} does not resolve",
                "correct the $ref so that it points to an existing value",
            )
            return value
        if ref in self._inlining:
            self.report(
                path,
                f"$ref {ref!r} refers back to itself outside components",
                "move the recursive object under components and refer to it there",
            )
            return value

        self.report(
            path,
            f"$ref {ref!r} points outside components, so its target is copied "
            "into each document that uses it",
            "move the target under components to share it",
            severity="warning",
        )
        copied = copy.deepcopy(target)
        if isinstance(copied, dict):
            # OpenAPI 3.1 lets `summary` and `description` next to a `$ref`
            # override the target's.
            copied.update((key, item) for key, item in value.items() if key != "$ref")
        self._inlining.append(ref)
        try:
            return self.walk(copied, kind, path[:-1])
        finally:
            self._inlining.pop()

    def keep_mapping(self, target: str, path: KeyPath) -> bool:
        ref = self.components.mapping_ref(target)
        try:
            number = self.components.find(ref)
        except LookupError:
            # A bare name that is not a schema's may be a URI that the document
            # resolves some other way. Only a `$ref`-like value must resolve.
            if ref == target:
                self.report(
                    path,
                    f"discriminator mapping value {target!r} does not resolve",
                    "add the schema it names, or correct the mapping",
                )
            return True
        if number is not None:
            self.found.add(number)
        return True

    def on_required(self, required: list[Any], path: KeyPath) -> list[Any]:
        try:
            unique = list(dict.fromkeys(required))
        except TypeError:  # a list item that is not a string
            return required
        if len(unique) == len(required):
            return required
        repeated = sorted({str(name) for name in required if required.count(name) > 1})
        self.report(
            path,
            f"required lists {', '.join(map(repr, repeated))} more than once, "
            "so each document lists them once",
            "remove the repeats from the input",
            severity="warning",
        )
        return unique


def _strongly_connected(edges: list[list[int]]) -> tuple[list[int], list[list[int]]]:
    """Find the strongly connected groups of a graph (Tarjan, without recursion).

    Returns the group number of each node and the groups, in reverse
    topological order: every group comes after all the groups it reaches.
    """
    count = len(edges)
    order = [-1] * count
    low = [0] * count
    on_stack = [False] * count
    stack: list[int] = []
    group_of = [-1] * count
    groups: list[list[int]] = []
    counter = 0

    for root in range(count):
        if order[root] != -1:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, next_edge = work[-1]
            if next_edge < len(edges[node]):
                work[-1] = (node, next_edge + 1)
                target = edges[node][next_edge]
                if order[target] == -1:
                    order[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack[target] = True
                    work.append((target, 0))
                elif on_stack[target]:
                    low[node] = min(low[node], order[target])
                continue

            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == order[node]:
                group: list[int] = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    group_of[member] = len(groups)
                    group.append(member)
                    if member == node:
                        break
                groups.append(group)
    return group_of, groups


class _Graph:
    """The component reference graph and the closure of each component.

    Closures are bit sets over component numbers. The members of a strongly
    connected group share one closure, so a cycle of many schemas (one of 71
    in the Stripe document) is computed once, not once per member.
    """

    def __init__(self, edges: list[list[int]]) -> None:
        self.edges = edges
        self.group_of, groups = _strongly_connected(edges)
        self.closures: list[int] = []
        for number, group in enumerate(groups):
            bits = 0
            for member in group:
                bits |= 1 << member
                for target in edges[member]:
                    target_group = self.group_of[target]
                    if target_group != number:
                        bits |= self.closures[target_group]
            self.closures.append(bits)

    def closure(self, direct: Iterable[int]) -> int:
        bits = 0
        for number in direct:
            bits |= self.closures[self.group_of[number]]
        return bits


def _bit_numbers(bits: int) -> list[int]:
    """List the set bits of `bits`, lowest first."""
    numbers = []
    while bits:
        lowest = bits & -bits
        numbers.append(lowest.bit_length() - 1)
        bits ^= lowest
    return numbers


# --- Cutting at a depth -----------------------------------------------------


class _Cutter(_Walker):
    """Replace each schema `$ref` to a cut component by a schema that allows anything."""

    def __init__(self, components: _Components, cut: set[int], depth: int) -> None:
        self.components = components
        self.cut_numbers = cut
        self.depth = depth
        self.cut_refs: set[str] = set()

    def on_ref(self, value: dict[str, Any], ref: str, kind: str, path: KeyPath) -> Any:
        if kind != _SCHEMA or self._number(ref) not in self.cut_numbers:
            return value
        self.cut_refs.add(ref)
        return cut_schema(ref, self.depth)

    def keep_mapping(self, target: str, path: KeyPath) -> bool:
        ref = self.components.mapping_ref(target)
        if self._number(ref) not in self.cut_numbers:
            return True
        self.cut_refs.add(ref)
        return False

    def _number(self, ref: str) -> int | None:
        try:
            return self.components.find(ref)
        except LookupError:
            return None


def cut_schema(pointer: str, depth: int) -> dict[str, str]:
    """Return the schema that stands for a reference cut at `depth`.

    It has no keyword that constrains a value, so it accepts anything, and
    it is a valid schema in OpenAPI 3.0 and 3.1.
    """
    return {
        "description": f"Cut by nanogen at depth {depth}: {pointer}",
        "x-nanogen-cut": pointer,
    }


def _depths(
    graph: _Graph, components: _Components, direct: Iterable[int], max_depth: int
) -> dict[int, int]:
    """Return the depth of each component within `max_depth` of an operation.

    Only schemas count: a schema that the operation references, itself or
    through a parameter, response or other non-schema component, is at
    depth 1, and a schema it references at depth 2. Non-schema components
    take the depth of what references them.
    """
    depth: dict[int, int] = {}
    queue: deque[int] = deque()
    for number in direct:
        start = 1 if components.is_schema(number) else 0
        if start <= max_depth and depth.get(number, start + 1) > start:
            depth[number] = start
            queue.append(number)

    # A 0-1 breadth-first search: an edge to a schema costs one, any other
    # edge nothing, so the cheaper targets go to the front of the queue.
    while queue:
        number = queue.popleft()
        for target in graph.edges[number]:
            cost = 1 if components.is_schema(target) else 0
            reached = depth[number] + cost
            if reached <= max_depth and reached < depth.get(target, max_depth + 1):
                depth[target] = reached
                if cost:
                    queue.append(target)
                else:
                    queue.appendleft(target)
    return depth


# --- Names ------------------------------------------------------------------


def kebab_words(text: str) -> str:
    """Turn any text into lower-case words joined by hyphens, ASCII only.

    `listPets` -> `list-pets`, `Pets.List` -> `pets-list`,
    `get /pets/{petId}` -> `get-pets-pet-id`. The result may be empty, or
    start with a digit.
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1-\2", text)
    return "-".join(re.findall(r"[A-Za-z0-9]+", text)).lower()


def _fit(name: str) -> str:
    """Cut a name to the length limit, keeping it unique by a hash of the whole."""
    if len(name) <= NAME_MAX_LENGTH:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LENGTH]
    head = name[: NAME_MAX_LENGTH - _HASH_LENGTH - 1].rstrip("-")
    return f"{head}-{digest}"


def safe_name(text: str, fix: str) -> str:
    """Turn text into a name that passes nanogen's naming rules, or return ''.

    A name that starts with a digit gets `fix` in front, and a reserved word
    gets it at the end: with `op`, `3d-secure` -> `op-3d-secure` and
    `delete` -> `delete-op`.
    """
    name = kebab_words(text)
    if not name:
        return ""
    if name[0].isdigit():
        name = f"{fix}-{name}"
    name = _fit(name)
    if not is_valid_name(name):
        name = _fit(f"{name}-{fix}")
    return name


def _path_word(route: str) -> str:
    """Return the first segment of a route that names a resource, as a name.

    Parameters (`{id}`), versions (`v1`, `2010-04-01`) and the words `api`
    and `apis` are skipped. A format suffix (`.json`) is dropped.
    """
    for segment in route.split("?", 1)[0].split("/"):
        if not segment or "{" in segment or _VERSION_SEGMENT.fullmatch(segment):
            continue
        if segment.lower() in _GENERIC_SEGMENTS:
            continue
        name = safe_name(_FORMAT_SUFFIX.sub("", segment), _SERVICE_FIX)
        if name:
            return name
    return ""


def _service_name(
    operation: dict[str, Any], route: str, group_by: GroupBy, title_name: str
) -> str:
    if group_by == "none":
        return title_name
    if group_by == "tag":
        tags = operation.get("tags")
        if isinstance(tags, list) and tags and isinstance(tags[0], str):
            name = safe_name(tags[0], _SERVICE_FIX)
            if name:
                return name
    return _path_word(route) or DEFAULT_SERVICE


def _capability_name(operation_id: str | None, method: str, route: str) -> str:
    name = safe_name(operation_id, _CAPABILITY_FIX) if operation_id else ""
    return name or safe_name(f"{method} {route}", _CAPABILITY_FIX)


# --- Slicing ----------------------------------------------------------------


@dataclass
class _Found:
    """An operation of the input, before it is named and sliced."""

    method: str
    route: str
    path_item: dict[str, Any]
    operation: dict[str, Any]
    source: KeyPath
    webhook: str | None = None

    def label(self) -> str:
        """Name the operation in a message: `GET /pets (listPets)`."""
        if self.webhook is not None:
            text = f"webhook {self.webhook!r} {self.method.upper()}"
        else:
            text = f"{self.method.upper()} {self.route}"
        operation_id = self.operation.get("operationId")
        if isinstance(operation_id, str):
            text += f" ({operation_id})"
        return text


@dataclass
class _Named:
    found: _Found
    service: str
    capability: str


class _Slicer:
    """One split: the component graph, the texts dumped so far, the problems."""

    def __init__(
        self,
        document: dict[str, Any],
        file: str,
        group_by: GroupBy,
        max_depth: int | None,
        source_map: SourceMap | None,
    ) -> None:
        self.document = document
        self.file = file
        self.group_by = group_by
        self.max_depth = max_depth
        self.problems = _Problems(file, source_map)
        self.collisions = _Problems(file, source_map)

        self.components = _Components(document, self.problems)
        self.collector = _Collector(self.components, _Problems(file, source_map))
        # Each component's value with the collector's fixes, and its text.
        self.values: list[Any] = []
        self.texts: dict[int, tuple[str, int]] = {}
        self.cut_texts: dict[
            tuple[int, frozenset[int]], tuple[Any, str, int, set[str]]
        ] = {}
        self.members: dict[int, list[int]] = {}
        self.graph = _Graph([])
        self.shared_text = ""

    # --- Steps --------------------------------------------------------------

    def run(self) -> SliceResult:
        found = self.find_operations()
        if self.problems.items:
            raise InputError(self.problems.items)
        if not found:
            raise input_error(
                "the document has no operation to split: neither paths nor "
                "webhooks has a get, put, post, delete, options, head, patch or "
                "trace operation",
                "add an operation, or split another document",
                file=self.file,
            )

        self.build_graph()
        named = self.name_operations(found)
        self.shared_text = self.dump_shared()
        operations = [self.slice(item) for item in named]

        problems = self.problems.items + self.collector.problems.items
        errors = [problem for problem in problems if problem.severity == "error"]
        if errors:
            raise InputError(problems)
        warnings = [problem for problem in problems if problem.severity == "warning"]
        return SliceResult(
            operations,
            sorted(warnings + self.collisions.items, key=Problem.sort_key),
        )

    def find_operations(self) -> list[_Found]:
        found: list[_Found] = []
        for section in ("paths", "webhooks"):
            items = self.document.get(section)
            if items is None:
                continue
            if not isinstance(items, dict):
                self.error(
                    (section,), f"{section} is not a mapping", "write it as a mapping"
                )
                continue
            for key, item in items.items():
                if _is_extension(key):
                    continue
                path_item = self.resolve_path_item(item, (section, key))
                if path_item is None:
                    continue
                for method, operation in path_item.items():
                    if method not in METHODS:
                        continue
                    source = (section, key, method)
                    if not isinstance(operation, dict):
                        self.error(
                            source,
                            "the operation is not a mapping",
                            "write it as a mapping",
                        )
                        continue
                    if section == "paths":
                        found.append(
                            _Found(method, str(key), path_item, operation, source)
                        )
                    else:
                        route = "/webhooks/" + quote(str(key), safe="")
                        found.append(
                            _Found(
                                method, route, path_item, operation, source, str(key)
                            )
                        )
        return found

    def resolve_path_item(self, item: Any, path: KeyPath) -> dict[str, Any] | None:
        """Follow a path item's `$ref`, letting the path item's own fields win."""
        seen = set()
        while isinstance(item, dict) and isinstance(item.get("$ref"), str):
            ref = item["$ref"]
            if ref in seen or not ref.startswith("#"):
                problem = "refers back to itself" if ref in seen else "is external"
                self.error(
                    path,
                    f"the path item $ref {ref!r} {problem}",
                    "point it to a path item under components.pathItems",
                )
                return None
            seen.add(ref)
            try:
                target = _follow_pointer(self.document, _pointer_parts(ref))
            except LookupError:
                self.error(
                    path,
                    f"$ref {ref!r} does not resolve",
                    "correct the $ref so that it points to a path item",
                )
                return None
            if not isinstance(target, dict):
                break
            item = {
                **target,
                **{key: value for key, value in item.items() if key != "$ref"},
            }
        if not isinstance(item, dict):
            self.error(path, "the path item is not a mapping", "write it as a mapping")
            return None
        return item

    def build_graph(self) -> None:
        edges = []
        for number in range(len(self.components)):
            value, found = self.collector.collect(
                self.components.values[number],
                self.components.kind(number),
                self.components.path(number),
            )
            self.values.append(value)
            edges.append(sorted(found))
        self.graph = _Graph(edges)

    def name_operations(self, found: list[_Found]) -> list[_Named]:
        info = self.document.get("info")
        title = info.get("title") if isinstance(info, dict) else None
        title_name = safe_name(title, _SERVICE_FIX) if isinstance(title, str) else ""
        title_name = title_name or DEFAULT_SERVICE

        named: list[_Named] = []
        names_taken: dict[tuple[str, str], _Found] = {}
        packages_taken: dict[str, _Found] = {}
        for item in found:
            operation_id = item.operation.get("operationId")
            if not isinstance(operation_id, str):
                operation_id = None
            service = _service_name(
                item.operation, item.route, self.group_by, title_name
            )
            base = _capability_name(operation_id, item.method, item.route)
            if is_taken_package(snake_case(f"{service}-{base}")):
                base = _fit(f"{base}-{_CAPABILITY_FIX}")

            capability = base
            number = 1
            clash: tuple[str, _Found] | None = None
            while True:
                package = snake_case(f"{service}-{capability}")
                same_name = names_taken.get((service, capability))
                same_package = packages_taken.get(package)
                if clash is None and same_name is not None:
                    clash = (f"the name {service + '-' + capability!r}", same_name)
                elif clash is None and same_package is not None:
                    clash = (f"the package name {package!r}", same_package)
                if same_name is None and same_package is None:
                    if not is_taken_package(package):
                        break
                number += 1
                capability = _fit(f"{base}-{number}")
            if clash is not None:
                self.warn_collision(item, *clash, f"{service}-{capability}")

            names_taken[(service, capability)] = item
            packages_taken[snake_case(f"{service}-{capability}")] = item
            named.append(_Named(item, service, capability))
        return named

    def warn_collision(self, item: _Found, what: str, first: _Found, name: str) -> None:
        self.collisions.add(
            item.source,
            f"{item.label()} would get {what}, which {first.label()} already "
            f"has, so it is named {name!r}",
            "give the operations operationIds that differ in kebab-case",
            "warning",
        )

    def dump_shared(self) -> str:
        shared = self.shared_fields()
        return _dump(shared) if shared else ""

    def shared_fields(self) -> dict[str, Any]:
        shared = {
            key: self.document[key] for key in _SHARED_FIELDS if key in self.document
        }
        shared.update(
            (key, value) for key, value in self.document.items() if _is_extension(key)
        )
        return shared

    # --- One operation ------------------------------------------------------

    def slice(self, named: _Named) -> SlicedOperation:
        item = named.found
        operation = self.merged_operation(item)
        path_item = {
            key: value
            for key, value in item.path_item.items()
            if key in _PATH_ITEM_KEPT or _is_extension(key)
        }
        path_item[item.method] = operation
        path_item, direct = self.collector.collect(
            path_item, _PATH_ITEM, ("paths", item.route)
        )
        direct |= self.security_schemes(operation, item)

        cut_refs: set[str] = set()
        if self.max_depth is None:
            numbers = self.closure_members(self.graph.closure(direct))
            entries = [
                (number, self.values[number], *self.text(number)) for number in numbers
            ]
        else:
            path_item, entries, cut_refs = self.cut(path_item, direct, self.max_depth)

        document = {
            "openapi": self.document.get("openapi"),
            "info": self.info(item),
        }
        head = _dump(document)
        document.update(self.shared_fields())
        tail: dict[str, Any] = {}
        tags = self.tags(operation)
        if tags:
            tail["tags"] = tags
        tail["paths"] = {item.route: path_item}
        document.update(tail)

        pieces = [
            # The file name only: the path as typed would make the bytes
            # depend on the folder the command ran in.
            f"# Generated by nanogen split from {_comment_text(PurePath(self.file).name)}.\n",
            head,
            self.shared_text,
            _dump(tail),
        ]
        size = sum(len(piece.encode()) for piece in pieces)
        if entries:
            components: dict[str, dict[Hashable, Any]] = {}
            pieces.append("components:\n")
            for number, value, text, text_size in entries:
                section, key = self.components.keys[number]
                if section not in components:
                    components[section] = {}
                    pieces.append(f"  {section}:\n")
                    size += len(pieces[-1])
                components[section][key] = value
                pieces.append(text)
                size += text_size
            document["components"] = components
            size += len("components:\n")

        operation_id = operation.get("operationId")
        return SlicedOperation(
            service=named.service,
            capability=named.capability,
            method=item.method,
            path=item.route,
            operation_id=operation_id if isinstance(operation_id, str) else None,
            kind="webhook" if item.webhook is not None else "operation",
            document=document,
            cut=sorted(cut_refs),
            source=display_key_path(item.source),
            size=size,
            webhook=item.webhook,
            pieces=tuple(pieces),
        )

    def merged_operation(self, item: _Found) -> dict[str, Any]:
        """Copy an operation with the path item's parameters and the security it needs."""
        operation = dict(item.operation)
        path_parameters = item.path_item.get("parameters")
        if isinstance(path_parameters, list) and path_parameters:
            own = operation.get("parameters")
            own_list = own if isinstance(own, list) else []
            overridden = {self.parameter_identity(parameter) for parameter in own_list}
            overridden.discard(None)
            # An operation parameter of the same name and location wins.
            merged = [
                parameter
                for parameter in path_parameters
                if self.parameter_identity(parameter) not in overridden
            ] + own_list
            if "parameters" in operation:
                operation["parameters"] = merged
            else:
                operation = _insert_before(
                    operation, "parameters", merged, ("requestBody", "responses")
                )

        if "security" not in operation and "security" in self.document:
            operation["security"] = self.document["security"]
        if item.webhook is not None:
            operation["x-nanogen"] = {"kind": "webhook", "webhook": item.webhook}
        return operation

    def parameter_identity(self, parameter: Any) -> tuple[str, str] | None:
        """Return a parameter's (name, in), following `$ref`s, or None."""
        for _ in range(50):
            if not isinstance(parameter, dict):
                return None
            ref = parameter.get("$ref")
            if not isinstance(ref, str):
                break
            try:
                parameter = _follow_pointer(self.document, _pointer_parts(ref))
            except LookupError:
                return None
        if not isinstance(parameter, dict):
            return None
        name, location = parameter.get("name"), parameter.get("in")
        if isinstance(name, str) and isinstance(location, str):
            return (name, location)
        return None

    def security_schemes(self, operation: dict[str, Any], item: _Found) -> set[int]:
        requirements = operation.get("security")
        numbers: set[int] = set()
        if not isinstance(requirements, list):
            return numbers
        in_operation = "security" in item.operation
        where = (*item.source, "security") if in_operation else ("security",)
        for requirement in requirements:
            if not isinstance(requirement, dict):
                continue
            for name in requirement:
                number = self.components.number.get(("securitySchemes", str(name)))
                if number is None:
                    self.collector.report(
                        where,
                        f"the security requirement names {name!r}, which "
                        "components.securitySchemes does not define",
                        "add the security scheme, or remove it from the requirement",
                        severity="warning",
                    )
                else:
                    numbers.add(number)
        return numbers

    def info(self, item: _Found) -> Any:
        info = self.document.get("info")
        if not isinstance(info, dict) or not isinstance(info.get("title"), str):
            return info
        return {**info, "title": f"{info['title']}: {item.method.upper()} {item.route}"}

    def tags(self, operation: dict[str, Any]) -> list[Any]:
        used = operation.get("tags")
        tags = self.document.get("tags")
        if not isinstance(used, list) or not isinstance(tags, list):
            return []
        names = {name for name in used if isinstance(name, str)}
        return [
            tag for tag in tags if isinstance(tag, dict) and tag.get("name") in names
        ]

    def closure_members(self, bits: int) -> list[int]:
        members = self.members.get(bits)
        if members is None:
            members = self.members[bits] = _bit_numbers(bits)
        return members

    def text(self, number: int) -> tuple[str, int]:
        """Return a component's entry as YAML text under its section, and its size."""
        cached = self.texts.get(number)
        if cached is None:
            key = self.components.keys[number][1]
            text = _dump({key: self.values[number]}, indent=4)
            cached = self.texts[number] = (text, len(text.encode()))
        return cached

    def cut(
        self, path_item: dict[str, Any], direct: set[int], max_depth: int
    ) -> tuple[dict[str, Any], list[tuple[int, Any, str, int]], set[str]]:
        """Keep the components within `max_depth` and cut every reference past them."""
        depth = _depths(self.graph, self.components, direct, max_depth)
        kept = sorted(depth)
        cut_refs: set[str] = set()

        cutter = _Cutter(self.components, set(direct) - depth.keys(), max_depth)
        if cutter.cut_numbers:
            path_item = cutter.walk(path_item, _PATH_ITEM, ())
            cut_refs |= cutter.cut_refs

        entries = []
        for number in kept:
            cut = frozenset(
                target for target in self.graph.edges[number] if target not in depth
            )
            if not cut:
                entries.append((number, self.values[number], *self.text(number)))
                continue
            cached = self.cut_texts.get((number, cut))
            if cached is None:
                cutter = _Cutter(self.components, set(cut), max_depth)
                value = cutter.walk(
                    self.values[number], self.components.kind(number), ()
                )
                key = self.components.keys[number][1]
                text = _dump({key: value}, indent=4)
                cached = (value, text, len(text.encode()), cutter.cut_refs)
                self.cut_texts[(number, cut)] = cached
            value, text, size, refs = cached
            entries.append((number, value, text, size))
            cut_refs |= refs
        return path_item, entries, cut_refs

    def error(self, path: KeyPath, message: str, hint: str) -> None:
        self.problems.add(path, message, hint)


class _Problems:
    """The problems of one split, each at the file and line where its value is written."""

    def __init__(self, file: str, source_map: SourceMap | None) -> None:
        self.file = file
        self.source_map = source_map
        self.items: list[Problem] = []

    def add(
        self, path: KeyPath, message: str, hint: str, severity: Severity = "error"
    ) -> None:
        self.items.append(
            located_problem(
                path,
                message,
                hint,
                file=self.file,
                source_map=self.source_map,
                severity=severity,
            )
        )


def _insert_before(
    mapping: dict[str, Any], key: str, value: Any, before: tuple[str, ...]
) -> dict[str, Any]:
    """Copy a mapping with `key` added before the first of `before`, else at the end."""
    result: dict[str, Any] = {}
    for existing, item in mapping.items():
        if existing in before and key not in result:
            result[key] = value
        result[existing] = item
    result.setdefault(key, value)
    return result


def slice_document(
    document: dict[str, Any],
    *,
    file: str,
    group_by: GroupBy = "tag",
    max_depth: int | None = None,
    source_map: SourceMap | None = None,
) -> SliceResult:
    """Split an OpenAPI 3.0 or 3.1 document into one document per operation.

    `file` names the input in messages and in each document's first line.
    `source_map`, when given, finds the file, line and key path where each
    value that a message is about is written.
    `group_by` chooses the service of each operation: its first tag, the
    first path segment that names a resource, or one service for all.
    `max_depth` keeps only the schemas within that many references of the
    operation; None keeps all of them.

    Raises:
        InputError: the document has no operation, or a `$ref` that does
            not resolve, or a part that is not the type OpenAPI requires.
        ValueError: `group_by` or `max_depth` is not a valid choice.
    """
    if group_by not in ("tag", "path", "none"):
        raise ValueError(f"group_by must be 'tag', 'path' or 'none', not {group_by!r}")
    if max_depth is not None and max_depth < 0:
        raise ValueError(f"max_depth must be 0 or more, not {max_depth}")
    version = document.get("openapi") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(("3.0", "3.1")):
        raise InputError(
            [
                located_problem(
                    ("openapi",),
                    f"the document is not OpenAPI 3.0 or 3.1 (openapi: {version!r})",
                    "convert a Swagger 2.0 document first",
                    file=file,
                    source_map=source_map,
                )
            ]
        )

    slicer = _Slicer(document, file, group_by, max_depth, source_map)
    try:
        result = slicer.run()
    except RecursionError:
        raise input_error(
            "the document is nested too deep to split",
            "check the document for data nested hundreds of levels deep",
            file=file,
        ) from None
    logger.debug(
        "sliced %s into %d operations, dumping %d components",
        file,
        len(result.operations),
        len(slicer.texts),
    )
    return result
