"""JSON Schema keywords whose values are subschemas, and walks over them.

A Schema Object contains other schemas under some keywords (`properties`,
`allOf`, `items`, `not`, ...) and data under the rest (`enum`, `const`,
`default`, `example`), so a `$ref` or `nullable` key inside data is not a
keyword. The names under `properties` are data too. Every stage that looks
inside schemas takes these keywords from one `SubschemaKeywords` table below.
The stages use four tables, which differ in a few keywords, and the comment
above each table gives the reason.

The walks yield or replace the direct subschemas of one schema. The caller
recurses, so it decides what to do at each level and which key path to
report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

# The shape of a value that contains objects: one object, one object or a
# list of them, a list, or a mapping of names to objects. Bundle and slice
# write the positions of OpenAPI objects in these shapes too.
Shape = Literal["one", "one or list", "list", "map"]
ONE: Shape = "one"
ONE_OR_LIST: Shape = "one or list"
LIST: Shape = "list"
MAP: Shape = "map"

# The key path of a subschema relative to the schema that contains it: a
# keyword, then a list index or a name under it. Names are whatever keys the
# document has, numbers included.
SubschemaPath = tuple[Any, ...]

# Keywords whose value is one schema (JSON Schema draft 4 to 2020-12).
SUBSCHEMA_KEYWORDS = frozenset(
    [
        "additionalProperties",
        "additionalItems",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "contentSchema",
    ]
)
# Keywords whose value is a list of schemas.
SUBSCHEMA_LIST_KEYWORDS = frozenset(["allOf", "anyOf", "oneOf", "prefixItems"])
# Keywords whose value maps names to schemas.
SUBSCHEMA_MAP_KEYWORDS = frozenset(
    ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"]
)
# One schema for every item, or before draft 2020-12 also a list of schemas,
# one for each position.
ITEMS = "items"
# Draft 4 to 7 map a property name to a schema or to a list of property
# names. Only the schemas are subschemas.
DEPENDENCIES = "dependencies"

# Each exclusive bound and the inclusive bound keyword it goes with. OpenAPI
# 3.0 (draft 4) writes the exclusive one as a boolean flag beside the
# inclusive one, and 3.1 (draft 2020-12) writes the bound itself.
EXCLUSIVE_BOUNDS = (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum"))


def _same(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class SubschemaKeywords:
    """The keywords whose values are subschemas, grouped by the shape of the value.

    A value whose type does not fit its keyword's shape contains no subschema:
    a list under `not`, a mapping under `allOf`, a string under `properties`.
    A value of any other type under a one-schema keyword counts as a schema,
    since `true` and `false` are schemas, and the caller decides what to do
    with it.
    """

    # One schema.
    schema: frozenset[str]
    # One schema, or a list of schemas.
    schema_or_list: frozenset[str]
    # A list of schemas.
    schema_list: frozenset[str]
    # A mapping of names to schemas.
    schema_map: frozenset[str]

    def shape(self, keyword: Any, value: Any) -> Shape | None:
        """Return how the value of `keyword` contains subschemas, or None."""
        if keyword in self.schema:
            return None if isinstance(value, list) else ONE
        if keyword in self.schema_or_list:
            return LIST if isinstance(value, list) else ONE
        if keyword in self.schema_list:
            return LIST if isinstance(value, list) else None
        if keyword in self.schema_map:
            return MAP if isinstance(value, dict) else None
        return None

    def keyword_subschemas(
        self, keyword: Any, value: Any
    ) -> Iterator[tuple[SubschemaPath, Any]]:
        """Yield the path and value of each subschema in the value of one keyword.

        The paths start with `keyword`, as in `("allOf", 0)`.
        """
        shape = self.shape(keyword, value)
        if shape == ONE:
            yield (keyword,), value
        elif shape == LIST:
            for index, item in enumerate(value):
                yield (keyword, index), item
        elif shape == MAP:
            for name, item in value.items():
                yield (keyword, name), item

    def subschemas(self, schema: Any) -> Iterator[tuple[SubschemaPath, Any]]:
        """Yield the path and value of each direct subschema of `schema`, in order.

        A `schema` that is not a mapping has none.
        """
        if not isinstance(schema, dict):
            return
        for keyword, value in schema.items():
            yield from self.keyword_subschemas(keyword, value)

    def map_subschemas(
        self,
        schema: dict[Any, Any],
        transform: Callable[[Any, SubschemaPath], Any],
        other: Callable[[Any], Any] = _same,
    ) -> dict[Any, Any]:
        """Return a new mapping with each direct subschema of `schema` transformed.

        `transform(subschema, path)` replaces each subschema, and `other(value)`
        every other value. Keys keep their order, and the lists and mappings
        that contained subschemas are new.
        """
        result: dict[Any, Any] = {}
        for keyword, value in schema.items():
            shape = self.shape(keyword, value)
            if shape is None:
                # Most values are no subschema, so the default `other` is
                # skipped rather than called.
                result[keyword] = value if other is _same else other(value)
            elif shape == ONE:
                result[keyword] = transform(value, (keyword,))
            elif shape == LIST:
                result[keyword] = [
                    transform(item, (keyword, index))
                    for index, item in enumerate(value)
                ]
            elif shape == MAP:
                result[keyword] = {
                    name: transform(item, (keyword, name))
                    for name, item in value.items()
                }
        return result

    def fields(self, kind: str) -> dict[str, tuple[str, str]]:
        """Map each keyword to `(shape, kind)`, as bundle and slice write positions."""
        fields: dict[str, tuple[str, str]] = {}
        for shape, keywords in (
            (ONE, self.schema),
            (ONE_OR_LIST, self.schema_or_list),
            (LIST, self.schema_list),
            (MAP, self.schema_map),
        ):
            fields.update(dict.fromkeys(sorted(keywords), (shape, kind)))
        return fields


# Every keyword of draft 4 to 2020-12 whose value contains subschemas, except
# `dependencies`. `upgrade` rewrites the schemas it finds with this table.
# NOTE: so a 3.0 `nullable` or `example` in a schema under `dependencies` is
# not rewritten.
SUBSCHEMAS = SubschemaKeywords(
    schema=SUBSCHEMA_KEYWORDS,
    schema_or_list=frozenset([ITEMS]),
    schema_list=SUBSCHEMA_LIST_KEYWORDS,
    schema_map=SUBSCHEMA_MAP_KEYWORDS,
)

# `bundle` and `slice` follow `$ref`s, and a `$ref` they miss leaves a file
# out of the bundle or a component out of a sliced document. So they also
# look under the draft 4 to 7 keyword `dependencies`.
SUBSCHEMAS_WITH_DEPENDENCIES = SubschemaKeywords(
    schema=SUBSCHEMA_KEYWORDS,
    schema_or_list=frozenset([ITEMS]),
    schema_list=SUBSCHEMA_LIST_KEYWORDS,
    schema_map=SUBSCHEMA_MAP_KEYWORDS | {DEPENDENCIES},
)

# `repair` searches schemas for `$recursiveRef` with this table. It reads a
# list under any one-schema keyword as a list of schemas, the way `items` is
# read before draft 2020-12.
# NOTE: no draft allows such a list outside `items`, and the other tables
# leave it alone.
LENIENT_SUBSCHEMAS = SubschemaKeywords(
    schema=frozenset(),
    schema_or_list=SUBSCHEMA_KEYWORDS | {ITEMS},
    schema_list=SUBSCHEMA_LIST_KEYWORDS,
    schema_map=SUBSCHEMA_MAP_KEYWORDS,
)

# The schemas of a capability list, and those that `examples` derives values
# for. `validate` checks the `$ref`s it finds with this table, and
# `decompose` normalises and follows them. `examples` converts OpenAPI 3.0
# keywords to 2020-12 and hides `readOnly` and `writeOnly` properties in the
# subschemas it finds.
# NOTE: it leaves out `contentSchema`, so a `$ref` there is not checked,
# normalised or followed, and a schema there is not converted.
CAPABILITY_SUBSCHEMAS = SubschemaKeywords(
    schema=SUBSCHEMA_KEYWORDS - {"contentSchema"},
    schema_or_list=frozenset([ITEMS]),
    schema_list=SUBSCHEMA_LIST_KEYWORDS,
    schema_map=SUBSCHEMA_MAP_KEYWORDS,
)
