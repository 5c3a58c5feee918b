"""Read a YAML or JSON file into Python data, keeping the line of every key.

Takes a path and hands `validate` (and the OpenAPI reader) a `Loaded`: the
parsed data, the file name for messages and `Loaded.line_of`, which finds the
line of any key or list item. Every way a file can fail to load becomes an
`InputError` with the file, line and fix.

YAML is parsed by libyaml where PyYAML was built with it, and by PyYAML's
pure-Python parser otherwise; both record where each node starts. A file up
to `FAST_PATH_BYTES` keeps its node tree, so line lookups cost nothing more.
A larger one is turned into data without keeping nodes, and is parsed a
second time, for positions only, when a line is first looked up. JSON is
parsed with `json`, and read as YAML for positions in the same lazy way.

Scalars follow the YAML 1.2 core schema where it is stricter than PyYAML's
YAML 1.1 defaults. Only `true` and `false` are booleans, so `yes`, `no`,
`on` and `off` stay strings. Dates stay strings, and so do `0123`, `1_000`
and `1:30`, which YAML 1.1 reads as octal, grouped or base-60 numbers. Every
string that PyYAML's dumper writes without quotes still reads back as a
string. Only plain data is accepted: `!!python/object` and every other
explicit tag except the core ones (`!!str`, `!!int`, `!!float`, `!!bool`,
`!!null`, `!!seq`, `!!map`) is rejected. A merge key `<<` merges mappings
as in YAML 1.1, and `<<` anywhere else is the string "<<", as in YAML 1.2.

Line numbers count only the line breaks of YAML 1.2 and of text editors:
LF, CR LF and CR. PyYAML and libyaml also break lines at NEL (U+0085), LS
(U+2028) and PS (U+2029), as YAML 1.1 does, so every line here is computed
from a mark's character offset, never taken from the mark's `line`. For the
same reason a YAML file is rejected where one of them would be read as a line
break: a comment could hide a key behind one. LS and PS inside a quoted
string are kept as characters and accepted.

Only a regular file is read, by default at most `DEFAULT_MAX_FILE_BYTES` of it
(`MAX_CAPABILITY_LIST_BYTES` for a capability list): a FIFO, a device or a
socket could block forever or never end.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import stat
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Hashable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from nanogen.errors import (
    InputError,
    Problem,
    display_key_path,
    input_error,
    json_type_name,
)

try:
    from yaml.cyaml import CParser
except ImportError:  # PyYAML built without libyaml
    CParser = None

logger = logging.getLogger(__name__)

# Above this size the node tree is not kept: for a 4 MB OpenAPI document it
# takes hundreds of MB, and positions are only needed to report a problem.
FAST_PATH_BYTES = 1_000_000

# Deeper data than this is rejected, because later stages walk it
# recursively and no capability list or OpenAPI document needs it.
MAX_DEPTH = 100

# Aliases can repeat a mapping anywhere, so data can expand far beyond the
# file size (the "billion laughs" file). Data is rejected when its expanded
# size is over both this many values and `MAX_ALIAS_EXPANSION` times its
# unique size.
MAX_EXPANDED_VALUES = 1_000_000
MAX_ALIAS_EXPANSION = 10

# A merge key copies the keys of the mappings it names into its own mapping,
# so a chain of merges grows with the square of its length. Loading stops when
# merges have copied more than this many keys in one file. 25,000 merges of a
# mapping of 10 keys stay below it.
MAX_MERGED_KEYS = 250_000

MIB = 1024 * 1024
# The largest file read by default: OpenAPI documents, the files their `$ref`s
# reach and the documents a capability list names. Real OpenAPI documents
# reach about 50 MB. Loading takes about 25 times the file size in memory for
# YAML and 4 times for JSON (measured on 1.5 MB and 4 MB documents).
DEFAULT_MAX_FILE_BYTES = 64 * MIB
# A capability list of 500 capabilities is about 300 KB, so this allows about
# 25,000 of them.
MAX_CAPABILITY_LIST_BYTES = 16 * MIB

KeyPath = Sequence[Hashable]

_TAG_PREFIX = "tag:yaml.org,2002:"
_MERGE_TAG = _TAG_PREFIX + "merge"


# --- YAML loaders -----------------------------------------------------------


class _CoreResolver(BaseResolver):
    """Resolve untagged scalars by the rules in the module docstring."""

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}


def _add_resolver(tag: str, pattern: str, first_characters: list[str | None]) -> None:
    regexp = re.compile(pattern)
    for character in first_characters:
        _CoreResolver.yaml_implicit_resolvers.setdefault(character, []).append(
            (_TAG_PREFIX + tag, regexp)
        )


_add_resolver("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF"))
# PyYAML looks the empty scalar up under None.
_add_resolver("null", r"^(?:~|null|Null|NULL|)$", [*"~nN", None])
_add_resolver(
    "int", r"^(?:[-+]?(?:0|[1-9][0-9]*)|0x[0-9a-fA-F]+)$", list("-+0123456789")
)
# PyYAML's own float forms without underscores and base 60: a dot is needed
# and an exponent needs a sign, so `1e5` stays a string as PyYAML dumps it.
_add_resolver(
    "float",
    r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9]+(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$",
    list("-+0123456789."),
)
_add_resolver("merge", r"^<<$", ["<"])


class _MergeError(Exception):
    """A merge key that cannot be applied, with the position of the cause."""

    def __init__(self, message: str, hint: str, mark: Any) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.mark = mark


class _CoreConstructor(SafeConstructor):
    """Build plain data: mappings, lists, strings, numbers, booleans and null."""

    yaml_constructors: dict[Any, Any] = {}

    def __init__(self) -> None:
        SafeConstructor.__init__(self)
        self.merged_keys = 0

    def flatten_mapping(self, node: MappingNode) -> None:
        """Replace the merge keys of a mapping node by the pairs they merge.

        As the YAML 1.1 merge type defines, a key written in the mapping wins
        over a merged one, and among merged mappings the first one listed
        wins. Merged keys come first, in the order listed, then the mapping's
        own. Each key is kept once, so merging a mapping many times does not
        grow the node.

        Raises:
            _MergeError: a merge key names something other than mappings, or
                merges copy more than `MAX_MERGED_KEYS` keys in the file.
        """
        sources: list[MappingNode] = []
        own: list[tuple[Node, Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                sources.extend(_merge_sources(value_node, key_node.start_mark))
            else:
                own.append((key_node, value_node))
        if len(own) == len(node.value):
            return

        # Set before the sources are flattened, so that a source that merges
        # this mapping back finds no merge key in it.
        node.value = own
        merged: list[tuple[Node, Node]] = []
        for source in sources:
            self.flatten_mapping(source)
            self.merged_keys += len(source.value)
            if self.merged_keys > MAX_MERGED_KEYS:
                raise _MergeError(
                    f"YAML merge keys ('<<') copy more than {MAX_MERGED_KEYS:,} keys",
                    "write the data out instead of merging mappings into each other",
                    node.start_mark,
                )
            merged.extend(source.value)
        node.value = _unique_pairs(_unique_pairs(merged, keep="first") + own)

    def construct_merge_text(self, node: Node) -> str:
        # A `<<` that is not a mapping key merges nothing; YAML 1.2 reads it
        # as the string "<<".
        if not isinstance(node, ScalarNode):
            self.construct_unsupported(node)
        return str(self.construct_scalar(node))

    def construct_decimal_int(self, node: ScalarNode) -> int:
        value = str(self.construct_scalar(node))
        if value.startswith("0x"):
            return int(value[2:], 16)
        return int(value, 10)

    def construct_unsupported(self, node: Node) -> None:
        raise ConstructorError(
            None,
            None,
            f"unsupported YAML tag {_short_tag(node.tag)!r}",
            node.start_mark,
        )


for _tag, _constructor in [
    ("null", SafeConstructor.construct_yaml_null),
    ("bool", SafeConstructor.construct_yaml_bool),
    ("int", _CoreConstructor.construct_decimal_int),
    ("float", SafeConstructor.construct_yaml_float),
    ("str", SafeConstructor.construct_yaml_str),
    ("seq", SafeConstructor.construct_yaml_seq),
    ("map", SafeConstructor.construct_yaml_map),
    ("merge", _CoreConstructor.construct_merge_text),
]:
    _CoreConstructor.yaml_constructors[_TAG_PREFIX + _tag] = _constructor
_CoreConstructor.yaml_constructors[None] = _CoreConstructor.construct_unsupported


def _merge_sources(value: Node, key_mark: Any) -> list[MappingNode]:
    """Return the mappings that a merge key's value names, in the order listed.

    An error points at the merge key, because the value behind an alias may
    be written far from it.
    """
    if isinstance(value, MappingNode):
        return [value]
    wrong = value
    if isinstance(value, SequenceNode):
        wrong = next(
            (item for item in value.value if not isinstance(item, MappingNode)), None
        )
        if wrong is None:
            return list(value.value)
    if isinstance(wrong, ScalarNode):
        found = repr(wrong.value)
    else:
        found = "a list"
    raise _MergeError(
        f"the merge key '<<' needs a mapping or a list of mappings, not {found}",
        "write '<<: *name' where '&name' marks a mapping, or quote the key as "
        '"<<" for a key named <<',
        key_mark,
    )


def _unique_pairs(
    pairs: list[tuple[Node, Node]], *, keep: Literal["first", "last"] = "last"
) -> list[tuple[Node, Node]]:
    """Keep one pair per scalar key, in the place of the key's first pair.

    With `keep="last"` the last pair of a key replaces the first, which is
    what a dict built from the pairs holds.
    """
    result: list[tuple[Node, Node]] = []
    places: dict[tuple[str, Any], int] = {}
    for key_node, value_node in pairs:
        if isinstance(key_node, ScalarNode):
            marker = (key_node.tag, key_node.value)
            place = places.get(marker)
            if place is not None:
                if keep == "last":
                    result[place] = (key_node, value_node)
                continue
            places[marker] = len(result)
        result.append((key_node, value_node))
    return result


def _short_tag(tag: str) -> str:
    if tag.startswith(_TAG_PREFIX):
        return "!!" + tag.removeprefix(_TAG_PREFIX)
    return tag


class _PythonLoader(Reader, Scanner, Parser, Composer, _CoreConstructor, _CoreResolver):
    """PyYAML's pure-Python parser with the core schema, for when libyaml is missing.

    NOTE: unlike libyaml, it rejects a plain `?`, `[` or `]` inside a flow
    mapping, so `{reason: string?}` needs quotes here.
    """

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreConstructor.__init__(self)
        _CoreResolver.__init__(self)


if CParser is not None:

    class _LibyamlLoader(CParser, _CoreConstructor, _CoreResolver):  # type: ignore[misc,valid-type]
        """The libyaml parser with the core schema; it notes repeated keys."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _CoreConstructor.__init__(self)
            _CoreResolver.__init__(self)
            self.has_duplicate_keys = False

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
            # A cheap test, so that only a file with a repeated key pays for
            # the node walk of `_find_duplicate_keys`.
            own_keys = [key for key, _ in node.value if key.tag != _MERGE_TAG]
            has_merge = len(own_keys) < len(node.value)
            if has_merge:
                # Merged keys may be overridden, so only the keys written in
                # this mapping are compared, by their text.
                texts = {
                    (key.tag, key.value)
                    for key in own_keys
                    if isinstance(key, ScalarNode)
                }
                if len(texts) < len(own_keys):
                    self.has_duplicate_keys = True
            mapping = super().construct_mapping(node, deep=deep)
            if not has_merge and len(mapping) < len(node.value):
                self.has_duplicate_keys = True
            return mapping


