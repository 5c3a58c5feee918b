"""Tests of `nanogen.load`: parsing, line lookup and every load error."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanogen import load
from nanogen.errors import InputError
from nanogen.load import DuplicateKey, duplicate_key_problem, load_file

NESTED = """\
# A comment line.
nanogen: 1
services:
  payments:
    capabilities:
      - name: validate-card
        effect: read
      - name: refund
        effect: create
        errors:
          422: Invalid
          "409": Conflict
"""


def write(tmp_path: Path, text: str, name: str = "nanogen.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        load_file(path)
    return str(caught.value)


# --- Data and line lookup ---------------------------------------------------


def test_line_of_nested_keys_and_items(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, NESTED))
    capabilities = ("services", "payments", "capabilities")
    assert loaded.line_of(("nanogen",)) == 2
    assert loaded.line_of(("services", "payments")) == 4
    assert loaded.line_of((*capabilities, 0)) == 6
    assert loaded.line_of((*capabilities, 1, "effect")) == 9
    assert loaded.line_of((*capabilities, 1, "errors", 422)) == 11
    assert loaded.line_of((*capabilities, 1, "errors", "409")) == 12


def test_line_of_missing_key_gives_nearest_parent(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, NESTED))
    capabilities = ("services", "payments", "capabilities")
    assert loaded.line_of((*capabilities, 1, "method")) == 8
    assert loaded.line_of((*capabilities, 7, "name")) == 5
    assert loaded.line_of(("nope", "deeper")) == 2


def test_line_of_root_is_first_content_line(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, NESTED))
    assert loaded.line_of(()) == 2


def test_line_of_tells_int_key_from_boolean(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "a: 1\n1: one\ntrue: yes\n"))
    assert loaded.line_of((1,)) == 2
    assert loaded.line_of((True,)) == 3


def test_line_of_merged_key_points_at_anchor(tmp_path: Path) -> None:
    text = "base: &base\n  x: 1\n  y: 2\nchild:\n  <<: *base\n  y: 3\n"
    loaded = load_file(write(tmp_path, text))
    assert loaded.data["child"] == {"x": 1, "y": 3}
    assert loaded.line_of(("child", "x")) == 2
    assert loaded.line_of(("child", "y")) == 6


def test_display_path_tells_keys_from_indexes(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, NESTED))
    path = ("services", "payments", "capabilities", 1, "errors", 422)
    assert loaded.display_path(path) == "services.payments.capabilities[1].errors.422"


def test_display_path_quotes_odd_keys(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, '"a.b": {"c d": 1}\n'))
    assert loaded.display_path(("a.b", "c d")) == '["a.b"]["c d"]'


def test_scalars_follow_yaml_core_schema(tmp_path: Path) -> None:
    text = (
        "yes_word: yes\nno_word: no\nswitch: on\nday: 2024-01-31\n"
        "octal: 0123\nexponent: 1e5\nsixty: 1:30\ngrouped: 1_000\n"
        "true_value: true\nint: -12\nhex: 0x1F\nfloat: 1.5\nsigned: 1.0e+5\n"
        "nothing: ~\nempty:\n"
    )
    data = load_file(write(tmp_path, text)).data
    assert data == {
        "yes_word": "yes",
        "no_word": "no",
        "switch": "on",
        "day": "2024-01-31",
        "octal": "0123",
        "exponent": "1e5",
        "sixty": "1:30",
        "grouped": "1_000",
        "true_value": True,
        "int": -12,
        "hex": 31,
        "float": 1.5,
        "signed": 100000.0,
        "nothing": None,
        "empty": None,
    }


def test_question_mark_and_brackets_in_flow_mapping(tmp_path: Path) -> None:
    data = load_file(
        write(tmp_path, "output: {valid: boolean, reason: string?}\n")
    ).data
    assert data == {"output": {"valid": "boolean", "reason": "string?"}}


def test_core_tags_accepted(tmp_path: Path) -> None:
    data = load_file(write(tmp_path, "a: !!str 12\nb: !!int '7'\n")).data
    assert data == {"a": "12", "b": 7}


def test_utf8_byte_order_mark_skipped(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_file(path).data == {"a": 1}


# --- JSON -------------------------------------------------------------------


def test_json_data_and_lines(tmp_path: Path) -> None:
    text = '{\n\t"a": {\n\t\t"b": [1, {"c": 2}]\n\t},\n\t"d": "e"\n}\n'
    loaded = load_file(write(tmp_path, text, "input.json"))
    assert loaded.data == {"a": {"b": [1, {"c": 2}]}, "d": "e"}
    assert not loaded.positions_built
    assert loaded.line_of(("a", "b", 1, "c")) == 3
    assert loaded.line_of(("d",)) == 5


def test_json_content_in_yaml_file(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, '{"a": 1,\n "b": 2}'))
    assert loaded.data == {"a": 1, "b": 2}
    assert loaded.line_of(("b",)) == 2


def test_flow_mapping_falls_back_to_yaml(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "{a: 1, b: string?}"))
    assert loaded.data == {"a": 1, "b": "string?"}


def test_json_duplicate_keys_listed(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, '{\n"a": 1,\n"b": {"c": 1,\n"c": 2}}', "x.json"))
    assert loaded.data == {"a": 1, "b": {"c": 2}}
    assert loaded.duplicate_keys == [DuplicateKey(("b", "c"), 3, 4)]


def test_json_syntax_error(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, '{\n  "a": 1,\n}', "x.json"))
    assert message == (
        f"{tmp_path / 'x.json'}:3: invalid JSON at column 1: expecting property name "
        "enclosed in double quotes; fix the JSON syntax at that position"
    )


def test_json_nan_rejected(tmp_path: Path) -> None:
    message = load_error(write(tmp_path, '{"a": NaN}', "x.json"))
    assert message.endswith(
        "invalid JSON: NaN is not a JSON number; write the number as digits"
    )


# --- Large files ------------------------------------------------------------


def big_document(folder: Path, extra: str = "") -> Path:
    """Write a YAML file of over 2 MB, so that it takes the fast path."""
    lines = ["nanogen: 1", "items:"]
    for index in range(40_000):
        lines.append(f"  - {{id: {index}, name: item-{index}, note: padding text}}")
    lines.append("last: true")
    text = "\n".join(lines) + "\n" + extra
    assert len(text) > 2 * load.FAST_PATH_BYTES
    return write(folder, text)


@pytest.fixture(scope="module")
def big_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return big_document(tmp_path_factory.mktemp("big"))


def test_big_file_loads_without_positions(big_path: Path) -> None:
    loaded = load_file(big_path)
    assert len(loaded.data["items"]) == 40_000
    assert not loaded.positions_built
    assert loaded.duplicate_keys == []


def test_big_file_finds_lines_when_asked(big_path: Path) -> None:
    loaded = load_file(big_path)
    assert loaded.line_of(("items", 39_999, "name")) == 40_002
    assert loaded.line_of(("last",)) == 40_003
    assert loaded.positions_built


def test_big_file_duplicate_keys_found(tmp_path: Path) -> None:
    loaded = load_file(big_document(tmp_path, extra="nanogen: 2\n"))
    assert loaded.duplicate_keys == [DuplicateKey(("nanogen",), 1, 40_004)]


def test_big_file_syntax_error_has_line(tmp_path: Path) -> None:
    message = load_error(big_document(tmp_path, extra="bad: [1, 2\n"))
    assert ":40005: invalid YAML at column 1: a '[' list is not closed" in message


def test_big_json_file(tmp_path: Path) -> None:
    data = {
        "items": [{"id": index, "name": f"item-{index}"} for index in range(60_000)]
    }
    path = write(tmp_path, json.dumps(data, indent=1), "big.json")
    loaded = load_file(path)
    assert loaded.data == data
    assert not loaded.positions_built
    assert loaded.line_of(("items", 1, "name")) == 9


# --- Duplicate keys ---------------------------------------------------------


def test_duplicate_keys_listed_with_both_lines(tmp_path: Path) -> None:
    text = "a:\n  b: 1\n  c: 2\n  b: 3\nd: 4\nd: 5\n"
    loaded = load_file(write(tmp_path, text))
    assert loaded.data == {"a": {"b": 3, "c": 2}, "d": 5}
    assert loaded.duplicate_keys == [
        DuplicateKey(("a", "b"), 2, 4),
        DuplicateKey(("d",), 5, 6),
    ]


def test_merge_override_is_not_duplicate(tmp_path: Path) -> None:
    text = "base: &base {x: 1}\nchild:\n  <<: *base\n  x: 2\n"
    assert load_file(write(tmp_path, text)).duplicate_keys == []


def test_duplicate_key_problem_text(tmp_path: Path) -> None:
    path = write(tmp_path, "a:\n  b: 1\n  b: 2\n")
    loaded = load_file(path)
    (duplicate,) = loaded.duplicate_keys
    assert str(duplicate_key_problem(duplicate, loaded)) == (
        f"{path}:3: a.b: key 'b' is written twice in the same mapping, on lines 2 "
        "and 3; remove or rename one of them, because only the last one is used"
    )


# --- Load errors ------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    assert load_error(path) == f"{path}: file not found; check the path"


def test_folder(tmp_path: Path) -> None:
    assert load_error(tmp_path) == (
        f"{tmp_path}: is a folder, not a file; give the path of a YAML or JSON file"
    )


@contextlib.contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block as the user `nobody` when the tests run as root.

    root reads every file whatever its mode, so only another user sees
    a permission error.
    """
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_file_without_read_permission() -> None:
    # Outside pytest's tmp_path, whose folders only their owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="nanogen-permission-"))
    try:
        folder.chmod(0o755)
        path = write(folder, "a: 1\n")
        path.chmod(0)
        with unprivileged():
            message = load_error(path)
    finally:
        shutil.rmtree(folder)
    assert message == (
        f"{path}: cannot read the file: permission denied; check the permissions "
        "of the file and of the folders above it"
    )


