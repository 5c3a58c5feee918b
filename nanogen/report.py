"""Measure what a split saves: the size of each document against the monolith.

Takes the size of the input and the `SlicedOperation`s of `nanogen.slice`
and hands the command line a `SizeReport`, which it prints as a short table
(`as_text`) or as JSON (`as_json`).

Token counts are estimates: bytes / 4, rounded up, a common rule of thumb
for English text that YAML may not follow. No tokenizer is used, because
tiktoken, for one, downloads its encodings at run time. Compare the
estimates with each other, not with what a model counts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nanogen.slice import SlicedOperation

BYTES_PER_TOKEN = 4
TOKEN_ESTIMATE = f"bytes / {BYTES_PER_TOKEN}, rounded up"


def estimate_tokens(size: int) -> int:
    """Estimate the tokens of a text of `size` bytes, as bytes / 4 rounded up."""
    return math.ceil(size / BYTES_PER_TOKEN)


@dataclass(frozen=True)
class DocumentSize:
    """One point of the distribution of document sizes."""

    bytes: int
    tokens: int
    # The share of the monolith's size, in percent.
    percent: float


@dataclass(frozen=True)
class SizeReport:
    """The sizes of the documents of one split, against the monolith's size."""

    file: str
    operations: int
    services: int
    monolith_bytes: int
    monolith_tokens: int
    total_bytes: int
    median: DocumentSize
    p95: DocumentSize
    max: DocumentSize
    cut_references: int
    max_depth: int | None

    def as_dict(self) -> dict[str, Any]:
        """Return the report as JSON-ready data with a fixed set of keys."""

        def size(point: DocumentSize) -> dict[str, Any]:
            return {
                "bytes": point.bytes,
                "tokens": point.tokens,
                "percent_of_monolith": round(point.percent, 3),
            }

        return {
            "file": self.file,
            "operations": self.operations,
            "services": self.services,
            "monolith": {"bytes": self.monolith_bytes, "tokens": self.monolith_tokens},
            "documents": {
                "total_bytes": self.total_bytes,
                "median": size(self.median),
                "p95": size(self.p95),
                "max": size(self.max),
            },
            "max_depth": self.max_depth,
            "cut_references": self.cut_references,
            "tokens_are_estimated_as": TOKEN_ESTIMATE,
        }

    def as_json(self) -> str:
        """Return the report as indented JSON text, keys in a fixed order."""
        return json.dumps(self.as_dict(), indent=2) + "\n"

    def as_text(self) -> str:
        """Return the report as a short plain table for the terminal."""
        rows = [
            ("monolith", self.monolith_bytes, self.monolith_tokens, 100.0),
            ("median document", *_point(self.median)),
            ("95th percentile", *_point(self.p95)),
            ("largest document", *_point(self.max)),
        ]
        lines = [
            f"{self.file}: {self.operations} operation(s) in {self.services} service(s), "
            f"{self.total_bytes:,} bytes written in all",
            f"{'':<18}{'bytes':>12}{'tokens (est.)':>15}{'% of monolith':>15}",
        ]
        for label, size, tokens, percent in rows:
            lines.append(f"{label:<18}{size:>12,}{tokens:>15,}{percent:>15.2f}")
        if self.max_depth is None:
            lines.append("lossless: every document holds all the components it reaches")
        else:
            lines.append(
                f"max depth {self.max_depth}: {self.cut_references:,} references cut"
            )
        lines.append(f"tokens are estimated as {TOKEN_ESTIMATE}")
        return "\n".join(lines) + "\n"


def _point(point: DocumentSize) -> tuple[int, int, float]:
    return point.bytes, point.tokens, point.percent


def _distribution_point(sizes: Sequence[int], fraction: float) -> int:
    """Return the nearest-rank percentile of sorted sizes: the smallest size
    that at least `fraction` of the sizes are at or below."""
    if not sizes:
        return 0
    rank = max(1, math.ceil(fraction * len(sizes)))
    return sizes[rank - 1]


def size_report(
    monolith_bytes: int,
    operations: list[SlicedOperation],
    *,
    file: str,
    max_depth: int | None,
) -> SizeReport:
    """Summarise the document sizes of a split against the monolith's size.

    The median is the lower median (an actual document's size when the
    count is even) and the 95th percentile the nearest rank. A monolith of
    0 bytes makes every percentage 0.
    """
    if monolith_bytes < 0:
        raise ValueError(f"monolith_bytes must be 0 or more, not {monolith_bytes}")
    sizes = sorted(operation.size for operation in operations)

    def point(size: int) -> DocumentSize:
        percent = 100 * size / monolith_bytes if monolith_bytes else 0.0
        return DocumentSize(size, estimate_tokens(size), percent)

    return SizeReport(
        file=file,
        operations=len(operations),
        services=len({operation.service for operation in operations}),
        monolith_bytes=monolith_bytes,
        monolith_tokens=estimate_tokens(monolith_bytes),
        total_bytes=sum(sizes),
        median=point(_distribution_point(sizes, 0.5)),
        p95=point(_distribution_point(sizes, 0.95)),
        max=point(sizes[-1] if sizes else 0),
        cut_references=sum(len(operation.cut) for operation in operations),
        max_depth=max_depth,
    )
