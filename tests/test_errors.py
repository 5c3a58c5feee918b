from nanogen.errors import InputError, Problem, format_key_path


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
