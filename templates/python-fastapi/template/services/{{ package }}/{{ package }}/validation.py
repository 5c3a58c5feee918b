"""Checks of requests and responses against the OpenAPI document beside this module.

openapi.json beside this file is the service's emitted document. The app
checks requests and responses against its schemas with jsonschema (JSON
Schema 2020-12), through `SchemaValidator`, which matches patterns with RE2
(see `pattern_matcher`). This module is the same in every service that
nanogen generates; `contract` contains the facts of this one.
"""

from __future__ import annotations

import importlib
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import re2
from jsonschema import Draft202012Validator, ValidationError, validators

logger = logging.getLogger(__name__)

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
DOCUMENT: dict[str, Any] = json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))
# OpenAPI 3.0 schemas have keywords of their own (`nullable`), which
# `json_schema` rewrites; 3.1 schemas are JSON Schema 2020-12 already.
OPENAPI_30 = str(DOCUMENT.get("openapi", "")).startswith("3.0")


# -- validation ----------------------------------------------------------------

# Keywords whose value is one subschema, a list of them, or a map of names to them.
_SUBSCHEMA_KEYWORDS = frozenset(
    {
        "additionalItems",
        "additionalProperties",
        "contains",
        "contentSchema",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_SUBSCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAP_KEYWORDS = frozenset(
    {"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)


class SchemaValidator:
    """Validates instances against one schema of the document with jsonschema.

    The schema is read as JSON Schema 2020-12 (see `json_schema`). Formats
    are annotations, as JSON Schema 2020-12 has them by default. `pattern`
    and the names of `patternProperties` are matched by `pattern_matcher`,
    in time linear in the length of the text for most patterns. `direction`
    is "request" or "response": OpenAPI requires a `readOnly` property only
    in responses and a `writeOnly` one only in requests.
    """

    def __init__(self, schema: Any, direction: str = "request") -> None:
        self.schema = schema
        root = validation_schema(schema, direction)
        # Build every pattern's matcher now, so that the app logs the
        # patterns that RE2 cannot match when it starts.
        _prepare_patterns(root["allOf"])
        _prepare_component_patterns(direction)
        self.validator = _Draft202012Validator(root)

    def errors(self, instance: Any) -> list[dict[str, str]]:
        """Validate an instance; return each error's message and JSON Pointer (RFC 6901)."""
        errors = sorted(
            self.validator.iter_errors(instance),
            key=lambda error: ([str(part) for part in error.absolute_path], error.message),
        )
        return [
            {"detail": _shortened(_message(error)), "pointer": _pointer(error.absolute_path)}
            for error in errors
        ]


def validation_schema(schema: Any, direction: str = "request") -> dict[str, Any]:
    """Return a schema of the document as a JSON Schema 2020-12 root for jsonschema.

    The root carries the document's components, so that `$ref`s to
    `#/components/schemas/...` resolve.
    """
    return {
        "allOf": [json_schema(schema, direction) if schema is not None else True],
        "components": _components(direction),
    }


@lru_cache(maxsize=2)
def _prepare_component_patterns(direction: str) -> None:
    _prepare_patterns(_components(direction))


def _prepare_patterns(node: Any) -> None:
    """Build the matcher of each `pattern` and `patternProperties` name in a schema."""
    if isinstance(node, list):
        for item in node:
            _prepare_patterns(item)
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key == "pattern" and isinstance(value, str):
            pattern_matcher(value)
        elif key == "patternProperties" and isinstance(value, dict):
            for pattern in value:
                pattern_matcher(pattern)
            _prepare_patterns(value)
        elif key not in _VALUE_KEYWORDS:
            _prepare_patterns(value)


# Keywords whose values are instances, in which a `pattern` key is data.
_VALUE_KEYWORDS = frozenset({"const", "default", "enum", "example", "examples"})


def _message(error: Any) -> str:
    original = _ORIGINAL_PATTERNS.get(error.validator_value) if error.validator == "pattern" else None
    if original is None:
        return str(error.message)
    # The message names the pattern as the document writes it.
    return f"{error.instance!r} does not match {original!r}"


def json_schema(schema: Any, direction: str = "request") -> Any:
    """Return a schema of the document as jsonschema reads it: JSON Schema 2020-12.

    In an OpenAPI 3.0 document, `nullable: true` allows null, a boolean
    `exclusiveMinimum` or `exclusiveMaximum` becomes the bound it marks, and
    `example` stays an annotation. Every `pattern` and `patternProperties`
    name is written so that Python's `re`, which jsonschema uses, reads it
    as before without a FutureWarning (see `python_pattern`). A pattern
    that `re` cannot compile is left out, so it is not checked. `required`
    leaves out the properties that `direction` does not require (see
    `SchemaValidator`).
    """
    if isinstance(schema, list):
        # Before 2020-12, a list under `items` gave one schema per position.
        return [json_schema(item, direction) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA_KEYWORDS or (key in _SUBSCHEMA_LIST_KEYWORDS and isinstance(value, list)):
            result[key] = json_schema(value, direction)
        elif key in _SUBSCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            result[key] = _schema_map(key, value, direction)
        elif key == "required" and isinstance(value, list):
            result[key] = _required(value, schema.get("properties"), direction)
        elif key == "pattern" and isinstance(value, str):
            pattern = python_pattern(value)
            if pattern is not None:
                result[key] = pattern
        else:
            result[key] = value
    if isinstance(result.get("items"), list):
        result["prefixItems"] = result.pop("items")
        if "additionalItems" in result:
            result["items"] = result.pop("additionalItems")
    if OPENAPI_30:
        return _openapi_30_keywords(result)
    return result


def _schema_map(keyword: str, schemas: dict[str, Any], direction: str) -> dict[str, Any]:
    if keyword != "patternProperties":
        return {name: json_schema(item, direction) for name, item in schemas.items()}
    result = {}
    for pattern, item in schemas.items():
        # NOTE: a name that `re` cannot compile is left out, so the values
        # it would match count as additional properties.
        python = python_pattern(pattern)
        if python is not None:
            result[python] = json_schema(item, direction)
    return result


def _required(names: list[Any], properties: Any, direction: str) -> list[Any]:
    """Leave out of `required` the properties that are read-only in a request or write-only in a response.

    NOTE: only the `properties` beside `required` are looked at (through one
    `$ref`), not those that an `allOf` part next to it declares.
    """
    if not isinstance(properties, dict):
        return names
    flag = "readOnly" if direction == "request" else "writeOnly"
    return [name for name in names if not _has_flag(properties.get(name), flag)]


def _has_flag(schema: Any, flag: str) -> bool:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        prefix = "#/components/schemas/"
        reference = schema["$ref"]
        if schema.get(flag) is True:
            return True
        if reference.startswith(prefix):
            name = reference[len(prefix) :].replace("~1", "/").replace("~0", "~")
            schema = ((DOCUMENT.get("components") or {}).get("schemas") or {}).get(name)
    return isinstance(schema, dict) and schema.get(flag) is True


def _openapi_30_keywords(schema: dict[str, Any]) -> Any:
    """Rewrite the OpenAPI 3.0 keywords of one schema in their JSON Schema 2020-12 form."""
    for inclusive, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(schema.get(exclusive), bool):
            if schema.pop(exclusive) and inclusive in schema:
                schema[exclusive] = schema.pop(inclusive)
    if schema.get("nullable") is True:
        del schema["nullable"]
        declared = schema.get("type")
        if isinstance(declared, str):
            schema["type"] = [declared, "null"]
        elif isinstance(declared, list) and "null" not in declared:
            schema["type"] = [*declared, "null"]
        if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        if declared is None and "enum" not in schema:
            return {"anyOf": [schema, {"type": "null"}]}
    return schema


@lru_cache(maxsize=2)
def _components(direction: str) -> dict[str, Any]:
    components = DOCUMENT.get("components") or {}
    schemas = components.get("schemas") or {}
    return {**components, "schemas": {name: json_schema(s, direction) for name, s in schemas.items()}}


def _pointer(path: Any) -> str:
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


# Characters of a jsonschema message that an error item keeps: a message
# quotes the invalid value, which can be the whole request body.
MAX_DETAIL_LENGTH = 300


def _shortened(message: str) -> str:
    if len(message) <= MAX_DETAIL_LENGTH:
        return message
    return message[: MAX_DETAIL_LENGTH - 3] + "..."


# -- patterns ------------------------------------------------------------------

# A flag group that turns on verbose mode, in which `#` starts a comment.
_VERBOSE_FLAG = re.compile(r"\(\?[aiLmsu]*x")


# The document's pattern of each pattern that `python_pattern` rewrote.
_ORIGINAL_PATTERNS: dict[str, str] = {}


@lru_cache(maxsize=None)
def python_pattern(pattern: str) -> str | None:
    """Return a pattern that Python's `re` reads as it reads `pattern`, without a warning.

    `re` reads `[[:alpha:]]` as the characters `[:alph` followed by `]`, and
    `[a-z--b]` as a range followed by the range `-` to `b`, and gives a
    FutureWarning that a later version may read them as a nested set and a
    set difference. Escaping the `[` or the first `-` of such a pair keeps
    today's meaning without the warning. Returns None when `re` cannot
    compile the pattern at all.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        try:
            re.compile(pattern)
        except (re.error, OverflowError, RecursionError):
            return None
    if _VERBOSE_FLAG.search(pattern):
        # NOTE: in verbose mode `[` may start a comment, which this scan
        # does not follow, so such a pattern keeps its warning.
        return pattern
    quiet = _escape_set_operators(pattern)
    if quiet == pattern:
        return pattern
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            re.compile(quiet)
        except re.error:
            return pattern
    if caught:
        return pattern
    _ORIGINAL_PATTERNS[quiet] = pattern
    return quiet


def _escape_set_operators(pattern: str) -> str:
    """Escape, inside character classes, each `[` and the first of `--`, `&&`, `~~` and `||`."""
    output: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("(?#", index):
            # A comment group ends at the first `)`.
            end = pattern.find(")", index)
            end = len(pattern) if end == -1 else end + 1
            output.append(pattern[index:end])
            index = end
        elif pattern[index] == "[":
            text, index = _escaped_class(pattern, index + 1)
            output.append(text)
        else:
            token, index = _token(pattern, index)
            output.append(token)
    return "".join(output)


def _escaped_class(pattern: str, index: int) -> tuple[str, int]:
    """Scan a character class from after its `[` as `re` does; return it escaped and its end.

    `re` ends a class at the first `]` after at least one item, and reads
    `x-y` as a range whose ends are single characters or escapes.
    """
    output = ["["]
    if pattern.startswith("^", index):
        output.append("^")
        index += 1
    items = 0
    while index < len(pattern):
        token, index = _token(pattern, index)
        if token == "]" and items:
            output.append("]")
            return "".join(output), index
        following = pattern[index : index + 1]
        if token == "[" or (items and token in ("-", "&", "~", "|") and following == token):
            token = "\\" + token
        output.append(token)
        items += 1
        if following == "-" and index + 1 < len(pattern):
            end, after = _token(pattern, index + 1)
            if end == "]":
                # A `-` before the closing `]` is a literal character.
                output.append("-]")
                return "".join(output), after
            output.append("-" + ("\\-" if end == "-" else end))
            index = after
    return "".join(output), index


def _token(pattern: str, index: int) -> tuple[str, int]:
    """Return one character or escape sequence at `index`, and the index after it."""
    if pattern[index] != "\\":
        return pattern[index], index + 1
    if pattern.startswith("\\N{", index):
        end = pattern.find("}", index)
        if end != -1:
            return pattern[index : end + 1], end + 1
    return pattern[index : index + 2], index + 2


# -- pattern matching ------------------------------------------------------------

# The parser of the `re` module, private to CPython: `re._parser` from Python
# 3.11, `sre_parse` before. Its parse gives a pattern the meaning that `re`,
# and so jsonschema and the examples nanogen derives, give it.
_parser: Any
try:
    _parser = importlib.import_module("re._parser")
except ImportError:  # Python 3.10
    _parser = importlib.import_module("sre_parse")

_RE2_OPTIONS = re2.Options()
# A pattern that RE2 rejects falls back to `re` with a logged warning, so
# RE2's own message on stderr would only repeat it.
_RE2_OPTIONS.log_errors = False
# The largest count that RE2 accepts in a counted repeat such as `a{2,1000}`.
_RE2_MAX_REPEAT = 1000
_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = (0xD800, 0xDFFF)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Characters that stand in for the lone surrogates of a text, which RE2
# cannot read: the first that no literal or range of the pattern names. Like
# a surrogate, none of them is a digit, a word character or white space in `re`.
_SURROGATE_STAND_INS = (0xFFFD, 0xFFFF, 0x10FFFF)

_Ranges = list[tuple[int, int]]


class _Untranslatable(Exception):
    """A pattern has a construct that RE2 lacks; the message names it."""


@lru_cache(maxsize=None)
def pattern_matcher(pattern: str) -> Callable[[str], bool]:
    """Return a function that returns whether `re.search(pattern, text)` finds a match.

    `re` backtracks, so on a pattern such as `^(a+)+$` it takes time
    exponential in the length of a text that almost matches ('aaa...ab').
    The pattern is therefore parsed by `re`'s own parser and written in RE2's
    syntax with the same meaning, and RE2 matches it in time linear in the
    length of the text. A pattern with a construct that RE2 lacks is matched
    by `re`, and a warning naming it is logged once: a backreference, a
    lookahead or lookbehind, a conditional, an atomic group, a possessive
    repeat, a count above 1000, `\\b` or `\\B` in Unicode text, or a `$`
    that more of the pattern follows.

    NOTE: JSON Schema names ECMA-262 regular expressions, but patterns keep
    the meaning that `re` gives them: `$` also matches before a final
    newline, `.` matches `\\r` and the line separators U+2028 and U+2029,
    `\\d`, `\\w` and `\\s` match non-ASCII characters, `[[:alpha:]]` is a
    set of the characters `[:alph` followed by `]`, and a pattern that `re`
    cannot compile (`\\p{L}`, `\\cJ`, `\\u{1F600}`) is not checked (see
    `json_schema`).
    """
    try:
        translated, stand_in = _re2_pattern(pattern)
        compiled = re2.compile(translated, _RE2_OPTIONS)
    except (_Untranslatable, re2.error, RecursionError) as error:
        reason = str(error) if isinstance(error, _Untranslatable) else f"RE2 failed: {error}"
        logger.warning(
            "the pattern %r is matched with Python's re, which backtracks and can take "
            "time exponential in the length of a text, because RE2 cannot match it: %s",
            pattern,
            reason,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            fallback = re.compile(pattern)
        return lambda text: fallback.search(text) is not None

    def matches(text: str) -> bool:
        try:
            return compiled.search(text) is not None
        except UnicodeEncodeError:
            # A lone surrogate, which RE2's UTF-8 text cannot carry.
            return compiled.search(_SURROGATE.sub(chr(stand_in), text)) is not None

    return matches


def _re2_pattern(pattern: str) -> tuple[str, int]:
    """Write a pattern in RE2's syntax; return it and the stand-in for lone surrogates.

    Raises _Untranslatable for a construct that RE2 lacks.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        parsed = _parser.parse(pattern)
    translator = _Re2Translator()
    translated = translator.sequence(parsed.data, parsed.state.flags, tail=True)
    named = _union(translator.named)
    for stand_in in _SURROGATE_STAND_INS:
        if not _overlaps(named, [(stand_in, stand_in)]):
            return translated, stand_in
    raise _Untranslatable("its literals and ranges name every stand-in for a lone surrogate")


class _Re2Translator:
    """Writes nodes of `re`'s parse in RE2's syntax, with `re`'s meaning.

    Every character is written as `\\x{...}` and every class as ranges of
    code points, so no escape is read differently by RE2. `named` collects
    the code points that literals and ranges name.
    """

    def __init__(self) -> None:
        self.named: _Ranges = []

    def sequence(self, nodes: Any, flags: int, tail: bool) -> str:
        """Translate a sequence; `tail` is true when nothing follows it in the pattern."""
        last = len(nodes) - 1
        return "".join(
            self.node(op, value, flags, tail and index == last)
            for index, (op, value) in enumerate(nodes)
        )

    def node(self, op: Any, value: Any, flags: int, tail: bool) -> str:
        if flags & re.IGNORECASE and op in (_parser.LITERAL, _parser.NOT_LITERAL, _parser.IN):
            return self.ignoring_case(op, value, flags)
        if op == _parser.LITERAL:
            return _re2_class([self.name(value, value)], negate=False)
        if op == _parser.NOT_LITERAL:
            return _re2_class([self.name(value, value)], negate=True)
        if op == _parser.ANY:
            # Without DOTALL, `.` matches every character but a newline.
            return "(?s:.)" if flags & re.DOTALL else r"[^\n]"
        if op == _parser.IN:
            return self.character_class(value, flags)
        if op == _parser.AT:
            return _re2_anchor(value, flags, tail)
        if op == _parser.BRANCH:
            branches = [self.sequence(branch.data, flags, tail) for branch in value[1]]
            return "(?:" + "|".join(branches) + ")"
        if op == _parser.SUBPATTERN:
            _group, add_flags, remove_flags, body = value
            return "(?:" + self.sequence(body.data, _group_flags(flags, add_flags, remove_flags), tail) + ")"
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
            # Lazy and greedy repeats find a match for the same texts.
            low, high, body = value
            return _re2_repeat("(?:" + self.sequence(body.data, flags, tail=False) + ")", low, high)
        raise _Untranslatable(_UNSUPPORTED_NODES.get(str(op), str(op)))

    def character_class(self, items: Any, flags: int) -> str:
        negate = False
        ranges: _Ranges = []
        for op, value in items:
            if op == _parser.NEGATE:
                negate = True
            elif op == _parser.LITERAL:
                ranges.append(self.name(value, value))
            elif op == _parser.RANGE:
                ranges.append(self.name(*value))
            elif op == _parser.CATEGORY:
                ranges.extend(_category_ranges(value, flags))
            else:
                raise _Untranslatable(f"the class item {op}")
        return _re2_class(_union(ranges), negate)

    def ignoring_case(self, op: Any, value: Any, flags: int) -> str:
        """Translate a literal or class under IGNORECASE as the characters `re` matches with it.

        RE2's case folding differs from `re`'s (`re` matches U+0130 and
        U+0131 with `[a-z]`, RE2 does not), so RE2 gets the characters
        themselves, which `re` finds among every code point.
        """
        items = [(_parser.LITERAL, value)] if op != _parser.IN else list(value)
        negate = op == _parser.NOT_LITERAL
        parts = []
        for item_op, item in items:
            if item_op == _parser.NEGATE:
                negate = True
            elif item_op == _parser.LITERAL:
                parts.append(_python_character(self.name(item, item)[0]))
            elif item_op == _parser.RANGE:
                low, high = self.name(*item)
                parts.append(_python_character(low) + "-" + _python_character(high))
            elif item_op == _parser.CATEGORY and str(item) in _CATEGORY_ESCAPES:
                parts.append(_CATEGORY_ESCAPES[str(item)])
            else:
                raise _Untranslatable(f"the class item {item_op}")
        source = "[" + ("^" if negate else "") + "".join(parts) + "]"
        ranges = _matched_ranges(source, flags & (re.IGNORECASE | re.ASCII))
        return _re2_class(list(ranges), negate=False)

    def name(self, low: int, high: int) -> tuple[int, int]:
        if low <= _SURROGATES[1] and high >= _SURROGATES[0]:
            raise _Untranslatable("a literal or range of lone surrogates")
        self.named.append((low, high))
        return (low, high)


# `re`'s escape of each category that its parser puts in a class.
_CATEGORY_ESCAPES = {
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _python_character(code: int) -> str:
    return "\\U" + format(code, "08x")


@lru_cache(maxsize=1)
def _every_character() -> str:
    return "".join(map(chr, range(_MAX_CODE_POINT + 1)))


@lru_cache(maxsize=4096)
def _matched_ranges(source: str, flags: int) -> tuple[tuple[int, int], ...]:
    """Return the code point ranges that the one-character pattern `source` matches in `re`.

    Each call scans every code point once: 8 to 22 ms per class with
    Python 3.11 on a shared 2-core machine. The string of every code point
    (4.4 MB) is kept for later calls.
    """
    compiled = re.compile(source + "+", flags)
    return tuple((m.start(), m.end() - 1) for m in compiled.finditer(_every_character()))


def _group_flags(flags: int, add_flags: int, remove_flags: int) -> int:
    """Return the flags inside a group such as `(?s-m:...)`, as `re` combines them."""
    if add_flags & (re.ASCII | re.LOCALE | re.UNICODE):
        # `(?a:...)` and `(?u:...)` replace the outer choice of ASCII or Unicode.
        flags &= ~(re.ASCII | re.LOCALE | re.UNICODE)
    return (flags | add_flags) & ~remove_flags


_UNSUPPORTED_NODES = {
    "GROUPREF": "a backreference",
    "GROUPREF_EXISTS": "a conditional group",
    "ASSERT": "a lookahead or lookbehind",
    "ASSERT_NOT": "a negative lookahead or lookbehind",
    "ATOMIC_GROUP": "an atomic group",
    "POSSESSIVE_REPEAT": "a possessive repeat",
}


def _re2_anchor(at: Any, flags: int, tail: bool) -> str:
    if at == _parser.AT_BEGINNING:
        return "(?m:^)" if flags & re.MULTILINE else r"\A"
    if at == _parser.AT_BEGINNING_STRING:
        return r"\A"
    if at == _parser.AT_END_STRING:
        return r"\z"
    if at == _parser.AT_END:
        if flags & re.MULTILINE:
            return "(?m:$)"
        if tail:
            # `re`'s `$` matches at the end and before a final newline.
            return r"(?:\n?\z)"
        raise _Untranslatable("a `$` that more of the pattern follows")
    if at in (_parser.AT_BOUNDARY, _parser.AT_NON_BOUNDARY) and flags & re.ASCII:
        # RE2's `\b` matches at ASCII word characters only, as `re.ASCII` does.
        return r"\b" if at == _parser.AT_BOUNDARY else r"\B"
    raise _Untranslatable(f"the anchor {at} in Unicode text")


def _re2_repeat(body: str, low: int, high: int) -> str:
    unbounded = high == _parser.MAXREPEAT
    if low > _RE2_MAX_REPEAT or (not unbounded and high > _RE2_MAX_REPEAT):
        raise _Untranslatable(f"a count above {_RE2_MAX_REPEAT}")
    if unbounded and low == 0:
        return body + "*"
    if unbounded and low == 1:
        return body + "+"
    if unbounded:
        return body + "{" + str(low) + ",}"
    if (low, high) == (0, 1):
        return body + "?"
    counts = str(low) if low == high else str(low) + "," + str(high)
    return body + "{" + counts + "}"


def _re2_class(ranges: _Ranges, negate: bool) -> str:
    # RE2 reads UTF-8, which has no surrogates: a range is written without them.
    parts = []
    for low, high in _without_surrogates(ranges):
        if low == high:
            parts.append(_re2_character(low))
        else:
            parts.append(_re2_character(low) + "-" + _re2_character(high))
    if not parts:
        # An empty class matches nothing; its negation matches any character.
        if negate:
            return "(?s:.)"
        return "[^" + _re2_character(0) + "-" + _re2_character(_MAX_CODE_POINT) + "]"
    return ("[^" if negate else "[") + "".join(parts) + "]"


def _re2_character(code: int) -> str:
    return "\\x{" + format(code, "x") + "}"


def _category_ranges(category: Any, flags: int) -> _Ranges:
    """Return the code point ranges of `\\d`, `\\s`, `\\w` or their negations, as `re` reads them."""
    negated = str(category).startswith("CATEGORY_NOT_")
    name = str(category).rsplit("_", 1)[1]
    table = _categories(bool(flags & re.ASCII))
    if name not in table:
        raise _Untranslatable(f"the category {category}")
    return _complement(table[name]) if negated else table[name]


@lru_cache(maxsize=2)
def _categories(ascii_only: bool) -> dict[str, _Ranges]:
    """Read from `re` the code points that `\\d`, `\\s` and `\\w` match.

    Reading them from `re` keeps its Unicode version. For Unicode text it
    builds a string of every code point, once per process.
    """
    last = 0x7F if ascii_only else _MAX_CODE_POINT
    characters = "".join(map(chr, range(last + 1)))
    flags = re.ASCII if ascii_only else 0
    return {
        name: [(m.start(), m.end() - 1) for m in re.finditer(escape + "+", characters, flags)]
        for name, escape in (("DIGIT", r"\d"), ("SPACE", r"\s"), ("WORD", r"\w"))
    }


def _union(ranges: Iterable[tuple[int, int]]) -> _Ranges:
    merged: _Ranges = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _complement(ranges: _Ranges) -> _Ranges:
    result: _Ranges = []
    start = 0
    for low, high in _union(ranges):
        if low > start:
            result.append((start, low - 1))
        start = high + 1
    if start <= _MAX_CODE_POINT:
        result.append((start, _MAX_CODE_POINT))
    return result


def _without_surrogates(ranges: _Ranges) -> _Ranges:
    return [
        part
        for low, high in ranges
        for part in ((low, min(high, _SURROGATES[0] - 1)), (max(low, _SURROGATES[1] + 1), high))
        if part[0] <= part[1]
    ]


def _overlaps(first: _Ranges, second: _Ranges) -> bool:
    """Tell whether two merged, sorted range lists share a code point."""
    i = j = 0
    while i < len(first) and j < len(second):
        if first[i][1] < second[j][0]:
            i += 1
        elif second[j][1] < first[i][0]:
            j += 1
        else:
            return True
    return False


# jsonschema's `pattern`, `patternProperties` and `additionalProperties`
# keywords, as jsonschema 4.26 writes them, with `pattern_matcher` in place of
# `re.search`. NOTE: `unevaluatedProperties` still matches the names of
# `patternProperties` with `re`.


def _pattern_keyword(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not pattern_matcher(pattern)(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties_keyword(
    validator: Any, pattern_properties: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in pattern_properties.items():
        matches = pattern_matcher(pattern)
        for name, value in instance.items():
            if matches(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties_keyword(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    matchers = [pattern_matcher(pattern) for pattern in schema.get("patternProperties", {})]
    extras = [
        name
        for name in instance
        if name not in properties and not any(matches(name) for matches in matchers)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        if "patternProperties" in schema:
            verb = "does" if len(extras) == 1 else "do"
            joined = ", ".join(repr(extra) for extra in sorted(extras))
            patterns = ", ".join(repr(pattern) for pattern in sorted(schema["patternProperties"]))
            yield ValidationError(f"{joined} {verb} not match any of the regexes: {patterns}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            joined = ", ".join(repr(extra) for extra in sorted(extras, key=str))
            yield ValidationError(f"Additional properties are not allowed ({joined} {verb} unexpected)")


_Draft202012Validator = validators.extend(
    Draft202012Validator,
    {
        "additionalProperties": _additional_properties_keyword,
        "pattern": _pattern_keyword,
        "patternProperties": _pattern_properties_keyword,
    },
)


# -- backtracking risk -------------------------------------------------------------


def may_backtrack_catastrophically(pattern: str) -> bool:
    """Tell whether a backtracking engine such as `re` may take exponential time on `pattern`.

    A heuristic over `re`'s parse: a repeat that can run more than once
    contains a repeat or alternation of varying length whose characters the
    rest of the repeated part can also match, or that the rest can leave
    alone (`^(a+)+$`, `^(\\w+\\s?)*$`, `^(a|aa)+$`), or an alternation whose
    branches can start with the same character. Some safe patterns are
    flagged, such as `^(?:a|b|cd)+$`. NOTE: polynomial blow-ups
    (`^\\d+\\d+x`) are not found.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            parsed = _parser.parse(pattern)
        return _has_ambiguous_repeat(parsed.data, parsed.state.flags)
    except (re.error, RecursionError, _Untranslatable):
        return True


def _has_ambiguous_repeat(nodes: Any, flags: int) -> bool:
    for op, value in nodes:
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
            _low, high, body = value
            if (high == _parser.MAXREPEAT or high > 1) and _ambiguous_iteration(body.data, flags):
                return True
        for child, child_flags in _children(op, value, flags):
            if _has_ambiguous_repeat(child, child_flags):
                return True
    return False


def _ambiguous_iteration(body: Any, flags: int) -> bool:
    """Tell whether one iteration of a repeat's body can split a text in several ways."""
    for op, value, node_flags in _descendants(body, flags):
        if _varies_in_length(op, value):
            inner = _characters([(op, value)], node_flags, skip=None)
            if _nullable(body, skip=value) or _overlaps(inner, _characters(body, flags, skip=value)):
                return True
        if op == _parser.BRANCH:
            starts = [(_first(branch.data, node_flags), _nullable(branch.data, None)) for branch in value[1]]
            for index, (first, nullable) in enumerate(starts):
                for other, other_nullable in starts[index + 1 :]:
                    if (nullable and other_nullable) or _overlaps(first, other):
                        return True
    return False


def _varies_in_length(op: Any, value: Any) -> bool:
    """Tell whether a repeat or an alternation can match texts of different lengths.

    `re`'s parser writes `a|aa` as `a(?:|a)`, so an alternation with an
    empty branch stands for an optional part.
    """
    try:
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT):
            low, high, body = value
            width = body.getwidth()
            return low != high or width[0] != width[1]
        if op == _parser.BRANCH:
            widths = {branch.getwidth() for branch in value[1]}
            return len(widths) > 1 or any(low != high for low, high in widths)
    except (re.error, TypeError):
        return True
    return False


def _children(op: Any, value: Any, flags: int) -> list[tuple[Any, int]]:
    """List the sequences inside one node, each with the flags that apply to it."""
    if op == _parser.SUBPATTERN:
        return [(value[3].data, _group_flags(flags, value[1], value[2]))]
    if op == _parser.BRANCH:
        return [(branch.data, flags) for branch in value[1]]
    if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", None)):
        return [(value[2].data, flags)]
    if op in (_parser.ASSERT, _parser.ASSERT_NOT):
        return [(value[1].data, flags)]
    if op == getattr(_parser, "ATOMIC_GROUP", None):
        return [(value.data, flags)]
    if op == _parser.GROUPREF_EXISTS:
        return [(branch.data, flags) for branch in value[1:] if branch is not None]
    return []


def _descendants(nodes: Any, flags: int) -> Iterator[tuple[Any, Any, int]]:
    for op, value in nodes:
        yield op, value, flags
        for child, child_flags in _children(op, value, flags):
            yield from _descendants(child, child_flags)


_EVERY_CHARACTER: _Ranges = [(0, _MAX_CODE_POINT)]


def _characters(nodes: Any, flags: int, skip: Any) -> _Ranges:
    """Return the characters that a sequence can consume, leaving out the node `skip`."""
    found: _Ranges = []
    for op, value in nodes:
        if value is skip and skip is not None:
            continue
        if op == _parser.LITERAL:
            found.extend(_literal_ranges(value, flags))
        elif op == _parser.NOT_LITERAL or op == _parser.ANY or op == _parser.GROUPREF:
            return _EVERY_CHARACTER
        elif op == _parser.IN:
            found.extend(_class_ranges(value, flags))
        elif op not in (_parser.ASSERT, _parser.ASSERT_NOT):
            for child, child_flags in _children(op, value, flags):
                found.extend(_characters(child, child_flags, skip))
    return _union(found)


def _first(nodes: Any, flags: int) -> _Ranges:
    """Return the characters that a match of a sequence can start with."""
    found: _Ranges = []
    for op, value in nodes:
        found.extend(_characters([(op, value)], flags, skip=None))
        if not _nullable([(op, value)], skip=None):
            break
    return _union(found)


def _nullable(nodes: Any, skip: Any) -> bool:
    """Tell whether a sequence can match the empty text when the node `skip` matches it."""
    for op, value in nodes:
        if (value is skip and skip is not None) or op in (
            _parser.AT,
            _parser.ASSERT,
            _parser.ASSERT_NOT,
            _parser.GROUPREF,
        ):
            continue
        if op in (_parser.LITERAL, _parser.NOT_LITERAL, _parser.ANY, _parser.IN):
            return False
        if op in (_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", None)):
            if value[0] > 0 and not _nullable(value[2].data, skip):
                return False
        elif not any(_nullable(child, skip) for child, _flags in _children(op, value, 0)):
            return False
    return True


def _literal_ranges(code: int, flags: int) -> _Ranges:
    if not flags & re.IGNORECASE:
        return [(code, code)]
    character = chr(code)
    variants = {character, character.lower(), character.upper(), character.swapcase()}
    return [(ord(variant), ord(variant)) for variant in variants if len(variant) == 1]


def _class_ranges(items: Any, flags: int) -> _Ranges:
    if flags & re.IGNORECASE:
        # Case folding can widen any set; every character is assumed.
        return _EVERY_CHARACTER
    negate = False
    ranges: _Ranges = []
    for op, value in items:
        if op == _parser.NEGATE:
            negate = True
        elif op == _parser.LITERAL:
            ranges.append((value, value))
        elif op == _parser.RANGE:
            ranges.append(value)
        elif op == _parser.CATEGORY:
            ranges.extend(_category_ranges(value, flags))
        else:
            return _EVERY_CHARACTER
    return _complement(ranges) if negate else _union(ranges)


def schemathesis_document() -> dict[str, Any]:
    """Return the document with every pattern written as `python_pattern` writes it.

    Schemathesis and hypothesis compile the document's patterns with `re`
    too, and the generated tests turn warnings into errors. A `pattern` that
    `may_backtrack_catastrophically` flags is left out: hypothesis checks the
    strings it generates with `re`, and schemathesis first rewrites the
    pattern's repeats to fit `minLength` and `maxLength` (`(a+)+` becomes
    `(a{1,}){40,}`), so generating a value can take time exponential in its
    length.
    Schemathesis then sends strings that ignore the pattern, and the app
    still checks it in requests and in its own responses.
    """
    return _with_python_patterns(DOCUMENT)


def _with_python_patterns(node: Any, in_schema: bool = False) -> Any:
    if isinstance(node, list):
        return [_with_python_patterns(item, in_schema) for item in node]
    if not isinstance(node, dict):
        return node
    if in_schema:
        return _schema_with_python_patterns(node)
    result = {}
    for key, value in node.items():
        if key in ("example", "examples") or key.startswith("x-"):
            # Values, not schemas: a `pattern` key in them is data.
            result[key] = value
        elif key == "schema":
            result[key] = _with_python_patterns(value, in_schema=True)
        elif key == "schemas" and isinstance(value, dict):
            result[key] = {name: _with_python_patterns(s, in_schema=True) for name, s in value.items()}
        else:
            result[key] = _with_python_patterns(value)
    return result


def _schema_with_python_patterns(schema: dict[str, Any]) -> Any:
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SUBSCHEMA_KEYWORDS or key in _SUBSCHEMA_LIST_KEYWORDS:
            result[key] = _with_python_patterns(value, in_schema=True)
        elif key in _SUBSCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            names = {
                (python_pattern(name) or name) if key == "patternProperties" else name: item
                for name, item in value.items()
            }
            result[key] = {name: _with_python_patterns(item, in_schema=True) for name, item in names.items()}
        elif key == "pattern" and isinstance(value, str):
            python = python_pattern(value)
            if python is None:
                result[key] = value
            elif not may_backtrack_catastrophically(python):
                result[key] = python
        else:
            result[key] = value
    return result