def _new_loader(text: str) -> Any:
    """Return a loader for text, preferring libyaml.

    Raises:
        yaml.YAMLError: the text contains a character that YAML does not allow.
    """
    if CParser is not None:
        return _LibyamlLoader(text)
    return _PythonLoader(text)


# --- Results ----------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateKey:
    """A key written twice in one mapping; the data keeps the last value."""

    key_path: tuple[Hashable, ...]
    first_line: int | None
    line: int | None

    @property
    def key(self) -> Hashable:
        return self.key_path[-1]


@dataclass
class Loaded:
    """A parsed file: its data, its name for messages and its key positions."""

    data: Any
    file: str
    duplicate_keys: list[DuplicateKey] = field(default_factory=list)
    text: str | None = field(default=None, repr=False)
    _positions: _Positions | None = field(default=None, repr=False)
    _positions_failed: bool = field(default=False, repr=False)

    def line_of(self, key_path: KeyPath) -> int | None:
        """Return the 1-based line of a key or list item.

        `key_path` mixes mapping keys and list indexes, such as
        `("services", "payments", "capabilities", 1, "effect")`. A missing key
        gives the line of its nearest parent that exists. Returns None only
        when the text cannot be parsed for positions (see `_read_positions`).
        """
        positions = self._ensure_positions()
        if positions is None:
            return None
        return positions.line_of(key_path)

    def display_path(self, key_path: KeyPath) -> str:
        """Format a key path for a message: `services.payments.capabilities[1]`.

        List indexes get brackets and mapping keys, numbers included, get
        dots; a key that could be misread is quoted, as `display_key_path`
        writes it.
        """
        parts: list[str | int] = []
        value = self.data
        for part in key_path:
            if (
                isinstance(value, list)
                and isinstance(part, int)
                and not isinstance(part, bool)
            ):
                parts.append(part)
                value = value[part] if 0 <= part < len(value) else None
            else:
                parts.append(str(part))
                value = value.get(part) if isinstance(value, dict) else None
        return display_key_path(parts)

    @property
    def positions_built(self) -> bool:
        """Whether positions are available without parsing the text again."""
        return self._positions is not None

    def _ensure_positions(self) -> _Positions | None:
        if (
            self._positions is None
            and self.text is not None
            and not self._positions_failed
        ):
            logger.debug("parsing %s again to find line numbers", self.file)
            self._positions = _read_positions(self.text)
            self._positions_failed = self._positions is None
        return self._positions


