"""What a deployment will do to the app's tuning jobs, read from two cloud assemblies.

``cdk diff`` shows property changes of ``Custom::SageMakerTuningJob`` resources, but not what
the custom resource does with them. This module compares the base branch's synth output
with a change's and says, per tuning job, in the handler's terms:

* a resource only in the change **launches** a new job;
* a resource whose ``DefinitionHash`` changed (or whose fixed ``JobName`` changed, or whose
  in-app warm-start parent is replaced in the same stack, so that the parent's new name
  reaches its definition at deploy) **replaces** its job: a new job launches and the old
  one gets the old resource's removal behaviour;
* a resource only in the base is **removed**: its job is stopped, unless retained;
* a resource whose ``Tags`` alone changed has its **tags updated** in place;
* anything else changes nothing, and prints nothing.

:func:`plan_markdown` is pure: two ``{stack name: template}`` mappings in, Markdown out.
:func:`read_assembly` and :func:`plan_assemblies` are the thin layer that reads ``cdk.out``
directories. Nothing here imports ``aws_cdk`` or contacts AWS.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

from constructs_pkg.core.model import (
    CategoricalRange,
    Strategy,
    TuningJobDefinition,
    canonical_json,
)

RESOURCE_TYPE = "Custom::SageMakerTuningJob"
"""The type of a tuning job's resource (``constructs_pkg.cdk.tuning_job.RESOURCE_TYPE``)."""

STACK_ARTIFACT = "aws:cloudformation:stack"
NESTED_ASSEMBLY_ARTIFACT = "cdk:cloud-assembly"
NOTHING = "No tuning job launches, changes or stops."

Templates = Mapping[str, Mapping[str, Any]]
"""CloudFormation templates (decoded JSON) by stack name."""

_TIMES = "\u00d7"
_RETAIN_POLICIES = ("Retain", "RetainExceptOnCreate")
_CONTAINERS = ("HyperParameterTuningJobConfig", "TrainingJobDefinition")
"""Top-level request keys left out of field paths: their children never share a name."""
_RANGE_KINDS = (
    ("IntegerParameterRanges", "Integer"),
    ("ContinuousParameterRanges", "Continuous"),
    ("CategoricalParameterRanges", "Categorical"),
)


class AssemblyError(Exception):
    """A cloud assembly that cannot be read; the message is one line."""


# --------------------------------------------------------------------------- reading


def read_assembly(directory: str | Path) -> dict[str, dict[str, Any]]:
    """The templates of every stack of a ``cdk.out`` directory, by stack name.

    Stacks of nested assemblies (stages) are included. Raises :class:`AssemblyError`.
    """
    templates: dict[str, dict[str, Any]] = {}
    _read_manifest(Path(directory), templates, depth=0)
    return templates


def _read_manifest(directory: Path, templates: dict[str, dict[str, Any]], depth: int) -> None:
    if depth > 8:
        raise AssemblyError(f"{directory}: nested assemblies are nested too deeply")
    manifest = _read_json(directory / "manifest.json")
    artifacts = manifest.get("artifacts", {}) if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise AssemblyError(f"{directory / 'manifest.json'}: not a cloud-assembly manifest")
    for artifact_id in sorted(artifacts):
        artifact = artifacts[artifact_id]
        if not isinstance(artifact, dict):
            continue
        properties = artifact.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        if artifact.get("type") == NESTED_ASSEMBLY_ARTIFACT:
            nested = properties.get("directoryName")
            if isinstance(nested, str):
                _read_manifest(directory / nested, templates, depth + 1)
            continue
        if artifact.get("type") != STACK_ARTIFACT:
            continue
        template_file = properties.get("templateFile")
        if not isinstance(template_file, str):
            raise AssemblyError(f"{directory}: stack {artifact_id} names no templateFile")
        name = properties.get("stackName")
        stack = name if isinstance(name, str) and name else artifact_id
        template = _read_json(directory / template_file)
        if not isinstance(template, dict):
            raise AssemblyError(f"{directory / template_file}: not a template")
        if stack in templates:
            raise AssemblyError(f"{directory}: two stacks are named {stack}")
        templates[stack] = template


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssemblyError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssemblyError(f"{path}: {exc}") from None
    except ValueError as exc:
        raise AssemblyError(f"{path}: invalid JSON ({exc})") from None


