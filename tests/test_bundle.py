"""Tests of `nanogen.bundle`: joining a document spread over files into one.

The fixture under tests/fixtures/multifile/spec/ uses every kind of `$ref`
that the bundler handles; `bundled.yaml` next to it is the expected result.
Run pytest with `--update-golden` to rewrite it from the current output.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import (
    OpenAPIV2SpecValidator,
    OpenAPIV30SpecValidator,
    OpenAPIV31SpecValidator,
)

import nanogen.bundle
from nanogen.bundle import Bundled, SourceMap, bundle_document, default_ref_root
from nanogen.errors import InputError, Origin
from nanogen.load import Loaded, load_file

FIXTURE = Path(__file__).parent / "fixtures" / "multifile"
SPEC = FIXTURE / "spec" / "openapi.yaml"
GOLDEN = FIXTURE / "bundled.yaml"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def refs_in(node: Any) -> list[str]:
    """List every `$ref` string in a document, depth first."""
    found = []
    stack = [node]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                found.append(value["$ref"])
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def operation_count(document: dict[str, Any]) -> int:
    return sum(
        1
        for item in (document.get("paths") or {}).values()
        for key in item
        if key in METHODS
    )


def at(document: Any, *keys: Any) -> Any:
    for key in keys:
        document = document[key]
    return document


def dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def corpus_file(relative: str) -> Path:
    path = CORPUS / relative
    if not path.exists():
        pytest.skip(f"the corpus of real OpenAPI documents is not at {CORPUS}")
    return path


# --- The multi-file fixture -----------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Bundled:
    return bundle_document(SPEC, ref_root=FIXTURE)


def test_fixture_matches_golden(bundled: Bundled, update_golden: bool) -> None:
    text = dump(bundled.document)
    if update_golden:
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_fixture_has_only_internal_refs(bundled: Bundled) -> None:
    external = [ref for ref in refs_in(bundled.document) if not ref.startswith("#")]
    assert external == []


def test_fixture_validates(bundled: Bundled) -> None:
    errors = [
        error.message
        for error in OpenAPIV31SpecValidator(bundled.document).iter_errors()
    ]
    assert errors == []


def test_fixture_files_and_version(bundled: Bundled) -> None:
    spec = FIXTURE / "spec"
    assert bundled.file == str(SPEC)
    assert bundled.version == "3.1.0"
    assert bundled.files[0] == str(SPEC)
    assert sorted(bundled.files) == sorted(
        str(path) for path in spec.rglob("*") if path.is_file()
    )
    assert bundled.warnings == []


PETS = ("paths", "/pets")
LIST_PETS = (*PETS, "get")
ADD_PET = (*PETS, "post")
JSON = ("content", "application/json")


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (
            (*LIST_PETS, "responses", "200", *JSON, "schema", "items"),
            {"$ref": "#/components/schemas/Pet"},
        ),
        ((*PETS, "parameters", 0), {"$ref": "#/components/parameters/limit"}),
        ((*LIST_PETS, "parameters", 0), {"$ref": "#/components/parameters/page_size"}),
        (
            (*LIST_PETS, "responses", "default"),
            {"$ref": "#/components/responses/Problem"},
        ),
        ((*ADD_PET, "requestBody"), {"$ref": "#/components/requestBodies/new-pet"}),
        (
            (*LIST_PETS, "responses", "200", "headers", "X-Rate-Limit"),
            {"$ref": "#/components/headers/X-Rate-Limit"},
        ),
        (
            (*ADD_PET, "responses", "201", *JSON, "examples", "cat"),
            {"$ref": "#/components/examples/new-cat"},
        ),
        (
            (*ADD_PET, "responses", "201", "links", "GetPet"),
            {"$ref": "#/components/links/GetPet"},
        ),
        (
            (*ADD_PET, "callbacks", "adopted"),
            {"$ref": "#/components/callbacks/adopted"},
        ),
        (
            (*ADD_PET, "responses", "201", *JSON, "schema"),
            {"$ref": "#/components/schemas/Pet", "description": "The new pet."},
        ),
        (
            (
                "paths",
                "/legacy/pets",
                "get",
                "responses",
                "200",
                *JSON,
                "schema",
                "items",
            ),
            {"$ref": "#/components/schemas/Pet_2"},
        ),
        (
            ("components", "schemas", "Owner", "properties", "pets", "items"),
            {"$ref": "#/components/schemas/Pet"},
        ),
        (
            ("components", "schemas", "Pet", "properties", "owner"),
            {"$ref": "#/components/schemas/Owner"},
        ),
        (
            ("components", "schemas", "Pet", "properties", "details", "discriminator"),
            {
                "propertyName": "kind",
                "mapping": {
                    "cat": "#/components/schemas/Cat",
                    "dog": "#/components/schemas/Dog",
                },
            },
        ),
        (
            ("components", "responses", "NotFound", *JSON, "schema"),
            {"$ref": "#/components/schemas/Error"},
        ),
        (
            ("components", "securitySchemes", "ApiKey"),
            {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        ),
        (
            ("components", "parameters", "page_size"),
            {"name": "pageSize", "in": "query", "schema": {"type": "integer"}},
        ),
        (
            ("info", "description"),
            "A pet shop whose document is spread over many files.\n",
        ),
        (("tags", 0, "description"), "Pets for sale."),
        (
            (*LIST_PETS, "x-codeSamples", 0),
            {
                "lang": "curl",
                "source": 'curl -H "X-API-Key: $KEY" https://shop.example/pets',
            },
        ),
        (
            (*LIST_PETS, "responses", "200", *JSON, "example"),
            [{"id": 1, "name": "Rex", "kind": "dog"}],
        ),
        (("paths", "/pets/{petId}", "get", "operationId"), "getPet"),
        ((*PETS, "summary"), "Pets"),
        ((*PETS, "description"), "Every pet in the shop."),
    ],
    ids=[
        "schema",
        "path item parameter",
        "pointer with ~1",
        "response",
        "request body",
        "header",
        "example object",
        "link",
        "callback",
        "schema ref keeps its siblings",
        "name clash gets a suffix",
        "cross-file recursion to Pet",
        "cross-file recursion to Owner",
        "discriminator mapping",
        "sub-file ref back to the root",
        "root component filled from its file",
        "parameter component",
        "info description inlined",
        "tag description inlined",
        "code sample inlined",
        "example value from a JSON file",
        "operation ref inlined",
        "path item ref inlined",
        "path item ref sibling kept",
    ],
)
def test_fixture_ref_lands(
    bundled: Bundled, keys: tuple[Any, ...], expected: Any
) -> None:
    assert at(bundled.document, *keys) == expected


def test_fixture_component_names(bundled: Bundled) -> None:
    components = bundled.document["components"]
    assert list(components["schemas"]) == [
        "Error",
        "Owner",
        "Pet",
        "Pet_2",
        "Tag",
        "Cat",
        "Dog",
    ]
    assert list(components["parameters"]) == ["limit", "page_size"]
    assert list(components["responses"]) == ["Problem", "NotFound"]


def test_bundle_is_deterministic() -> None:
    first = bundle_document(SPEC, ref_root=FIXTURE)
    second = bundle_document(SPEC, ref_root=FIXTURE)
    assert dump(first.document) == dump(second.document)


def test_bundle_leaves_loaded_files_unchanged() -> None:
    before = {path: path.read_bytes() for path in FIXTURE.rglob("*") if path.is_file()}
    bundle_document(SPEC, ref_root=FIXTURE)
    bundle_document(SPEC, ref_root=FIXTURE)
    assert {path: path.read_bytes() for path in before} == before


# --- Small inputs built in tmp_path -------------------------------------------

HEADER = """\
openapi: 3.0.3
info:
  title: Test
  version: "1"