def test_folder_without_search_permission() -> None:
    folder = Path(tempfile.mkdtemp(prefix="nanogen-permission-"))
    try:
        path = write(folder, "a: 1\n")
        folder.chmod(0o700)
        with unprivileged():
            message = load_error(path)
    finally:
        shutil.rmtree(folder)
    assert message.startswith(f"{path}: cannot read the file: permission denied;")


def test_path_through_a_file(tmp_path: Path) -> None:
    file = write(tmp_path, "a: 1\n")
    assert load_error(file / "nanogen.yaml") == (
        f"{file / 'nanogen.yaml'}: file not found: {str(file)!r} is a file, not a "
        "folder; check the path"
    )


def test_named_pipe_rejected_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "nanogen.yaml"
    os.mkfifo(fifo)
    # A subprocess, so that a loader that opens the FIFO and waits for a
    # writer fails this test instead of hanging it.
    completed = subprocess.run(
        [sys.executable, "-m", "nanogen", "validate", str(fifo)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert completed.returncode == 1
    assert completed.stderr == (
        f"{fifo}: is a named pipe (FIFO), not a regular file; give the path of a "
        "YAML or JSON file; nanogen does not read pipes, sockets or devices, "
        "because reading them may never end\n"
    )


def test_socket_rejected(tmp_path: Path) -> None:
    path = tmp_path / "api.sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        message = load_error(path)
    assert message.startswith(f"{path}: is a socket, not a regular file; ")


def limit_memory() -> None:
    """Cap the address space of a child process at 2 GiB."""
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_rejected() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "nanogen", "validate", "/dev/zero"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        preexec_fn=limit_memory,
    )
    assert completed.returncode == 1
    assert completed.stderr.startswith(
        "/dev/zero: is a character device, not a regular file; "
    )


def sparse_file(folder: Path, size: int, name: str = "nanogen.yaml") -> Path:
    """Create a file of `size` bytes that takes no space on disk."""
    path = folder / name
    with path.open("wb") as stream:
        stream.truncate(size)
    return path


def test_file_over_default_limit_rejected(tmp_path: Path) -> None:
    path = sparse_file(tmp_path, load.DEFAULT_MAX_FILE_BYTES + 5 * load.MIB // 10)
    assert load_error(path) == (
        f"{path}: file is 64.5 MiB, larger than the limit of 64 MiB; check that the "
        "path names the intended file; `nanogen split` and `nanogen convert` read "
        "larger files with --max-file-size"
    )


def test_file_at_limit_is_read(tmp_path: Path) -> None:
    limit = load.FileSizeLimit(64, "unused")
    path = write(tmp_path, "a: 1\n" + "#" * 59)
    assert path.stat().st_size == 64
    assert load_file(path, size_limit=limit).data == {"a": 1}


def test_capability_list_limit_applies(tmp_path: Path) -> None:
    path = sparse_file(tmp_path, load.MAX_CAPABILITY_LIST_BYTES + 1)
    with pytest.raises(InputError) as caught:
        load_file(path, size_limit=load.CAPABILITY_LIST_SIZE_LIMIT)
    assert str(caught.value) == (
        f"{path}: file is 16.1 MiB, larger than the limit of 16 MiB; check that "
        "the path names a capability list; a list this large is not supported"
    )


def test_size_limit_of_enclosing_block(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\n" + "#" * 100)
    with load.file_size_limit(load.FileSizeLimit(100, "make it smaller")):
        message = load_error(path)
    assert message == (
        f"{path}: file is 105 bytes, larger than the limit of 100 bytes; make it "
        "smaller"
    )
    assert load_file(path).data == {"a": 1}


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    assert load_error(path) == (
        f"{path}:2: file is not valid UTF-8: byte 0xe9 cannot be decoded; "
        "save the file as UTF-8"
    )


def test_not_utf8_line_counts_carriage_returns(tmp_path: Path) -> None:
    path = tmp_path / "nanogen.yaml"
    path.write_bytes(b"a: 1\rb: 2\r\nc: caf\xe9\r")
    assert load_error(path).startswith(f"{path}:3: file is not valid UTF-8: ")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:1: file is empty; write a YAML or JSON mapping of keys to values"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("- a\n- b\n", "a list"),
        ("# x\nhello\n", "a string"),
        ("null\n", "null"),
        ("3\n", "an integer"),
    ],
)
def test_top_level_not_mapping(tmp_path: Path, text: str, kind: str) -> None:
    path = write(tmp_path, text)
    line = 2 if text.startswith("#") else 1
    assert load_error(path) == (
        f"{path}:{line}: the top level is {kind}, not a mapping; write keys and "
        "values at the top level, such as 'nanogen: 1'"
    )


def test_any_top_level_when_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "- a\n- b\n")
    assert load_file(path, require_mapping=False).data == ["a", "b"]