def plan_assemblies(base: str | Path, change: str | Path) -> str:
    """:func:`plan_markdown` of two ``cdk.out`` directories. Raises :class:`AssemblyError`."""
    return plan_markdown(read_assembly(base), read_assembly(change))


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Placeholder:
    text: str


def token_text(value: object) -> str:
    """A CloudFormation value as readable text: ``<ref:Id>``, ``<attr:Id.Attr>``, ..."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        (key, arg), *_ = value.items()
        if key == "Ref" and isinstance(arg, str):
            return f"<ref:{arg}>"
        if key == "Fn::GetAtt":
            if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
                return f"<attr:{arg[0]}.{arg[1]}>"
            if isinstance(arg, str):
                return f"<attr:{arg}>"
        if key == "Fn::ImportValue":
            return f"<import:{token_text(arg)}>"
        if key == "Fn::Join":
            return "".join(s if isinstance(s, str) else s.text for s in _segments(value))
        return f"<{key}:{canonical_json(arg)}>"
    return canonical_json(value)


def _segments(value: object) -> list[str | _Placeholder]:
    """A string value as literal text and placeholders for the tokens within it."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping) and set(value) == {"Fn::Join"}:
        args = value["Fn::Join"]
        if (
            isinstance(args, list)
            and len(args) == 2
            and isinstance(args[0], str)
            and isinstance(args[1], list)
        ):
            joined: list[str | _Placeholder] = []
            for index, part in enumerate(args[1]):
                if index and args[0]:
                    joined.append(args[0])
                joined.extend(_segments(part))
            return joined
    return [_Placeholder(token_text(value))]


def decode_spec(value: object) -> tuple[dict[str, Any] | None, str | None]:
    """The ``request`` of a ``Spec`` property, and ``None`` or why it cannot be read.

    Tokens become text (``<ref:Id>``, ``<attr:Id.Attr>``) before the JSON is parsed: inside
    a JSON string as they are, elsewhere (a number that is a token) as a JSON string.
    """
    text: list[str] = []
    in_string = escaped = False
    for segment in _segments(value):
        if isinstance(segment, _Placeholder):
            quoted = json.dumps(segment.text, ensure_ascii=False)
            text.append(quoted[1:-1] if in_string else quoted)
            continue
        text.append(segment)
        for char in segment:
            if escaped:
                escaped = False
            elif in_string and char == "\\":
                escaped = True
            elif char == '"':
                in_string = not in_string
    try:
        spec = json.loads("".join(text))
    except ValueError as exc:
        return None, f"the Spec is not valid JSON ({exc})"
    if not isinstance(spec, dict) or not isinstance(spec.get("request"), dict):
        return None, "the Spec holds no request object"
    if spec.get("schemaVersion") != 1:
        return None, f"the Spec has schemaVersion {spec.get('schemaVersion')!r}, not 1"
    request: dict[str, Any] = spec["request"]
    return request, None


# --------------------------------------------------------------------------- the jobs


@dataclass
class _Job:
    stack: str
    logical_id: str
    path: str
    resource: Mapping[str, Any]
    properties: Mapping[str, Any]
    request: dict[str, Any] | None
    decode_error: str | None

    @property
    def key(self) -> tuple[str, str]:
        return self.stack, self.logical_id

    @property
    def removal_behaviour(self) -> str:
        value = self.properties.get("RemovalBehaviour")
        return value if isinstance(value, str) else "stop"

    def retains_on(self, policy: str) -> bool:
        """Whether the job keeps running when the resource is deleted (or replaced)."""
        return self.removal_behaviour == "retain" or self.resource.get(policy) in _RETAIN_POLICIES

    @property
    def fixed_name(self) -> object:
        """The fixed ``JobName`` (text or a token), or ``None`` when it is generated."""
        value = self.properties.get("JobName")
        return None if value in (None, "") else value


