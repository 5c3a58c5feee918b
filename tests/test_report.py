"""Tests for nanogen.report: the sizes of a split against its monolith."""

from __future__ import annotations

import json

import pytest

from nanogen.report import estimate_tokens, size_report
from nanogen.slice import SlicedOperation


def sliced(service: str, size: int, cut: int = 0) -> SlicedOperation:
    return SlicedOperation(
        service=service,
        capability=f"op-{size}",
        method="get",
        path=f"/{size}",
        operation_id=None,
        kind="operation",
        document={},
        cut=[f"#/components/schemas/S{index}" for index in range(cut)],
        source=f"paths./{size}.get",
        size=size,
    )


# Ten documents of 100 to 1,000 bytes against a 10,000-byte monolith.
OPERATIONS = [
    sliced("pets" if size <= 500 else "stores", size, cut=size // 500)
    for size in (1000, 100, 900, 200, 800, 300, 700, 400, 600, 500)
]


def test_report_numbers() -> None:
    report = size_report(10_000, OPERATIONS, file="api.yaml", max_depth=2)
    assert report.operations == 10
    assert report.services == 2
    assert report.monolith_bytes == 10_000
    assert report.monolith_tokens == 2_500
    assert report.total_bytes == 5_500
    assert report.median.bytes == 500
    assert report.median.tokens == 125
    assert report.median.percent == pytest.approx(5.0)
    assert report.p95.bytes == 1_000
    assert report.max.bytes == 1_000
    assert report.max.percent == pytest.approx(10.0)
    assert report.cut_references == 1 + 1 + 1 + 1 + 1 + 2
    assert report.max_depth == 2


def test_percentile_nearest_rank() -> None:
    operations = [sliced("a", size) for size in range(1, 101)]
    report = size_report(1_000, operations, file="api.yaml", max_depth=None)
    assert report.median.bytes == 50
    assert report.p95.bytes == 95
    assert report.max.bytes == 100


@pytest.mark.parametrize(
    ("size", "tokens"), [(0, 0), (1, 1), (4, 1), (5, 2), (4_000, 1_000)]
)
def test_tokens_estimated_rounded_up(size: int, tokens: int) -> None:
    assert estimate_tokens(size) == tokens


def test_json_keys_stable() -> None:
    report = size_report(10_000, OPERATIONS, file="api.yaml", max_depth=None)
    data = json.loads(report.as_json())
    assert list(data) == [
        "file",
        "operations",
        "services",
        "monolith",
        "documents",
        "max_depth",
        "cut_references",
        "tokens_are_estimated_as",
    ]
    assert list(data["monolith"]) == ["bytes", "tokens"]
    assert list(data["documents"]) == ["total_bytes", "median", "p95", "max"]
    for point in ("median", "p95", "max"):
        assert list(data["documents"][point]) == [
            "bytes",
            "tokens",
            "percent_of_monolith",
        ]
    assert data["max_depth"] is None
    assert data["documents"]["median"] == {
        "bytes": 500,
        "tokens": 125,
        "percent_of_monolith": 5.0,
    }
    assert data["tokens_are_estimated_as"] == "bytes / 4, rounded up"


def test_text_table() -> None:
    report = size_report(10_000, OPERATIONS, file="api.yaml", max_depth=2)
    assert report.as_text() == (
        "api.yaml: 10 operation(s) in 2 service(s), 5,500 bytes written in all\n"
        "                         bytes  tokens (est.)  % of monolith\n"
        "monolith                10,000          2,500         100.00\n"
        "median document            500            125           5.00\n"
        "95th percentile          1,000            250          10.00\n"
        "largest document         1,000            250          10.00\n"
        "max depth 2: 7 references cut\n"
        "tokens are estimated as bytes / 4, rounded up\n"
    )


def test_text_says_lossless() -> None:
    report = size_report(10_000, OPERATIONS, file="api.yaml", max_depth=None)
    assert "lossless: every document holds all the components it reaches" in (
        report.as_text()
    )


def test_empty_split_reports_zeros() -> None:
    report = size_report(0, [], file="api.yaml", max_depth=None)
    assert report.median.bytes == 0
    assert report.max.percent == 0.0
    assert report.services == 0


def test_negative_monolith_rejected() -> None:
    with pytest.raises(ValueError, match="monolith_bytes must be 0 or more"):
        size_report(-1, OPERATIONS, file="api.yaml", max_depth=None)