def test_empty_file_rejected_when_any_top_level_allowed(tmp_path: Path) -> None:
    path = write(tmp_path, "# nothing\n")
    with pytest.raises(InputError):
        load_file(path, require_mapping=False)


SYNTAX_ERRORS = {
    "bad indentation": (
        "a:\n  b: 1\n c: 2\n",
        "3: invalid YAML at column 2: this line is not indented like the keys or list "
        "items before it; indent it as far as the keys or list items it belongs with",
    ),
    "colon in value": (
        "a: b: c\n",
        "1: invalid YAML at column 5: a ':' cannot start a value here; quote the value "
        "if it contains ': ', or fix the indentation",
    ),
    "tab": (
        "a:\n\tb: 1\n",
        "2: invalid YAML at column 1: a tab character cannot indent YAML; indent with spaces",
    ),
    "unclosed quote": (
        'a: "abc\n',
        "1: invalid YAML at column 4: the quoted string that starts here is not closed "
        'before the end of the file; add the closing " where the string ends',
    ),
    "unclosed quote in a list": (
        "a: [x, 'y\n",
        "1: invalid YAML at column 8: the quoted string that starts here is not closed "
        "before the end of the file; add the closing ' where the string ends",
    ),
    "quote runs on to a later line": (
        'a: "x\nb: 1\nc: "y"\n',
        "1: invalid YAML at column 4: the quoted string that starts here is not closed "
        'on its line, so it runs on to the " on line 3; add the closing " where the '
        "string ends",
    ),
    "text after closing quote": (
        "a: 'it's'\n",
        "1: invalid YAML at column 8: text follows the closing ' of a quoted value; "
        "write each ' inside the value as '', or quote the whole value with \" instead",
    ),
    "unclosed list": (
        "a: [1, 2\nb: 3\n",
        "2: invalid YAML at column 2: a '[' list is not closed; close the list opened on "
        "line 1 with ']'",
    ),
    "unclosed mapping": (
        "a: {b: 1\n",
        "2: invalid YAML at column 1: a '{' mapping is not closed; close the mapping "
        "opened on line 1 with '}'",
    ),
    "colon in flow mapping value": (
        "a: {note: a: b}\n",
        "1: invalid YAML at column 12: a plain value inside '{...}' cannot contain "
        "': '; quote the value, such as \"a: b\", or put a ',' between two entries",
    ),
    "colon in flow list value": (
        "a: [x, b: c: d]\n",
        "1: invalid YAML at column 12: a plain value inside '[...]' cannot contain "
        "': '; quote the value, such as \"c: d\", or put a ',' between two entries",
    ),
    "colon in flow value with a quote": (
        'a: {b: say "hi": now}\n',
        "1: invalid YAML at column 16: a plain value inside '{...}' cannot contain "
        "': '; quote the value, such as 'say \"hi\": now', or put a ',' between two "
        "entries",
    ),
    "colon after quoted flow value": (
        'a: {"b": "c": "d"}\n',
        "1: invalid YAML at column 13: a ':' follows a quoted value inside '{...}'; "
        "put a ',' between two entries, or move the ':' inside the quotes",
    ),
    "colon after nested flow list": (
        "a: {b: [x]: y}\n",
        "1: invalid YAML at column 11: a ':' follows ']' inside '{...}'; put a ',' "
        "between two entries",
    ),
    "comma missing in flow mapping": (
        'a: {b: "x" c}\n',
        "1: invalid YAML at column 12: a ',' is missing before 'c' inside '{...}'; "
        "put a ',' between two entries, or quote the whole value",
    ),
    "comma missing at a line break": (
        "a: {b: 1\n  c: 2}\n",
        "2: invalid YAML at column 3: an entry inside '{...}' is not separated from "
        "the one before it by ','; add ',' at the end of line 1",
    ),
    "unclosed mapping before a nested one": (
        "a: {b: 1\n  c: {d: 2}\n",
        "2: invalid YAML at column 4: a '{' mapping is not closed; close the "
        "mapping opened on line 1 with '}'",
    ),
    "unclosed mapping before the next key": (
        "a: {b: 1\nc: 2\n",
        "2: invalid YAML at column 2: a '{' mapping is not closed; close the mapping "
        "opened on line 1 with '}'",
    ),
    "brackets in flow value": (
        "a: {b: Money[]}\n",
        "1: invalid YAML at column 13: a plain value inside '{...}' or '[...]' cannot "
        'contain \'[\'; quote the value, such as "string?" or "Money[]"',
    ),
    "key without colon": (
        "a: 1\nb c\nd: 2\n",
        "2: invalid YAML at column 1: a key has no ':' after it; add ': ' after the "
        "key, such as 'b: c', or indent the line deeper if it continues the value "
        "above it",
    ),
    "key without colon on the last line": (
        "a: 1\nb c\n",
        "2: invalid YAML at column 1: a key has no ':' after it; add ': ' after the "
        "key, such as 'b: c', or indent the line deeper if it continues the value "
        "above it",
    ),
    "key without colon with CR LF": (
        "a: 1\r\nb c\r\nd: 2\r\n",
        "2: invalid YAML at column 1: a key has no ':' after it; add ': ' after the "
        "key, such as 'b: c', or indent the line deeper if it continues the value "
        "above it",
    ),
    "unknown escape in double quotes": (
        'a: {pattern: "^\\d+$"}\n',
        "1: invalid YAML at column 16: '\\d' is not an escape that a double-quoted "
        'string knows; write a backslash as \\\\ inside double quotes, as in '
        '"^\\\\d+$", or use single quotes, inside which a backslash is plain: '
        "'^\\d+$'",
    ),
    "key without colon first in a mapping": (
        "a:\n  b c\n  d: 2\n",
        "2: invalid YAML at column 3: a key has no ':' after it, so YAML reads the "
        "text up to the ':' on line 3 as one value; add ': ' after the key, such as "
        "'b: c', or quote the value if the text contains ': '",
    ),
    "key without colon before a comment": (
        "a:\n  b c  # note\n  d: 2\n",
        "2: invalid YAML at column 3: a key has no ':' after it; add ': ' after the "
        "key, such as 'b: c', or indent the line deeper if it continues the value "
        "above it",
    ),
    "key without colon in a list item": (
        "a:\n  - name create\n    effect: read\n",
        "2: invalid YAML at column 5: a key has no ':' after it, so YAML reads the "
        "text up to the ':' on line 3 as one value; add ': ' after the key, such as "
        "'name: create', or quote the value if the text contains ': '",
    ),
    "line indented deeper than its key": (
        "a: b\n  c: d\n",
        "2: invalid YAML at column 3: this line is indented deeper than the key 'a' "
        "on line 1, so YAML reads it as part of the value of 'a'; indent it as far "
        "as 'a' (0 spaces), or quote the value if the text contains ': '",
    ),
    "tab in a block scalar": (
        "a: |\n\tx\n",
        "2: invalid YAML at column 1: a tab character cannot indent YAML; indent with "
        "spaces",
    ),
    "tab after a dash": (
        "a:\n  -\tb\n",
        "2: invalid YAML at column 4: a tab character cannot separate values here; "
        "replace it with a space",
    ),
    "list item too far left": (
        "a:\n  - 1\n - 2\n",
        "3: invalid YAML at column 2: this list item is not indented like the list "
        "items before it; indent its '-' by 2 spaces, like the list item on line 2",
    ),
    "list item too far right": (
        "a:\n  - b: 1\n    c: 2\n   - d\n",
        "4: invalid YAML at column 4: this list item is not indented like the list "
        "items before it; indent its '-' by 2 spaces, like the list item on line 2",
    ),
    "list item among keys": (
        "a:\n  b: 1\n  - 2\n",
        "3: invalid YAML at column 3: a list item cannot follow the key on line 2 at "
        "the same indentation; write the list under the key it belongs to, indented "
        "deeper than that key",
    ),
    "list item on the line of its key": (
        "a: - b\n",
        "1: invalid YAML at column 4: a '-' list item cannot start on the line of its "
        "key; start the list on the next line, indented deeper than the key, or "
        "quote the value if the '-' is part of the text",
    ),
    "undefined alias": (
        "a: *nothing\n",
        "1: invalid YAML at column 4: alias '*nothing' refers to no anchor; define the "
        "anchor with '&' before this line",
    ),
    "two documents": (
        "a: 1\n---\nb: 2\n",
        "2: invalid YAML at column 1: the file contains more than one YAML document; "
        "remove the '---' line and keep one document",
    ),
    "question mark starting a value": (
        "a: ? b\n",
        "1: invalid YAML at column 4: '?' cannot start a value here; quote the value",
    ),
    "reserved character": (
        "a: @b\n",
        "1: invalid YAML at column 4: '@' cannot start a value; quote the value",
    ),
    "control character": (
        "a: 1\nb: \x01\n",
        "2: invalid YAML: control character '\\x01' is not allowed in YAML; remove it, "
        "or write it as an escape in a double-quoted string",
    ),
    "list key": (
        "? [a, b]\n: 1\n",
        "1: invalid YAML at column 3: a key is a list or mapping; use a string or "
        "number as the key",
    ),
}


