"""The ``TuningJob`` construct, warm start between jobs, and jobs imported by name."""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    CfnResource,
    CustomResource,
    IStableStringProducer,
    ITaggable,
    Lazy,
    RemovalPolicy,
    Stack,
    TagManager,
    TagType,
    Token,
)
from constructs import Construct, IValidation

from constructs_pkg.cdk.lineage_table import LineageTable
from constructs_pkg.cdk.provider import TuningJobProvider
from constructs_pkg.core.findings import (
    UNRESOLVED_RULE_ID,
    Finding,
    RuleContext,
    Severity,
    looks_like_token,
)
from constructs_pkg.core.model import (
    CompletionCriteria,
    EarlyStopping,
    HyperbandConfig,
    Objective,
    Range,
    Strategy,
    TrainingDefinition,
    TuningJobDefinition,
    WarmStartConfig,
    WarmStartType,
    api_value,
    canonical_json,
    definition_spec,
)
from constructs_pkg.core.naming import MAX_NAME_LENGTH, is_valid_job_name, name_prefix
from constructs_pkg.core.rules import ParentJob, check_job

RESOURCE_TYPE = "Custom::SageMakerTuningJob"
WARNING_PREFIX = "constructs_pkg"
"""Warnings carry ids ``constructs_pkg:<rule id>``; acknowledge them by that id."""

QUOTA_CONTEXT_TRAINING_JOBS = "constructs_pkg:maxTrainingJobsQuota"
QUOTA_CONTEXT_PARALLEL_JOBS = "constructs_pkg:maxParallelJobsQuota"

_FIXED_NAMES: weakref.WeakKeyDictionary[Any, dict[tuple[object, str], str]] = (
    weakref.WeakKeyDictionary()
)
"""Fixed job names seen in each app ((account and Region, lower-case name) -> path)."""

_REMOVAL_BEHAVIOUR = {RemovalPolicy.DESTROY: "stop", RemovalPolicy.RETAIN: "retain"}


_PLAIN = (str, int, float, bool, type(None), dict, list, tuple)

_SCOPES: weakref.WeakKeyDictionary[Any, tuple[Stack, str]] = weakref.WeakKeyDictionary()
"""The stack and path of each scope that holds tuning jobs, asked of jsii once per scope."""

_ENVIRONMENTS: weakref.WeakKeyDictionary[Stack, tuple[str, str]] = weakref.WeakKeyDictionary()
"""The account and Region of each stack, asked of jsii once per stack."""

_JOB_NAME_TOKENS: dict[str, str] = {}
"""The name token (``Ref``) of each job of an app -> its construct path. Such a token
resolves to a name the handler generated or a validated fixed name: letters, digits and
hyphens only, so it may stand inside JSON text unescaped."""


def is_unresolved(value: object) -> bool:
    """Whether ``value`` is a CDK token, asking jsii only about non-primitive objects.

    A primitive token always carries CDK's encoding (see ``looks_like_token``), so the
    rules, which test thousands of values per job, need no round trip to jsii for them.
    """
    if isinstance(value, _PLAIN):
        return looks_like_token(value)
    if not _is_jsii_object(value):
        return False  # a Decimal, a date, a set...: a wrong value for the checks to name
    return bool(Token.is_unresolved(value))


def _is_jsii_object(value: object) -> bool:
    """Whether jsii can take ``value``: an object of a jsii class or interface."""
    kind = type(value)
    return hasattr(kind, "__jsii_type__") or bool(getattr(kind, "__jsii_ifaces__", None))


def _locate(scope: Construct) -> tuple[Stack, str]:
    """The stack holding ``scope``, and ``scope``'s path."""
    if isinstance(scope, TuningJobBase):
        return scope.stack, scope.construct_path
    known = _SCOPES.get(scope)
    if known is None:
        stack = scope if isinstance(scope, Stack) else Stack.of(scope)
        known = (stack, scope.node.path)
        _SCOPES[scope] = known
    return known


def _child_path(scope_path: str, construct_id: str) -> str:
    """The path of a child of ``scope_path``: the constructs library writes a ``/`` in an
    id as ``--``, and a root's empty id is no path component."""
    own = construct_id.replace("/", "--")
    return f"{scope_path}/{own}" if scope_path else own