@dataclass(frozen=True)
class _Parent:
    label: str
    job: _Job | None
    same_stack: bool = False


class _Side:
    """One assembly: its templates, its tuning jobs, and its exported references."""

    def __init__(self, templates: Templates) -> None:
        self.jobs: dict[tuple[str, str], _Job] = {}
        self.exports: dict[str, tuple[str, str]] = {}
        for stack in sorted(templates):
            template = templates[stack]
            resources = _mapping(template.get("Resources"))
            for logical_id in sorted(resources):
                resource = _mapping(resources[logical_id])
                if resource.get("Type") != RESOURCE_TYPE:
                    continue
                properties = _mapping(resource.get("Properties"))
                request, error = decode_spec(properties.get("Spec"))
                self.jobs[stack, logical_id] = _Job(
                    stack=stack,
                    logical_id=logical_id,
                    path=_construct_path(resource, properties, logical_id),
                    resource=resource,
                    properties=properties,
                    request=request,
                    decode_error=error,
                )
            for output in _mapping(template.get("Outputs")).values():
                output = _mapping(output)
                name = _mapping(output.get("Export")).get("Name")
                target = _mapping(output.get("Value")).get("Ref")
                if isinstance(name, str) and isinstance(target, str):
                    self.exports[name] = (stack, target)

    def parent(self, stack: str, value: object) -> _Parent:
        """A warm-start parent as the ``Parents`` property (or the Spec) names it."""
        ref = _mapping(value).get("Ref")
        if isinstance(ref, str) and (stack, ref) in self.jobs:
            return _Parent(self.jobs[stack, ref].path, self.jobs[stack, ref], same_stack=True)
        imported = _mapping(value).get("Fn::ImportValue")
        if isinstance(imported, str) and self.exports.get(imported) in self.jobs:
            job = self.jobs[self.exports[imported]]
            return _Parent(job.path, job)
        return _Parent(token_text(value), None)

    def parents(self, job: _Job) -> list[_Parent]:
        value = job.properties.get("Parents")
        return [self.parent(job.stack, p) for p in value] if isinstance(value, list) else []

    def label(self, stack: str, text: str) -> str:
        """A parent name from a decoded Spec (``<ref:Id>`` for an in-app parent) as a label."""
        if text.startswith("<ref:") and text.endswith(">"):
            return self.parent(stack, {"Ref": text[5:-1]}).label
        return text


def _construct_path(
    resource: Mapping[str, Any], properties: Mapping[str, Any], logical_id: str
) -> str:
    """The job's construct path: from ``aws:cdk:path`` metadata, else ``ConstructPath``."""
    path = _mapping(resource.get("Metadata")).get("aws:cdk:path")
    if isinstance(path, str) and path:
        for suffix in ("/Resource/Default", "/Resource"):
            if path.endswith(suffix):
                return path[: -len(suffix)]
        return path
    construct_path = properties.get("ConstructPath")
    return construct_path if isinstance(construct_path, str) and construct_path else logical_id


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --------------------------------------------------------------------------- the plan


class Action(Enum):
    LAUNCH = "launch"
    REPLACE = "replace"
    STOP = "stop"
    REMOVE_RETAINED = "remove, job keeps running"
    UPDATE_TAGS = "update tags"


_SUMMARY = {
    Action.LAUNCH: "to launch",
    Action.REPLACE: "to replace",
    Action.STOP: "to stop",
    Action.REMOVE_RETAINED: "removed but left running",
    Action.UPDATE_TAGS: "with tags updated",
}


@dataclass
class _Entry:
    action: Action
    base: _Job | None
    change: _Job | None
    reasons: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    waits_for: list[str] = field(default_factory=list)
    """In-app parents launching in the same deployment, which this job waits for."""

    @property
    def job(self) -> _Job:
        job = self.change or self.base
        assert job is not None
        return job

    @property
    def sort_key(self) -> tuple[str, str, str]:
        return self.job.stack, self.job.path, self.job.logical_id