@pytest.mark.parametrize(
    ("text", "expected"), SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS.keys()
)
def test_yaml_syntax_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == f"{path}:{expected}"


def test_yaml_syntax_errors_without_libyaml(tmp_path: Path) -> None:
    # PyYAML's pure-Python parser words its errors differently from libyaml
    # and reads ahead differently, so the table is run again in a process
    # where the libyaml binding cannot be imported.
    paths = []
    for number, (text, _) in enumerate(SYNTAX_ERRORS.values()):
        path = write(tmp_path, text, f"case{number}.yaml")
        paths.append(str(path))
    script = (
        "import sys\n"
        "sys.modules['yaml._yaml'] = None\n"
        "from nanogen import load\n"
        "from nanogen.errors import InputError\n"
        "assert load.CParser is None\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load.load_file(path)\n"
        "        print('loaded')\n"
        "    except InputError as error:\n"
        "        print(str(error).replace('\\n', ' '))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *paths],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == len(paths)
    for path, (name, (_, expected)), line in zip(
        paths, SYNTAX_ERRORS.items(), lines, strict=True
    ):
        assert line == f"{path}:{expected}", name


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object:os.system",
        "!!python/object/apply:os.system",
        "!!binary",
        "!!set",
        "!!timestamp",
        "!local",
    ],
)
def test_tags_rejected(tmp_path: Path, tag: str) -> None:
    path = write(tmp_path, f"a: 1\nb: {tag} x\n")
    assert load_error(path) == (
        f"{path}:2: invalid YAML at column 4: unsupported YAML tag {tag!r}; remove the "
        "tag, because nanogen reads plain data only"
    )


