"""Cross-field and warm-start rules, one small function per rule with a stable id.

Field-level limits (lengths, patterns, enums, ranges, list sizes) come from the service
model, see :mod:`constructs_pkg.core.servicemodel`; the functions here hold only what the
model cannot express. Rule ids follow the catalogue in the project's reference notes:
``R*`` ranges, ``S*`` strategy, ``T*`` training definition (T8: tags, run by
:func:`check_tags`), ``W*`` warm start. Each rule's summary states the compliant state;
``constructs-pkg rules`` lists them all.

The same functions run at synth (parents defined in the app) and at deploy (parents
described from SageMaker), so no rule is written twice.

A value that is a CDK token at synth is never compared or string-processed: the rule
skips it through :meth:`RuleContext.skip_if_unresolved`, which remembers the field, and
the deploy-time check covers it.

Where the catalogue marks a rule UNCONFIRMED (the service's behaviour is not documented
or not observed), the rule warns instead of failing synth. Where a document and the
service disagree, the rule follows the service and says so in a comment.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import NamedTuple, cast

from constructs_pkg.core.findings import Finding, RuleContext, Severity, looks_like_token
from constructs_pkg.core.model import (
    SERVICE_OBJECTIVE_KEY,
    CategoricalRange,
    Channel,
    CompressionType,
    ContinuousRange,
    EarlyStopping,
    InputMode,
    IntegerRange,
    Objective,
    RecordWrapper,
    S3DataDistribution,
    S3DataType,
    ScalingType,
    Strategy,
    TrainingDefinition,
    TuningJobDefinition,
    WarmStartType,
    api_value,
    canonical_value,
    render_value,
)
from constructs_pkg.core.naming import MAX_NAME_LENGTH, NAME_PATTERN
from constructs_pkg.core.servicemodel import validate_request
from constructs_pkg.core.structure import caused_by, repaired, structure_findings

PLACEHOLDER_JOB_NAME = "placeholder-name"
"""Stands in for a name generated at deploy, so the rest of the request can be checked."""

# --------------------------------------------------------------------------- limits

MAX_TUNABLE_HYPERPARAMETERS = 30
"""Integer, continuous and categorical ranges together (botocore ``ParameterRanges`` doc)."""
MAX_HYPERPARAMETERS = 100
"""Static plus tunable hyperparameters, counting the one SageMaker adds itself."""
MAX_HYPERBAND_RESOURCE = 20_000
"""Largest Hyperband ``MaxResource`` (Dev Guide; the API model sets no maximum)."""
HYPERBAND_EPOCH_KEYS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")
"""Static hyperparameters Hyperband reads ``MaxResource`` from when it is not given."""
DOCUMENTED_MAX_METRIC_DEFINITIONS = 20
"""The limits page and the console allow 20 metric definitions."""
MODEL_MAX_METRIC_DEFINITIONS = 40
"""The API model allows 40, enforced as F-SIZE by the service-model check."""
MAX_TRAINING_RUNTIME_SECONDS = 2_419_200
"""28 days: the documented maximum ``MaxRuntimeInSeconds`` of a training job."""
RESERVED_TAG_PREFIX = "aws:"
MAX_PARENTS = 5
TERMINAL_PARENT_STATUSES = ("Completed", "Stopped", "Failed")
EARLIEST_PARENT_CREATION = datetime(2018, 10, 1, tzinfo=UTC)
MAX_WARM_START_CHANGES = 10

BUILTIN_ALGORITHM_REPOSITORIES = frozenset(
    {
        "blazingtext",
        "factorization-machines",
        "forecasting-deepar",
        "image-classification",
        "image-classification-neo",
        "ipinsights",
        "kmeans",
        "knn",
        "lda",
        "linear-learner",
        "ntm",
        "object-detection",
        "object2vec",
        "pca",
        "randomcutforest",
        "sagemaker-xgboost",
        "semantic-segmentation",
        "seq2seq",
        "xgboost",
        "xgboost-neo",
    }
)
"""ECR repository names of SageMaker's built-in algorithms, whose metrics are predefined.

A heuristic: an image is taken for a built-in algorithm by its repository name alone, so
a custom image pushed under one of these names passes as built-in, and a built-in
algorithm released under a new repository name is taken for a custom image.
"""


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class ParentJob:
    """A warm-start parent as the rules see it.

    ``definition`` is known for a parent defined in the app (synth) or described from
    SageMaker (deploy), and is ``None`` for a parent imported by name at synth, for which
    only name-level checks run. ``status``, ``creation_time`` and
    ``training_jobs_launched`` are only known at deploy.
    """

    name: str
    label: str
    definition: TuningJobDefinition | None = None
    status: str | None = None
    creation_time: datetime | None = None
    training_jobs_launched: int | None = None


DefinitionCheck = Callable[[TuningJobDefinition, RuleContext], Iterable[Finding]]
WarmStartCheck = Callable[
    [TuningJobDefinition, Sequence[ParentJob], RuleContext], Iterable[Finding]
]
TagCheck = Callable[[Mapping[str, str], RuleContext], Iterable[Finding]]


class RuleScope(StrEnum):
    """What a rule looks at, which decides the entry point that runs it."""

    DEFINITION = "definition"
    WARM_START = "warm_start"
    TAGS = "tags"
    """The job's tags, which are not part of the definition."""


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    """The compliant state, in one sentence."""
    check: DefinitionCheck | WarmStartCheck | TagCheck
    scope: RuleScope

    @property
    def warm_start(self) -> bool:
        return self.scope is RuleScope.WARM_START


RULES: dict[str, Rule] = {}

CONSTRUCT_RULES: dict[str, str] = {
    "T9": "The removal policy is RemovalPolicy.DESTROY or RemovalPolicy.RETAIN.",
    "N1": "A fixed job name is used once per account and Region in the app, and is not a "
    "warm-start parent's name.",
}
"""Rules that need the CDK app itself, checked by the ``TuningJob`` construct only."""


def definition_rule(rule_id: str, summary: str) -> Callable[[DefinitionCheck], DefinitionCheck]:
    def register(check: DefinitionCheck) -> DefinitionCheck:
        _register(Rule(rule_id, summary, check, RuleScope.DEFINITION))
        return check

    return register


def warm_start_rule(rule_id: str, summary: str) -> Callable[[WarmStartCheck], WarmStartCheck]:
    def register(check: WarmStartCheck) -> WarmStartCheck:
        _register(Rule(rule_id, summary, check, RuleScope.WARM_START))
        return check

    return register


def tag_rule(rule_id: str, summary: str) -> Callable[[TagCheck], TagCheck]:
    def register(check: TagCheck) -> TagCheck:
        _register(Rule(rule_id, summary, check, RuleScope.TAGS))
        return check

    return register


def _register(rule: Rule) -> None:
    if rule.id in RULES:
        raise ValueError(f"rule id {rule.id} is registered twice")
    RULES[rule.id] = rule


def _rules(scope: RuleScope) -> list[Rule]:
    return [rule for rule in RULES.values() if rule.scope is scope]


def error(rule_id: str, field: str, message: str) -> Finding:
    return Finding(rule_id, Severity.ERROR, field, message)


def warning(rule_id: str, field: str, message: str) -> Finding:
    return Finding(rule_id, Severity.WARNING, field, message)


# --------------------------------------------------------------------------- entry points


