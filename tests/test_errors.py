import pytest

from nanogen.errors import (
    InputError,
    Problem,
    display_key_path,
    format_key_path,
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
        (["paths", "/pets", "get", "parameters", 0], "paths./pets.get.parameters[0]"),
        (["properties", 1.5, "type"], "properties.'1.5'.type"),
        (["properties", 15], "properties[15]"),
        (["properties", True], "properties.True"),
        (["properties", None], "properties.None"),
        (["properties", "a.b"], "properties.'a.b'"),
        (["properties", "two words"], "properties.'two words'"),
        (["properties", "it's"], 'properties."it\'s"'),
        (["properties", "x[0]"], "properties.'x[0]'"),
        (["properties", ""], "properties.''"),
        (["properties", "tab\t"], "properties.'tab\\t'"),
        ([1.5], "'1.5'"),
    ],
    ids=[
        "plain",
        "float key",
        "int is index",
        "bool key",
        "null key",
        "dot",
        "space",
        "quote",
        "brackets",
        "empty",
        "control character",
        "float first",
    ],
)
def test_display_key_path_quotes_unclear_keys(parts, expected):
    assert display_key_path(parts) == expected


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