_LINE_BREAK = re.compile(r"\r\n?|\n")


class _LineIndex:
    """Map a character offset in a text to its line and column, both from 1.

    Lines end at LF, CR LF or CR only, as in YAML 1.2 and text editors. The
    offset of each line start is found on the first lookup.
    """

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._starts = array("q", [0])

    def line(self, offset: int) -> int:
        return bisect_right(self._line_starts(), offset)

    def column(self, offset: int) -> int:
        starts = self._line_starts()
        return offset - starts[bisect_right(starts, offset) - 1] + 1

    def _line_starts(self) -> array[int]:
        if self._text is not None:
            self._starts.extend(
                match.end() for match in _LINE_BREAK.finditer(self._text)
            )
            self._text = None
        return self._starts


class _Positions:
    """Line lookup over a YAML node tree; each mapping is indexed when first used."""

    def __init__(self, root: Node, lines: _LineIndex) -> None:
        self.root = root
        self.lines = lines
        self._indexes: dict[int, dict[tuple[type, Hashable], tuple[Node, Node]]] = {}
        self._key_constructor = _CoreConstructor()

    def line_of(self, key_path: KeyPath) -> int:
        node = self.root
        start = node.start_mark
        for part in key_path:
            if isinstance(node, MappingNode):
                entry = self._index(node, frozenset()).get(_key_marker(part))
                if entry is None:
                    break
                key_node, node = entry
                start = key_node.start_mark
            elif isinstance(node, SequenceNode) and _is_index(part, len(node.value)):
                assert isinstance(part, int)
                node = node.value[part]
                start = node.start_mark
            else:
                break
        return self.lines.line(start.index)

    def _index(
        self, node: MappingNode, active: frozenset[int]
    ) -> dict[tuple[type, Hashable], tuple[Node, Node]]:
        index = self._indexes.get(id(node))
        if index is not None:
            return index

        # Keys written in the mapping override merged ones, and among several
        # merged mappings the first one listed wins, as in the data. Building
        # the data already applied the merges of a small file to its nodes.
        index = {}
        own = []
        sources: list[Node] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node))
            elif isinstance(value_node, SequenceNode):
                sources.extend(value_node.value)
            else:
                sources.append(value_node)
        for source in reversed(sources):
            if isinstance(source, MappingNode) and id(source) not in active:
                index.update(self._index(source, active | {id(node)}))
        for key_node, value_node in own:
            key = _construct_key(self._key_constructor, key_node)
            if key is not _NO_KEY:
                index[_key_marker(key)] = (key_node, value_node)

        self._indexes[id(node)] = index
        return index


_NO_KEY = object()


def _construct_key(constructor: SafeConstructor, node: Node) -> Any:
    """Return the value of a scalar key node, or `_NO_KEY` when it has none."""
    if not isinstance(node, ScalarNode):
        return _NO_KEY
    try:
        key = constructor.construct_object(node)
    except (yaml.YAMLError, ValueError):
        return _NO_KEY
    return key if isinstance(key, Hashable) else _NO_KEY


def _key_marker(key: Hashable) -> tuple[type, Hashable]:
    # `True == 1` in Python, but the YAML keys `true` and `1` differ.
    return (type(key), key)


def _is_index(part: Hashable, length: int) -> bool:
    return isinstance(part, int) and not isinstance(part, bool) and 0 <= part < length


def _read_positions(text: str) -> _Positions | None:
    """Parse text again for its positions only; return None when that fails.

    JSON is read as YAML, with tabs turned into spaces: JSON allows them
    between tokens and YAML does not, and a tab inside a JSON string is
    always escaped.
    NOTE: a few valid JSON files are not valid YAML (keys over 1024
    characters, some control characters); their problems get no line.
    """
    lines = _LineIndex(text)
    if _looks_like_json(text):
        text = text.replace("\t", " ")
    try:
        root = _new_loader(text).get_single_node()
    except (yaml.YAMLError, RecursionError):
        return None
    return None if root is None else _Positions(root, lines)


def _find_duplicate_keys(root: Node, lines: _LineIndex) -> list[DuplicateKey]:
    """Find every key written twice in one mapping, before merges are applied."""
    constructor = _CoreConstructor()
    found = []
    visited: set[int] = set()
    pending: list[tuple[Node, tuple[Hashable, ...]]] = [(root, ())]
    while pending:
        node, path = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))

        if isinstance(node, SequenceNode):
            pending.extend(
                (item, (*path, index)) for index, item in enumerate(node.value)
            )
        elif isinstance(node, MappingNode):
            first_offsets: dict[tuple[type, Hashable], int] = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:
                    pending.append((value_node, path))
                    continue
                key = _construct_key(constructor, key_node)
                if key is _NO_KEY:
                    continue
                offset = key_node.start_mark.index
                marker = _key_marker(key)
                if marker in first_offsets:
                    first_line = lines.line(first_offsets[marker])
                    found.append(
                        DuplicateKey((*path, key), first_line, lines.line(offset))
                    )
                else:
                    first_offsets[marker] = offset
                pending.append((value_node, (*path, key)))

    return sorted(found, key=lambda duplicate: duplicate.line or 0)


# --- Reading a file ---------------------------------------------------------


@dataclass(frozen=True)
class FileSizeLimit:
    """The largest file to read, and the hint for a user whose file is larger."""

    max_bytes: int
    hint: str


DEFAULT_FILE_SIZE_LIMIT = FileSizeLimit(
    DEFAULT_MAX_FILE_BYTES,
    "check that the path names the intended file; `nanogen split` and "
    "`nanogen convert` read larger files with --max-file-size",
)
CAPABILITY_LIST_SIZE_LIMIT = FileSizeLimit(
    MAX_CAPABILITY_LIST_BYTES,
    "check that the path names a capability list; a list this large is not supported",
)

_file_size_limit: ContextVar[FileSizeLimit] = ContextVar(
    "nanogen_file_size_limit", default=DEFAULT_FILE_SIZE_LIMIT
)


@contextlib.contextmanager
def file_size_limit(limit: FileSizeLimit) -> Iterator[None]:
    """Apply `limit` to every file read inside the block without a limit of its own.

    `nanogen split` sets it once for the input and every file its `$ref`s reach.
    """
    token = _file_size_limit.set(limit)
    try:
        yield
    finally:
        _file_size_limit.reset(token)


