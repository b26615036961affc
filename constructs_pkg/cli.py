"""``constructs-pkg``: the library's rules outside ``cdk synth``.

* ``constructs-pkg rules`` lists every rule id with the state it requires.
* ``constructs-pkg check REQUEST.json`` checks a ``CreateHyperParameterTuningJob`` request
  (as JSON, the way boto3 takes it) with the same rules that run at synth and deploy.
* ``constructs-pkg plan BASE_ASSEMBLY CHANGE_ASSEMBLY`` prints, in Markdown, which tuning
  jobs deploying the change's ``cdk.out`` over the base's launches, replaces, stops or
  re-tags (see :mod:`constructs_pkg.plan`).

No command contacts AWS. Exit status: 0 when no error was found, 1 when the request
has errors, 2 when the input cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from constructs_pkg.core.findings import RuleContext, Severity
from constructs_pkg.core.model import TuningJobDefinition
from constructs_pkg.core.rules import RULES, check_definition
from constructs_pkg.core.structure import structure_findings
from constructs_pkg.plan import AssemblyError, plan_assemblies


def _rules(_: argparse.Namespace) -> int:
    for rule_id in sorted(RULES, key=_rule_order):
        print(f"{rule_id:<5} {RULES[rule_id].summary}")
    return 0


def _rule_order(rule_id: str) -> tuple[str, int]:
    prefix = rule_id.rstrip("0123456789")
    number = rule_id[len(prefix) :]
    return prefix, int(number) if number else 0


def _check(args: argparse.Namespace) -> int:
    path = Path(args.request)
    try:
        request = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"constructs-pkg: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if not isinstance(request, dict):
        print(f"constructs-pkg: {path} must hold a JSON object", file=sys.stderr)
        return 2

    definition = TuningJobDefinition.from_api(request)
    ctx = RuleContext(
        max_training_jobs_quota=args.max_training_jobs_quota,
        max_parallel_jobs_quota=args.max_parallel_jobs_quota,
    )
    findings = structure_findings(definition) or check_definition(
        definition,
        ctx,
        job_name=request.get("HyperParameterTuningJobName"),
        tags={t.get("Key", ""): t.get("Value", "") for t in request.get("Tags", [])},
    )
    for finding in findings:
        print(f"{finding.severity.value}: {finding.format()}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    print(f"{errors} error(s), {len(findings) - errors} warning(s) in {path}")
    return 1 if errors else 0


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
    check.add_argument("request", help="path to the request JSON file")
    defaults = RuleContext()
    check.add_argument(
        "--max-training-jobs-quota",
        type=int,
        default=defaults.max_training_jobs_quota,
        help="training jobs per tuning job allowed in the account (default %(default)s)",
    )
    check.add_argument(
        "--max-parallel-jobs-quota",
        type=int,
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