def plan_markdown(base: Templates, change: Templates) -> str:
    """The plan, in Markdown, for deploying ``change`` over ``base`` (templates by stack).

    A stack on one side only counts as all added or all removed. The output is sorted by
    stack, then construct path, and ends with a newline.
    """
    before, after = _Side(base), _Side(change)
    entries = _entries(before, after)
    if not entries:
        return NOTHING + "\n"

    counts = [
        f"{sum(1 for e in entries if e.action is action)} {words}"
        for action, words in _SUMMARY.items()
        if any(e.action is action for e in entries)
    ]
    lines = ["# Tuning-job plan", "", ", ".join(counts) + ".", ""]
    for entry in sorted(entries, key=lambda e: e.sort_key):
        lines.extend(_section(entry, before, after))
        lines.append("")
    return "\n".join(lines[:-1]) + "\n"


def _entries(before: _Side, after: _Side) -> list[_Entry]:
    entries: dict[tuple[str, str], _Entry] = {}
    kept: dict[tuple[str, str], tuple[_Job, _Job]] = {}
    for key, new in after.jobs.items():
        old = before.jobs.get(key)
        if old is None:
            entries[key] = _Entry(Action.LAUNCH, None, new)
        else:
            kept[key] = (old, new)
    for key, old in before.jobs.items():
        if key not in after.jobs:
            retained = old.retains_on("DeletionPolicy")
            entries[key] = _Entry(Action.REMOVE_RETAINED if retained else Action.STOP, old, None)

    for key, (old, new) in kept.items():
        reasons = []
        if old.properties.get("DefinitionHash") != new.properties.get("DefinitionHash"):
            reasons.append("the definition changed")
        if new.fixed_name is not None and not _same_name(old.fixed_name, new.fixed_name):
            reasons.append(
                "the fixed job name changed"
                if old.fixed_name is not None
                else "the job now has a fixed name"
            )
        if reasons:
            entries[key] = _Entry(Action.REPLACE, old, new, reasons)
        elif _tags(old) != _tags(new):
            entries[key] = _Entry(Action.UPDATE_TAGS, old, new)

    # A replaced parent gets a new name; a child in the same stack refers to it, so the
    # child's resolved definition changes at deploy and the handler replaces it too.
    changed = True
    while changed:
        changed = False
        for key, (old, new) in sorted(kept.items()):
            entry = entries.get(key)
            if entry is not None and entry.action is Action.REPLACE:
                continue
            replaced = [
                p.label
                for p in after.parents(new)
                if p.job is not None
                and p.same_stack
                and (found := entries.get(p.job.key)) is not None
                and found.action is Action.REPLACE
            ]
            if replaced:
                reasons = [
                    f"its warm-start parent `{label}` is replaced, and the parent's new name "
                    "reaches this job's definition at deploy"
                    for label in replaced
                ]
                entries[key] = _Entry(Action.REPLACE, old, new, reasons)
                changed = True

    for entry in entries.values():
        if entry.action in (Action.LAUNCH, Action.REPLACE) and entry.change is not None:
            entry.failures += _failures(entry, after, entries)
    return list(entries.values())


def _failures(entry: _Entry, after: _Side, entries: Mapping[tuple[str, str], _Entry]) -> list[str]:
    """Why the handler will refuse this launch, as far as the templates tell."""
    assert entry.change is not None
    found = []
    if entry.base is not None:
        name = entry.change.fixed_name
        if name is not None and _same_name(entry.base.fixed_name, name):
            found.append(
                f"the job name {_code(token_text(name))} is fixed, and a replacement needs a "
                "new job under a new name (SageMaker never reuses a name); set a new "
                "`job_name`, or remove it so that names are generated"
            )
    if entry.action is Action.REPLACE:
        importers = sorted(
            child.path
            for child in after.jobs.values()
            for parent in after.parents(child)
            if parent.job is entry.change and not parent.same_stack
        )
        if importers:
            found.append(
                f"its name is exported to another stack, for the warm-start child "
                f"{', '.join(_code(path) for path in importers)}, and CloudFormation does not "
                "update an export that another stack imports"
            )
    waits = entry.change.properties.get("WaitForParents") != "false"
    for parent in after.parents(entry.change):
        launching = entries.get(parent.job.key) if parent.job is not None else None
        if launching is not None and launching.action in (Action.LAUNCH, Action.REPLACE):
            if waits:
                # The handler records the child as waiting and the stack's launcher creates
                # it once the parent has finished; the deployment itself succeeds.
                entry.waits_for.append(parent.label)
                continue
            found.append(
                f"its warm-start parent {_code(parent.label)} launches in the same "
                "deployment and is still running when this job is created, while a parent "
                "must have finished (Completed, Stopped or Failed), and this job sets "
                "wait_for_parents=False; deploy the parent first, and this job once the "
                "parent has finished"
            )
    return found