def _environment(stack: Stack) -> tuple[str, str]:
    """A stack's account and Region (either may be a token)."""
    known = _ENVIRONMENTS.get(stack)
    if known is None:
        known = (stack.account, stack.region)
        _ENVIRONMENTS[stack] = known
    return known


@jsii.implements(IValidation)
class _Findings:
    """Hands a job's error findings to ``node.add_validation``: they fail ``cdk synth``."""

    def __init__(self, messages: Sequence[str]) -> None:
        self._messages = list(messages)

    def validate(self) -> list[str]:
        return list(self._messages)


class TuningJobBase(Construct):
    """What every tuning job offers, whether defined in this app or imported by name."""

    stack: Stack
    """The stack that holds the job."""
    definition: TuningJobDefinition | None
    """The definition of a job of this app; ``None`` for a job imported by name."""
    warm_start: WarmStart | None
    construct_path: str
    """``node.path``, kept on the Python side (the rules name parents by it)."""
    policy_arns: list[str]
    """ARNs (or ARN patterns) for IAM statements. Unlike ``job_arn`` they never refer to
    the job's own resource, so the shared provider's policy cannot form a cycle with it."""

    _job_name: str | None = None
    _job_arn: str | None = None

    @property
    def job_name(self) -> str:
        """The tuning job's name (a token for a job of this app, resolved at deploy)."""
        assert self._job_name is not None
        return self._job_name

    @property
    def job_arn(self) -> str:
        """The tuning job's ARN (a token for a job of this app, resolved at deploy)."""
        assert self._job_arn is not None
        return self._job_arn

    @property
    def is_imported(self) -> bool:
        return self.definition is None


ITuningJob = TuningJobBase
"""The type of a warm-start parent: a :class:`TuningJob` or an :class:`ImportedTuningJob`."""


class ImportedTuningJob(TuningJobBase):
    """A tuning job that exists outside the app, known by name; usable only as a parent.

    Its definition is unknown at synth, so the warm-start rules that need it run at deploy,
    in the custom resource, against ``DescribeHyperParameterTuningJob``.
    """

    def __init__(self, scope: Construct, construct_id: str, job_name: str) -> None:
        super().__init__(scope, construct_id)
        self.stack, scope_path = _locate(scope)
        self.construct_path = _child_path(scope_path, construct_id)
        named = isinstance(job_name, str)
        self._job_name = job_name if named else str(job_name)
        self._job_arn = self.stack.format_arn(
            service="sagemaker",
            resource="hyper-parameter-tuning-job",
            resource_name=(
                self._job_name.lower() if not is_unresolved(self._job_name) else self._job_name
            ),
        )
        self.definition = None
        self.warm_start = None
        self.policy_arns = [self._job_arn]
        if not named or (not is_unresolved(job_name) and not is_valid_job_name(job_name)):
            self.node.add_validation(
                _Findings(
                    [
                        Finding(
                            "W3",
                            Severity.ERROR,
                            "job_name",
                            f"a tuning-job name has 1 to {MAX_NAME_LENGTH} letters, digits "
                            f"and hyphens, and no hyphen at either end; got {job_name!r}",
                        ).format()
                    ]
                )
            )


@dataclass(frozen=True)
class WarmStart:
    """Warm start from up to five parents. Build it with the two factories.

    Warm start is not recursive: a job learns only from its direct parents, not from
    their parents. List every job whose results should feed the child.
    """

    type: WarmStartType
    parents: tuple[TuningJobBase, ...]

    @classmethod
    def identical_data_and_algorithm(cls, *parents: TuningJobBase) -> WarmStart:
        """Same data and same algorithm as every parent; ranges and budget may change."""
        return cls(WarmStartType.IDENTICAL_DATA_AND_ALGORITHM, tuple(parents))

    @classmethod
    def transfer_learning(cls, *parents: TuningJobBase) -> WarmStart:
        """New data, image version or budget; the hyperparameter names stay the same."""
        return cls(WarmStartType.TRANSFER_LEARNING, tuple(parents))


