"""Single-constraint mutations of a valid request, derived from botocore's shape metadata.

:func:`mutation_sites` walks a rendered ``CreateHyperParameterTuningJob`` request alongside
the operation's input shape and lists every place where one constraint of the model can
be broken while every other constraint still holds:

=================  ==========  =====================================================
kind               rule id     mutation
=================  ==========  =====================================================
``length-over``    F-LENGTH    a string one character longer than ``max``
``length-under``   F-LENGTH    a string one character shorter than ``min`` (``min > 0``)
``pattern``        F-PATTERN   a string of allowed length the ``pattern`` rejects
``enum``           F-ENUM      a string outside the ``enum``
``below-min``      F-RANGE     an integer one below ``min``
``above-max``      F-RANGE     an integer one above ``max``
``size-over``      F-SIZE      a list or map one entry longer than ``max``
``size-under``     F-SIZE      an empty list where ``min`` is 1 or more
``required``       F-REQUIRED  a required member removed
=================  ==========  =====================================================

Map keys are mutated too (``length-over`` and ``pattern`` on a key). The pattern check
here is independent of the library's: a candidate counts as a break only if it fails a
permissive reading of the pattern (``.`` matches new lines; ``\\p{L}`` and ``\\p{N}`` read
as ``\\w``, ``\\p{Z}`` as ``\\s``, both supersets), so it breaks the service's reading too.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StringShape, StructureShape

RULE_OF_KIND = {
    "length-over": "F-LENGTH",
    "length-under": "F-LENGTH",
    "pattern": "F-PATTERN",
    "enum": "F-ENUM",
    "below-min": "F-RANGE",
    "above-max": "F-RANGE",
    "size-over": "F-SIZE",
    "size-under": "F-SIZE",
    "required": "F-REQUIRED",
}
BOTOCORE_CHECKS = frozenset({"length-under", "below-min", "size-under", "required"})
"""Kinds botocore's own client-side validation also rejects (it checks min and required)."""

_BREAKERS = ("#", "!", "*", " ", "~", "\x00", "^", "/", "-", "é")
Key = str | int


@dataclass(frozen=True)
class Site:
    """One constraint at one place of the request."""

    location: tuple[Key, ...]
    """Keys and indexes from the request to the value (to the map, for a map key)."""
    api_path: str
    """The path as the service model names it, e.g. ``Tags[0].Key``."""
    kind: str
    shape: Shape
    map_key: str | None = None
    """For a map key: the key to replace."""

    @property
    def rule_id(self) -> str:
        return RULE_OF_KIND[self.kind]


def _permissive(pattern: str) -> re.Pattern[str]:
    for java, python in ((r"\p{L}", r"\w"), (r"\p{N}", r"\w"), (r"\p{Z}", r"\s")):
        pattern = pattern.replace(java, python)
    return re.compile(pattern, re.DOTALL)


def _length_ok(value: str, shape: Shape) -> bool:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    return (low is None or len(value) >= low) and (high is None or len(value) <= high)


def pattern_break(value: str, shape: Shape) -> str | None:
    """A string of allowed length that the shape's pattern rejects, if there is one."""
    pattern = shape.metadata.get("pattern")
    if not pattern:
        return None
    compiled = _permissive(pattern)
    candidates = [""] + [c + value for c in _BREAKERS] + [value + c for c in _BREAKERS]
    candidates += [value[:-1] + c for c in _BREAKERS if value]
    for candidate in candidates:
        if _length_ok(candidate, shape) and compiled.fullmatch(candidate) is None:
            return candidate
    return None