def check_definition(
    definition: TuningJobDefinition,
    ctx: RuleContext | None = None,
    *,
    job_name: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every finding for one definition on its own: field limits, then cross-field rules.

    A definition whose containers hold the wrong Python types (``F-TYPE`` from
    :func:`structure_findings`) cannot be rendered as it is: the other checks then run on a
    copy with those containers made neutral, and keep only the findings that do not follow
    from the faulted containers, so every other problem is still reported.
    """
    ctx = ctx or RuleContext()
    faults = structure_findings(definition)
    if faults:
        fixed = repaired(definition)
        if fixed is None:
            return faults
        faulted = {f.field for f in faults}
        others = check_definition(fixed, ctx, job_name=job_name, tags=tags)
        return faults + [f for f in others if not caused_by(f.field, faulted)]

    request = definition.to_request(job_name or PLACEHOLDER_JOB_NAME, tags)
    findings = validate_request(request, ctx)
    for rule in _rules(RuleScope.DEFINITION):
        findings.extend(cast(DefinitionCheck, rule.check)(definition, ctx))
    if tags:
        findings.extend(check_tags(tags, ctx))
    return findings


def check_warm_start(
    definition: TuningJobDefinition,
    parents: Sequence[ParentJob],
    ctx: RuleContext | None = None,
) -> list[Finding]:
    """Every warm-start finding for a child against its parents.

    A parent whose definition has the wrong Python types (reported when that parent is
    checked on its own) gets only the name-level checks.
    """
    ctx = ctx or RuleContext()
    if definition.warm_start is None or structure_findings(definition):
        return []
    views = [
        replace(p, definition=None)
        if p.definition is not None and structure_findings(p.definition)
        else p
        for p in parents
    ]
    findings: list[Finding] = []
    for rule in _rules(RuleScope.WARM_START):
        findings.extend(cast(WarmStartCheck, rule.check)(definition, views, ctx))
    return findings


def check_tags(tags: Mapping[str, str], ctx: RuleContext | None = None) -> list[Finding]:
    """Every finding for the job's tags (T8); the service model checks their lengths."""
    ctx = ctx or RuleContext()
    findings: list[Finding] = []
    for rule in _rules(RuleScope.TAGS):
        findings.extend(cast(TagCheck, rule.check)(tags, ctx))
    return findings


def check_job(
    definition: TuningJobDefinition,
    parents: Sequence[ParentJob],
    ctx: RuleContext | None = None,
    *,
    job_name: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Everything about one job: its own definition, then its warm start against parents.

    This is the single entry point used at synth (by the construct) and at deploy (by the
    handler). The parent list is checked by W1 and W3, whose messages say more than the
    service model's size and pattern limits on the same fields, so those are dropped.
    """
    ctx = ctx or RuleContext()
    own = check_definition(definition, ctx, job_name=job_name, tags=tags)
    warm = check_warm_start(definition, parents, ctx)
    covered = {f.field for f in warm if f.rule_id in ("W1", "W3")}
    return [f for f in own if not (f.rule_id.startswith("F-") and f.field in covered)] + warm


# --------------------------------------------------------------------------- value helpers


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an Integer", "a Continuous"."""
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def _whole(value: object) -> int | None:
    """``value`` when it is a whole number (and not a bool), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _known_whole(value: object, ctx: RuleContext, field: str) -> int | None:
    """A whole number that is no token; a token is remembered as unresolved."""
    if ctx.skip_if_unresolved(value, field):
        return None
    return _whole(value)


_INTEGER_TEXT = re.compile(r"[+-]?\d+")


def _number(value: object, kind: type[int] | type[float]) -> int | float | None:
    """``value`` as the range kind's number, or None when it does not parse as one.

    An integral float such as ``2.0`` is accepted as the integer 2 (``IntegerRange`` is
    meant to render it as ``"2"``); the text ``"2.0"`` is refused, because text reaches the
    service unchanged. Non-finite numbers, bools and text with spaces or underscores (which
    Python parses and the service does not) are refused.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return kind(value)
        except OverflowError:  # an int too large for a float
            return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if kind is int:
            return int(value) if value.is_integer() else None
        return value
    if isinstance(value, str):
        if kind is int:
            return int(value) if _INTEGER_TEXT.fullmatch(value) else None
        if value != value.strip() or "_" in value:
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        return _number(number, float)
    return None


def _known_bound(
    value: object, kind: type[int] | type[float], ctx: RuleContext, field: str
) -> int | float | None:
    if ctx.skip_if_unresolved(value, field):
        return None
    return _number(value, kind)


def _range_kind(value: IntegerRange | ContinuousRange) -> type[int] | type[float]:
    return int if isinstance(value, IntegerRange) else float


def _bounded_ranges(
    definition: TuningJobDefinition,
) -> Iterator[tuple[str, IntegerRange | ContinuousRange]]:
    for name, value in definition.ranges.items():
        if isinstance(value, IntegerRange | ContinuousRange):
            yield name, value


def _names(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return listed or "none"


def _enum_text(value: object) -> str:
    return "not set" if value is None else str(api_value(value))


# --------------------------------------------------------------------------- range rules


@definition_rule("R1", "A definition tunes at most 30 hyperparameters in total.")
def tunable_hyperparameters_within_limit(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    count = len(definition.ranges)
    if count <= MAX_TUNABLE_HYPERPARAMETERS:
        return
    kinds = Counter(value.kind for value in definition.ranges.values())
    yield error(
        "R1",
        "ranges",
        f"A tuning job searches at most {MAX_TUNABLE_HYPERPARAMETERS} hyperparameters in "
        f"total; got {count} ({kinds['Integer']} Integer, {kinds['Continuous']} Continuous, "
        f"{kinds['Categorical']} Categorical). Make the least important ones static "
        "hyperparameters.",
    )


@definition_rule(
    "R3",
    "Static and tunable hyperparameters number at most 99, leaving room for the one "
    "SageMaker adds, and none is named like it.",
)
def hyperparameter_count_within_limit(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    static = definition.training.static_hyperparameters
    if SERVICE_OBJECTIVE_KEY in static:
        yield error(
            "R3",
            f"training.static_hyperparameters[{SERVICE_OBJECTIVE_KEY!r}]",
            f"SageMaker adds `{SERVICE_OBJECTIVE_KEY}` to every tuning job itself; got it as "
            "a static hyperparameter. Remove it.",
        )
    if SERVICE_OBJECTIVE_KEY in definition.ranges:
        yield error(
            "R3",
            f"ranges[{SERVICE_OBJECTIVE_KEY!r}]",
            f"SageMaker adds `{SERVICE_OBJECTIVE_KEY}` to every tuning job itself; got it as "
            "a tunable range. Remove it.",
        )

    names = definition.hyperparameter_names() - {SERVICE_OBJECTIVE_KEY}
    allowed = MAX_HYPERPARAMETERS - 1
    if len(names) > allowed:
        tunable = len(names & set(definition.ranges))
        yield error(
            "R3",
            "training.static_hyperparameters",
            f"Static and tunable hyperparameters may number at most {allowed}, because "
            f"SageMaker adds `{SERVICE_OBJECTIVE_KEY}` to reach its limit of "
            f"{MAX_HYPERPARAMETERS}; got {len(names)} ({len(names) - tunable} static, "
            f"{tunable} tunable). Remove static hyperparameters the algorithm does not read.",
        )


@definition_rule("R4", "Each hyperparameter is either static or tunable, not both.")
def hyperparameter_is_static_or_tunable(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    for name in definition.training.static_hyperparameters:
        if name in definition.ranges:
            kind = definition.ranges[name].kind
            yield error(
                "R4",
                f"training.static_hyperparameters[{name!r}]",
                f"`{name}` is both a static hyperparameter and {_a(kind)} range; a "
                "hyperparameter is either static or tunable. Remove it from "
                "`static_hyperparameters`, or drop its range.",
            )


@definition_rule(
    "R5",
    "Range bounds parse as the range's type with min at most max; categorical values are "
    "distinct and more than one.",
)
def range_values_are_valid(definition: TuningJobDefinition, ctx: RuleContext) -> Iterator[Finding]:
    # SageMaker's treatment of a single-value range and of repeated categorical values is
    # unconfirmed (amazon-sagemaker-feedback#195 reports rejections), so those only warn.
    for name, value in definition.ranges.items():
        if isinstance(value, CategoricalRange):
            yield from _categorical_values_are_distinct(name, value, ctx)
        else:
            yield from _bounds_are_ordered(name, value, ctx)


def _bounds_are_ordered(
    name: str, value: IntegerRange | ContinuousRange, ctx: RuleContext
) -> Iterator[Finding]:
    field = f"ranges[{name!r}]"
    kind = _range_kind(value)
    bounds: list[int | float] = []
    for side, raw in (("min", value.min), ("max", value.max)):
        if ctx.skip_if_unresolved(raw, f"{field}.{side}"):
            continue
        number = _number(raw, kind)
        if number is not None:
            bounds.append(number)
        elif kind is int:
            yield error(
                "R5",
                f"{field}.{side}",
                f"An Integer range needs whole-number bounds; got {side}={raw!r}. Use a "
                "whole number, or a ContinuousRange for fractional values.",
            )
        else:
            yield error(
                "R5",
                f"{field}.{side}",
                f"A Continuous range needs finite numeric bounds; got {side}={raw!r}. Use a "
                "number such as 0.01.",
            )

    if len(bounds) != 2:
        return
    low, high = bounds
    if low > high:
        yield error(
            "R5",
            field,
            f"`min` must not exceed `max`; got min={value.min!r}, max={value.max!r}. Swap the "
            "bounds.",
        )
    elif low == high:
        yield warning(
            "R5",
            field,
            f"`min` equals `max` ({value.min!r}), so the range holds a single value, which "
            f"SageMaker may reject. Make `{name}` a static hyperparameter instead.",
        )


def _categorical_values_are_distinct(
    name: str, value: CategoricalRange, ctx: RuleContext
) -> Iterator[Finding]:
    field = f"ranges[{name!r}].values"
    rendered: list[str] = []
    for index, item in enumerate(value.values):
        if not ctx.skip_if_unresolved(item, f"{field}[{index}]"):
            text = render_value(item)
            rendered.append(text if isinstance(text, str) else repr(text))

    if len(value.values) == 1 and rendered:
        yield warning(
            "R5",
            field,
            f"A Categorical range with a single value may be rejected by SageMaker; got "
            f"{rendered!r}. Make `{name}` a static hyperparameter instead.",
        )
        return
    repeated = {text: count for text, count in Counter(rendered).items() if count > 1}
    if repeated:
        counts = ", ".join(f"{text!r} {count} times" for text, count in repeated.items())
        yield warning(
            "R5",
            field,
            f"Categorical values should be distinct, and SageMaker may reject repeated ones; "
            f"got {rendered!r} ({counts}). Remove the repeated values.",
        )


@definition_rule("R7", "A range with Logarithmic scaling has only values above 0.")
def logarithmic_range_is_positive(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    for name, value in _bounded_ranges(definition):
        field = f"ranges[{name!r}]"
        if value.scaling != ScalingType.LOGARITHMIC:
            continue
        low = _known_bound(value.min, _range_kind(value), ctx, f"{field}.min")
        if low is not None and low <= 0:
            yield error(
                "R7",
                f"{field}.min",
                f"Logarithmic scaling needs every value above 0; got min={value.min!r}. "
                "Raise `min` above 0, or use Linear or Auto scaling.",
            )


@definition_rule(
    "R8", "ReverseLogarithmic scaling is used only on Continuous ranges within 0 <= value < 1."
)
def reverse_logarithmic_range_is_continuous_below_one(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # The API model allows ReverseLogarithmic on integer ranges; the Dev Guide says it is
    # not supported there, and this rule follows the Dev Guide.
    for name, value in _bounded_ranges(definition):
        field = f"ranges[{name!r}]"
        if value.scaling != ScalingType.REVERSE_LOGARITHMIC:
            continue
        if isinstance(value, IntegerRange):
            yield error(
                "R8",
                f"{field}.scaling",
                "ReverseLogarithmic scaling works only on Continuous ranges; got it on an "
                "Integer range. Use Logarithmic, Linear or Auto scaling, or a ContinuousRange.",
            )
            continue

        low = _known_bound(value.min, float, ctx, f"{field}.min")
        if low is not None and low < 0:
            yield error(
                "R8",
                f"{field}.min",
                f"ReverseLogarithmic scaling needs every value in 0 <= value < 1; got "
                f"min={value.min!r}. Raise `min` to 0 or more, or use Linear or Auto scaling.",
            )
        high = _known_bound(value.max, float, ctx, f"{field}.max")
        if high is not None and high >= 1:
            yield error(
                "R8",
                f"{field}.max",
                f"ReverseLogarithmic scaling needs every value in 0 <= value < 1; got "
                f"max={value.max!r}. Lower `max` below 1, or use Linear or Auto scaling.",
            )


_AWS_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_CREDENTIAL_WORDS = frozenset(
    {
        "accesskey",
        "accesstoken",
        "apikey",
        "authtoken",
        "credential",
        "credentials",
        "passphrase",
        "passwd",
        "password",
        "privatekey",
        "secret",
        "secretkey",
    }
)
_CREDENTIAL_PAIRS = frozenset(
    {("access", "key"), ("api", "key"), ("private", "key"), ("secret", "key")}
)
_TEXT_TOKEN_KINDS = frozenset(
    {"begin", "bos", "cls", "end", "eos", "mask", "max", "min", "new", "num", "pad", "sep"}
    | {"sos", "special", "start", "stop", "unk"}
)
"""Words before ``token`` that mean a text token (``pad_token``), not a credential."""


def _looks_like_credential_name(key: str) -> bool:
    """``db_password``, ``AWS_SECRET_ACCESS_KEY``, ``apiKey`` or ``HF_TOKEN``, say.

    ``token`` counts only as the last word and not after a text-token kind, so
    ``max_tokens``, ``token_budget`` and ``pad_token`` pass.
    """
    words = [w.lower() for w in _WORD.findall(key)]
    if any(w in _CREDENTIAL_WORDS for w in words):
        return True
    if any(pair in _CREDENTIAL_PAIRS for pair in itertools.pairwise(words)):
        return True
    if words and words[-1] == "token":
        return len(words) == 1 or words[-2] not in _TEXT_TOKEN_KINDS
    return False


@definition_rule("R11", "Static hyperparameters and environment variables carry no credentials.")
def no_credentials_in_hyperparameters(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # A heuristic, so a warning: SageMaker shows both maps in the console and in Describe,
    # and may reject a request in which it detects credentials.
    training = definition.training
    sources: tuple[tuple[str, str, Mapping[str, object]], ...] = (
        (
            "training.static_hyperparameters",
            "static hyperparameter",
            training.static_hyperparameters,
        ),
        ("training.environment", "environment variable", training.environment),
    )
    for prefix, noun, entries in sources:
        for key, raw in entries.items():
            field = f"{prefix}[{key!r}]"
            if ctx.is_unresolved(key):
                continue
            if _looks_like_credential_name(str(key)):
                yield warning(
                    "R11",
                    field,
                    f"The {noun} `{key}` looks like a credential (value hidden); SageMaker "
                    "shows it in the console and in Describe responses. Read the secret at "
                    "run time, from AWS Secrets Manager for example, instead.",
                )
            elif not ctx.skip_if_unresolved(raw, field) and _AWS_ACCESS_KEY_ID.search(
                str(render_value(raw))
            ):
                yield warning(
                    "R11",
                    field,
                    f"The value of the {noun} `{key}` looks like an AWS access key id (value "
                    "hidden); SageMaker shows it in the console and in Describe responses. "
                    "Let the training job use its execution role instead of access keys.",
                )


# --------------------------------------------------------------------------- strategy rules


@definition_rule("S2", "A Hyperband configuration comes only with the Hyperband strategy.")
def hyperband_config_only_with_hyperband(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    if definition.hyperband is not None and definition.strategy != Strategy.HYPERBAND:
        yield error(
            "S2",
            "hyperband",
            "A Hyperband configuration is sent only with the Hyperband strategy; got "
            f"strategy {_enum_text(definition.strategy)}. Remove `hyperband`, or set "
            "`strategy` to Hyperband.",
        )


@definition_rule("S3", "Hyperband runs with training-job early stopping Off.")
def hyperband_without_early_stopping(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    if (
        definition.strategy == Strategy.HYPERBAND
        and definition.early_stopping != EarlyStopping.OFF
    ):
        yield error(
            "S3",
            "early_stopping",
            "Hyperband stops training jobs early by itself, so `early_stopping` must be Off; "
            f"got {_enum_text(definition.early_stopping)}. Set it to Off.",
        )


@definition_rule(
    "S4",
    "Hyperband's resources satisfy min_resource <= max_resource <= 20,000, and without "
    "max_resource a static epochs hyperparameter is set.",
)
def hyperband_resources_are_valid(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    if definition.strategy != Strategy.HYPERBAND:
        return
    config = definition.hyperband
    low = _known_whole(config.min_resource, ctx, "hyperband.min_resource") if config else None
    given = config is not None and config.max_resource is not None
    high = _known_whole(config.max_resource, ctx, "hyperband.max_resource") if config else None

    if low is not None and high is not None and low > high:
        yield error(
            "S4",
            "hyperband.min_resource",
            f"`min_resource` must not exceed `max_resource`; got min_resource={low}, "
            f"max_resource={high}. Lower `min_resource` or raise `max_resource`.",
        )
    if high is not None and high > MAX_HYPERBAND_RESOURCE:
        yield error(
            "S4",
            "hyperband.max_resource",
            f"Hyperband allows at most {MAX_HYPERBAND_RESOURCE:,} for `max_resource`; got "
            f"{high:,}. Lower it to {MAX_HYPERBAND_RESOURCE:,} or less.",
        )
    static = definition.training.static_hyperparameters
    if not given and not any(key in static for key in HYPERBAND_EPOCH_KEYS):
        yield error(
            "S4",
            "hyperband.max_resource",
            "Without `max_resource`, Hyperband reads it from a static hyperparameter named "
            f"{', '.join(HYPERBAND_EPOCH_KEYS)}; got none of them. Set "
            "`hyperband.max_resource`, or one of those static hyperparameters.",
        )


@definition_rule(
    "S5",
    "A Grid search has only categorical ranges, and max_jobs, when set, equals the number of "
    "grid points.",
)
def grid_search_is_categorical(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    if definition.strategy != Strategy.GRID:
        return
    for name, value in _bounded_ranges(definition):
        yield error(
            "S5",
            f"ranges[{name!r}]",
            f"The Grid strategy searches only Categorical ranges; got {_a(value.kind)} range. "
            "List the values to try in a CategoricalRange, or use another strategy.",
        )
    categorical = [v for v in definition.ranges.values() if isinstance(v, CategoricalRange)]
    if not categorical or len(categorical) != len(definition.ranges):
        return

    points = math.prod(len(c.values) for c in categorical)
    max_jobs = _known_whole(definition.max_jobs, ctx, "max_jobs")
    if max_jobs is not None and max_jobs != points:
        counts = " x ".join(str(len(v.values)) for v in categorical)
        yield error(
            "S5",
            "max_jobs",
            f"With the Grid strategy, `max_jobs` must equal the number of grid points, "
            f"{points:,} ({counts} categorical values); got {max_jobs:,}. Set it to "
            f"{points:,}, or leave it unset.",
        )
    # An explicit max_jobs above the quota is S7's; this covers the inferred one.
    if definition.max_jobs is None and points > ctx.max_training_jobs_quota:
        yield warning(
            "S5",
            "ranges",
            f"The grid has {points:,} points, and each is a training job, above the quota of "
            f"{ctx.max_training_jobs_quota:,} training jobs per tuning job; SageMaker "
            "rejects it unless the account's quota was raised. Remove values, or configure "
            "the raised quota.",
        )


@definition_rule(
    "S6",
    "A search space of integer and categorical ranges only has at least max_jobs combinations.",
)
def enough_combinations_for_max_jobs(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # Seen for a non-Grid strategy (amazon-sagemaker-operator-for-k8s#123); Grid needs
    # equality instead (S5). Which other strategies the service checks is unconfirmed.
    if definition.strategy == Strategy.GRID or not definition.ranges:
        return
    if any(isinstance(v, ContinuousRange) for v in definition.ranges.values()):
        return
    max_jobs = _known_whole(definition.max_jobs, ctx, "max_jobs")
    if max_jobs is None:
        return

    combinations = 1
    for name, value in definition.ranges.items():
        if isinstance(value, CategoricalRange):
            combinations *= len(value.values)
            continue
        field = f"ranges[{name!r}]"
        low = _known_bound(value.min, int, ctx, f"{field}.min")
        high = _known_bound(value.max, int, ctx, f"{field}.max")
        if low is None or high is None or low > high:
            return  # R5 reports bad bounds; tokens are checked at deploy
        combinations *= int(high) - int(low) + 1

    if combinations < max_jobs:
        yield error(
            "S6",
            "max_jobs",
            "There are not enough hyperparameter combinations: the ranges allow "
            f"{combinations:,}, and SageMaker needs at least `max_jobs` ({max_jobs:,}). "
            f"Widen or add ranges, or lower `max_jobs` to {combinations:,} or less.",
        )


@definition_rule("S7", "Both max_jobs and max_parallel_jobs stay within the account's quotas.")
def resource_limits_within_quota(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # Account quotas, which can be raised, so warnings with configurable numbers.
    max_jobs = _known_whole(definition.max_jobs, ctx, "max_jobs")
    if max_jobs is not None and max_jobs > ctx.max_training_jobs_quota:
        yield warning(
            "S7",
            "max_jobs",
            f"`max_jobs` is {max_jobs:,}, above the quota of {ctx.max_training_jobs_quota:,} "
            "training jobs per tuning job; SageMaker rejects it unless the account's quota "
            "was raised. Lower it, or configure the raised quota.",
        )
    parallel = _known_whole(definition.max_parallel_jobs, ctx, "max_parallel_jobs")
    if parallel is not None and parallel > ctx.max_parallel_jobs_quota:
        yield warning(
            "S7",
            "max_parallel_jobs",
            f"`max_parallel_jobs` is {parallel:,}, above the quota of "
            f"{ctx.max_parallel_jobs_quota:,} parallel training jobs per tuning job; "
            "SageMaker rejects it unless the account's quota was raised. Lower it, or "
            "configure the raised quota.",
        )


@definition_rule("S8", "No more than max_jobs training jobs are asked to run in parallel.")
def parallel_jobs_within_max_jobs(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # Whether the service rejects it is unconfirmed, so a warning.
    parallel = _known_whole(definition.max_parallel_jobs, ctx, "max_parallel_jobs")
    max_jobs = _known_whole(definition.max_jobs, ctx, "max_jobs")
    # A max_jobs below 1 is already an error of its own (F-RANGE).
    if parallel is not None and max_jobs is not None and parallel > max_jobs >= 1:
        yield warning(
            "S8",
            "max_parallel_jobs",
            f"`max_parallel_jobs` ({parallel}) is above `max_jobs` ({max_jobs}), so no more "
            f"than {max_jobs} training jobs ever run at once. Lower `max_parallel_jobs` to "
            f"{max_jobs} or less.",
        )


class _Image(NamedTuple):
    """A container image reference split into its parts."""

    registry: str
    path: str
    """The repository path inside the registry, e.g. ``image-classification``."""
    reference: str
    """``:tag``, ``@digest`` or both; ``:latest`` when neither is given."""

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}" if self.registry else self.path


def _parse_image(uri: str) -> _Image:
    rest, _, digest = uri.partition("@")
    head, slash, path = rest.partition("/")
    registry = head if slash and ("." in head or ":" in head or head == "localhost") else ""
    if not registry:
        path = rest
    name, colon, tag = path.rpartition(":")
    if not colon or "/" in tag:
        name, tag = path, ""
    reference = (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
    return _Image(registry, name, reference or ":latest")


def is_builtin_algorithm_image(uri: str) -> bool:
    """Whether ``uri`` names a SageMaker built-in algorithm (a heuristic, see the set)."""
    return _parse_image(uri).path in BUILTIN_ALGORITHM_REPOSITORIES


@definition_rule(
    "S13",
    "The objective metric is one of the metric definitions, which a custom image must have.",
)
def objective_metric_is_defined(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    objective = definition.objective
    if objective is None or ctx.skip_if_unresolved(objective.metric_name, "objective"):
        return
    metric = objective.metric_name
    training = definition.training
    names = [m.name for m in training.metric_definitions]
    for index, name in enumerate(names):
        if ctx.skip_if_unresolved(name, f"training.metric_definitions[{index}].name"):
            return

    if names:
        if metric not in names:
            yield error(
                "S13",
                "objective",
                f"The objective metric {metric!r} is not among the metric definitions "
                f"({', '.join(map(repr, names))}); SageMaker reads the objective from the "
                f"training log only through a metric definition of that name. Add a metric "
                f"definition named {metric!r}, or correct `objective`.",
            )
        return
    image = training.image_uri
    if training.algorithm_name is not None or image is None:
        return
    if ctx.skip_if_unresolved(image, "training.image_uri"):
        return
    if not is_builtin_algorithm_image(image):
        yield error(
            "S13",
            "training.metric_definitions",
            f"A custom image needs a metric definition for the objective {metric!r}, or "
            "SageMaker rejects the job ('A metric is required for this hyperparameter "
            f"tuning job objective.'); got none, and repository "
            f"{_parse_image(image).path!r} is not a SageMaker built-in algorithm. Add a "
            f"MetricDefinition named {metric!r} whose regex finds it in the training log.",
        )


# --------------------------------------------------------------------------- training rules


@definition_rule("T1", "The training definition names exactly one of an image and an algorithm.")
def image_or_algorithm_given(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    training = definition.training
    if training.image_uri is not None and training.algorithm_name is not None:
        yield error(
            "T1",
            "training.algorithm_name",
            "Give either `image_uri` or `algorithm_name`, not both; got both. Keep "
            "`image_uri` for a container image, or `algorithm_name` for an algorithm "
            "resource.",
        )
    elif training.image_uri is None and training.algorithm_name is None:
        yield error(
            "T1",
            "training.image_uri",
            "A training definition needs `image_uri` or `algorithm_name`; got neither. Set "
            "`image_uri` to the training image's registry path.",
        )


@definition_rule(
    "T2", "Spot training sets max_wait_seconds of at least max_runtime_seconds, and only it."
)
def spot_training_waits_long_enough(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    training = definition.training
    if not training.use_spot_instances:
        if training.max_wait_seconds is not None:
            yield error(
                "T2",
                "training.max_wait_seconds",
                "`max_wait_seconds` applies only to managed spot training; got "
                f"{training.max_wait_seconds!r} with `use_spot_instances` off. Remove it, or "
                "turn `use_spot_instances` on.",
            )
        return

    if training.max_wait_seconds is None:
        yield error(
            "T2",
            "training.max_wait_seconds",
            "Managed spot training needs `max_wait_seconds`; got none. Set it to at least "
            "`max_runtime_seconds`.",
        )
        return
    wait = _known_whole(training.max_wait_seconds, ctx, "training.max_wait_seconds")
    runtime = _known_whole(training.max_runtime_seconds, ctx, "training.max_runtime_seconds")
    if wait is not None and runtime is not None and wait < runtime:
        yield error(
            "T2",
            "training.max_wait_seconds",
            f"With managed spot training, `max_wait_seconds` must be at least "
            f"`max_runtime_seconds` ({runtime:,}); got {wait:,}. Raise it to {runtime:,} or "
            "more.",
        )


def _channel_mode(channel: Channel, training: TrainingDefinition) -> object:
    return channel.input_mode if channel.input_mode is not None else training.input_mode


@definition_rule(
    "T3", "Gzip, RecordIO and augmented manifests are used only by channels in Pipe mode."
)
def pipe_only_channel_settings_in_pipe_mode(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    training = definition.training
    for index, channel in enumerate(training.inputs):
        mode = _channel_mode(channel, training)
        if mode == InputMode.PIPE:
            continue
        field = f"training.inputs[{index}]"
        pipe_only = (
            ("compression", channel.compression == CompressionType.GZIP, "Gzip compression"),
            ("record_wrapper", channel.record_wrapper == RecordWrapper.RECORD_IO, "RecordIO"),
            (
                "s3_data_type",
                channel.s3_data_type == S3DataType.AUGMENTED_MANIFEST_FILE,
                "AugmentedManifestFile",
            ),
        )
        for member, used, setting in pipe_only:
            if used:
                yield error(
                    "T3",
                    f"{field}.{member}",
                    f"{setting} works only in Pipe mode; got it on channel {channel.name!r}, "
                    f"which reads in {_enum_text(mode)} mode. Set `input_mode` to Pipe on the "
                    f"channel or the training definition, or drop {setting}.",
                )


@definition_rule("T4", "Input channel names are unique.")
def channel_names_are_unique(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # Uniqueness as a service check is unconfirmed, but each channel is a directory
    # named after it in the container, so a repeated name cannot work.
    first: dict[str, int] = {}
    for index, channel in enumerate(definition.training.inputs):
        field = f"training.inputs[{index}].name"
        if ctx.skip_if_unresolved(channel.name, field):
            continue
        if channel.name in first:
            yield error(
                "T4",
                field,
                f"Channel names must be unique; got {channel.name!r} again, already used by "
                f"`training.inputs[{first[channel.name]}]`. Rename one of the channels.",
            )
        else:
            first[channel.name] = index


@definition_rule("T5", "A definition has at most the 20 metric definitions the docs allow.")
def metric_definitions_within_documented_limit(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # The limits page and the console say 20, the API model 40 (enforced as F-SIZE), so
    # between the two this only warns.
    count = len(definition.training.metric_definitions)
    if DOCUMENTED_MAX_METRIC_DEFINITIONS < count <= MODEL_MAX_METRIC_DEFINITIONS:
        yield warning(
            "T5",
            "training.metric_definitions",
            f"The SageMaker limits page allows {DOCUMENTED_MAX_METRIC_DEFINITIONS} metric "
            f"definitions per tuning job, while the API model allows "
            f"{MODEL_MAX_METRIC_DEFINITIONS}; got {count}. Keep "
            f"at most {DOCUMENTED_MAX_METRIC_DEFINITIONS} to be safe.",
        )


_INSTANCE_FAMILY = re.compile(r"ml\.([a-z]+\d+[a-z0-9-]*)\..+")
_LOCAL_STORAGE_FAMILY = re.compile(r"[a-z]+\d+[a-z-]*(?:d|dn|de)")
"""Families with instance-store volumes by name: ``m5d``, ``g4dn``, ``p4d``, ``p4de``."""


@definition_rule(
    "T6", "A volume KMS key is set only for instance types without local instance storage."
)
def volume_key_without_local_storage(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # A heuristic by family name: families such as g5 also have local NVMe storage
    # without a `d` in their name and are not recognised.
    training = definition.training
    if training.volume_kms_key_id is None:
        return
    instance_type = training.instance_type
    if ctx.skip_if_unresolved(instance_type, "training.instance_type"):
        return
    match = _INSTANCE_FAMILY.fullmatch(str(instance_type))
    if match and _LOCAL_STORAGE_FAMILY.fullmatch(match.group(1)):
        yield warning(
            "T6",
            "training.volume_kms_key_id",
            f"SageMaker refuses a volume KMS key on instance types with local instance "
            f"storage, and {instance_type} appears to have it (family {match.group(1)}, "
            "judged by its name); got a `volume_kms_key_id`. Remove it (local storage is "
            "encrypted by the instance), or use an instance type without local storage.",
        )


@definition_rule("T7", "A training job's max_runtime_seconds is at most 28 days.")
def training_runtime_within_documented_limit(
    definition: TuningJobDefinition, ctx: RuleContext
) -> Iterator[Finding]:
    # The API reference documents 28 days, the API model has no maximum: a warning.
    runtime = _known_whole(
        definition.training.max_runtime_seconds, ctx, "training.max_runtime_seconds"
    )
    if runtime is not None and runtime > MAX_TRAINING_RUNTIME_SECONDS:
        yield warning(
            "T7",
            "training.max_runtime_seconds",
            f"A training job runs for at most 28 days ({MAX_TRAINING_RUNTIME_SECONDS:,} "
            f"seconds) per the SageMaker docs; got {runtime:,}. Lower it to "
            f"{MAX_TRAINING_RUNTIME_SECONDS:,} or less.",
        )


@tag_rule("T8", "No tag key uses the reserved `aws:` prefix.")
def tag_keys_are_not_reserved(tags: Mapping[str, str], ctx: RuleContext) -> Iterator[Finding]:
    # The prefix is reserved AWS-wide; that SageMaker rejects it is unconfirmed: a warning.
    for key in tags:
        field = f"tags[{key!r}]"
        if ctx.skip_if_unresolved(key, field):
            continue
        if str(key).lower().startswith(RESERVED_TAG_PREFIX):
            yield warning(
                "T8",
                field,
                f"Tag keys starting with `{RESERVED_TAG_PREFIX}` are reserved for AWS; got "
                f"{key!r}. Rename the key.",
            )


# --------------------------------------------------------------------------- warm start


def _parent_field(index: int) -> str:
    return f"warm_start.parents[{index}]"


def _defined(
    parents: Sequence[ParentJob],
) -> Iterator[tuple[int, ParentJob, TuningJobDefinition]]:
    """The parents whose definition is known, with their position."""
    for index, parent in enumerate(parents):
        if parent.definition is not None:
            yield index, parent, parent.definition


@warm_start_rule("W1", "A warm-start job has 1 to 5 parents.")
def parent_count_within_limit(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    count = len(parents)
    if count == 0:
        yield error(
            "W1",
            "warm_start.parents",
            f"A warm-start job takes 1 to {MAX_PARENTS} parents; got none. List a parent, or "
            "remove `warm_start`.",
        )
    elif count > MAX_PARENTS:
        yield error(
            "W1",
            "warm_start.parents",
            f"A warm-start job takes 1 to {MAX_PARENTS} parents; got {count}. Keep the "
            f"{MAX_PARENTS} most relevant ones.",
        )


def _name_problems(name: str) -> list[str]:
    problems: list[str] = []
    if not name:
        problems.append("it is empty")
    if len(name) > MAX_NAME_LENGTH:
        problems.append(f"it has {len(name)} characters")
    odd = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c == "-"))})
    if odd:
        problems.append(f"it contains {', '.join(map(repr, odd))}")
    if name.startswith("-") or name.endswith("-"):
        problems.append("it starts or ends with a hyphen")
    return problems


@warm_start_rule(
    "W3",
    "Each parent is a valid tuning-job name, listed once, and (for a job of the app) in the "
    "child's account and Region.",
)
def parent_names_are_valid_and_distinct(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # A parent named twice is refused here although the service's reaction is unconfirmed.
    first: dict[str, int] = {}
    for index, parent in enumerate(parents):
        field = _parent_field(index)
        if ctx.skip_if_unresolved(parent.name, field):
            continue
        name = str(parent.name)
        if len(name) > MAX_NAME_LENGTH or NAME_PATTERN.fullmatch(name) is None:
            yield error(
                "W3",
                field,
                f"Parent {name!r} is not a valid tuning-job name: "
                f"{'; '.join(_name_problems(name))}. A name has 1 to {MAX_NAME_LENGTH} "
                "letters, digits and hyphens, with no hyphen at either end; use the parent "
                "job's exact name.",
            )
        key = name.lower()
        if key in first:
            yield error(
                "W3",
                field,
                f"Parent {name!r} is listed twice: `{_parent_field(first[key])}` names the "
                "same job (SageMaker compares job names case-insensitively). Remove one of "
                "them.",
            )
        else:
            first[key] = index


@warm_start_rule("W4", "Every parent is Completed, Stopped or Failed when the child starts.")
def parents_are_terminal(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    for index, parent in enumerate(parents):
        if parent.status is not None and parent.status not in TERMINAL_PARENT_STATUSES:
            yield error(
                "W4",
                _parent_field(index),
                f"Warm start needs a terminal parent (Completed, Stopped or Failed); parent "
                f"{parent.label!r} is {parent.status}. Wait for it to finish, or stop it, "
                "then deploy again.",
            )


@warm_start_rule("W5", "Every parent was created on or after 2018-10-01.")
def parents_are_recent_enough(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    for index, parent in enumerate(parents):
        created = parent.creation_time
        if created is None:
            continue
        if created.tzinfo is None:  # boto3 returns aware times; a naive one is read as UTC
            created = created.replace(tzinfo=UTC)
        if created < EARLIEST_PARENT_CREATION:
            yield error(
                "W5",
                _parent_field(index),
                f"SageMaker cannot warm start from tuning jobs created before 2018-10-01; "
                f"parent {parent.label!r} was created on {created:%Y-%m-%d}. Use a newer "
                "parent.",
            )


def _objective_text(objective: Objective | None) -> str:
    if objective is None:
        return "no objective"
    return f"{_enum_text(objective.type)} {objective.metric_name!r}"


@warm_start_rule("W6", "The objective metric and type equal every parent's.")
def objective_matches_parents(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # Whether the type must match too is unconfirmed; the catalogue enforces it anyway.
    mine = definition.objective
    if mine is not None and ctx.skip_if_unresolved(mine.metric_name, "objective"):
        return
    for index, parent, theirs in _defined(parents):
        before = theirs.objective
        if before is not None and ctx.skip_if_unresolved(
            before.metric_name, f"{_parent_field(index)}.objective"
        ):
            continue
        if _objective_text(mine) != _objective_text(before):
            yield error(
                "W6",
                "objective",
                f"Warm start keeps the parent's objective; parent {parent.label!r} has "
                f"{_objective_text(before)}, this job has {_objective_text(mine)}. "
                "Use the parent's objective metric and type.",
            )


def _warm_start_names(definition: TuningJobDefinition) -> set[str]:
    """Static and tunable names, without the one SageMaker adds (Describe returns it)."""
    return definition.hyperparameter_names() - {SERVICE_OBJECTIVE_KEY}


@warm_start_rule("W7", "The set of static plus tunable hyperparameter names equals each parent's.")
def hyperparameter_names_match_parents(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # The docs say the number must stay the same; the service checks the set of names
    # (amazon-sagemaker-examples#861), and this rule follows the service.
    mine = _warm_start_names(definition)
    for index, parent, theirs in _defined(parents):
        names = _warm_start_names(theirs)
        missing, extra = names - mine, mine - names
        if missing or extra:
            yield error(
                "W7",
                _parent_field(index),
                "The set of static plus tunable hyperparameter names must equal that of "
                f"parent {parent.label!r}; missing here: {_names(missing)}; not in the parent: "
                f"{_names(extra)}. Moving a name between static and tunable is allowed, "
                "adding or removing one is not.",
            )


@warm_start_rule("W8", "A hyperparameter tunable in a parent and here keeps its range type.")
def range_types_match_parents(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # Only the type is restricted; a change of scaling type is allowed and not reported.
    for _, parent, theirs in _defined(parents):
        for name, value in definition.ranges.items():
            before = theirs.ranges.get(name)
            if before is not None and before.kind != value.kind:
                yield error(
                    "W8",
                    f"ranges[{name!r}]",
                    f"Warm start keeps each tunable hyperparameter's type; `{name}` is "
                    f"{_a(before.kind)} range in parent {parent.label!r} and {_a(value.kind)} "
                    f"range here. Use {_a(before.kind)} range, or make `{name}` static.",
                )


def _changes(
    definition: TuningJobDefinition, parent: TuningJobDefinition, ctx: RuleContext, index: int
) -> list[tuple[str, int]]:
    """Each counted change from ``parent`` with its cost, in the docs' arithmetic."""
    static = definition.training.static_hyperparameters
    before = parent.training.static_hyperparameters
    changes: list[tuple[str, int]] = []
    for name in sorted(set(parent.ranges) & set(static)):
        value = parent.ranges[name]
        if isinstance(value, CategoricalRange):
            count = len(value.values)
            changes.append((f"`{name}` tunable to static ({count}, one per value)", count))
        else:
            changes.append((f"`{name}` tunable to static (1)", 1))
    for name in sorted(set(before) & set(static)):
        field = f"training.static_hyperparameters[{name!r}]"
        if ctx.skip_if_unresolved(static[name], field) or ctx.skip_if_unresolved(
            before[name], f"{_parent_field(index)}.{field}"
        ):
            continue
        if canonical_value(static[name]) != canonical_value(before[name]):
            changes.append((f"`{name}` static value changed (2)", 2))
    return changes


@warm_start_rule("W9", "At most 10 hyperparameter changes are made from each parent.")
def changes_from_parents_within_limit(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # The docs' arithmetic: a tunable hyperparameter made static costs one per categorical
    # value (1 for a numeric range, which is unconfirmed) and a changed static value costs
    # 2. The Dec-2022 docs dropped the per-value sentence but kept the example, so the
    # counting is ambiguous; static values are compared as numbers where they parse.
    for index, parent, theirs in _defined(parents):
        changes = _changes(definition, theirs, ctx, index)
        total = sum(cost for _, cost in changes)
        if total > MAX_WARM_START_CHANGES:
            yield error(
                "W9",
                _parent_field(index),
                f"Warm start allows at most {MAX_WARM_START_CHANGES} changes from a parent; "
                f"got {total} from parent {parent.label!r}: "
                f"{', '.join(text for text, _ in changes)}. Keep more hyperparameters as they "
                "were in the parent.",
            )


@warm_start_rule("W10", "Every job whose results should be used is a direct parent.")
def warm_start_is_not_recursive(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    listed = {_name_key(p.name) for p in parents}
    for index, parent, theirs in _defined(parents):
        if theirs.warm_start is None:
            continue
        # A grandparent listed here too is used: only the others are worth a word.
        missing = [str(p) for p in theirs.warm_start.parents if _name_key(p) not in listed]
        if not missing:
            continue
        named = (
            f" ({', '.join(missing)})" if not any(ctx.is_unresolved(p) for p in missing) else ""
        )
        yield warning(
            "W10",
            _parent_field(index),
            f"Parent {parent.label!r} is itself a warm-start job, and warm start is not "
            f"recursive: its own parents{named} are not used. List them here directly if "
            f"their results should count (at most {MAX_PARENTS} parents).",
        )


def _name_key(name: object) -> object:
    """Names compare case-insensitively in SageMaker; a token compares as itself."""
    return name.lower() if isinstance(name, str) and not looks_like_token(name) else name


@warm_start_rule(
    "W11",
    "The parents' training jobs plus this job's max_jobs stay within the training-job quota.",
)
def training_job_budget_within_quota(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # Warm start counts the parents' training jobs against the limit; the docs say 500,
    # the limits page 750, so the quota comes from the context.
    own = _known_whole(definition.max_jobs, ctx, "max_jobs")
    if own is None:
        return
    counts: list[int] = []
    exact = True
    for index, parent in enumerate(parents):
        launched = _whole(parent.training_jobs_launched)
        if launched is not None:
            counts.append(launched)
            continue
        exact = False
        if parent.definition is not None:
            field = f"{_parent_field(index)}.max_jobs"
            budget = _known_whole(parent.definition.max_jobs, ctx, field)
            if budget is not None:
                counts.append(budget)
    if not counts:
        return

    quota = ctx.max_training_jobs_quota
    spent = sum(counts)
    if spent + own <= quota:
        return
    advice = (
        f"Lower `max_jobs` to {quota - spent:,} or less, or use fewer parents."
        if spent < quota
        else f"Use fewer parents; theirs alone reach {spent:,}."
    )
    terms = " + ".join(f"{c:,}" for c in counts)
    if exact:
        yield error(
            "W11",
            "max_jobs",
            f"Warm start counts the parents' training jobs against the quota of {quota:,} "
            f"training jobs per tuning job: the parents launched {terms} and this job asks "
            f"for up to {own:,}, {spent + own:,} in total. {advice}",
        )
    else:
        yield warning(
            "W11",
            "max_jobs",
            f"Warm start counts the parents' training jobs against the quota of {quota:,} "
            f"training jobs per tuning job: the parents may launch up to {terms} and this "
            f"job up to {own:,}, {spent + own:,} in total, so SageMaker may reject it at "
            f"deploy (an upper bound from the parents' `max_jobs`). {advice}",
        )


def _channel_signature(channel: Channel, training: TrainingDefinition) -> dict[str, str]:
    """What identifies a channel's data, with the service's defaults filled in."""
    return {
        "s3_uri": str(channel.s3_uri),
        "s3_data_type": _enum_text(channel.s3_data_type),
        "distribution": _enum_text(channel.distribution or S3DataDistribution.FULLY_REPLICATED),
        "content_type": str(channel.content_type or ""),
        "compression": _enum_text(channel.compression or CompressionType.NONE),
        "record_wrapper": _enum_text(channel.record_wrapper or RecordWrapper.NONE),
        "input_mode": _enum_text(_channel_mode(channel, training)),
    }


def _same_channels(
    definition: TuningJobDefinition,
    parent: ParentJob,
    theirs: TuningJobDefinition,
    ctx: RuleContext,
    parent_index: int,
) -> Iterator[Finding]:
    before: dict[str, dict[str, str]] = {}
    for index, channel in enumerate(theirs.training.inputs):
        signature = _channel_signature(channel, theirs.training)
        field = f"{_parent_field(parent_index)}.training.inputs[{index}].s3_uri"
        if ctx.skip_if_unresolved(channel.s3_uri, field):
            del signature["s3_uri"]
        before[channel.name] = signature
    seen: set[str] = set()
    for index, channel in enumerate(definition.training.inputs):
        field = f"training.inputs[{index}]"
        seen.add(channel.name)
        if channel.name not in before:
            yield error(
                "W12",
                field,
                f"IdenticalDataAndAlgorithm needs the parent's input channels; channel "
                f"{channel.name!r} is not in parent {parent.label!r}. Remove it, or use "
                "TransferLearning to change the data.",
            )
            continue
        mine = _channel_signature(channel, definition.training)
        if ctx.skip_if_unresolved(channel.s3_uri, f"{field}.s3_uri"):
            del mine["s3_uri"]
        theirs_channel = before[channel.name]
        differences = [
            f"{key} ({mine[key]!r} here, {theirs_channel[key]!r} in the parent)"
            for key in mine
            if key in theirs_channel and mine[key] != theirs_channel[key]
        ]
        if differences:
            yield error(
                "W12",
                field,
                f"IdenticalDataAndAlgorithm needs the parent's input data; channel "
                f"{channel.name!r} differs from parent {parent.label!r} in "
                f"{', '.join(differences)}. Use the parent's data, or use TransferLearning "
                "to change it.",
            )
    for name in sorted(set(before) - seen):
        yield error(
            "W12",
            "training.inputs",
            f"IdenticalDataAndAlgorithm needs the parent's input channels; channel {name!r} "
            f"of parent {parent.label!r} is missing here. Add it back, or use "
            "TransferLearning to change the data.",
        )


def _algorithm_text(training: TrainingDefinition) -> str:
    if training.image_uri is not None:
        return f"image {training.image_uri!r}"
    return f"algorithm {training.algorithm_name!r}"


def _same_algorithm(
    definition: TuningJobDefinition,
    parent: ParentJob,
    theirs: TuningJobDefinition,
    ctx: RuleContext,
    index: int,
) -> Iterator[Finding]:
    mine, before = definition.training, theirs.training
    field = "training.image_uri" if mine.image_uri is not None else "training.algorithm_name"
    if (mine.image_uri is None) == (mine.algorithm_name is None):
        return  # T1 reports it
    if (before.image_uri is None) == (before.algorithm_name is None):
        return
    if ctx.skip_if_unresolved(mine.image_uri or mine.algorithm_name, field):
        return
    if ctx.skip_if_unresolved(
        before.image_uri or before.algorithm_name, f"{_parent_field(index)}.{field}"
    ):
        return
    what = "image" if before.image_uri is not None else "algorithm"
    different = (
        f"IdenticalDataAndAlgorithm needs the parent's algorithm; parent {parent.label!r} "
        f"uses {_algorithm_text(before)}, this job uses {_algorithm_text(mine)}. Use the "
        f"parent's {what}, or use TransferLearning."
    )

    if mine.algorithm_name is not None or before.algorithm_name is not None:
        # Describe returns AlgorithmName as an ARN; the name follows the last slash.
        same = (
            mine.algorithm_name is not None
            and before.algorithm_name is not None
            and str(mine.algorithm_name).rsplit("/", 1)[-1]
            == str(before.algorithm_name).rsplit("/", 1)[-1]
        )
        if not same:
            yield error("W12", field, different)
        return

    image, parent_image = _parse_image(str(mine.image_uri)), _parse_image(str(before.image_uri))
    if image.repository != parent_image.repository:
        yield error("W12", field, different)
    elif image.reference != parent_image.reference:
        yield warning(
            "W12",
            field,
            "IdenticalDataAndAlgorithm allows a new image version only if the algorithm "
            f"itself is unchanged; parent {parent.label!r} uses {before.image_uri!r}, this "
            f"job uses {mine.image_uri!r}. Keep the parent's image unless only logging or "
            "data-format support changed.",
        )


@warm_start_rule(
    "W12",
    "An IdenticalDataAndAlgorithm child uses each parent's input data and algorithm.",
)
def identical_data_and_algorithm(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    warm_start = definition.warm_start
    if warm_start is None or warm_start.type != WarmStartType.IDENTICAL_DATA_AND_ALGORITHM:
        return
    parallel = _known_whole(definition.max_parallel_jobs, ctx, "max_parallel_jobs")
    for index, parent, theirs in _defined(parents):
        yield from _same_channels(definition, parent, theirs, ctx, index)
        yield from _same_algorithm(definition, parent, theirs, ctx, index)

        # Only TransferLearning lists max_parallel_jobs as changeable; for this type the
        # service's behaviour is unconfirmed, so a warning.
        before = _whole(theirs.max_parallel_jobs)
        if parallel is not None and before is not None and parallel != before:
            yield warning(
                "W12",
                "max_parallel_jobs",
                "Whether IdenticalDataAndAlgorithm allows a new `max_parallel_jobs` is "
                f"unconfirmed (TransferLearning does); parent {parent.label!r} has {before}, "
                f"this job has {parallel}. Use the parent's value to be safe.",
            )


_FIXED_TRAINING_FIELDS = (
    "enable_network_isolation",
    "enable_inter_container_traffic_encryption",
    "retry_attempts",
)


def _setting_text(value: object) -> str:
    return "none" if value is None else str(render_value(value))


@warm_start_rule(
    "W14",
    "Environment, network isolation, traffic encryption and retries equal each parent's.",
)
def fixed_training_fields_match_parents(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # From the service's observed allow-list of fields that may change
    # (sagemaker-python-sdk#3693, 2023); it may have grown since.
    mine = definition.training
    for index, parent, theirs in _defined(parents):
        yield from _same_environment(mine, parent, theirs.training, ctx, index)
        for name in _FIXED_TRAINING_FIELDS:
            value, before = getattr(mine, name), getattr(theirs.training, name)
            field = f"training.{name}"
            if ctx.skip_if_unresolved(value, field) or ctx.skip_if_unresolved(
                before, f"{_parent_field(index)}.{field}"
            ):
                continue
            if _setting_text(value) != _setting_text(before):
                yield error(
                    "W14",
                    f"training.{name}",
                    f"SageMaker rejects a warm-start job whose `{name}` differs from its "
                    f"parent's; parent {parent.label!r} has {_setting_text(before)}, this job "
                    f"has {_setting_text(value)}. Use the parent's value.",
                )


def _same_environment(
    mine: TrainingDefinition,
    parent: ParentJob,
    before: TrainingDefinition,
    ctx: RuleContext,
    parent_index: int,
) -> Iterator[Finding]:
    keys, parent_keys = set(mine.environment), set(before.environment)
    if keys != parent_keys:
        yield error(
            "W14",
            "training.environment",
            f"SageMaker rejects a warm-start job whose `environment` differs from its "
            f"parent's; parent {parent.label!r} has keys {_names(parent_keys)}, this job has "
            f"keys {_names(keys)} (values hidden). Use the parent's environment.",
        )
        return
    changed: list[str] = []
    for key in sorted(keys):
        field = f"training.environment[{key!r}]"
        value, parent_value = mine.environment[key], before.environment[key]
        if ctx.skip_if_unresolved(value, field) or ctx.skip_if_unresolved(
            parent_value, f"{_parent_field(parent_index)}.{field}"
        ):
            continue
        if value != parent_value:
            changed.append(key)
    if changed:
        yield error(
            "W14",
            "training.environment",
            f"SageMaker rejects a warm-start job whose `environment` differs from its "
            f"parent's; the values of {', '.join(changed)} differ from parent "
            f"{parent.label!r} (values hidden). Use the parent's environment.",
        )


@warm_start_rule("W16", "A warm-start job uses its parents' Bayesian or Random strategy.")
def strategy_suits_warm_start(
    definition: TuningJobDefinition, parents: Sequence[ParentJob], ctx: RuleContext
) -> Iterator[Finding]:
    # The docs describe warm start for Bayesian and Random search only; whether Hyperband,
    # Grid or a change of strategy is accepted is unconfirmed, so warnings.
    strategy = _enum_text(definition.strategy)
    if definition.strategy in (Strategy.HYPERBAND, Strategy.GRID):
        yield warning(
            "W16",
            "strategy",
            "The SageMaker docs describe warm start only for the Bayesian and Random "
            f"strategies; got {strategy}, which SageMaker may reject. Use Bayesian or "
            "Random.",
        )
    for _, parent, theirs in _defined(parents):
        if _enum_text(theirs.strategy) != strategy:
            yield warning(
                "W16",
                "strategy",
                f"Whether warm start accepts a change of strategy is unconfirmed; parent "
                f"{parent.label!r} used {_enum_text(theirs.strategy)}, this job uses "
                f"{strategy}. Use the parent's strategy to be safe.",
            )