def test_alias_cycle_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb: &loop\n  c: *loop\n")
    assert load_error(path) == (
        f"{path}:3: a YAML alias refers to a mapping or list that contains it; "
        "replace the alias with a copy of the data it refers to"
    )


def test_alias_bomb_rejected(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 8):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    message = load_error(write(tmp_path, "\n".join(lines) + "\n"))
    assert "YAML aliases expand the data to more than 1,000,000 values" in message


def test_shared_aliases_allowed(tmp_path: Path) -> None:
    text = "base: &base {x: 1}\nuses: [*base, *base, *base]\n"
    assert load_file(write(tmp_path, text)).data["uses"] == [{"x": 1}] * 3


def test_deep_nesting_rejected(tmp_path: Path) -> None:
    depth = load.MAX_DEPTH + 1
    path = write(tmp_path, "a: " + "[" * depth + "]" * depth + "\n")
    assert load_error(path) == (
        f"{path}:1: data is nested more than {load.MAX_DEPTH} levels deep; "
        "flatten the structure"
    )


def test_nesting_at_limit_accepted(tmp_path: Path) -> None:
    depth = load.MAX_DEPTH - 1
    path = write(tmp_path, "a: " + "[" * depth + "]" * depth + "\n")
    assert load_file(path).data["a"]