def _same_name(old: object, new: object) -> bool:
    if isinstance(old, str) and isinstance(new, str):
        return old.lower() == new.lower()
    return old == new


def _tags(job: _Job) -> object:
    value = job.properties.get("Tags")
    if isinstance(value, str):
        try:
            decoded: object = json.loads(value)
        except ValueError:
            return value
        return decoded
    return value


# --------------------------------------------------------------------------- rendering


def _section(entry: _Entry, before: _Side, after: _Side) -> list[str]:
    job = entry.job
    lines = [f"## {_code(job.path)}: {entry.action.value}", ""]
    if entry.action is Action.LAUNCH:
        assert entry.change is not None
        lines += ["A new tuning job launches.", ""]
        lines += _failure_lines(entry)
        lines += _launch_details(entry.change, after)
    elif entry.action is Action.REPLACE:
        assert entry.base is not None and entry.change is not None
        old_job = (
            "the current job is left running"
            if entry.base.retains_on("UpdateReplacePolicy")
            else "the current job is stopped if it is still running"
        )
        lines += [f"A new tuning job launches to replace the current one; {old_job}.", ""]
        lines += _failure_lines(entry)
        lines.append("- Why: " + "; ".join(entry.reasons) + ".")
        changes = _definition_changes(entry.base, entry.change, before, after)
        changes += _tag_changes(entry.base, entry.change)
        if changes:
            lines.append("- Changes:")
            lines += [f"  - {c}" for c in changes]
        lines += _launch_details(entry.change, after, was=entry.base)
    elif entry.action is Action.UPDATE_TAGS:
        assert entry.base is not None and entry.change is not None
        lines += ["The tags are updated in place; no new job launches.", ""]
        lines += [f"- {c}" for c in _tag_changes(entry.base, entry.change)]
    elif entry.action is Action.STOP:
        lines.append(
            "The resource is removed; its tuning job is stopped if it is still running "
            "(removal policy DESTROY). Its lineage is kept."
        )
    else:
        lines.append(
            "The resource is removed; its tuning job is left running (removal policy "
            "RETAIN). Its lineage is kept."
        )
    return lines


def _failure_lines(entry: _Entry) -> list[str]:
    lines = [f"**The deployment fails:** {failure}." for failure in entry.failures]
    if entry.waits_for:
        parents = ", ".join(_code(label) for label in entry.waits_for)
        several = len(entry.waits_for) > 1
        lines.append(
            f"**Waits:** its warm-start parent{'s' if several else ''} {parents} "
            f"launch{'' if several else 'es'} in the same deployment, so this job is recorded "
            "as waiting and launched by the stack's launcher once "
            f"{'they have' if several else 'the parent has'} finished."
        )
    return lines + ([""] if lines else [])