"""

# The `$ref` of the schema is on line 14.
ONE_REF = (
    HEADER
    + """\
paths:
  /a:
    get:
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: {ref}
"""
)
SCHEMA_PATH = 'paths["/a"].get.responses.200.content["application/json"].schema'


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


def bundle_text(
    tmp_path: Path, root_text: str, files: dict[str, str | bytes] | None = None
) -> Bundled:
    root = tmp_path / "root"
    write(root, {"openapi.yaml": root_text, **(files or {})})
    return bundle_document(root / "openapi.yaml", ref_root=root)


def messages(
    tmp_path: Path, ref: str, files: dict[str, str | bytes] | None = None
) -> list[str]:
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, ONE_REF.replace("{ref}", json.dumps(ref)), files)
    return [str(problem) for problem in caught.value.problems]


def schema_problem(tmp_path: Path, text: str) -> str:
    return f"{tmp_path / 'root' / 'openapi.yaml'}:14: {SCHEMA_PATH}: {text}"


REMOTE = (
    "is a remote reference, and remote references are not fetched; "
    "download the file and refer to it by a relative path"
)


@pytest.mark.parametrize(
    "ref",
    [
        "http://example.com/pet.yaml",
        "https://example.com/api.yaml#/components/schemas/Pet",
        "file:///etc/passwd",
        "//example.com/pet.yaml",
    ],
    ids=["http", "https with pointer", "file URL", "network path"],
)
def test_remote_ref_rejected(tmp_path: Path, ref: str) -> None:
    assert messages(tmp_path, ref) == [
        schema_problem(tmp_path, f"$ref {ref!r} {REMOTE}")
    ]


OUTSIDE_HINT = (
    "move the file into the ref root, "
    "or set --ref-root to a folder that contains both files"
)


@pytest.mark.parametrize(
    ("ref", "target"),
    [
        ("../outside.yaml", "outside.yaml"),
        ("../../etc/passwd", "../etc/passwd"),
        ("sub/../../outside.yaml", "outside.yaml"),
    ],
    ids=["sibling folder", "climbs to /etc", "climbs through a subfolder"],
)
def test_ref_outside_root_rejected(tmp_path: Path, ref: str, target: str) -> None:
    write(tmp_path, {"outside.yaml": "type: string\n"})
    points_to = Path(str(tmp_path / target)).resolve()
    assert messages(tmp_path, ref) == [
        schema_problem(
            tmp_path,
            f"$ref {ref!r} points to {points_to}, outside the ref root "
            f"{tmp_path / 'root'}; {OUTSIDE_HINT}",
        )
    ]


def test_absolute_ref_outside_root_rejected(tmp_path: Path) -> None:
    assert messages(tmp_path, "/etc/passwd") == [
        schema_problem(
            tmp_path,
            f"$ref '/etc/passwd' points to /etc/passwd, outside the ref root "
            f"{tmp_path / 'root'}; {OUTSIDE_HINT}",
        )
    ]


def test_absolute_ref_inside_root_accepted(tmp_path: Path) -> None:
    pet = tmp_path / "root" / "pet.yaml"
    result = bundle_text(
        tmp_path,
        ONE_REF.replace("{ref}", repr(str(pet))),
        {"pet.yaml": "type: string\n"},
    )
    assert result.document["components"] == {"schemas": {"pet": {"type": "string"}}}


def test_symlink_outside_root_rejected(tmp_path: Path) -> None:
    write(tmp_path, {"outside.yaml": "type: string\n"})
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    real = (tmp_path / "outside.yaml").resolve()
    root = (tmp_path / "root").resolve()
    assert messages(tmp_path, "link.yaml") == [
        schema_problem(
            tmp_path,
            f"$ref 'link.yaml' leads through a symbolic link to {real}, "
            f"outside the ref root {root}; {OUTSIDE_HINT}",
        )
    ]


def test_symlink_inside_root_accepted(tmp_path: Path) -> None:
    write(tmp_path / "root", {"models/pet.yaml": "type: string\n"})
    (tmp_path / "root" / "pet.yaml").symlink_to(
        tmp_path / "root" / "models" / "pet.yaml"
    )
    result = bundle_text(tmp_path, ONE_REF.replace("{ref}", "pet.yaml"))
    assert result.document["components"] == {"schemas": {"pet": {"type": "string"}}}


def test_missing_file_rejected(tmp_path: Path) -> None:
    missing = tmp_path / "root" / "nothing.yaml"
    assert messages(tmp_path, "nothing.yaml") == [
        schema_problem(
            tmp_path,
            f"$ref 'nothing.yaml' points to a missing file: {missing}; check the path, "
            "which is relative to the file that contains the $ref",
        )
    ]


def test_missing_file_suggests_close_name(tmp_path: Path) -> None:
    missing = tmp_path / "root" / "pett.yaml"
    assert messages(tmp_path, "pett.yaml", {"pet.yaml": "type: string\n"}) == [
        schema_problem(
            tmp_path,
            f"$ref 'pett.yaml' points to a missing file: {missing}; did you mean "
            "'pet.yaml'? The path is relative to the file that contains the $ref",
        )
    ]


def test_folder_ref_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "root" / "models"
    assert messages(tmp_path, "models", {"models/pet.yaml": "type: string\n"}) == [
        schema_problem(
            tmp_path,
            f"$ref 'models' points to a folder, not a file: {folder}; "
            "name a YAML or JSON file",
        )
    ]


PETS_FILE = {"pets.yaml": "Pet:\n  type: string\nToy:\n  type: string\n"}


@pytest.mark.parametrize(
    ("ref", "files", "text"),
    [
        (
            "pets.yaml#/Pett",
            PETS_FILE,
            "$ref 'pets.yaml#/Pett' points to a missing value: {root}/pets.yaml has "
            "no '#/Pett'; did you mean 'pets.yaml#/Pet'?",
        ),
        (
            "pets.yaml#/Zebra",
            PETS_FILE,
            "$ref 'pets.yaml#/Zebra' points to a missing value: {root}/pets.yaml has "
            "no '#/Zebra'; point to one of the keys under '#': Pet, Toy",
        ),
        (
            "pets.yaml#/Pet/type/format",
            PETS_FILE,
            "$ref 'pets.yaml#/Pet/type/format' points to a missing value: "
            "{root}/pets.yaml has no '#/Pet/type/format'; '#/Pet/type' is a string, "
            "so end the pointer there",
        ),
        (
            "list.yaml#/2",
            {"list.yaml": "- type: string\n- type: integer\n"},
            "$ref 'list.yaml#/2' points to a missing value: {root}/list.yaml has "
            "no '#/2'; '#' is a list of 2 items, so use an index from 0 to 1",
        ),
        (
            "#/components/schemas/Pet",
            {},
            "$ref '#/components/schemas/Pet' points to a missing value: "
            "{root}/openapi.yaml has no '#/components'; point to one of the keys "
            "under '#': openapi, info, paths",
        ),
        (
            "pets.yaml#Pet",
            PETS_FILE,
            "$ref 'pets.yaml#Pet' has a fragment that is not a JSON pointer; "
            "start the part after '#' with '/', as in 'pets.yaml#/Pet'",
        ),
    ],
    ids=[
        "close key",
        "no close key",
        "pointer past a string",
        "list index out of range",
        "internal pointer",
        "fragment without slash",
    ],
)
def test_missing_pointer_rejected(
    tmp_path: Path, ref: str, files: dict[str, str | bytes], text: str
) -> None:
    expected = text.format(root=tmp_path / "root")
    assert messages(tmp_path, ref, files) == [schema_problem(tmp_path, expected)]


@pytest.mark.parametrize(
    ("name", "content", "text"),
    [
        (
            "bad.yaml",
            "a: [1, 2\n",
            "bad.yaml:2: invalid YAML at column 1: a '[' list is not closed; "
            "close the list opened on line 1 with ']'",
        ),
        (
            "bad.json",
            '{"a": 1,}',
            "bad.json:1: invalid JSON at column 9: expecting property name enclosed "
            "in double quotes; fix the JSON syntax at that position",
        ),
        (
            "image.yaml",
            b"\x89PNG\r\n\x1a\n\x00",
            "image.yaml:1: file is not valid UTF-8: byte 0x89 cannot be decoded; "
            "save the file as UTF-8",
        ),
    ],
    ids=["invalid YAML", "invalid JSON", "binary file"],
)
def test_unreadable_file_rejected(
    tmp_path: Path, name: str, content: str | bytes, text: str
) -> None:
    root = tmp_path / "root"
    assert messages(tmp_path, name, {name: content}) == [
        schema_problem(
            tmp_path,
            f"$ref {name!r} points to a file that cannot be loaded: {root}/{text}",
        )
    ]


@pytest.mark.parametrize(
    "content", ["", "# only a comment\n\n"], ids=["empty", "comment"]
)
def test_empty_file_rejected(tmp_path: Path, content: str) -> None:
    empty = tmp_path / "root" / "empty.yaml"
    assert messages(tmp_path, "empty.yaml", {"empty.yaml": content}) == [
        schema_problem(
            tmp_path,
            f"$ref 'empty.yaml' points to an empty file: {empty}; "
            "write the referenced value into the file, or remove the $ref",
        )
    ]


def test_circular_inline_rejected(tmp_path: Path) -> None:
    root_text = (
        HEADER.replace(
            '  version: "1"\n',
            '  version: "1"\n  description:\n    $ref: text.yaml#/a\n',
        )
        + "paths: {}\n"
    )
    files = {"text.yaml": "a:\n  $ref: '#/b'\nb:\n  $ref: '#/a'\n"}
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, root_text, files)
    assert [str(problem) for problem in caught.value.problems] == [
        f"{tmp_path / 'root' / 'text.yaml'}:4: b: $ref '#/a' is circular, and its "
        "position in the document needs the value itself, not a reference to it; "
        "break the cycle, or move the repeated part into components"
    ]


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    root_text = (
        HEADER
        + """\