def test_parser_nesting_limit_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested too deep" in load_error(path)


# --- Line breaks ------------------------------------------------------------

# Characters that PyYAML and libyaml take for line breaks, as YAML 1.1 does,
# but that YAML 1.2 and text editors show inside a line. The loader accepts
# LS and PS inside quoted YAML strings, and all three inside JSON strings.
QUOTED_BREAKS = {"LS": "\u2028", "PS": "\u2029"}
JSON_BREAKS = {"LS": "\u2028", "PS": "\u2029", "NEL": "\u0085"}


@pytest.mark.parametrize("character", QUOTED_BREAKS.values(), ids=QUOTED_BREAKS)
def test_syntax_error_line_ignores_yaml_11_breaks(
    tmp_path: Path, character: str
) -> None:
    text = f'a: "one{character}two"\nb: 1\nc: [1, 2\n'
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:4: invalid YAML at column 1: a '[' list is not closed; close the "
        "list opened on line 3 with ']'"
    )


@pytest.mark.parametrize("character", QUOTED_BREAKS.values(), ids=QUOTED_BREAKS)
def test_syntax_error_column_ignores_yaml_11_breaks(
    tmp_path: Path, character: str
) -> None:
    path = write(tmp_path, f'a: ["one{character}two" x]\n')
    assert load_error(path).startswith(f"{path}:1: invalid YAML at column 15: ")


@pytest.mark.parametrize("character", QUOTED_BREAKS.values(), ids=QUOTED_BREAKS)
def test_line_of_ignores_yaml_11_breaks(tmp_path: Path, character: str) -> None:
    text = f"a: \"one{character}two\"\nb:\n  - c: 'x{character}y'\n"
    loaded = load_file(write(tmp_path, text))
    assert loaded.data == {"a": f"one{character}two", "b": [{"c": f"x{character}y"}]}
    assert loaded.line_of(("b",)) == 2
    assert loaded.line_of(("b", 0, "c")) == 3


