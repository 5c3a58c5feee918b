import pytest

from nanogen.errors import (
    InputError,
    Origin,
    Problem,
    display_key_path,
    format_key_path,
    locate,
    type_name,
)


def test_key_path_mixes_keys_and_indexes():
    assert format_key_path(["services", "payments", "capabilities", 1, "effect"]) == (
        "services.payments.capabilities[1].effect"
    )


def test_problem_formats_location_path_and_hint():
    problem = Problem(
        "unknown effect 'reed'",
        "use one of read, create, update, delete",
        file="nanogen.yaml",
        line=7,
        key_path="services.payments.capabilities[0].effect",
    )
    assert str(problem) == (
        "nanogen.yaml:7: services.payments.capabilities[0].effect: "
        "unknown effect 'reed'; use one of read, create, update, delete"
    )


def test_input_error_sorts_problems_by_line():
    error = InputError(
        [
            Problem("second", file="a.yaml", line=9),
            Problem("first", file="a.yaml", line=2),
        ]
    )
    assert str(error).splitlines() == ["a.yaml:2: first", "a.yaml:9: second"]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (
            ["paths", "/pets", "get", "parameters", 0],
            'paths["/pets"].get.parameters[0]',
        ),
        (["paths", "/a", "get", "responses"], 'paths["/a"].get.responses'),
        (
            ["content", "application/json", "schema"],
            'content["application/json"].schema',
        ),
        (["paths", "/", "get"], 'paths["/"].get'),
        (["properties", 1.5, "type"], 'properties["1.5"].type'),
        (["properties", 15], "properties[15]"),
        (["properties", True], "properties.True"),
        (["properties", None], "properties.None"),
        (["properties", "a.b"], 'properties["a.b"]'),
        (["properties", ".a"], 'properties[".a"]'),
        (["properties", "two words"], 'properties["two words"]'),
        (["properties", "it's"], 'properties["it\'s"]'),
        (["properties", 'say "hi"'], 'properties["say \\"hi\\""]'),
        (["properties", "x[0]"], 'properties["x[0]"]'),
        (["properties", ""], 'properties[""]'),
        (["properties", "tab\t"], 'properties["tab\\t"]'),
        (["properties", "line\u2028break"], 'properties["line\\u2028break"]'),
        (["properties", "café"], "properties.café"),
        ([1.5], '["1.5"]'),
        (["/pets", "get"], '["/pets"].get'),
        ([], ""),
    ],
    ids=[
        "path key",
        "path key then more keys",
        "media type",
        "root path",
        "float key",
        "int is index",
        "bool key",
        "null key",
        "dot",
        "leading dot",
        "space",
        "single quote",
        "double quote",
        "brackets",
        "empty",
        "control character",
        "line separator",
        "accented letter",
        "float first",
        "path key first",
        "no parts",
    ],
)
def test_display_key_path_quotes_unclear_keys(parts, expected):
    assert display_key_path(parts) == expected


def test_format_key_path_writes_parts_as_given():
    # Capability lists quote their keys before joining them.
    assert format_key_path(["services", "'a.b'", 0]) == "services.'a.b'[0]"


def test_locate_without_source_map_names_file():
    origin = locate(("paths", "/a", "get"), file="api.yaml", source_map=None)

    assert origin == Origin("api.yaml", None, 'paths["/a"].get')


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        ({}, "a mapping"),
        ([], "a list"),
        ("", "a string"),
        (False, "a boolean"),
        (3, "a number"),
        (1.5, "a number"),
    ],
)
def test_type_name_of_document_values(value, expected):
    assert type_name(value) == expected