def _launch_details(job: _Job, side: _Side, was: _Job | None = None) -> list[str]:
    lines = []
    if job.fixed_name is not None and was is None:
        lines.append(f"- Job name: {_code(token_text(job.fixed_name))} (fixed)")
    parents = side.parents(job)
    warm = job.properties.get("WarmStartType")
    if parents:
        lines.append(f"- Warm start: {_code(token_text(warm or '?'))} from:")
        for parent in parents:
            if parent.job is None:
                lines.append(f"  - {_code(parent.label)} (outside the app): worst case unknown")
            else:
                lines.append(
                    f"  - {_code(parent.label)} (in this app): worst case "
                    f"{_budget(parent.job).short()}"
                )
    else:
        lines.append("- Warm start: none")
    budget = _budget(job)
    line = f"- Worst case: {budget.long()}"
    if was is not None:
        previous = _budget(was)
        if previous.short() != budget.short():
            line += f" (the current job: {previous.short()})"
    lines.append(line)
    return lines


@dataclass(frozen=True)
class _Budget:
    max_jobs: int | None
    count: int | None
    runtime: int | None
    instance_type: str
    problem: str | None
    grid_note: str = ""

    @property
    def hours(self) -> Fraction | None:
        if self.max_jobs is None or self.count is None or self.runtime is None:
            return None
        return Fraction(self.max_jobs * self.count * self.runtime, 3600)

    def short(self) -> str:
        hours = self.hours
        return "unknown" if hours is None else f"{_number(hours)} instance-hours"

    def long(self) -> str:
        hours = self.hours
        if hours is None or self.max_jobs is None:
            return f"unknown ({self.problem})"
        jobs = "training job" if self.max_jobs == 1 else "training jobs"
        instances = "instance" if self.count == 1 else "instances"
        return (
            f"{self.max_jobs} {jobs}{self.grid_note} {_TIMES} {self.count} {instances} of "
            f"{_code(self.instance_type)} {_TIMES} {self.runtime} s / 3600 = "
            f"**{_number(hours)} instance-hours**"
        )


def _budget(job: _Job) -> _Budget:
    """Max training jobs times instance count times per-training-job MaxRuntimeInSeconds."""
    if job.request is None:
        return _Budget(None, None, None, "", job.decode_error or "no definition")
    definition = TuningJobDefinition.from_api(job.request)
    training = definition.training
    max_jobs, grid_note = _integer(definition.max_jobs), ""
    if definition.max_jobs is None and definition.strategy == Strategy.GRID:
        combinations = _grid_combinations(definition)
        if combinations is not None:
            max_jobs, grid_note = combinations, " (every Grid combination)"
    count = _integer(training.instance_count)
    runtime = _integer(training.max_runtime_seconds)
    problems = [
        text
        for value, text in (
            (max_jobs, "MaxNumberOfTrainingJobs is not a known number"),
            (count, "InstanceCount is not a known number"),
            (runtime, "MaxRuntimeInSeconds is not a known number"),
        )
        if value is None
    ]
    return _Budget(
        max_jobs,
        count,
        runtime,
        token_text(training.instance_type),
        "; ".join(problems) or None,
        grid_note,
    )


def _grid_combinations(definition: TuningJobDefinition) -> int | None:
    ranges = definition.ranges
    if not ranges or not all(isinstance(r, CategoricalRange) for r in ranges.values()):
        return None
    return math.prod(len(r.values) for r in ranges.values() if isinstance(r, CategoricalRange))


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def _code(text: str) -> str:
    fence = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _value(value: object) -> str:
    if value is _MISSING:
        return "(not set)"
    if isinstance(value, str):
        return _code(value)
    return _code(canonical_json(value))


# --------------------------------------------------------------------------- diffs


_MISSING: Any = object()


def _tag_changes(old: _Job, new: _Job) -> list[str]:
    before, after = _tags(old), _tags(new)
    if before == after:
        return []
    if not isinstance(before, dict) or not isinstance(after, dict):
        return [f"tags: {_value(token_text(before))} → {_value(token_text(after))}"]
    return list(_keyed_changes("tag", before, after))