@pytest.mark.parametrize("character", QUOTED_BREAKS.values(), ids=QUOTED_BREAKS)
def test_duplicate_key_lines_ignore_yaml_11_breaks(
    tmp_path: Path, character: str
) -> None:
    text = f'a: "one{character}two"\nb: 1\nb: 2\n'
    loaded = load_file(write(tmp_path, text))
    assert loaded.duplicate_keys == [DuplicateKey(("b",), 2, 3)]


def test_big_file_lines_ignore_yaml_11_breaks(tmp_path: Path) -> None:
    path = big_document(tmp_path, extra='note: "one\u2028two\u2029three"\nafter: 1\n')
    loaded = load_file(path)
    assert not loaded.positions_built
    assert loaded.line_of(("after",)) == 40_005


@pytest.mark.parametrize("character", JSON_BREAKS.values(), ids=JSON_BREAKS)
def test_json_lines_ignore_yaml_11_breaks(tmp_path: Path, character: str) -> None:
    text = f'{{"a": "one{character}two",\n"b": 1,\n"b": 2,\n"c": [1, {{"d": 2}}]}}'
    loaded = load_file(write(tmp_path, text, "x.json"))
    assert loaded.data["a"] == f"one{character}two"
    assert loaded.line_of(("c", 1, "d")) == 4
    assert loaded.duplicate_keys == [DuplicateKey(("b",), 2, 3)]


HIDDEN_BREAKS = {
    "LS in a comment": (
        "nanogen: 1\n# Amounts are in cents.\u2028security: none\n",
        "2: LS (U+2028) at column 24",
        "\\L",
    ),
    "PS in a plain value": ("a: one\u2029two\n", "1: PS (U+2029) at column 7", "\\P"),
    "LS in a block value": (
        "a: |\n  one\u2028two\n",
        "2: LS (U+2028) at column 6",
        "\\L",
    ),
    "LS in a key": ("a: 1\nb\u2028: 2\n", "2: LS (U+2028) at column 2", "\\L"),
    "NEL in a quoted value": (
        'a: "one\x85two"\n',
        "1: NEL (U+0085) at column 8",
        "\\N",
    ),
    "NEL before a syntax error": ("a: x\x85y\n", "1: NEL (U+0085) at column 5", "\\N"),
}


@pytest.mark.parametrize(
    ("text", "where", "escape"), HIDDEN_BREAKS.values(), ids=HIDDEN_BREAKS
)
def test_hidden_line_break_rejected(
    tmp_path: Path, text: str, where: str, escape: str
) -> None:
    path = write(tmp_path, text)
    assert load_error(path) == (
        f"{path}:{where} is a line break to nanogen's YAML parser, which follows "
        "YAML 1.1, but not to YAML 1.2 or text editors; remove it, or write it "
        f"as {escape} inside a double-quoted string"
    )


def test_escaped_line_separator_accepted(tmp_path: Path) -> None:
    text = 'a: "one\\Ltwo\\u2029three\\Nfour"\n'
    assert load_file(write(tmp_path, text)).data == {
        "a": "one\u2028two\u2029three\x85four"
    }


def test_syntax_error_before_hidden_break_reported(tmp_path: Path) -> None:
    # The scan for line breaks stops at the error, so it cannot distinguish
    # the break after it from one inside a quoted string.
    path = write(tmp_path, "a: @b\nc: x\u2028y\n")
    assert load_error(path) == (
        f"{path}:1: invalid YAML at column 4: '@' cannot start a value; quote the value"
    )


def test_carriage_return_lines(tmp_path: Path) -> None:
    loaded = load_file(write(tmp_path, "a: 1\rb: 2\r\nc: 3\r"))
    assert loaded.data == {"a": 1, "b": 2, "c": 3}
    assert loaded.line_of(("c",)) == 3


def test_json_error_line_counts_carriage_returns(tmp_path: Path) -> None:
    path = write(tmp_path, '{"a": 1,\r"b": \r}', "x.json")
    assert load_error(path) == (
        f"{path}:3: invalid JSON at column 1: expecting value; fix the JSON syntax "
        "at that position"
    )


def test_control_character_line_after_non_ascii_text(tmp_path: Path) -> None:
    # libyaml gives the byte offset of the character, which runs ahead of the
    # character offset by one for each two-byte character before it.
    text = "a: " + "é" * 300 + "\nb: 1\nc: x\x1cy\n" + "d: 2\n" * 200
    path = write(tmp_path, text)
    assert load_error(path).startswith(f"{path}:3: invalid YAML: control character")


# --- Merge keys -------------------------------------------------------------

