"""Decoding the custom resource's properties, which CloudFormation delivers as strings.

The definition travels as one JSON string, ``Spec``: ``{"schemaVersion": 1, "request":
<CreateHyperParameterTuningJob request without name and tags>}``. Nothing of the
definition is read from the loose, readable properties (``Parents``, ``WarmStartType``,
``DefinitionHash``): CloudFormation turns every number and boolean there into a string.

A ``Spec`` is accepted only if the model renders it back unchanged. That catches a value
the model would read differently than SageMaker would (``"false"`` as a boolean is true in
Python) and a field this version of the library does not carry, instead of launching a job
that differs from the reviewed template.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from constructs_pkg.core.findings import RuleContext, errors
from constructs_pkg.core.model import (
    SCHEMA_VERSION,
    TuningJobDefinition,
    canonical_json,
    definition_from_spec,
    definition_hash,
    definition_spec,
)
from constructs_pkg.core.naming import name_prefix
from constructs_pkg.core.rules import PLACEHOLDER_JOB_NAME
from constructs_pkg.core.servicemodel import validate_request
from constructs_pkg.runtime.errors import (
    DefinitionInvalidError,
    findings_message,
    redact_environment,
)

_MAX_LISTED_PATHS = 6


class RemovalBehaviour(StrEnum):
    """What a Delete does to a job that is still running."""

    STOP = "stop"
    RETAIN = "retain"


@dataclass(frozen=True)
class JobProperties:
    """The decoded, type-checked properties of one ``Custom::SageMakerTuningJob``."""

    definition: TuningJobDefinition
    definition_hash: str
    """Recomputed from the resolved ``Spec``; parent names are real names here."""
    fixed_name: str | None
    """The user's ``job_name``, or None when the name is generated."""
    name_prefix: str
    tags: dict[str, str]
    lineage_table: str
    construct_path: str
    removal: RemovalBehaviour
    synth_hash: str | None
    """The ``DefinitionHash`` seen at synth (before parent names were resolved)."""
    wait_for_parents: bool = True
    """``WaitForParents``: record a child whose parents still run as waiting and launch it
    when they finish (true, the default), or fail the deployment at once (false)."""


def no_tokens() -> RuleContext:
    """At deploy every value is resolved, so nothing may be skipped as a token."""
    return RuleContext(is_unresolved=lambda _value: False)


def decode_properties(properties: object) -> JobProperties:
    """Every property of a Create or Update, checked; all problems reported together."""
    if not isinstance(properties, Mapping):
        raise DefinitionInvalidError("ResourceProperties must be an object")
    problems: list[str] = []

    fixed_name = _optional_text(properties, "JobName", problems)
    prefix = _optional_text(properties, "NamePrefix", problems)
    table = _optional_text(properties, "LineageTableName", problems)
    construct_path = _optional_text(properties, "ConstructPath", problems) or ""
    synth_hash = _optional_text(properties, "DefinitionHash", problems)
    if properties.get("LineageTableName") in (None, ""):
        problems.append("`LineageTableName` is required: the DynamoDB table to record into")
    try:
        tags = decode_tags(properties.get("Tags"))
    except DefinitionInvalidError as exc:
        problems.append(exc.message)
        tags = {}
    try:
        removal = decode_removal(properties.get("RemovalBehaviour"))
    except DefinitionInvalidError as exc:
        problems.append(exc.message)
        removal = RemovalBehaviour.STOP
    try:
        wait_for_parents = decode_wait_for_parents(properties.get("WaitForParents"))
    except DefinitionInvalidError as exc:
        problems.append(exc.message)
        wait_for_parents = True
    if problems:
        raise DefinitionInvalidError("invalid resource properties: " + "; ".join(problems))

    definition = decode_spec(properties.get("Spec"))
    return JobProperties(
        definition=definition,
        definition_hash=definition_hash(definition),
        fixed_name=fixed_name,
        name_prefix=name_prefix(prefix) if prefix else "",
        tags=tags,
        lineage_table=table or "",
        construct_path=construct_path,
        removal=removal,
        synth_hash=synth_hash,
        wait_for_parents=wait_for_parents,
    )