paths:
  /a:
    get:
      parameters:
        - $ref: https://example.com/parameters.yaml
        - $ref: missing.yaml
      responses:
        "200":
          $ref: "#/components/responses/Nope"
        "404":
          $ref: responses.yaml#/NotFound
"""
    )
    files = {"responses.yaml": "NotFound:\n  $ref: gone.yaml\n"}
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, root_text, files)
    problems = caught.value.problems
    assert [
        (Path(problem.file or "").name, problem.line, problem.key_path)
        for problem in problems
    ] == [
        ("openapi.yaml", 9, 'paths["/a"].get.parameters[0]'),
        ("openapi.yaml", 10, 'paths["/a"].get.parameters[1]'),
        ("openapi.yaml", 13, 'paths["/a"].get.responses.200'),
        ("responses.yaml", 2, "NotFound"),
    ]


def test_same_file_by_two_paths_gets_one_name(tmp_path: Path) -> None:
    root_text = (
        HEADER
        + """\
paths:
  /a:
    get:
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: models/pet.yaml
            application/xml:
              schema:
                $ref: ./models/../models/pet.yaml
"""
    )
    result = bundle_text(tmp_path, root_text, {"models/pet.yaml": "type: string\n"})
    content = at(result.document, "paths", "/a", "get", "responses", "200", "content")
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/pet"}
    assert content["application/xml"]["schema"] == {"$ref": "#/components/schemas/pet"}
    assert result.document["components"]["schemas"] == {"pet": {"type": "string"}}


def test_chain_of_files(tmp_path: Path) -> None:
    files = {
        "a.yaml": "$ref: b/b.yaml\n",
        "b/b.yaml": "$ref: ../c.yaml#/C\n",
        "c.yaml": "C:\n  type: integer\n",
    }
    result = bundle_text(tmp_path, ONE_REF.replace("{ref}", "a.yaml"), files)
    assert result.document["components"]["schemas"] == {
        "a": {"$ref": "#/components/schemas/b"},
        "b": {"$ref": "#/components/schemas/C"},
        "C": {"type": "integer"},
    }


def test_pointer_escapes_and_percent_encoding(tmp_path: Path) -> None:
    files = {"my models.yaml": "a~b:\n  type: integer\n'c d':\n  type: string\n"}
    root_text = (
        HEADER
        + """\