def enum_break(value: str, shape: StringShape) -> str:
    for candidate in (value.lower(), value.upper(), value + "s", "Unknown"):
        if candidate not in shape.enum:
            return candidate
    raise AssertionError(f"no value outside {shape.enum}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def mutation_sites(
    value: Any, shape: Shape, location: tuple[Key, ...] = (), path: str = ""
) -> list[Site]:
    """Every single-constraint mutation the request allows (see the module docstring)."""
    sites: list[Site] = []
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        for name, member in value.items():
            if name in shape.required_members:
                sites.append(Site((*location, name), _join(path, name), "required", member))
            sites += mutation_sites(
                member, shape.members[name], (*location, name), _join(path, name)
            )
    elif kind == "list":
        assert isinstance(shape, ListShape)
        if meta.get("max") is not None:
            sites.append(Site(location, path, "size-over", shape))
        if meta.get("min", 0) >= 1:
            sites.append(Site(location, path, "size-under", shape))
        for index, item in enumerate(value):
            sites += mutation_sites(item, shape.member, (*location, index), f"{path}[{index}]")
    elif kind == "map":
        assert isinstance(shape, MapShape)
        if meta.get("max") is not None:
            sites.append(Site(location, path, "size-over", shape))
        for key, item in value.items():
            entry = f"{path}[{key!r}]"
            key_meta = shape.key.metadata
            if key_meta.get("max") is not None:
                sites.append(Site(location, entry + ".key", "length-over", shape.key, key))
            if pattern_break(key, shape.key) is not None:
                sites.append(Site(location, entry + ".key", "pattern", shape.key, key))
            sites += mutation_sites(item, shape.value, (*location, key), entry)
    elif kind == "string":
        assert isinstance(shape, StringShape)
        if shape.enum:
            sites.append(Site(location, path, "enum", shape))
        else:
            if meta.get("max") is not None:
                sites.append(Site(location, path, "length-over", shape))
            if meta.get("min", 0) >= 1:
                sites.append(Site(location, path, "length-under", shape))
            if pattern_break(value, shape) is not None:
                sites.append(Site(location, path, "pattern", shape))
    elif kind in ("integer", "long"):
        if meta.get("min") is not None:
            sites.append(Site(location, path, "below-min", shape))
        if meta.get("max") is not None:
            sites.append(Site(location, path, "above-max", shape))
    return sites


def _longer(value: str, shape: Shape) -> str:
    """``value`` padded to one over the maximum, keeping the pattern where a filler can."""
    size = shape.metadata["max"] + 1
    pattern = shape.metadata.get("pattern")
    for filler in ("a", "0", "_", " "):
        candidate = (value + filler * size)[:size] if value else filler * size
        if not pattern or _permissive(pattern).fullmatch(candidate):
            return candidate
    return "a" * size


@dataclass(frozen=True)
class Mutation:
    request: dict[str, Any]
    api_path: str
    """Where the finding must point (for a replaced map key: the new key's path)."""
    rule_id: str
    kind: str


def apply(request: Mapping[str, Any], site: Site) -> Mutation:
    """A deep copy of ``request`` with the site's constraint broken."""
    mutated = copy.deepcopy(dict(request))
    *parents, last = site.location
    holder: Any = mutated
    for key in parents:
        holder = holder[key]
    api_path = site.api_path

    if site.map_key is not None:  # `last` is the map's own key in its holder
        table = holder[last]
        value = table.pop(site.map_key)
        if site.kind == "length-over":
            new_key = _longer(site.map_key, site.shape)
        else:
            new_key = pattern_break(site.map_key, site.shape)
            assert new_key is not None
        assert new_key not in table
        table[new_key] = value
        prefix = api_path[: -len(f"[{site.map_key!r}].key")]
        api_path = f"{prefix}[{new_key!r}].key"
    elif site.kind == "required":
        del holder[last]
    else:
        current = holder[last]
        holder[last] = _mutated_value(current, site)
    return Mutation(mutated, api_path, site.rule_id, site.kind)


def _mutated_value(current: Any, site: Site) -> Any:
    meta = site.shape.metadata
    if site.kind == "length-over":
        return _longer(current, site.shape)
    if site.kind == "length-under":
        return current[: meta["min"] - 1]
    if site.kind == "pattern":
        return pattern_break(current, site.shape)
    if site.kind == "enum":
        assert isinstance(site.shape, StringShape)
        return enum_break(current, site.shape)
    if site.kind == "below-min":
        return meta["min"] - 1
    if site.kind == "above-max":
        return meta["max"] + 1
    if site.kind == "size-under":
        return []
    if site.kind == "size-over":
        size = meta["max"] + 1
        if isinstance(current, dict):
            extra = {f"x{i}": "1" for i in range(size) if f"x{i}" not in current}
            return {**current, **dict(list(extra.items())[: size - len(current)])}
        return [copy.deepcopy(current[i % len(current)]) for i in range(size)]
    raise AssertionError(site.kind)