@jsii.implements(ITaggable)
class TuningJob(TuningJobBase):
    """A SageMaker hyperparameter tuning job, launched by a custom resource at deploy.

    Every SageMaker rule that can be decided from the app is checked at synth: each
    problem fails ``cdk synth`` with the construct path, the field, the rule id, the value
    and what is allowed. Warnings carry the id ``constructs_pkg:<rule id>``.

    :param training: how each training job runs (image, role, data, instances).
    :param objective: the metric to optimise, ``Objective.maximize("validation:accuracy")``.
    :param ranges: tunable hyperparameters by name; at most 30 (SageMaker's limit).
    :param max_parallel_jobs: training jobs run at once (quota: 10 unless raised).
    :param max_jobs: training jobs in all; with Grid, the number of combinations or unset.
    :param strategy: the search strategy; Bayesian by default.
    :param warm_start: parents to start from, ``WarmStart.transfer_learning(parent)``.
    :param job_name: a fixed name. By default a unique name is generated at deploy; a fixed
        name blocks replacement, so a changed definition then fails the deployment.
    :param lineage: the table to record into; by default the stack's shared table.
    :param tags: tags of the tuning job, copied by SageMaker to its training jobs; changed
        in place without a new job.
    :param max_tuning_runtime_seconds: caps the whole tuning job (120 s to 182.5 days),
        unlike ``training.max_runtime_seconds``, which caps each training job.
    :param early_stopping: ``EarlyStopping.AUTO`` stops unpromising training jobs; must be
        Off for Hyperband.
    :param hyperband: resource bounds, only with ``Strategy.HYPERBAND``.
    :param completion: criteria to finish before ``max_jobs`` training jobs have run.
    :param random_seed: makes the search reproducible.
    :param removal_policy: ``DESTROY`` (default) stops a running job when the resource is
        deleted or replaced; ``RETAIN`` leaves it running. Lineage is kept either way.
    :param wait_for_parents: with ``True`` (default), a child whose parents are still
        running when it is deployed is recorded as waiting, the deployment succeeds, and the
        stack's launcher creates the job when the last parent finishes (SageMaker accepts a
        warm-start child only then). With ``False`` such a deployment fails instead.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        training: TrainingDefinition,
        objective: Objective | None,
        ranges: Mapping[str, Range],
        max_parallel_jobs: int,
        max_jobs: int | None = None,
        strategy: Strategy = Strategy.BAYESIAN,
        warm_start: WarmStart | None = None,
        job_name: str | None = None,
        lineage: LineageTable | None = None,
        tags: Mapping[str, str] | None = None,
        max_tuning_runtime_seconds: int | None = None,
        early_stopping: EarlyStopping = EarlyStopping.OFF,
        hyperband: HyperbandConfig | None = None,
        completion: CompletionCriteria | None = None,
        random_seed: int | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.DESTROY,
        wait_for_parents: bool = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.stack, scope_path = _locate(scope)
        self.construct_path = _child_path(scope_path, construct_id)
        self._construct_id = construct_id
        self._props: dict[str, Any] = {
            "training": training,
            "objective": objective,
            "ranges": ranges,
            "max_parallel_jobs": max_parallel_jobs,
            "max_jobs": max_jobs,
            "strategy": strategy,
            "warm_start": warm_start,
            "job_name": job_name,
            "lineage": lineage,
            "tags": tags,
            "max_tuning_runtime_seconds": max_tuning_runtime_seconds,
            "early_stopping": early_stopping,
            "hyperband": hyperband,
            "completion": completion,
            "random_seed": random_seed,
            "removal_policy": removal_policy,
            "wait_for_parents": wait_for_parents,
        }
        self.training = training
        self.warm_start = warm_start
        self._given_tags = dict(tags) if isinstance(tags, Mapping) else {}
        self._tag_manager: TagManager | None = None
        stack = self.stack
        findings: list[Finding] = list(_tag_findings(tags))
        if lineage is not None and not isinstance(lineage, LineageTable):
            findings.append(
                Finding(
                    "F-TYPE",
                    Severity.ERROR,
                    "lineage",
                    f"must be a LineageTable construct; got a {type(lineage).__name__}",
                )
            )
            lineage = None
        self.lineage = lineage or LineageTable.default_for(stack)
        self.provider = TuningJobProvider.of(stack)

        parents = self._parents(warm_start, findings)
        self.parents: tuple[TuningJobBase, ...] = tuple(parents)
        self._definition = TuningJobDefinition(
            training=training,
            objective=objective,
            ranges=ranges,
            max_parallel_jobs=max_parallel_jobs,
            max_jobs=max_jobs,
            strategy=strategy,
            max_tuning_runtime_seconds=max_tuning_runtime_seconds,
            early_stopping=early_stopping,
            hyperband=hyperband,
            completion=completion,
            random_seed=random_seed,
            warm_start=(
                WarmStartConfig(warm_start.type, (p.job_name for p in parents))
                if isinstance(warm_start, WarmStart)
                else None
            ),
        )
        self.definition = self._definition
        behaviour = _REMOVAL_BEHAVIOUR.get(removal_policy)
        if behaviour is None:
            findings.append(
                Finding(
                    "T9",
                    Severity.ERROR,
                    "removal_policy",
                    f"must be RemovalPolicy.DESTROY or RemovalPolicy.RETAIN; got {removal_policy}",
                )
            )
        if job_name == "":
            findings.append(
                Finding(
                    "F-LENGTH",
                    Severity.ERROR,
                    "job_name",
                    f"must be 1 to {MAX_NAME_LENGTH} characters long; got ''. Leave job_name "
                    "unset (None) for a name generated at deploy.",
                )
            )
        findings.extend(self._unique_name(job_name, parents))
        findings.extend(self._check(job_name, parents))
        self._report(findings)

        spec_ok = not any(f.severity is Severity.ERROR for f in findings)
        self._spec_ok = spec_ok
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties=self._properties(job_name, parents, behaviour or "stop", spec_ok),
        )
        # The child's Spec and Parents refer to each in-app parent's name, and those
        # references alone order creation after the parents; no DependsOn is needed.
        self._launch_state: str | None = None
        self.policy_arns = self._own_arns(job_name)
        self._grant(parents)

    @property
    def tags(self) -> TagManager:
        """The job's tags as CDK manages them: those given with ``tags=``, and those that
        ``Tags.of(scope).add(key, value)`` applies to the job or to a scope holding it
        (an aspect's tag of the default priority wins over a given one with the same key,
        as for any resource).

        SageMaker copies them to the job's training jobs. Tags added this way are checked
        against SageMaker's limits at deploy, by the custom resource.
        """
        if self._tag_manager is None:
            self._tag_manager = TagManager(TagType.MAP, RESOURCE_TYPE, dict(self._given_tags))
            if self._spec_ok:
                # Made only when the tags are asked for (by a Tags aspect, say), so a job
                # that no aspect tags costs no call into jsii at synth.
                resource = self.resource.node.default_child
                assert isinstance(resource, CfnResource)
                resource.add_property_override(
                    "Tags", Lazy.string(_RenderedTags(self._tag_manager))
                )
        return self._tag_manager

    # The attributes below are tokens made on first use: each costs a call into jsii.

    @property
    def job_name(self) -> str:
        """The tuning job's name (a token, resolved at deploy)."""
        if self._job_name is None:
            self._job_name = self.resource.ref
            _JOB_NAME_TOKENS[self._job_name] = self.construct_path
        return self._job_name

    @property
    def job_arn(self) -> str:
        """The job's ARN (a token); empty while a warm-start child waits for its parents."""
        if self._job_arn is None:
            self._job_arn = self.resource.get_att_string("JobArn")
        return self._job_arn

    @property
    def launch_state(self) -> str:
        """``Launched``, or ``Waiting`` when the job waits for its parents to finish (a token)."""
        if self._launch_state is None:
            self._launch_state = self.resource.get_att_string("LaunchState")
        return self._launch_state

    # ------------------------------------------------------------------ public API

    @classmethod
    def from_tuning_job_name(
        cls, scope: Construct, construct_id: str, job_name: str
    ) -> ImportedTuningJob:
        """A job that exists outside the app, usable as a warm-start parent."""
        return ImportedTuningJob(scope, construct_id, job_name)

    def derive(
        self,
        scope: Construct,
        construct_id: str,
        *,
        warm_start_type: WarmStartType | None = None,
        additional_parents: Sequence[TuningJobBase] = (),
        **overrides: Any,
    ) -> TuningJob:
        """A warm-start child of this job: the same settings, any of them overridden.

        By default the child warm-starts from this job (and ``additional_parents``) with
        ``warm_start_type``, ``IdenticalDataAndAlgorithm`` unless given. Passing
        ``warm_start`` instead replaces that whole choice: the child then warm-starts from
        exactly the parents it names, so name this job there too if it should be one.

        Ranges, static hyperparameters (through ``training``), the budget and every other
        keyword of :class:`TuningJob` may be overridden; the child is then checked against
        its parents by the warm-start rules like any other child. ``job_name`` is never
        inherited, since names are unique.
        """
        if "warm_start" in overrides and (warm_start_type is not None or additional_parents):
            raise TypeError(
                "derive() takes either warm_start, or warm_start_type and "
                "additional_parents, not both"
            )
        props = {k: v for k, v in self._props.items() if k not in ("job_name", "warm_start")}
        props.update(overrides)
        if "warm_start" not in overrides:
            kind = warm_start_type or WarmStartType.IDENTICAL_DATA_AND_ALGORITHM
            props["warm_start"] = WarmStart(kind, (self, *additional_parents))
        return TuningJob(scope, construct_id, **props)

    # ------------------------------------------------------------------ checks

    def _parents(self, warm_start: object, findings: list[Finding]) -> list[TuningJobBase]:
        if warm_start is None:
            return []
        if not isinstance(warm_start, WarmStart):
            findings.append(
                Finding(
                    "F-TYPE",
                    Severity.ERROR,
                    "warm_start",
                    "must be built with WarmStart.identical_data_and_algorithm(...) or "
                    f"WarmStart.transfer_learning(...); got a {type(warm_start).__name__}",
                )
            )
            return []
        parents: list[TuningJobBase] = []
        for index, parent in enumerate(warm_start.parents):
            # A name listed twice is rule W3's to find; a construct listed twice has no name
            # yet (it is a token), so it is found here by identity.
            if (
                isinstance(parent, TuningJobBase)
                and not parent.is_imported
                and any(parent is p for p in parents)
            ):
                first = next(i for i, p in enumerate(warm_start.parents) if p is parent)
                findings.append(
                    Finding(
                        "W3",
                        Severity.ERROR,
                        f"warm_start.parents[{index}]",
                        f"{parent.construct_path} is listed twice: `warm_start.parents[{first}]` "
                        "names the same job. Remove one of them.",
                    )
                )
                parents.append(parent)
            elif isinstance(parent, TuningJobBase):
                findings.extend(self._same_environment(parent, index))
                parents.append(parent)
            else:
                findings.append(
                    Finding(
                        "F-TYPE",
                        Severity.ERROR,
                        f"warm_start.parents[{index}]",
                        "must be a TuningJob, or a job outside the app imported with "
                        f"TuningJob.from_tuning_job_name(scope, id, name); got {parent!r}",
                    )
                )
        return parents

    def _unique_name(
        self, job_name: str | None, parents: Sequence[TuningJobBase]
    ) -> list[Finding]:
        """A fixed name is used once per account and Region, and is not a parent's name (N1).

        SageMaker compares names case-insensitively and never reuses one, so a second job
        under the same name would fail at deploy.
        """
        if not isinstance(job_name, str) or not job_name or is_unresolved(job_name):
            return []
        key = job_name.lower()
        for parent in parents:
            if isinstance(parent.job_name, str) and parent.job_name.lower() == key:
                return [
                    Finding(
                        "N1",
                        Severity.ERROR,
                        "job_name",
                        f"{job_name!r} is also the name of its warm-start parent "
                        f"{parent.construct_path}; a job cannot warm-start from itself.",
                    )
                ]
        # Names are unique per account and Region. A stack whose account or Region is not
        # known at synth may deploy anywhere, so its names are compared only among its own.
        account, region = _environment(self.stack)
        place: object = (
            self.stack if is_unresolved(account) or is_unresolved(region) else (account, region)
        )
        names = _FIXED_NAMES.setdefault(self.node.root, {})
        first = names.setdefault((place, key), self.construct_path)
        if first == self.construct_path:
            return []
        return [
            Finding(
                "N1",
                Severity.ERROR,
                "job_name",
                f"{job_name!r} is already the name of {first}; tuning-job names are unique "
                "per account and Region (case-insensitively), so give each job its own.",
            )
        ]

    def _same_environment(self, parent: TuningJobBase, index: int) -> list[Finding]:
        """A parent of this app must live in this job's account and Region (W3)."""
        if parent.is_imported:
            return []  # a name is looked up in the child's own account and Region
        (my_account, my_region), (account, region) = (
            _environment(self.stack),
            _environment(parent.stack),
        )
        problems = []
        for what, here, there in (
            ("account", my_account, account),
            ("Region", my_region, region),
        ):
            here_known, there_known = not is_unresolved(here), not is_unresolved(there)
            if here_known and there_known and here != there:
                problems.append(f"{what} {there!r}, not {here!r}")
            elif here_known != there_known and parent.stack is not self.stack:
                # One stack names its environment and the other leaves it to deploy time:
                # nothing says they meet, and CDK cannot refer from one to the other.
                problems.append(
                    f"a stack whose {what} is not set (this job's is {here!r})"
                    if here_known
                    else f"{what} {there!r} (this job's stack does not set its {what})"
                )
        if not problems:
            return []
        return [
            Finding(
                "W3",
                Severity.ERROR,
                f"warm_start.parents[{index}]",
                f"{parent.construct_path} is in {' and '.join(problems)}: SageMaker finds "
                "warm-start parents by name in the child's own account and Region only. "
                "Give both stacks the same env.",
            )
        ]

    def _context(self, findings: list[Finding]) -> RuleContext:
        defaults = RuleContext()
        return RuleContext(
            is_unresolved=is_unresolved,
            max_training_jobs_quota=self._quota(
                QUOTA_CONTEXT_TRAINING_JOBS, defaults.max_training_jobs_quota, findings
            ),
            max_parallel_jobs_quota=self._quota(
                QUOTA_CONTEXT_PARALLEL_JOBS, defaults.max_parallel_jobs_quota, findings
            ),
        )

    def _quota(self, key: str, default: int, findings: list[Finding]) -> int:
        """A quota from the CDK context (``cdk synth -c KEY=N`` gives a string)."""
        value = self.provider.context_value(key)
        if value is None:
            return default
        text = str(value).strip()
        if not isinstance(value, bool) and text.isdigit() and int(text) >= 1:
            return int(text)
        findings.append(
            Finding(
                "F-TYPE",
                Severity.ERROR,
                f"context {key}",
                f"must be a whole number of at least 1 (your account's quota); got {value!r}",
            )
        )
        return default

    def _check(self, job_name: str | None, parents: Sequence[TuningJobBase]) -> list[Finding]:
        quota_findings: list[Finding] = []
        ctx = self._context(quota_findings)
        views = [
            ParentJob(name=p.job_name, label=p.construct_path, definition=p.definition)
            for p in parents
        ]
        findings = quota_findings + check_job(
            self._definition, views, ctx, job_name=job_name, tags=self._given_tags
        )

        # Names of parents in this app are generated by the library and valid by
        # construction; every other unresolved value is checked at deploy.
        generated = {
            f"warm_start.parents[{i}]" for i, p in enumerate(parents) if not p.is_imported
        }
        deferred = [f for f in ctx.unresolved if f not in generated]
        if deferred:
            findings.append(
                Finding(
                    UNRESOLVED_RULE_ID,
                    Severity.WARNING,
                    ", ".join(deferred),
                    "not known until deploy, so its checks run in the custom resource "
                    "before the job is created",
                )
            )
        return findings

    def _report(self, findings: Sequence[Finding]) -> None:
        errors = [f.format() for f in findings if f.severity is Severity.ERROR]
        if errors:
            self.node.add_validation(_Findings(errors))
        for finding in findings:
            if finding.severity is Severity.WARNING:
                Annotations.of(self).add_warning_v2(
                    f"{WARNING_PREFIX}:{finding.rule_id}", finding.format()
                )
        self.findings: tuple[Finding, ...] = tuple(findings)

    # ------------------------------------------------------------------ resource

    def _properties(
        self,
        job_name: str | None,
        parents: Sequence[TuningJobBase],
        behaviour: str,
        spec_ok: bool,
    ) -> dict[str, Any]:
        # A definition with errors never reaches a template (synth fails first), and may
        # not even render; its spec is left empty.
        # Keys sorted at every level (the Spec property's JSON is canonical), tokens kept.
        text = canonical_json(definition_spec(self._definition)) if spec_ok else "{}"
        warm = self._definition.warm_start if spec_ok else None

        # The readable hash covers the spec with every token as what it stands for (a
        # parent of this app as its construct path, any other token as the CloudFormation
        # expression it becomes), so it is the same in every synth of the same app; the
        # handler computes the authoritative hash from the resolved spec at deploy.
        readable = _readable_job_names(text)
        if readable is not None:
            spec_value: Any = text  # only job names, each a whole string: kept as text
        else:
            spec = json.loads(text)
            readable = canonical_json(_map_strings(spec, self._readable_text))
            spec_value = text if _only_job_names(spec) else self.stack.to_json_string(spec)
        readable_hash = hashlib.sha256(readable.encode()).hexdigest()

        return {
            "Spec": spec_value,
            "DefinitionHash": readable_hash[:16],
            "JobName": job_name if isinstance(job_name, str) else "",
            "NamePrefix": name_prefix(self._construct_id),
            # Without a Spec, no reference to a parent either: a failing synth then reports
            # the library's findings, not CDK's errors about references it cannot make.
            "Parents": [p.job_name for p in parents] if spec_ok else [],
            "WarmStartType": str(api_value(warm.type)) if warm is not None else "",
            "Tags": canonical_json(self._given_tags) if spec_ok else "{}",
            "LineageTableName": self.lineage.table_name,
            "ConstructPath": self.construct_path,
            "RemovalBehaviour": behaviour,
            "WaitForParents": "false" if self._props["wait_for_parents"] is False else "true",
        }

    def _readable_text(self, text: str) -> str:
        if not looks_like_token(text):
            return text
        path = _JOB_NAME_TOKENS.get(text)
        return f"<job:{path}>" if path is not None else self.provider.resolve_text(text)

    def _own_arns(self, job_name: str | None) -> list[str]:
        arn = self.provider.tuning_job_arn
        if not job_name:
            return [self.provider.generated_names_arn(name_prefix(self._construct_id))]
        if is_unresolved(job_name) or not isinstance(job_name, str):
            return [arn(str(job_name))]
        # Whether SageMaker lower-cases the name inside the ARN is not documented.
        return sorted({arn(job_name), arn(job_name.lower())})

    def _grant(self, parents: Sequence[TuningJobBase]) -> None:
        self.provider.allow_jobs(self.policy_arns)
        self.provider.allow_describe([arn for p in parents for arn in p.policy_arns])
        role = self.training.role if isinstance(self.training, TrainingDefinition) else None
        if isinstance(role, str):
            self.provider.allow_pass_role(role)
        self.provider.allow_lineage(self.lineage)