# Each case: the text, the data of `child`, and for each of its keys the line,
# counted from 0, of the key that supplies the value.
MERGES = {
    "own key wins": (
        "base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n",
        {"x": 1, "y": 3},
        {"x": 0, "y": 3},
    ),
    "first listed wins": (
        "a: &a {xx: 1}\nb: &b {xx: 2, yy: 2}\nchild: {<<: [*a, *b]}\n",
        {"xx": 1, "yy": 2},
        {"xx": 0, "yy": 1},
    ),
    "first merge key wins": (
        "a: &a {xx: 1}\nb: &b {xx: 2, yy: 2}\nchild: {<<: *a, <<: *b}\n",
        {"xx": 1, "yy": 2},
        {"xx": 0, "yy": 1},
    ),
    "nested merge": (
        "a: &a {x: 1}\nb: &b {y: 2}\nc: &c {<<: *a, w: 0}\nchild: {<<: [*c, *b]}\n",
        {"x": 1, "w": 0, "y": 2},
        {"x": 0, "w": 2, "y": 1},
    ),
    "repeated source": (
        "a: &a {x: 1, y: 2}\nchild: {<<: [*a, *a, *a], y: 5}\n",
        {"x": 1, "y": 5},
        {"x": 0, "y": 1},
    ),
    "merge after own keys": (
        "a: &a {x: 1, z: 3}\nchild: {y: 2, <<: *a, x: 0}\n",
        {"x": 0, "z": 3, "y": 2},
        {"x": 1, "z": 0, "y": 1},
    ),
}


@pytest.mark.parametrize(("text", "expected", "lines"), MERGES.values(), ids=MERGES)
def test_merge_keys(tmp_path: Path, text: str, expected: dict, lines: dict) -> None:
    loaded = load_file(write(tmp_path, text))
    assert loaded.data["child"] == expected
    assert list(loaded.data["child"]) == list(expected), "the key order differs"
    for key, line in lines.items():
        assert loaded.line_of(("child", key)) == line + 1, key


def test_merge_key_lines_of_big_file(tmp_path: Path) -> None:
    # Above FAST_PATH_BYTES the nodes are parsed again without the merges
    # applied, and the line lookup applies them itself.
    parts = []
    for number, (text, _, _) in enumerate(MERGES.values()):
        renamed = text.replace("&", f"&case{number}_").replace("*", f"*case{number}_")
        indented = "".join(f"  {line}\n" for line in renamed.splitlines())
        parts.append(f"case{number}:\n{indented}")
    loaded = load_file(big_document(tmp_path, extra="".join(parts)))
    assert not loaded.positions_built

    first_line = 40_004
    for number, (text, expected, lines) in enumerate(MERGES.values()):
        case = f"case{number}"
        assert loaded.data[case]["child"] == expected
        for key, line in lines.items():
            assert loaded.line_of((case, "child", key)) == first_line + 1 + line, key
        first_line += 1 + len(text.splitlines())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("summary: <<\n", {"summary": "<<"}),
        ("a: [x, <<]\n", {"a": ["x", "<<"]}),
        ("<<x: 1\n", {"<<x": 1}),
        ('"<<": 1\n', {"<<": 1}),
    ],
)
def test_merge_sign_outside_merge_key_is_text(
    tmp_path: Path, text: str, expected: dict
) -> None:
    assert load_file(write(tmp_path, text)).data == expected


@pytest.mark.parametrize(
    ("value", "found"),
    [("1", "'1'"), ("text", "'text'"), ("[*a, x]", "'x'"), ("[[1]]", "a list")],
)
def test_merge_of_non_mapping_rejected(tmp_path: Path, value: str, found: str) -> None:
    path = write(tmp_path, f"base: &a {{x: 1}}\nchild:\n  <<: {value}\n  y: 2\n")
    assert load_error(path) == (
        f"{path}:3: the merge key '<<' needs a mapping or a list of mappings, not "
        f"{found}; write '<<: *name' where '&name' marks a mapping, or quote the "
        'key as "<<" for a key named <<'
    )


def merge_chain(length: int) -> str:
    """Return mappings that each merge the one before: quadratic in `length`."""
    lines = ["m0: &m0 {k0: 0}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def test_merge_chain_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, merge_chain(1_000))
    message = load_error(path)
    assert message.startswith(f"{path}:708: YAML merge keys ('<<') copy more than ")
    assert f"{load.MAX_MERGED_KEYS:,} keys" in message


def test_merge_chain_below_limit_loads(tmp_path: Path) -> None:
    data = load_file(write(tmp_path, merge_chain(100))).data
    assert data["m99"] == {f"k{i}": i for i in range(100)}


def test_repeated_merges_do_not_grow(tmp_path: Path) -> None:
    # Without each key kept once, every level would hold ten times the keys of
    # the level before, 10**8 at the last.
    lines = ["m0: &m0 {k: 0}"]
    lines += [
        f"m{i}: &m{i} {{<<: [{', '.join([f'*m{i - 1}'] * 10)}]}}" for i in range(1, 9)
    ]
    path = write(tmp_path, "\n".join(lines) + "\n")
    code = f"from nanogen.load import load_file; print(load_file({str(path)!r}).data['m8'])"
    completed = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit_memory,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "{'k': 0}\n"