paths:
  /a:
    get:
      parameters:
        - name: x
          in: query
          schema:
            $ref: my%20models.yaml#/a~0b
        - name: y
          in: query
          schema:
            $ref: my%20models.yaml#/c%20d
      responses:
        "200":
          description: OK
"""
    )
    result = bundle_text(tmp_path, root_text, files)
    parameters = at(result.document, "paths", "/a", "get", "parameters")
    assert parameters[0]["schema"] == {"$ref": "#/components/schemas/a_b"}
    assert parameters[1]["schema"] == {"$ref": "#/components/schemas/c_d"}
    assert result.document["components"]["schemas"] == {
        "a_b": {"type": "integer"},
        "c_d": {"type": "string"},
    }


def test_ref_from_file_to_root_non_component(tmp_path: Path) -> None:
    root_text = (
        HEADER
        + """\
x-shared:
  "{id}":
    type: string
paths:
  /a:
    get:
      responses:
        "200":
          description: OK
          content:
            application/json:
              schema:
                $ref: pet.yaml
"""
    )
    files = {
        "pet.yaml": "properties:\n  id:\n    $ref: openapi.yaml#/x-shared/%7Bid%7D\n"
    }
    result = bundle_text(tmp_path, root_text, files)
    pet = result.document["components"]["schemas"]["pet"]
    assert pet == {"properties": {"id": {"$ref": "#/x-shared/%7Bid%7D"}}}


def test_non_mapping_target_drops_siblings_with_warning(tmp_path: Path) -> None:
    root_text = (
        HEADER.replace(
            '  version: "1"\n',
            '  version: "1"\n  description:\n    $ref: text.yaml\n    x-note: kept?\n',
        )
        + "paths: {}\n"
    )
    result = bundle_text(tmp_path, root_text, {"text.yaml": "Plain text.\n"})
    assert result.document["info"]["description"] == "Plain text."
    assert [str(warning) for warning in result.warnings] == [
        f"warning: {tmp_path / 'root' / 'openapi.yaml'}:6: info.description: "
        "$ref 'text.yaml' points to a string, so the keys next to it (x-note) are "
        "dropped; remove those keys, or point the $ref at a mapping"
    ]


def test_duplicate_key_in_referenced_file_warns(tmp_path: Path) -> None:
    files = {"pet.yaml": "type: string\ntype: integer\n"}
    result = bundle_text(tmp_path, ONE_REF.replace("{ref}", "pet.yaml"), files)
    assert result.document["components"]["schemas"] == {"pet": {"type": "integer"}}
    assert [warning.severity for warning in result.warnings] == ["warning"]
    assert "written twice" in result.warnings[0].message


def test_internal_refs_left_as_written(tmp_path: Path) -> None:
    root_text = (
        ONE_REF.replace("{ref}", "'#/components/schemas/Pet'")
        + "components:\n  schemas:\n    Pet:\n      type: string\n"
    )
    result = bundle_text(tmp_path, root_text)
    schema = at(result.document, "paths", "/a", "get", "responses", "200", "content")[
        "application/json"
    ]["schema"]
    assert schema == {"$ref": "#/components/schemas/Pet"}


def test_swagger_2_components_at_top_level(tmp_path: Path) -> None:
    root_text = """\