_STRING_TOKEN = re.compile(r'"(\$\{Token\[[^\]"]*\]\})"')


@jsii.implements(IStableStringProducer)
class _RenderedTags:
    """A job's ``Tags`` property: its tag manager's tags as canonical JSON, at synth."""

    def __init__(self, manager: TagManager) -> None:
        self._manager = manager

    def produce(self) -> str:
        rendered = self._manager.render_tags()
        return canonical_json(rendered if isinstance(rendered, Mapping) else {})


def _readable_job_names(text: str) -> str | None:
    """The readable form of canonical JSON ``text`` when it holds no token but whole string
    values that are job names of the app (the common case, found without parsing ``text``);
    ``None`` otherwise, for :func:`_only_job_names` and ``_readable_text`` to decide.

    A number token shows in the text as a double near -1.9e289 (see ``looks_like_token``),
    so ``e+289`` sends the text the long way too.
    """
    if "e+289" in text:
        return None
    if "{Token[" not in text:
        return text
    names = _STRING_TOKEN.findall(text)
    if len(names) != text.count("{Token[") or any(n not in _JOB_NAME_TOKENS for n in names):
        return None
    return _STRING_TOKEN.sub(
        lambda m: json.dumps(f"<job:{_JOB_NAME_TOKENS[m.group(1)]}>", ensure_ascii=False), text
    )


def _only_job_names(value: Any) -> bool:
    """Whether every token in ``value`` is the name of a job of the app, and so may stay
    inside JSON text as it is: CloudFormation then joins the text around the name.

    Any other token (a parameter, an attribute) goes through ``Stack.to_json_string``,
    which keeps a number token a number in the JSON.
    """
    if isinstance(value, Mapping):
        return all(not looks_like_token(k) and _only_job_names(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_only_job_names(v) for v in value)
    return not looks_like_token(value) or (isinstance(value, str) and value in _JOB_NAME_TOKENS)


def _map_strings(value: Any, change: Callable[[str], str]) -> Any:
    """``value`` with ``change`` applied to every string inside it."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        return {k: _map_strings(v, change) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(v, change) for v in value]
    return value


def _tag_findings(tags: object) -> list[Finding]:
    """Tags must be a mapping; its keys and values are checked against the service model."""
    if tags is None or isinstance(tags, Mapping):
        return []
    return [
        Finding(
            "F-TYPE",
            Severity.ERROR,
            "tags",
            f"must be a mapping of tag key to value; got a {type(tags).__name__}",
        )
    ]