def load_file(
    path: str | Path,
    *,
    require_mapping: bool = True,
    size_limit: FileSizeLimit | None = None,
) -> Loaded:
    """Read a YAML or JSON file whose top level is a mapping.

    A file named `*.json`, or one whose content starts with `{`, is parsed
    with `json` first. Keys written twice in one mapping are not an error
    here: they are listed in `Loaded.duplicate_keys` for the caller to
    report with its other problems. With `require_mapping=False` the top
    level may be any value, for files that `$ref` points to. `size_limit`
    defaults to the one that `file_size_limit` set, else
    `DEFAULT_FILE_SIZE_LIMIT`.

    Raises:
        InputError: the file is missing, not a regular file, unreadable,
            larger than the size limit, not UTF-8, not valid YAML or JSON,
            empty, not a mapping at the top level (unless allowed), nested
            too deep, or its aliases or merge keys refer to themselves or
            expand too far.
    """
    file = str(path)
    text = _read_text(Path(path), file, size_limit)

    loaded = None
    if Path(path).suffix.lower() == ".json":
        loaded = _load_json(text, file, report_errors=True)
    elif _looks_like_json(text):
        loaded = _load_json(text, file, report_errors=False)
    if loaded is None:
        loaded = _load_yaml(text, file)

    _check_top_level(loaded, require_mapping=require_mapping)
    _check_structure(loaded)
    return loaded


def _read_text(path: Path, file: str, size_limit: FileSizeLimit | None = None) -> str:
    """Read a regular file of at most the size limit as UTF-8 text."""
    limit = size_limit or _file_size_limit.get()
    content = _read_bytes(path, file, limit)
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # Latin-1 keeps every byte at its offset, and line breaks are ASCII.
        line = _LineIndex(content[: error.start].decode("latin-1")).line(error.start)
        byte = content[error.start : error.start + 1].hex()
        raise input_error(
            f"file is not valid UTF-8: byte 0x{byte} cannot be decoded",
            "save the file as UTF-8",
            file=file,
            line=line,
        ) from None


def _read_bytes(path: Path, file: str, limit: FileSizeLimit) -> bytes:
    # The type is checked before the file is opened, because opening a FIFO
    # waits for a writer and opening a device can have effects of its own.
    try:
        status = path.stat()
    except OSError as error:
        raise _read_error(error, path, file) from None
    _check_regular_file(status, file, limit)

    # With O_NONBLOCK, opening a FIFO that replaced the file after the check
    # returns at once, and fstat then rejects it.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise _read_error(error, path, file) from None
    with os.fdopen(descriptor, "rb") as stream:
        _check_regular_file(os.fstat(descriptor), file, limit)
        try:
            content = stream.read(limit.max_bytes + 1)
        except OSError as error:
            raise _read_error(error, path, file) from None
    if len(content) > limit.max_bytes:
        # The file grew after fstat, or reports no size, as files in /proc do.
        raise _too_large(None, file, limit)
    return content


def _check_regular_file(
    status: os.stat_result, file: str, limit: FileSizeLimit
) -> None:
    mode = status.st_mode
    if stat.S_ISDIR(mode):
        raise input_error(
            "is a folder, not a file", "give the path of a YAML or JSON file", file=file
        )
    if not stat.S_ISREG(mode):
        raise input_error(
            f"is {_file_kind(mode)}, not a regular file",
            "give the path of a YAML or JSON file; nanogen does not read pipes, "
            "sockets or devices, because reading them may never end",
            file=file,
        )
    if status.st_size > limit.max_bytes:
        raise _too_large(status.st_size, file, limit)


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "a special file"


def _too_large(size: int | None, file: str, limit: FileSizeLimit) -> InputError:
    message = "file is" if size is None else f"file is {_size_text(size)},"
    message += f" larger than the limit of {_size_text(limit.max_bytes)}"
    return input_error(message, limit.hint, file=file)


def _size_text(size: int) -> str:
    """Write a size in bytes below 1 MiB, else in MiB rounded up to a tenth."""
    if size < MIB:
        return f"{size:,} bytes"
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    return f"{math.ceil(size * 10 / MIB) / 10} MiB"


def _read_error(error: OSError, path: Path, file: str) -> InputError:
    if isinstance(error, FileNotFoundError):
        return input_error("file not found", "check the path", file=file)
    if isinstance(error, NotADirectoryError):
        parent = next(
            (part for part in reversed(path.parents) if part.is_file()), path.parent
        )
        return input_error(
            f"file not found: {str(parent)!r} is a file, not a folder",
            "check the path",
            file=file,
        )
    if isinstance(error, PermissionError):
        return input_error(
            "cannot read the file: permission denied",
            "check the permissions of the file and of the folders above it",
            file=file,
        )
    return input_error(
        f"cannot read the file: {error.strerror or error}",
        "check the path and the file",
        file=file,
    )


def _looks_like_json(text: str) -> bool:
    return text.lstrip()[:1] == "{"


def _load_json(text: str, file: str, *, report_errors: bool) -> Loaded | None:
    """Parse JSON; on a syntax error raise when `report_errors`, else return None."""
    repeated: list[Hashable] = []

    def build_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) < len(pairs):
            repeated.append(pairs[0][0])
        return result

    def reject_constant(name: str) -> None:
        raise ValueError(f"{name} is not a JSON number")

    try:
        data = json.loads(
            text, object_pairs_hook=build_object, parse_constant=reject_constant
        )
    except json.JSONDecodeError as error:
        if not report_errors:
            return None
        # `json` counts LF only, so a line that ends in a lone CR is not counted.
        lines = _LineIndex(text)
        raise input_error(
            f"invalid JSON at column {lines.column(error.pos)}: "
            f"{_lower_first(error.msg)}",
            "fix the JSON syntax at that position",
            file=file,
            line=lines.line(error.pos),
        ) from None
    except ValueError as error:
        if not report_errors:
            return None
        raise input_error(
            f"invalid JSON: {error}", "write the number as digits", file=file
        ) from None
    except RecursionError:
        raise _too_deep(file, None) from None

    loaded = Loaded(data, file, text=text)
    if repeated:
        positions = loaded._ensure_positions()
        if positions is None:
            loaded.duplicate_keys = [
                DuplicateKey((key,), None, None) for key in repeated
            ]
        else:
            loaded.duplicate_keys = _find_duplicate_keys(
                positions.root, positions.lines
            )
    return loaded


def _load_yaml(text: str, file: str) -> Loaded:
    large = len(text) > FAST_PATH_BYTES and CParser is not None
    lines = _LineIndex(text)
    _check_hidden_breaks(text, file, lines)
    root = None
    duplicates: list[DuplicateKey] = []
    try:
        loader = _new_loader(text)
        if large:
            data = loader.get_single_data()
        else:
            root = loader.get_single_node()
            duplicates = [] if root is None else _find_duplicate_keys(root, lines)
            data = None if root is None else loader.construct_document(root)
    except yaml.YAMLError as error:
        raise _syntax_error(error, text, file) from None
    except _MergeError as error:
        raise input_error(
            error.message, error.hint, file=file, line=lines.line(error.mark.index)
        ) from None
    except RecursionError:
        raise _too_deep(file, None) from None

    positions = None if root is None else _Positions(root, lines)
    loaded = Loaded(data, file, duplicates, text, positions)
    if large and loader.has_duplicate_keys:
        positions = loaded._ensure_positions()
        if positions is not None:
            loaded.duplicate_keys = _find_duplicate_keys(
                positions.root, positions.lines
            )
    return loaded