swagger: "2.0"
info:
  title: Test
  version: "1"
paths:
  /a:
    get:
      parameters:
        - $ref: common.yaml#/limit
      responses:
        "200":
          description: OK
          schema:
            $ref: common.yaml#/Pet
        default:
          $ref: common.yaml#/Error
"""
    files = {
        "common.yaml": """\
            limit:
              name: limit
              in: query
              type: integer
            Pet:
              type: string
            Error:
              description: Failed
        """
    }
    result = bundle_text(tmp_path, root_text, files)
    assert result.version == "2.0"
    assert "components" not in result.document
    assert result.document["definitions"] == {"Pet": {"type": "string"}}
    assert result.document["parameters"] == {
        "limit": {"name": "limit", "in": "query", "type": "integer"}
    }
    assert result.document["responses"] == {"Error": {"description": "Failed"}}


# --- The root document and the ref root ---------------------------------------


def test_not_openapi_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, "nanogen: 1\nproject: shop\n")
    assert str(caught.value) == (
        f"{tmp_path / 'root' / 'openapi.yaml'}:1: not an OpenAPI document: it has no "
        "'openapi' or 'swagger' key; give an OpenAPI 3.0 or 3.1 document or a "
        "Swagger 2.0 one"
    )


def test_unsupported_version_rejected(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, "openapi: 4.0.0\ninfo: {}\n")
    assert str(caught.value) == (
        f"{tmp_path / 'root' / 'openapi.yaml'}:1: openapi: unsupported version "
        "'4.0.0'; nanogen reads OpenAPI 3.0 and 3.1 and Swagger 2.0 documents"
    )


def test_input_outside_ref_root_rejected(tmp_path: Path) -> None:
    write(tmp_path, {"spec/openapi.yaml": HEADER + "paths: {}\n", "other/x.txt": ""})
    spec = tmp_path / "spec" / "openapi.yaml"
    with pytest.raises(InputError) as caught:
        bundle_document(spec, ref_root=tmp_path / "other")
    assert str(caught.value) == (
        f"{spec}: the file is outside the ref root {(tmp_path / 'other').resolve()}; "
        "choose a ref root that contains the input file"
    )


def test_ref_root_not_a_folder_rejected(tmp_path: Path) -> None:
    write(tmp_path, {"openapi.yaml": HEADER + "paths: {}\n"})
    spec = tmp_path / "openapi.yaml"
    with pytest.raises(InputError) as caught:
        bundle_document(spec, ref_root=tmp_path / "nowhere")
    assert str(caught.value) == (
        f"{spec}: the ref root {str(tmp_path / 'nowhere')!r} is not a folder; "
        "give an existing folder that contains the input file"
    )


def test_default_ref_root_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"spec/openapi.yaml": HEADER})
    monkeypatch.chdir(tmp_path)
    assert default_ref_root(Path("spec/openapi.yaml")) == tmp_path


def test_default_ref_root_input_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"spec/openapi.yaml": HEADER, "elsewhere/x.txt": ""})
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert (
        default_ref_root(Path("../spec/openapi.yaml")) == (tmp_path / "spec").resolve()
    )


# --- Real documents -----------------------------------------------------------

PETSTORE_SEPARATE = "oai-petstore-separate-2.0"


def test_petstore_separate_with_ref_root() -> None:
    entry = corpus_file(PETSTORE_SEPARATE)
    result = bundle_document(entry / "spec" / "swagger.yaml", ref_root=entry)

    assert result.version == "2.0"
    assert [ref for ref in refs_in(result.document) if not ref.startswith("#")] == []
    assert operation_count(result.document) == 4
    assert list(result.document["definitions"]) == ["Pet", "Error", "NewPet"]
    assert list(result.document["parameters"]) == ["tagsParam", "limitsParam"]
    assert result.document["definitions"]["NewPet"]["allOf"][0] == {
        "$ref": "#/definitions/Pet"
    }
    assert len(result.files) == 5
    assert list(OpenAPIV2SpecValidator(result.document).iter_errors()) == []


def test_petstore_separate_default_root_from_spec_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    entry = corpus_file(PETSTORE_SEPARATE)
    monkeypatch.chdir(entry / "spec")
    with pytest.raises(InputError) as caught:
        bundle_document(Path("swagger.yaml"))

    error = entry.resolve() / "common" / "Error.yaml"
    root = Path.cwd()
    expected = [
        f"swagger.yaml:{line}: {key_path}: $ref '../common/Error.yaml' points to "
        f"{error}, outside the ref root {root}; {OUTSIDE_HINT}"
        for line, key_path in [
            (44, 'paths["/pets"].get.responses.default.schema'),
            (63, 'paths["/pets"].post.responses.default.schema'),
            (83, 'paths["/pets/{id}"].get.responses.default.schema'),
            (100, 'paths["/pets/{id}"].delete.responses.default.schema'),
        ]
    ]
    assert [str(problem) for problem in caught.value.problems] == expected


@pytest.fixture(scope="module")
def digitalocean() -> Bundled:
    path = corpus_file("digitalocean/specification/DigitalOcean-public.v2.yaml")
    return bundle_document(path, ref_root=path.parent)


def test_digitalocean_bundles(digitalocean: Bundled) -> None:
    document = digitalocean.document
    assert digitalocean.version == "3.0.0"
    assert [ref for ref in refs_in(document) if not ref.startswith("#")] == []
    assert operation_count(document) == 659
    assert len(digitalocean.files) > 2800
    assert digitalocean.warnings == []


def test_digitalocean_validates_but_one_default(digitalocean: Bundled) -> None:
    # The source gives `stop` in chat_completion_request.yml `default: null`
    # without `nullable: true`, which OpenAPI 3.0 rejects. Nothing else fails.
    errors = list(OpenAPIV30SpecValidator(digitalocean.document).iter_errors())
    assert len(errors) == 1
    stop = digitalocean.document["components"]["schemas"]["chat_completion_request"][
        "properties"
    ]["stop"]
    assert stop["default"] is None
    assert "nullable" not in stop


SINGLE_FILE = [
    "oai-petstore/petstore.yaml",
    "oai-petstore-expanded/petstore-expanded.yaml",
    "oai-callback-example/callback-example.yaml",
    "oai-link-example/link-example.yaml",
    "oai-webhook-example-3.1/webhook-example.yaml",
    "oai-tictactoe-3.1/tictactoe.yaml",
    "swagger-petstore-3/openapi.yaml",
    "redocly-museum-3.1/openapi.yaml",
    "twilio-api-v2010/twilio_api_v2010.yaml",
    "openai/openapi.yaml",
    "stripe-2023-09/spec3.yaml",
    "kubernetes-1.36-swagger/swagger.json.unprocessed",
]


@pytest.mark.parametrize(
    "relative", SINGLE_FILE, ids=[name.split("/")[0] for name in SINGLE_FILE]
)
def test_single_file_document_unchanged(
    relative: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = corpus_file(relative)
    loads: list[Loaded] = []

    def recording_load_file(file: str | Path) -> Loaded:
        loads.append(load_file(file))
        return loads[-1]

    monkeypatch.setattr(nanogen.bundle, "load_file", recording_load_file)
    result = bundle_document(path, ref_root=path.parent)

    assert result.document is loads[0].data
    assert result.document == load_file(path).data
    assert result.files == [str(path)]


def test_root_ref_by_file_name_becomes_internal(tmp_path: Path) -> None:
    root_text = (
        ONE_REF.replace("{ref}", "openapi.yaml#/components/schemas/Pet")
        + "components:\n  schemas:\n    Pet:\n      type: string\n"
    )
    result = bundle_text(tmp_path, root_text)
    schema = at(result.document, "paths", "/a", "get", "responses", "200", "content")[
        "application/json"
    ]["schema"]
    assert schema == {"$ref": "#/components/schemas/Pet"}


def test_schema_examples_items_inlined(tmp_path: Path) -> None:
    files = {
        "pet.yaml": "type: string\nexamples:\n  - $ref: names.json\n  - Tom\n",
        "names.json": '"Rex"',
    }
    result = bundle_text(tmp_path, ONE_REF.replace("{ref}", "pet.yaml"), files)
    pet = result.document["components"]["schemas"]["pet"]
    assert pet == {"type": "string", "examples": ["Rex", "Tom"]}


def test_operation_used_twice_is_copied(tmp_path: Path) -> None:
    root_text = (
        HEADER
        + """\