def _keyed_changes(what: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    for key in sorted(set(old) | set(new)):
        if key not in old:
            yield f"{what} {_code(key)} added: {_value(new[key])}"
        elif key not in new:
            yield f"{what} {_code(key)} removed (was {_value(old[key])})"
        elif old[key] != new[key]:
            yield f"{what} {_code(key)}: {_value(old[key])} → {_value(new[key])}"


def _definition_changes(old: _Job, new: _Job, before: _Side, after: _Side) -> list[str]:
    if old.request is None or new.request is None:
        problems = [
            f"the {side} definition cannot be read: {job.decode_error}"
            for side, job in (("current", old), ("new", new))
            if job.request is None
        ]
        return problems
    changes = list(
        _request_changes(
            old.request,
            new.request,
            old_label=lambda text: before.label(old.stack, text),
            new_label=lambda text: after.label(new.stack, text),
        )
    )
    if changes or old.properties.get("DefinitionHash") == new.properties.get("DefinitionHash"):
        return changes
    return ["no field of the request differs; only the definition hash changed"]


def _request_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_label: Callable[[str], str],
    new_label: Callable[[str], str],
) -> Iterator[str]:
    """Field-level differences of two decoded requests, in the request's order."""
    for key in _keys(old, new):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        if key in _CONTAINERS and isinstance(before, Mapping) and isinstance(after, Mapping):
            yield from _container_changes(key, before, after)
        elif key == "WarmStartConfig":
            yield from _warm_start_changes(
                _mapping(before), _mapping(after), old_label=old_label, new_label=new_label
            )
        else:
            yield from _generic_changes(key, before, after)


def _container_changes(
    container: str, old: Mapping[str, Any], new: Mapping[str, Any]
) -> Iterator[str]:
    for key in _keys(old, new):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        if container == "HyperParameterTuningJobConfig" and key == "ParameterRanges":
            yield from _range_changes(_mapping(before), _mapping(after))
        elif container == "TrainingJobDefinition" and key == "StaticHyperParameters":
            yield from _keyed_changes("static hyperparameter", _mapping(before), _mapping(after))
        elif container == "TrainingJobDefinition" and key == "InputDataConfig":
            yield from _named_list_changes("channel", "ChannelName", before, after)
        elif container == "TrainingJobDefinition" and key == "AlgorithmSpecification":
            yield from _algorithm_changes(_mapping(before), _mapping(after))
        else:
            yield from _generic_changes(key, before, after)


def _algorithm_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    for key in _keys(old, new):
        before, after = old.get(key, _MISSING), new.get(key, _MISSING)
        if before == after:
            continue
        if key == "MetricDefinitions":
            yield from _named_list_changes("metric", "Name", before, after)
        else:
            yield from _generic_changes(f"AlgorithmSpecification.{key}", before, after)


def _range_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[str]:
    before, after = _ranges_by_name(old), _ranges_by_name(new)
    for name in sorted(set(before) | set(after)):
        if name not in before:
            yield f"range {_code(name)} added: {_code(_range_text(*after[name]))}"
        elif name not in after:
            yield f"range {_code(name)} removed (was {_code(_range_text(*before[name]))})"
        elif before[name] != after[name]:
            (old_kind, old_item), (new_kind, new_item) = before[name], after[name]
            if old_kind != new_kind:
                yield (
                    f"range {_code(name)}: {_code(_range_text(old_kind, old_item))} → "
                    f"{_code(_range_text(new_kind, new_item))}"
                )
                continue
            fields = [
                f"{key} {_value(old_item.get(key, _MISSING))} → "
                f"{_value(new_item.get(key, _MISSING))}"
                for key in _keys(old_item, new_item)
                if old_item.get(key, _MISSING) != new_item.get(key, _MISSING)
            ]
            yield f"range {_code(name)}: " + ", ".join(fields)


def _ranges_by_name(ranges: Mapping[str, Any]) -> dict[str, tuple[str, Mapping[str, Any]]]:
    found: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for key, kind in _RANGE_KINDS:
        items = ranges.get(key)
        for item in items if isinstance(items, list) else ():
            item = _mapping(item)
            found[token_text(item.get("Name", ""))] = (kind, item)
    for key in ranges:
        if key not in dict(_RANGE_KINDS):
            found[f"({key})"] = (key, {"Value": ranges[key]})
    return found


