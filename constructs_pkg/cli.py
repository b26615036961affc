"""``constructs-pkg``: the library's rules outside ``cdk synth``.

* ``constructs-pkg rules`` lists every rule id with the state it requires.
* ``constructs-pkg check REQUEST.json`` checks a ``CreateHyperParameterTuningJob`` request
  (as JSON, the way boto3 takes it) with the same rules that run at synth and deploy.
* ``constructs-pkg plan BASE_ASSEMBLY CHANGE_ASSEMBLY`` prints, in Markdown, which tuning
  jobs deploying the change's ``cdk.out`` over the base's launches, replaces, stops or
  re-tags (see :mod:`constructs_pkg.plan`).
* ``constructs-pkg lineage show|waiting|export`` reads a lineage table (see
  :mod:`constructs_pkg.lineage_cli`); it is the only command that contacts AWS.

No other command contacts AWS. Exit status: 0 when no error was found, 1 when the request
has errors, 2 when the input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from constructs_pkg.core.findings import Finding, RuleContext, Severity
from constructs_pkg.core.model import TuningJobDefinition
from constructs_pkg.core.rules import CONSTRUCT_RULES, RULES, ParentJob, check_job
from constructs_pkg.core.servicemodel import validate_request
from constructs_pkg.lineage_cli import add_lineage_commands
from constructs_pkg.plan import AssemblyError, plan_assemblies


def _rules(_: argparse.Namespace) -> int:
    summaries = {rule_id: rule.summary for rule_id, rule in RULES.items()}
    summaries.update(CONSTRUCT_RULES)
    for rule_id in sorted(summaries, key=_rule_order):
        print(f"{rule_id:<5} {summaries[rule_id]}")
    return 0


def _rule_order(rule_id: str) -> tuple[str, int]:
    prefix = rule_id.rstrip("0123456789")
    number = rule_id[len(prefix) :]
    return prefix, int(number) if number else 0


def _check(args: argparse.Namespace) -> int:
    source = "standard input" if args.request == "-" else args.request
    try:
        text = sys.stdin.read() if args.request == "-" else Path(args.request).read_text("utf-8")
        request = json.loads(text)
    except RecursionError:
        print(f"constructs-pkg: cannot read {source}: JSON nested too deeply", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"constructs-pkg: cannot read {source}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(request, dict):
        print(f"constructs-pkg: {source} must hold a JSON object", file=sys.stderr)
        return 2

    ctx = RuleContext(
        max_training_jobs_quota=args.max_training_jobs_quota,
        max_parallel_jobs_quota=args.max_parallel_jobs_quota,
    )
    findings = check_request(request, ctx)
    for finding in findings:
        print(f"{finding.severity.value}: {finding.format()}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    print(f"{errors} error(s), {len(findings) - errors} warning(s) in {source}")
    return 1 if errors else 0


UNSUPPORTED_REQUEST_FIELDS = ("TrainingJobDefinitions", "Autotune")
"""Request fields of features the library does not model."""


def check_request(request: dict[str, Any], ctx: RuleContext) -> list[Finding]:
    """Every finding for a raw request: the service model on the request as written (so
    unknown fields and wrong types are caught), then the cross-field and warm-start rules
    wherever the request can be read as a definition. Parents are known by name only."""
    findings = validate_request(request, ctx)
    unsupported = [
        Finding(
            "F-TYPE",
            Severity.ERROR,
            key,
            "is not supported by constructs_pkg (single-algorithm tuning jobs only, without "
            "Autotune), so the request's other fields are checked by the service model alone",
        )
        for key in UNSUPPORTED_REQUEST_FIELDS
        if request.get(key) is not None
    ]
    if unsupported:
        return unsupported + findings
    try:
        definition = TuningJobDefinition.from_api(request)
    except (AttributeError, KeyError, TypeError, ValueError, RecursionError):
        return findings  # too malformed to read; the field findings say why
    tags = request.get("Tags")
    tag_map = (
        {t["Key"]: t["Value"] for t in tags if isinstance(t, dict) and "Key" in t and "Value" in t}
        if isinstance(tags, list)
        else None
    )
    parents = [
        ParentJob(name=name, label=name)
        for name in (definition.warm_start.parents if definition.warm_start else ())
    ]
    name = request.get("HyperParameterTuningJobName")
    rules = check_job(definition, parents, ctx, job_name=name, tags=tag_map)
    covered = {f.field for f in rules if f.rule_id in ("W1", "W3")}
    own = [f for f in findings if f.field not in covered]
    return own + [f for f in rules if not f.rule_id.startswith("F-")]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _plan(args: argparse.Namespace) -> int:
    try:
        markdown = plan_assemblies(args.base, args.change)
    except AssemblyError as exc:
        print(f"constructs-pkg: cannot read cloud assembly: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(markdown)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="constructs-pkg",
        description="Check SageMaker hyperparameter tuning-job definitions offline.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    rules = commands.add_parser("rules", help="list every rule id and what it requires")
    rules.set_defaults(run=_rules)

    check = commands.add_parser(
        "check",
        help="check a CreateHyperParameterTuningJob request stored as JSON",
        description="Check a CreateHyperParameterTuningJob request (JSON, as boto3 takes "
        "it) with the rules that run at synth. Warm-start rules that need the parents' "
        "definitions run at deploy and are not checked here.",
    )
    check.add_argument("request", help="path to the request JSON file, or - for standard input")
    defaults = RuleContext()
    check.add_argument(
        "--max-training-jobs-quota",
        type=_positive,
        default=defaults.max_training_jobs_quota,
        help="training jobs per tuning job allowed in the account (default %(default)s)",
    )
    check.add_argument(
        "--max-parallel-jobs-quota",
        type=_positive,
        default=defaults.max_parallel_jobs_quota,
        help="parallel training jobs allowed in the account (default %(default)s)",
    )
    check.set_defaults(run=_check)

    plan = commands.add_parser(
        "plan",
        help="say which tuning jobs a change launches, replaces, stops or re-tags",
        description="Compare two cloud assemblies (the base branch's cdk.out and the "
        "change's) and print, in Markdown, what deploying the change does to each tuning "
        "job: launch, replacement, stop, or tags updated in place, with the definition's "
        "field-level changes and worst-case instance-hours.",
    )
    plan.add_argument("base", help="the base branch's cloud assembly (a cdk.out directory)")
    plan.add_argument("change", help="the change's cloud assembly (a cdk.out directory)")
    plan.set_defaults(run=_plan)

    add_lineage_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``, say): nothing more to write, and no traceback.
        # Python flushes stdout again at exit, so point it at the null device first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
