"""Jinja filters that put spec text into generated code without letting it escape.

`nanogen.render` registers every filter here in the environment that renders
generator templates. A template passes each piece of spec text (a name, a
summary, an example, a pattern) through the filter for the literal it lands
in. So no input can end that literal, add a line of code or change what the
code does. Templates never quote by hand.

Each filter returns text that the target language reads back as exactly the
input, except `py_comment`, `md_text` and `identifier`, which return a safe
rendering of it. Characters that `str.isprintable` rejects (line and paragraph
separators, bidirectional overrides, controls, lone surrogates) always come
out as escapes. So the generated file shows a reader the same text that the
code reads.
"""

from __future__ import annotations

import hashlib
import json as _json
import keyword
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from jinja2.ext import Extension


def _python_escape(char: str) -> str:
    """Return the shortest Python escape sequence for one character."""
    code = ord(char)
    simple = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in simple:
        return simple[char]
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def py_str(text: Any) -> str:
    """Render text as a double-quoted, single-line Python string literal.

    The literal evaluates to exactly `text`: backslashes and double quotes are
    escaped, and so is every character that is not printable, which includes
    every character that could end the line.
    """
    parts = ['"']
    for char in str(text):
        if char in '"\\':
            parts.append("\\" + char)
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(_python_escape(char))
    parts.append('"')
    return "".join(parts)


def py_docstring(text: Any) -> str:
    """Render text for the inside of a `\"\"\"` docstring, line breaks kept.

    Between triple double quotes the result evaluates to exactly `text`:
    backslashes and every double quote are escaped, so no `\"\"\"` can form,
    and characters other than `\\n` that are not printable become escapes.
    The one exception is a lone surrogate, which a class docstring cannot
    hold (`type()` encodes it as UTF-8): it becomes the text of its escape.
    """
    parts = []
    for char in str(text):
        if char in '"\\':
            parts.append("\\" + char)
        elif char == "\n" or char.isprintable():
            parts.append(char)
        elif 0xD800 <= ord(char) <= 0xDFFF:
            parts.append("\\" + _python_escape(char))
        else:
            parts.append(_python_escape(char))
    return "".join(parts)


def _visible(text: str, escape: Callable[[str], str]) -> str:
    """Replace each character that is not printable with its escape sequence."""
    return "".join(char if char.isprintable() else escape(char) for char in text)


def py_comment(text: Any) -> str:
    """Render text for one line after `#`: line breaks become spaces.

    A comment ends at the end of its line, so line breaks (`\\r`, `\\n`) turn
    into spaces and every other character that is not printable, NUL and the
    bidirectional overrides included, is shown as its escape sequence.
    """
    flat = re.sub(r"\r\n|\r|\n", " ", str(text))
    return _visible(flat, _python_escape)


def py_literal(value: Any, indent: int | None = None, *, _level: int = 0) -> str:
    """Render JSON data (dict, list, str, int, float, bool, None) as a Python literal.

    With `indent`, each item of a non-empty dict or list goes on a line of
    its own, indented by that many spaces per level.
    """
    if isinstance(value, str):
        return py_str(value)
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        # JSON has no NaN or infinity, and `repr` of any other float is a literal.
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not a JSON number")
        return repr(value)
    if isinstance(value, list | tuple):
        items = [py_literal(item, indent, _level=_level + 1) for item in value]
        return _container("[", items, "]", indent, _level)
    if isinstance(value, dict):
        items = [
            f"{py_str(key)}: {py_literal(item, indent, _level=_level + 1)}"
            for key, item in value.items()
        ]
        return _container("{", items, "}", indent, _level)
    raise TypeError(f"cannot render {type(value).__name__} as a Python literal")


def _container(
    opening: str, items: list[str], closing: str, indent: int | None, level: int
) -> str:
    if indent is None or not items:
        return opening + ", ".join(items) + closing
    inner = " " * (indent * (level + 1))
    outer = " " * (indent * level)
    return (
        opening
        + "\n"
        + "".join(f"{inner}{item},\n" for item in items)
        + outer
        + closing
    )


def _unicode_escape(char: str) -> str:
    """Return `\\uXXXX`, as a UTF-16 surrogate pair above the BMP, as JSON and JS read it."""
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _json_escape_text(text: str) -> str:
    """Make the body of a JSON string that is also safe in a `<script>` element."""
    parts = []
    for char in text:
        if char in '"\\':
            parts.append("\\" + char)
        elif char in "<>":
            # `</script>` and `<!--` end or change an HTML script element,
            # whatever JavaScript surrounds them.
            parts.append(_unicode_escape(char))
        elif char.isprintable():
            parts.append(char)
        else:
            parts.append(_unicode_escape(char))
    return "".join(parts)


def ts_str(text: Any) -> str:
    """Render text as a double-quoted TypeScript or JavaScript string literal.

    The literal is also a valid JSON string. Quotes, backslashes, `<`, `>` and
    every character that is not printable (U+2028 and U+2029 included) are
    `\\u` escapes or backslash escapes, so the literal is safe inside an HTML
    `<script>` element too.
    """
    return '"' + _json_escape_text(str(text)) + '"'