def _range_text(kind: str, item: Mapping[str, Any]) -> str:
    if kind == "Categorical":
        values = item.get("Values")
        shown = values if isinstance(values, list) else [values]
        return "Categorical {" + ", ".join(token_text(v) for v in shown) + "}"
    if kind in ("Integer", "Continuous"):
        return (
            f"{kind} [{token_text(item.get('MinValue'))}, {token_text(item.get('MaxValue'))}] "
            f"{token_text(item.get('ScalingType', 'Auto'))}"
        )
    return f"{kind} {canonical_json(item.get('Value'))}"


def _named_list_changes(what: str, key: str, old: object, new: object) -> Iterator[str]:
    before, after = _by_name(key, old), _by_name(key, new)
    if before is None or after is None:
        yield from _generic_changes(what, old, new)
        return
    for name in _keys(before, after):
        if name not in before:
            yield f"{what} {_code(name)} added: {_value(_summary(after[name]))}"
        elif name not in after:
            yield f"{what} {_code(name)} removed (was {_value(_summary(before[name]))})"
        else:
            for line in _generic_changes("", before[name], after[name]):
                yield f"{what} {_code(name)}{line if line.startswith(':') else ' ' + line}"


def _by_name(key: str, items: object) -> dict[str, Mapping[str, Any]] | None:
    if items is _MISSING:
        return {}
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        return None
    named = {token_text(i.get(key, "")): i for i in items}
    return named if len(named) == len(items) else None


def _summary(item: Mapping[str, Any]) -> object:
    """What identifies a channel or metric at a glance: its S3 URI or its regex."""
    uri = _mapping(_mapping(item.get("DataSource")).get("S3DataSource")).get("S3Uri")
    if uri is not None:
        return uri
    regex = item.get("Regex")
    return regex if regex is not None else dict(item)


def _warm_start_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_label: Callable[[str], str],
    new_label: Callable[[str], str],
) -> Iterator[str]:
    if old.get("WarmStartType") != new.get("WarmStartType"):
        yield (
            f"warm-start type: {_value(old.get('WarmStartType', _MISSING))} → "
            f"{_value(new.get('WarmStartType', _MISSING))}"
        )
    before = [old_label(n) for n in _parent_names(old)]
    after = [new_label(n) for n in _parent_names(new)]
    for label in after:
        if label not in before:
            yield f"warm-start parent added: {_code(label)}"
    for label in before:
        if label not in after:
            yield f"warm-start parent removed: {_code(label)}"
    if sorted(before) == sorted(after) and before != after:
        yield "warm-start parents reordered: " + ", ".join(_code(label) for label in after)
    for key in _keys(old, new):
        if key not in ("WarmStartType", "ParentHyperParameterTuningJobs"):
            yield from _generic_changes(
                f"WarmStartConfig.{key}", old.get(key, _MISSING), new.get(key, _MISSING)
            )


def _parent_names(config: Mapping[str, Any]) -> list[str]:
    parents = config.get("ParentHyperParameterTuningJobs")
    if not isinstance(parents, list):
        return []
    return [token_text(_mapping(p).get("HyperParameterTuningJobName", "")) for p in parents]


def _generic_changes(path: str, old: object, new: object) -> Iterator[str]:
    """``path: old → new`` per differing leaf; dicts by key, equal-length lists by index."""
    if old == new:
        return
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in _keys(old, new):
            yield from _generic_changes(
                _join(path, str(key)), old.get(key, _MISSING), new.get(key, _MISSING)
            )
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            yield from _generic_changes(f"{path}[{index}]", before, after)
        return
    prefix = f"{_code(path)}: " if path else ": "
    yield f"{prefix}{_value(old)} → {_value(new)}"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """The new mapping's keys in order, then those only in the old one."""
    return [*new, *(k for k in old if k not in new)]


__all__: Sequence[str] = (
    "NOTHING",
    "RESOURCE_TYPE",
    "Action",
    "AssemblyError",
    "decode_spec",
    "plan_assemblies",
    "plan_markdown",
    "read_assembly",
    "token_text",
)