def decode_spec(value: object) -> TuningJobDefinition:
    """The definition in a ``Spec`` string, or :class:`DefinitionInvalidError` saying why not."""
    if not isinstance(value, str) or not value:
        raise DefinitionInvalidError(
            f"`Spec` must be a non-empty JSON string; got {type(value).__name__}"
        )
    try:
        spec = json.loads(value)
    except json.JSONDecodeError as exc:
        raise DefinitionInvalidError(
            # Some messages end in "at" already ("Unterminated string starting at").
            f"`Spec` is not valid JSON: {exc.msg.removesuffix(' at')} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from None
    if not isinstance(spec, dict):
        raise DefinitionInvalidError(f"`Spec` must be a JSON object; got {type(spec).__name__}")
    version = spec.get("schemaVersion")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise DefinitionInvalidError(
            f"`Spec.schemaVersion` is {version!r}, but this runtime reads version "
            f"{SCHEMA_VERSION}: deploy the custom resource with the library version that "
            "synthesized the template"
        )
    request = spec.get("request")
    if not isinstance(request, dict):
        raise DefinitionInvalidError("`Spec.request` must be an object: the Create request")

    try:
        definition = definition_from_spec(spec)
        rendered = definition_spec(definition)
    except Exception as exc:  # the model cannot read it: report the fields that are wrong
        raise _unreadable(request, f"{type(exc).__name__}: {exc}") from None
    if canonical_json(rendered) != canonical_json(spec):
        raise _unreadable(request, _difference(spec, rendered))
    return definition


def decode_spec_leniently(value: object) -> TuningJobDefinition | None:
    """The definition in an old ``Spec``, or None; for comparisons only, never launched.

    Reading an old spec through the current model gives fields that a newer library
    version added their default values, so such an upgrade hashes the same (not a change).
    """
    try:
        spec = json.loads(value) if isinstance(value, str) else None
        return definition_from_spec(spec) if isinstance(spec, dict) else None
    except Exception:
        return None


def decode_tags(value: object) -> dict[str, str]:
    """``Tags``: a JSON object of strings, or empty/absent for no tags."""
    if value is None or value == "":
        return {}
    if not isinstance(value, str):
        raise DefinitionInvalidError(
            f"`Tags` must be a JSON string of an object; got {type(value).__name__}"
        )
    try:
        tags = json.loads(value)
    except json.JSONDecodeError as exc:
        raise DefinitionInvalidError(f"`Tags` is not valid JSON: {exc.msg}") from None
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise DefinitionInvalidError(
            "`Tags` must be a JSON object whose keys and values are strings"
        )
    return dict(tags)


def decode_removal(value: object) -> RemovalBehaviour:
    if value is None or value == "":
        return RemovalBehaviour.STOP
    if isinstance(value, str):
        try:
            return RemovalBehaviour(value.lower())
        except ValueError:
            pass
    allowed = ", ".join(b.value for b in RemovalBehaviour)
    raise DefinitionInvalidError(f"`RemovalBehaviour` must be one of {allowed}; got {value!r}")


def decode_wait_for_parents(value: object) -> bool:
    """``WaitForParents``: ``"true"`` (also when absent or empty) or ``"false"``.

    CloudFormation delivers a boolean property as the string ``"true"`` or ``"false"``.
    """
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise DefinitionInvalidError(f'`WaitForParents` must be "true" or "false"; got {value!r}')


def _optional_text(properties: Mapping[str, Any], key: str, problems: list[str]) -> str | None:
    value = properties.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        problems.append(f"`{key}` must be a string; got {type(value).__name__}")
        return None
    return value


def _unreadable(request: Mapping[str, Any], detail: str) -> DefinitionInvalidError:
    """Why a request cannot be launched as it is: its field errors, else ``detail``."""
    named = {"HyperParameterTuningJobName": PLACEHOLDER_JOB_NAME, **request}
    findings = redact_environment(errors(validate_request(named, no_tokens())))
    if findings:
        return DefinitionInvalidError(
            findings_message("`Spec` does not match SageMaker's model", findings)
        )
    return DefinitionInvalidError(
        f"`Spec.request` is not what this library version renders: {detail}"
    )


def _difference(expected: object, actual: object, path: str = "") -> str:
    """The paths where ``actual`` (the model's rendering) differs from ``expected``."""
    paths: list[str] = []
    _collect_differences(expected, actual, path, paths)
    shown = ", ".join(f"`{p}`" for p in paths[:_MAX_LISTED_PATHS])
    more = f" and {len(paths) - _MAX_LISTED_PATHS} more" if len(paths) > _MAX_LISTED_PATHS else ""
    return (
        f"differs at {shown}{more} (fields this version does not carry, or values it reads "
        "differently)"
    )


def _collect_differences(expected: object, actual: object, path: str, out: list[str]) -> None:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual), key=str):
            child = f"{path}.{key}" if path else str(key)
            if key not in expected or key not in actual:
                out.append(child)
            else:
                _collect_differences(expected[key], actual[key], child, out)
    elif isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            _collect_differences(left, right, f"{path}[{index}]", out)
    elif canonical_json(expected) != canonical_json(actual):
        out.append(path or "(root)")