def json(value: Any, indent: int | None = None) -> str:
    """Render JSON data as JSON text that is also safe inside a `<script>` element.

    Non-ASCII text stays readable; `<`, `>`, U+2028, U+2029 and other
    characters that are not printable are `\\u` escapes.
    """
    text = _json.dumps(value, ensure_ascii=False, indent=indent, allow_nan=False)
    # `json.dumps` already escaped quotes, backslashes and control characters
    # inside strings, so escaping what is left changes no structure.
    parts = []
    for char in text:
        if char in "<>" or not (char.isprintable() or char == "\n"):
            parts.append(_unicode_escape(char))
        else:
            parts.append(char)
    return "".join(parts)


_YAML_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\0"}


def yaml_str(text: Any) -> str:
    """Render text as a double-quoted YAML scalar on one line.

    YAML 1.1 and 1.2 parsers read it back as exactly `text`. Characters that
    are not printable use YAML's `\\x`, `\\u` and `\\U` escapes.
    """
    parts = ['"']
    for char in str(text):
        code = ord(char)
        if char in '"\\':
            parts.append("\\" + char)
        elif char in _YAML_ESCAPES:
            parts.append(_YAML_ESCAPES[char])
        elif char.isprintable() and not 0xD800 <= code <= 0xDFFF:
            parts.append(char)
        elif code < 0x100:
            parts.append(f"\\x{code:02x}")
        elif code < 0x10000:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    parts.append('"')
    return "".join(parts)


def toml_str(text: Any) -> str:
    """Render text as a TOML basic string (double-quoted, one line)."""
    parts = ['"']
    for char in str(text):
        code = ord(char)
        if char in '"\\':
            parts.append("\\" + char)
        elif char in "\n\r\t":
            parts.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif char.isprintable() and not 0xD800 <= code <= 0xDFFF:
            parts.append(char)
        elif 0xD800 <= code <= 0xDFFF:
            # TOML cannot hold a lone surrogate at all.
            parts.append("\\ufffd")
        elif code < 0x10000:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    parts.append('"')
    return "".join(parts)


# Characters that start Markdown or HTML markup anywhere in a line.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>#|~&])")


def md_text(text: Any) -> str:
    """Render text as plain inline Markdown: one line, no markup, no HTML."""
    flat = " ".join(str(text).split())
    return _visible(_MARKDOWN_SPECIALS.sub(r"\\\1", flat), _unicode_escape)


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _ascii_words(text: str) -> list[str]:
    """Split text into ASCII words at case changes and at anything not alphanumeric."""
    # NFKD splits letters from their accents, so `café` keeps its `cafe`.
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii")
    spaced = _WORD_BOUNDARY.sub(" ", ascii_text)
    return [word for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


def _fallback_name(text: str) -> str:
    """Name text that contains no ASCII letter or digit by a short hash of it."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"x{digest[:8]}"


def identifier(text: Any) -> str:
    """Turn any text into a snake_case Python identifier, the same one every time.

    `Parameter1.Name` becomes `parameter1_name`, `orderId` becomes `order_id`,
    `$ref` becomes `ref`. A keyword gets a trailing underscore (`from_`), a
    leading digit gets an `n` prefix (`n2fa`), and text with no ASCII letter
    or digit becomes `x` plus a hash of it. Different texts can give the same
    identifier: callers that need unique names make them unique themselves.
    """
    words = _ascii_words(str(text))
    name = "_".join(word.lower() for word in words) or _fallback_name(str(text))
    if name[0].isdigit():
        name = "n" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name += "_"
    return name


def kebab_case(text: Any) -> str:
    """Turn any text into a kebab-case name, the same one every time.

    `listPets` becomes `list-pets`, `Api20100401Account` becomes
    `api20100401-account` and `1-Click Applications` becomes
    `n1-click-applications`: the name starts with a letter, so it also makes
    a Python identifier once `-` becomes `_`. Text with no ASCII letter or
    digit becomes `x` plus a hash of it.
    """
    words = _ascii_words(str(text))
    name = "-".join(word.lower() for word in words) or _fallback_name(str(text))
    if name[0].isdigit():
        name = "n" + name
    return name


def class_name(text: Any) -> str:
    """Turn any text into a PascalCase Python class name, the same one every time.

    An ASCII identifier that starts with a letter keeps its spelling with the
    first letter in upper case: `calculateTaxInput` becomes
    `CalculateTaxInput` and `Money` stays `Money`. Other text is split into
    words, as `identifier` does.
    """
    source = str(text)
    if source.isidentifier() and source.isascii() and source[0].isalpha():
        name = source[0].upper() + source[1:]
    else:
        words = _ascii_words(source)
        name = "".join(word[0].upper() + word[1:] for word in words)
        name = name or _fallback_name(source).upper()
    if name[0].isdigit():
        name = "N" + name
    if keyword.iskeyword(name):
        name += "_"
    return name


FILTERS: dict[str, Callable[..., str]] = {
    "py_str": py_str,
    "py_comment": py_comment,
    "py_docstring": py_docstring,
    "py_literal": py_literal,
    "ts_str": ts_str,
    "yaml_str": yaml_str,
    "toml_str": toml_str,
    "json": json,
    "md_text": md_text,
    "identifier": identifier,
    "kebab_case": kebab_case,
    "class_name": class_name,
}


class FiltersExtension(Extension):
    """Jinja extension that adds nanogen's filters to any environment.

    copier loads it through `_jinja_extensions` in a generator's `copier.yml`,
    so that copier itself can render a nanogen generator folder.
    """

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        environment.filters.update(FILTERS)