# The characters that the parsers read as line breaks and YAML 1.2 does not,
# with their names and their escapes in a double-quoted YAML string.
_HIDDEN_BREAKS = {
    "\x85": ("NEL (U+0085)", "\\N"),
    "\u2028": ("LS (U+2028)", "\\L"),
    "\u2029": ("PS (U+2029)", "\\P"),
}
_HIDDEN_BREAK = re.compile("[\x85\u2028\u2029]")


def _check_hidden_breaks(text: str, file: str, lines: _LineIndex) -> None:
    """Reject a NEL, LS or PS that the parser would read as a line break.

    Inside a quoted scalar the parsers keep LS and PS, but fold NEL into a
    space, so only a quoted LS or PS is accepted. The text is scanned only
    up to a syntax error, which the parse that follows reports.
    """
    if _HIDDEN_BREAK.search(text) is None:
        return
    quoted_starts: list[int] = []
    quoted_ends: list[int] = []
    scanned = len(text)
    loader = _new_loader(text)
    try:
        while loader.check_token():
            token = loader.get_token()
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                quoted_starts.append(token.start_mark.index)
                quoted_ends.append(token.end_mark.index)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        scanned = mark.index if mark is not None else 0

    for match in _HIDDEN_BREAK.finditer(text, 0, scanned):
        offset = match.start()
        quote = bisect_right(quoted_starts, offset) - 1
        if match.group() != "\x85" and quote >= 0 and offset < quoted_ends[quote]:
            continue
        name, escape = _HIDDEN_BREAKS[match.group()]
        raise input_error(
            f"{name} at column {lines.column(offset)} is a line break to nanogen's "
            "YAML parser, which follows YAML 1.1, but not to YAML 1.2 or text "
            "editors",
            f"remove it, or write it as {escape} inside a double-quoted string",
            file=file,
            line=lines.line(offset),
        )


def _check_top_level(loaded: Loaded, *, require_mapping: bool) -> None:
    if isinstance(loaded.data, dict):
        return
    if loaded.data is None and not _has_content(loaded.text or ""):
        raise input_error(
            "file is empty",
            "write a YAML or JSON mapping of keys to values",
            file=loaded.file,
            line=1,
        )
    if not require_mapping:
        return
    raise input_error(
        f"the top level is {json_type_name(loaded.data)}, not a mapping",
        "write keys and values at the top level, such as 'nanogen: 1'",
        file=loaded.file,
        line=loaded.line_of(()) or 1,
    )