paths:
  /a:
    get:
      $ref: operation.yaml
  /b:
    get:
      $ref: operation.yaml
"""
    )
    files = {"operation.yaml": "responses:\n  '200':\n    description: OK\n"}
    result = bundle_text(tmp_path, root_text, files)
    first = result.document["paths"]["/a"]["get"]
    second = result.document["paths"]["/b"]["get"]
    assert first == second == {"responses": {"200": {"description": "OK"}}}
    assert first is not second


def test_unusable_paths_rejected(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "loop-a.yaml").symlink_to(root / "loop-b.yaml")
    (root / "loop-b.yaml").symlink_to(root / "loop-a.yaml")
    problems = messages(tmp_path, "a\x00b.yaml")
    assert problems == [
        schema_problem(
            tmp_path,
            "$ref 'a\\x00b.yaml' points to an unusable path: embedded null byte; "
            "write a relative path to a YAML or JSON file",
        )
    ]
    assert "points to an unusable path" in messages(tmp_path, "loop-a.yaml")[0]
    assert "points to an unusable path" in messages(tmp_path, "x" * 300 + ".yaml")[0]


def test_fifo_rejected_without_reading(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "pipe.yaml")
    assert messages(tmp_path, "pipe.yaml") == [
        schema_problem(
            tmp_path,
            f"$ref 'pipe.yaml' points to something that is not a regular file: "
            f"{root / 'pipe.yaml'}; name a YAML or JSON file",
        )
    ]


def test_inline_bomb_rejected(tmp_path: Path) -> None:
    # Ten refs to a file with ten refs to a file ..., eight levels deep, would
    # inline 10**9 values.
    root_text = HEADER + "paths: {}\nx-big:\n" + "  - $ref: l1.yaml\n" * 10
    files: dict[str, str | bytes] = {
        f"l{level}.yaml": f"- $ref: l{level + 1}.yaml\n" * 10 for level in range(1, 9)
    }
    files["l9.yaml"] = "[1, 2, 3]\n"
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, root_text, files)
    assert len(caught.value.problems) == 1
    assert "makes the inlined copies exceed 1,000,000 values in all" in str(
        caught.value
    )


def test_very_long_ref_chain_rejected(tmp_path: Path) -> None:
    root_text = HEADER.replace(
        '  version: "1"\n', '  version: "1"\n  description:\n    $ref: d1.yaml\n'
    )
    files: dict[str, str | bytes] = {
        f"d{index}.yaml": f"$ref: d{index + 1}.yaml\n" for index in range(1, 2000)
    }
    files["d2000.yaml"] = "text\n"
    with pytest.raises(InputError) as caught:
        bundle_text(tmp_path, root_text + "paths: {}\n", files)
    assert str(caught.value) == (
        f"{tmp_path / 'root' / 'openapi.yaml'}: the references nest too deep to "
        "bundle; check the document for a very long chain of $refs"
    )


# --- Where each value of the bundled document is written -----------------------

BROKEN = Path(__file__).parent / "fixtures" / "broken"


@pytest.fixture
def external(monkeypatch: pytest.MonkeyPatch) -> Bundled:
    """Bundle fixtures/broken/external, with file names relative to fixtures/broken."""
    monkeypatch.chdir(BROKEN)
    return bundle_document(Path("external/openapi.yaml"))


ROOT = "external/openapi.yaml"
SCHEMA = ("paths", "/pets", "get", "responses", "200", "content", "application/json")


@pytest.mark.parametrize(
    ("key_path", "expected"),
    [
        (
            ("paths", "/pets", "get", "responses", "200"),
            Origin(ROOT, 9, 'paths["/pets"].get.responses.200'),
        ),
        (
            ("paths", "/items", "summary"),
            Origin("external/paths/items.yaml", 1, "summary"),
        ),
        (
            ("paths", "/items", "get", 0),
            Origin("external/paths/items.yaml", 3, "get[0]"),
        ),
        (
            ("components", "schemas", "pet", "required"),
            Origin("external/schemas/pet.yaml", 5, "required"),
        ),
        (
            (*SCHEMA, "schema", "properties", "name"),
            Origin("external/schemas/pet.yaml", 3, "properties.name"),
        ),
        (
            (*SCHEMA, "schema", "$ref"),
            Origin(
                ROOT,
                14,
                'paths["/pets"].get.responses.200.content["application/json"].schema.$ref',
            ),
        ),
        (
            ("paths", "/pets", "get", "x-added", "deeper"),
            Origin(ROOT, 7, 'paths["/pets"].get.x-added.deeper'),
        ),
        (
            ("components", "schemas", "Missing"),
            Origin(ROOT, None, "components.schemas.Missing"),
        ),
        ((), Origin(ROOT, None, "")),
    ],
    ids=[
        "root file",
        "inlined path item",
        "list item in inlined file",
        "component from a file",
        "past a $ref to a component",
        "the $ref itself",
        "key a conversion added",
        "key not in the root",
        "whole document",
    ],
)
def test_source_map_finds_file_and_line(
    external: Bundled, key_path: tuple[Any, ...], expected: Origin
) -> None:
    assert external.source_map is not None
    assert external.source_map.origin(key_path) == expected


def test_source_map_reads_keys_that_are_numbers(tmp_path: Path) -> None:
    text = HEADER + "paths:\n  /a:\n    get:\n      responses:\n        200:\n"
    text += "          description: OK\n"
    bundled = bundle_text(tmp_path, text)
    assert bundled.source_map is not None

    as_text = bundled.source_map.origin(("paths", "/a", "get", "responses", "200"))
    as_number = bundled.source_map.origin(("paths", "/a", "get", "responses", 200))

    expected = Origin(
        str(tmp_path / "root" / "openapi.yaml"), 9, 'paths["/a"].get.responses.200'
    )
    assert as_text == expected
    assert as_number == expected


def test_source_map_stops_at_ref_cycle(tmp_path: Path) -> None:
    text = HEADER + "paths: {}\ncomponents:\n  schemas:\n"
    text += "    A: {$ref: '#/components/schemas/B'}\n"
    text += "    B: {$ref: '#/components/schemas/A'}\n"
    bundled = bundle_text(tmp_path, text)
    assert bundled.source_map is not None

    origin = bundled.source_map.origin(("components", "schemas", "A", "type"))

    assert origin.line is None
    assert origin.key_path == "components.schemas.A.type"


def test_source_map_of_one_file(tmp_path: Path) -> None:
    path = tmp_path / "api.yaml"
    path.write_text(HEADER + "paths:\n  /a.b:\n    get: {}\n", "utf-8")
    loaded = load_file(path)

    origin = SourceMap.for_file(loaded).origin(("paths", "/a.b", "get"))

    assert origin == Origin(str(path), 7, 'paths["/a.b"].get')