def _has_content(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped not in ("---", "..."):
            return True
    return False


def _check_structure(loaded: Loaded) -> None:
    """Reject data nested too deep, aliases that contain themselves, and alias bombs."""
    data = loaded.data
    sizes: dict[int, int] = {}
    active = {id(data)}
    unique = 0
    # Each entry: a container, an iterator over its (key, value) pairs, its
    # key path, and the expanded size of what has been counted in it so far.
    stack: list[list[Any]] = [[data, iter(_children(data)), (), 1]]
    while stack:
        entry = stack[-1]
        container, children, path, _ = entry
        child = next(children, None)
        if child is None:
            stack.pop()
            active.discard(id(container))
            sizes[id(container)] = entry[3]
            if stack:
                stack[-1][3] += entry[3]
            continue

        key, value = child
        if not isinstance(value, dict | list):
            entry[3] += 1
            unique += 1
        elif id(value) in active:
            raise input_error(
                "a YAML alias refers to a mapping or list that contains it",
                "replace the alias with a copy of the data it refers to",
                file=loaded.file,
                line=loaded.line_of((*path, key)),
            )
        elif id(value) in sizes:
            entry[3] += sizes[id(value)]
        elif len(stack) >= MAX_DEPTH:
            raise _too_deep(loaded.file, loaded.line_of((*path, key)))
        else:
            unique += 1
            active.add(id(value))
            stack.append([value, iter(_children(value)), (*path, key), 1])

        # A partial count is a lower bound, so checking the container being
        # counted stops an alias bomb before all of it is counted.
        expanded = entry[3]
        if expanded > MAX_EXPANDED_VALUES and expanded > MAX_ALIAS_EXPANSION * unique:
            raise input_error(
                f"YAML aliases expand the data to more than {MAX_EXPANDED_VALUES:,} values",
                "write the data out instead of repeating it through aliases",
                file=loaded.file,
                line=loaded.line_of(path),
            )


def _children(value: Any) -> Any:
    if isinstance(value, dict):
        return value.items()
    if isinstance(value, list):
        return enumerate(value)
    return ()


def _too_deep(file: str, line: int | None) -> InputError:
    return input_error(
        f"data is nested more than {MAX_DEPTH} levels deep",
        "flatten the structure",
        file=file,
        line=line,
    )


# --- YAML syntax errors -----------------------------------------------------

# nanogen's wording of the syntax errors that PyYAML and libyaml report: a
# pattern that matches either parser's problem text, a message and a hint.
# `{found}` is the text at the error position, `{opened}` the line where the
# enclosing structure starts.
_SYNTAX_MESSAGES: list[tuple[re.Pattern[str], str, str]] = [
    (
        re.compile(r"mapping values are not allowed"),
        "a ':' cannot start a value here",
        "quote the value if it contains ': ', or fix the indentation",
    ),
    (
        re.compile(
            r"found character '\\t'|tab character (that violates|where an indentation)"
        ),
        "a tab character cannot indent YAML",
        "indent with spaces",
    ),
    (
        re.compile(r"tab character inside a line"),
        "a tab character cannot separate values here",
        "replace it with a space",
    ),
    (
        re.compile(r"(block )?sequence entries are not allowed"),
        "a '-' list item cannot start on the line of its key",
        "start the list on the next line, indented deeper than the key, or quote "
        "the value if the '-' is part of the text",
    ),
    (
        re.compile(r"mapping keys are not allowed"),
        "'?' cannot start a value here",
        "quote the value",
    ),
    (
        re.compile(r"that cannot start any token"),
        "{found!r} cannot start a value",
        "quote the value",
    ),
    (
        re.compile(r"expected <block end>|did not find expected (key|'-' indicator)"),
        "this line is not indented like the keys or list items before it",
        "indent it as far as the keys or list items it belongs with",
    ),
    (
        re.compile(r"could not find expected ':'"),
        "a key has no ':' after it",
        "add ': ' after the key, or quote the text",
    ),
    (
        re.compile(r"found undefined alias"),
        "alias {found!r} refers to no anchor",
        "define the anchor with '&' before this line",
    ),
    (
        re.compile(r"found unexpected end of stream"),
        "the file ends inside a quoted string",
        "close the quote opened on line {opened}",
    ),
    (
        re.compile(r"plain value contains a flow indicator"),
        "a plain value inside '{{...}}' or '[...]' cannot contain {found!r}",
        'quote the value, such as "string?" or "Money[]"',
    ),
    (
        re.compile(r"expected ',' or '\]'"),
        "a '[' list is not closed",
        "close the list opened on line {opened} with ']'",
    ),
    (
        re.compile(r"expected ',' or '}'"),
        "a '{{' mapping is not closed",
        "close the mapping opened on line {opened} with '}}'",
    ),
    (
        re.compile(r"expected (the )?node content"),
        "a value is missing",
        "write a value, or remove the ',' or ':' before this position",
    ),
    (
        re.compile(r"expected <document start>"),
        "the line does not belong to the structure above it",
        "indent it under the key it belongs to, or remove it",
    ),
    (
        re.compile(r"exceeded maximum nesting depth"),
        "lists and mappings are nested too deep",
        "flatten the structure",
    ),
    (
        re.compile(r"but found another document"),
        "the file contains more than one YAML document",
        "remove the '---' line and keep one document",
    ),
    (
        re.compile(r"second occurrence"),
        "an anchor name is defined twice, first on line {opened}",
        "give each anchor a different name",
    ),
    (
        re.compile(r"unsupported YAML tag"),
        "unsupported YAML tag {found!r}",
        "remove the tag, because nanogen reads plain data only",
    ),
    (
        re.compile(r"found unhashable key"),
        "a key is a list or mapping",
        "use a string or number as the key",
    ),
    (
        re.compile(r"unknown escape character"),
        "'{found}' is not an escape that a double-quoted string knows",
        'write a backslash as \\\\ inside double quotes, as in "^\\\\d+$", or use '
        "single quotes, inside which a backslash is plain: '^\\d+$'",
    ),
    (
        re.compile(r"unacceptable character"),
        "control character {found!r} is not allowed in YAML",
        "remove it, or write it as an escape in a double-quoted string",
    ),
]


def _syntax_error(error: yaml.YAMLError, text: str, file: str) -> InputError:
    """Turn a PyYAML or libyaml error into a message with the line, column and fix."""
    line = column = opened = None
    found = ""
    problem = str(error)
    lines = _LineIndex(text)
    if isinstance(error, yaml.MarkedYAMLError):
        problem = error.problem or ""
        mark = error.problem_mark
        if mark is not None:
            line, column = lines.line(mark.index), lines.column(mark.index)
            found = _token_at(text, mark.index)
            diagnosis = _diagnose_syntax_error(error, mark.index, text, lines)
            if diagnosis is not None:
                return input_error(
                    f"invalid YAML at column {lines.column(diagnosis.index)}: "
                    + diagnosis.message,
                    diagnosis.hint,
                    file=file,
                    line=lines.line(diagnosis.index),
                )
        if error.context_mark is not None:
            opened = lines.line(error.context_mark.index)
    elif isinstance(error, yaml.reader.ReaderError) and isinstance(error.position, int):
        # A ReaderError has the offset of the character, not a line. libyaml
        # reads the text as UTF-8 and gives the offset in bytes.
        offset = error.position
        if CParser is not None:
            encoded = text.encode("utf-8", "surrogatepass")[:offset]
            offset = len(encoded.decode("utf-8", "ignore"))
        line = lines.line(offset)
        problem = "unacceptable character"
        found = chr(error.character) if isinstance(error.character, int) else ""
    if "unsupported YAML tag" in problem:
        found = problem.split("'")[1]
    if "unknown escape character" in problem and isinstance(
        error, yaml.MarkedYAMLError
    ):
        # libyaml marks the backslash, PyYAML the character after it.
        index = error.problem_mark.index if error.problem_mark else 0
        if text[index : index + 1] != "\\" and text[index - 1 : index] == "\\":
            index -= 1
        found = text[index : index + 2]
        line, column = lines.line(index), lines.column(index)
    if found == "\t" and "cannot start any token" in problem:
        problem = "tab character that violates indentation"
        mark = getattr(error, "problem_mark", None)
        tab = 0 if mark is None else mark.index
        if text[_line_start(tab, lines) : tab].strip(" \t"):
            # After text, as in `-<tab>name: x`, or in `key:<tab>value`, which
            # only PyYAML's pure-Python scanner rejects.
            problem = "tab character inside a line"
    if (
        re.search(r"expected ',' or '[\]}]'", problem)
        and found in ("?", "[", "]", "{", "}")
        and isinstance(error, yaml.MarkedYAMLError)
        and error.problem_mark is not None
        and text[error.problem_mark.index - 1 : error.problem_mark.index].strip(",{[")
    ):
        # Right after a word, as in `{tags: string[]}`: the parser took the
        # character for the start or end of a flow collection.
        problem = "plain value contains a flow indicator"

    where = "invalid YAML" if column is None else f"invalid YAML at column {column}"
    for pattern, message, hint in _SYNTAX_MESSAGES:
        if pattern.search(problem):
            return input_error(
                f"{where}: " + message.format(found=found, opened=opened or line),
                hint.format(found=found, opened=opened or line),
                file=file,
                line=line,
            )
    return input_error(
        f"{where}: {_lower_first(problem.strip()) or 'the parser failed'}",
        "fix the syntax at that position",
        file=file,
        line=line,
    )


@dataclass(frozen=True)
class _Diagnosis:
    """The cause of a syntax error where the parser's own position misleads."""

    index: int  # offset of the character that the message points at
    message: str
    hint: str


@dataclass
class _TokenScan:
    """The tokens around a syntax error, from scanning the text once more.

    `before` ends with the last tokens that start before the error position,
    and `after` contains the tokens from there to the end of its line.
    `item_columns` maps the column of each block list that is still open at
    the error position to the line of its latest '-' item, and `key_columns`
    does the same for block mappings and their latest key.
    """

    before: deque[Any] = field(default_factory=lambda: deque(maxlen=4))
    after: list[Any] = field(default_factory=list)
    item_columns: dict[int, int] = field(default_factory=dict)
    key_columns: dict[int, int] = field(default_factory=dict)


def _scan_tokens(text: str, index: int, lines: _LineIndex) -> _TokenScan:
    """Scan the tokens of `text` up to the end of the line of `index`.

    The scan stops early at the syntax error when the scanner raises one.
    """
    scan = _TokenScan()
    line_end = _line_end(text, index)
    flow_depth = 0

    def take(token: Any) -> bool:
        nonlocal flow_depth
        start = token.start_mark.index
        if start > line_end:
            return False
        if start >= index:
            scan.after.append(token)
            return True
        scan.before.append(token)
        if isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            flow_depth += 1
        elif isinstance(token, (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            flow_depth = max(flow_depth - 1, 0)
        elif flow_depth == 0 and isinstance(token, yaml.KeyToken):
            # A key closes the lists at its column or deeper and the mappings
            # deeper than it. A list may sit at the column of its own key.
            column = lines.column(start)
            _close_columns(scan.item_columns, column)
            _close_columns(scan.key_columns, column + 1)
            scan.key_columns[column] = lines.line(start)
        elif flow_depth == 0 and isinstance(token, yaml.BlockEntryToken):
            column = lines.column(start)
            _close_columns(scan.item_columns, column)
            _close_columns(scan.key_columns, column + 1)
            scan.item_columns[column] = lines.line(start)
        return True

    try:
        loader = _new_loader(text)
    except yaml.YAMLError:
        return scan
    try:
        while loader.check_token():
            if not take(loader.get_token()):
                return scan
    except yaml.YAMLError:
        # The pure-Python scanner keeps the tokens that it read ahead in
        # `tokens` until it can tell whether a scalar is a key. libyaml keeps none.
        for token in list(getattr(loader, "tokens", [])):
            if not take(token):
                break
    return scan


def _close_columns(columns: dict[int, int], first: int) -> None:
    """Remove the entries of `columns` at column `first` and to its right."""
    for column in [column for column in columns if column >= first]:
        del columns[column]


def _diagnose_syntax_error(
    error: yaml.MarkedYAMLError, index: int, text: str, lines: _LineIndex
) -> _Diagnosis | None:
    """Find the cause of the error at `index` where the parser's wording misleads.

    Returns None where the table `_SYNTAX_MESSAGES` describes the error well.
    """
    problem = error.problem or ""
    context = error.context or ""
    if "could not find expected ':'" in problem and error.context_mark is not None:
        # The parser notices the missing ':' only on the next line, so the
        # message points at the key, where the parser began to scan it.
        start = error.context_mark.index
        return _Diagnosis(
            start, "a key has no ':' after it", _missing_colon_hint(text, start)
        )
    if "unexpected end of stream" in problem and "quoted scalar" in context:
        if error.context_mark is not None:
            start = error.context_mark.index
            quote = text[start]
            return _Diagnosis(
                start,
                "the quoted string that starts here is not closed before the end "
                "of the file",
                f"add the closing {quote} where the string ends",
            )
    if not re.search(
        r"mapping values are not allowed"
        r"|expected ',' or '[\]}]'"
        r"|expected <block end>|did not find expected (key|'-' indicator)",
        problem,
    ):
        return None

    scan = _scan_tokens(text, index, lines)
    previous = next(
        (
            token
            for token in reversed(scan.before)
            if isinstance(token, yaml.ScalarToken)
        ),
        None,
    )
    runaway = _runaway_quote(previous, index, text, lines)
    if runaway is not None:
        return runaway
    if "mapping values are not allowed" in problem:
        return _diagnose_colon_after_lines(scan, previous, index, text, lines)
    if "expected ','" in problem:
        return _diagnose_flow_entry(scan, previous, problem, index, text, lines)
    return _diagnose_block_position(scan, previous, index, text, lines)


def _runaway_quote(
    previous: Any, index: int, text: str, lines: _LineIndex
) -> _Diagnosis | None:
    """Diagnose a quoted string that spans lines and ends on the error's line.

    A quote left open runs on to the next quote character of its kind, often
    lines further down, where the text after it then fails to parse.
    """
    if previous is None or previous.style not in ('"', "'"):
        return None
    start, end = previous.start_mark.index, previous.end_mark.index
    if lines.line(start) == lines.line(end) or lines.line(end) != lines.line(index):
        return None
    quote = previous.style
    return _Diagnosis(
        start,
        "the quoted string that starts here is not closed on its line, so it runs "
        f"on to the {quote} on line {lines.line(end)}",
        f"add the closing {quote} where the string ends",
    )


def _diagnose_colon_after_lines(
    scan: _TokenScan, previous: Any, index: int, text: str, lines: _LineIndex
) -> _Diagnosis | None:
    """Diagnose a ':' that ends a plain value which started on an earlier line."""
    if previous is None or not previous.plain:
        return None
    start = previous.start_mark.index
    if lines.line(start) == lines.line(index):
        return None
    line_start = _line_start(start, lines)
    if re.fullmatch(r"[ ]*(-[ ]+)*", text[line_start:start]):
        # The value starts its line, so that line is a key without its ':'
        # and the lines after it, up to this ':', continue the value.
        return _Diagnosis(
            start,
            "a key has no ':' after it, so YAML reads the text up to the ':' on "
            f"line {lines.line(index)} as one value",
            _missing_colon_hint(
                text, start, "or quote the value if the text contains ': '"
            ),
        )

    # The value follows a key on an earlier line, and this line, indented
    # deeper than that key, continues it.
    tokens = list(scan.before)
    position = next(
        (number for number, token in enumerate(tokens) if token is previous), None
    )
    if position is None or position < 2:
        return None
    key = tokens[position - 2]
    if not isinstance(tokens[position - 1], yaml.ValueToken) or not isinstance(
        key, yaml.ScalarToken
    ):
        return None

    key_line = lines.line(key.start_mark.index)
    spaces = lines.column(key.start_mark.index) - 1
    return _Diagnosis(
        _content_start(text, index, lines),
        f"this line is indented deeper than the key {key.value!r} on line "
        f"{key_line}, so YAML reads it as part of the value of {key.value!r}",
        f"indent it as far as {key.value!r} ({spaces} spaces), or quote the value "
        "if the text contains ': '",
    )


def _diagnose_flow_entry(
    scan: _TokenScan,
    previous: Any,
    problem: str,
    index: int,
    text: str,
    lines: _LineIndex,
) -> _Diagnosis | None:
    """Diagnose text inside '{...}' or '[...]' where a ',' or the end belongs."""
    brackets = "'{...}'" if "}" in problem else "'[...]'"
    line = lines.line(index)
    if index >= len(text.rstrip()) or previous is None:
        return None  # The file ends inside the brackets: the table's message.
    found = text[index]
    if found in "?[]{}" and text[index - 1 : index].strip(",{["):
        return None  # A bracket inside a word: the table's message.

    last = scan.before[-1] if scan.before else None
    if found != ":" and last is not None and last.end_mark.index == index:
        after_quote = _text_after_quote(last, index)
        if after_quote is not None:
            return after_quote

    if found == ":":
        return _diagnose_flow_colon(scan, previous, last, brackets, index, text, lines)

    # Text after a value on the same line, as in `{a: "b" c}`. On a later
    # line it is more likely that the brackets are not closed.
    if last is None or lines.line(last.end_mark.index) != line:
        return None
    following = scan.after[0] if scan.after else None
    if isinstance(following, yaml.ScalarToken) and following.start_mark.index == index:
        found = following.value
    return _Diagnosis(
        index,
        f"a ',' is missing before {found!r} inside {brackets}",
        "put a ',' between two entries, or quote the whole value",
    )


def _diagnose_flow_colon(
    scan: _TokenScan,
    previous: Any,
    last: Any,
    brackets: str,
    index: int,
    text: str,
    lines: _LineIndex,
) -> _Diagnosis | None:
    """Diagnose a ':' in '{...}' or '[...]' where a ',' or the closing bracket belongs."""
    if last is not previous:
        # After a nested '{...}' or '[...]'.
        return _Diagnosis(
            index,
            f"a ':' follows {text[last.end_mark.index - 1]!r} inside {brackets}",
            "put a ',' between two entries",
        )
    if not previous.plain:
        return _Diagnosis(
            index,
            f"a ':' follows a quoted value inside {brackets}",
            "put a ',' between two entries, or move the ':' inside the quotes",
        )
    start = previous.start_mark.index
    if lines.line(start) == lines.line(index):
        after = next(
            (
                token
                for token in scan.after
                if isinstance(token, yaml.ScalarToken) and token.plain
            ),
            None,
        )
        end = index + 1 if after is None else after.end_mark.index
        value = text[start : min(end, _line_end(text, index))].rstrip()
        if len(value) > 60:
            value = value[:57].rstrip() + "..."
        return _Diagnosis(
            index,
            f"a plain value inside {brackets} cannot contain ': '",
            f"quote the value, such as {_quoted(value)}, or put a ',' between "
            "two entries",
        )

    # Whether a bracket after this point closes the one that is open here,
    # rather than one that opens after it.
    depth = 0
    closed_here = False
    for token in scan.after:
        if isinstance(token, (yaml.FlowMappingStartToken, yaml.FlowSequenceStartToken)):
            depth += 1
        elif isinstance(token, (yaml.FlowMappingEndToken, yaml.FlowSequenceEndToken)):
            depth -= 1
            if depth < 0:
                closed_here = True
                break
    if not closed_here:
        return None  # The brackets are not closed: the table's message.
    # The value before the ':' runs on from an earlier line, and the
    # brackets close on this line: a ',' is missing at a line break.
    key_start = _content_start(text, index, lines)
    return _Diagnosis(
        key_start,
        f"an entry inside {brackets} is not separated from the one before it by ','",
        f"add ',' at the end of line {_previous_content_line(text, key_start, lines)}",
    )


def _diagnose_block_position(
    scan: _TokenScan, previous: Any, index: int, text: str, lines: _LineIndex
) -> _Diagnosis | None:
    """Diagnose text that the block structure does not expect at `index`."""
    if text[_line_start(index, lines) : index].strip(" "):
        # Text after a value on the same line.
        last = scan.before[-1] if scan.before else None
        if last is None or lines.line(last.end_mark.index) != lines.line(index):
            return None
        return _text_after_quote(last, index)
    column = lines.column(index)
    if not re.match(r"-(\s|$)", text[index:]):
        return _key_after_value_line(scan, previous, index, text, lines)
    if scan.item_columns:
        # The open list whose items are nearest in indentation, the deeper
        # one on a tie.
        nearest = min(scan.item_columns, key=lambda c: (abs(c - column), -c))
        if nearest != column:
            return _Diagnosis(
                index,
                "this list item is not indented like the list items before it",
                f"indent its '-' by {nearest - 1} spaces, like the list item on line "
                f"{scan.item_columns[nearest]}",
            )
    if column in scan.key_columns:
        return _Diagnosis(
            index,
            "a list item cannot follow the key on line "
            f"{scan.key_columns[column]} at the same indentation",
            "write the list under the key it belongs to, indented deeper than that key",
        )
    return None


def _key_after_value_line(
    scan: _TokenScan, previous: Any, index: int, text: str, lines: _LineIndex
) -> _Diagnosis | None:
    """Diagnose a key that follows a line read as a value, at the same indentation.

    In `a:` followed by `  b c  # note` and `  d: 1`, the comment ends the
    value 'b c' of 'a', so the key 'd' cannot follow it. The line of 'b c'
    is the one that lacks a ':'.
    """
    last = scan.before[-1] if scan.before else None
    if last is None or last is not previous or not previous.plain:
        return None
    start = previous.start_mark.index
    if (
        lines.line(start) == lines.line(index)
        or lines.column(start) != lines.column(index)
        or text[_line_start(start, lines) : start].strip(" ")
    ):
        return None
    return _Diagnosis(
        start, "a key has no ':' after it", _missing_colon_hint(text, start)
    )


def _text_after_quote(token: Any, index: int) -> _Diagnosis | None:
    """Diagnose text at `index` after `token` where that is a quoted value.

    The usual cause is a quote character inside the value that ends it early.
    """
    if not isinstance(token, yaml.ScalarToken) or token.style not in ('"', "'"):
        return None
    quote = token.style
    escaped = "''" if quote == "'" else '\\"'
    other = '"' if quote == "'" else "'"
    return _Diagnosis(
        index,
        f"text follows the closing {quote} of a quoted value",
        f"write each {quote} inside the value as {escaped}, or quote the whole "
        f"value with {other} instead",
    )


def _missing_colon_hint(
    text: str,
    start: int,
    alternative: str = "or indent the line deeper if it continues the value above it",
) -> str:
    """Suggest the key line that starts at `start` with ': ' after its key."""
    content = text[start : _line_end(text, start)]
    content = re.split(r"\s#", content, maxsplit=1)[0].strip()
    key, _, rest = content.partition(" ")
    rest = rest.strip()
    if len(rest) > 40:
        rest = rest[:37].rstrip() + "..."
    hint = "add ': ' after the key"
    if re.fullmatch(r"[\w$.-]+", key):
        hint += f", such as {(f'{key}: {rest}' if rest else f'{key}:')!r}"
    return f"{hint}, {alternative}"


def _quoted(value: str) -> str:
    """Write `value` as a YAML quoted scalar."""
    if '"' in value or "\\" in value:
        return "'" + value.replace("'", "''") + "'"
    return f'"{value}"'


def _line_start(index: int, lines: _LineIndex) -> int:
    return index - lines.column(index) + 1


def _line_end(text: str, index: int) -> int:
    """Return the offset of the line break after `index`, or the text's length."""
    match = _LINE_BREAK.search(text, index)
    return len(text) if match is None else match.start()


def _content_start(text: str, index: int, lines: _LineIndex) -> int:
    """Return the offset of the first character other than a space on `index`'s line."""
    start = _line_start(index, lines)
    return start + len(text[start:index]) - len(text[start:index].lstrip(" "))


def _previous_content_line(text: str, index: int, lines: _LineIndex) -> int:
    """Return the line of the last character before `index` that is not whitespace."""
    before = text[:index].rstrip()
    return lines.line(max(len(before) - 1, 0))


def _token_at(text: str, index: int) -> str:
    """Return the character at `index`, or the whole alias or tag that starts there."""
    match = re.compile(r"[*!][^\s,\[\]{}]*|.").match(text, index)
    return match.group() if match else ""


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def duplicate_key_problem(duplicate: DuplicateKey, loaded: Loaded) -> Problem:
    """Describe a key written twice in one mapping."""
    lines = ""
    if duplicate.first_line is not None and duplicate.line is not None:
        lines = f", on lines {duplicate.first_line} and {duplicate.line}"
    return Problem(
        f"key {duplicate.key!r} is written twice in the same mapping{lines}",
        "remove or rename one of them, because only the last one is used",
        file=loaded.file,
        line=duplicate.line,
        key_path=loaded.display_path(duplicate.key_path),
    )
