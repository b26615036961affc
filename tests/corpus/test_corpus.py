"""Every definition of the corpus fails ``cdk synth`` with the expected rule id and field.

A case passes when synthesizing a fresh stack raises only the library's validation error
(``Validation failed with the following errors``, no traceback from inside the library)
and one of its lines starts with ``[<construct path>] [<rule id>] `<field>`:``. The
coverage test derives the rule ids from ``RULES``, so a new rule without a case fails it.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections import Counter

import aws_cdk as cdk
import pytest

from constructs_pkg.core import servicemodel
from constructs_pkg.core.findings import Severity
from constructs_pkg.core.rules import CONSTRUCT_RULES, RULES, check_job
from tests.cdk.support import new_stack, warnings_of
from tests.corpus.cases import CASES, DEPLOY_CASES, WARNING_CASES, Case, DeployCase

VALIDATION_FAILED = "Validation failed with the following errors"
ERROR_LINE = re.compile(r"\[[^\]]+\] \[[A-Z0-9-]+\] `[^`]*`: \S")
FIELD_LIMIT_IDS = sorted(set(re.findall(r"``(F-[A-Z]+)``", servicemodel.__doc__ or "")))
"""The field-level rule ids, as the service-model module documents them."""
MIN_CASES = 120
MIN_FIELDS_PER_LIMIT_KIND = 5


def synth_error_lines(stack: cdk.Stack) -> list[str]:
    """The error lines of a failing synth; [] when synth succeeds.

    Anything but the library's validation error (an exception raised while synthesizing,
    or a RuntimeError from jsii that is not the validation report) propagates.
    """
    app = stack.node.root
    assert isinstance(app, cdk.App)
    try:
        app.synth()
    except RuntimeError as exc:
        text = str(exc)
        if VALIDATION_FAILED not in text:
            raise
        return [line.strip() for line in text.splitlines()[1:] if line.strip()]
    return []


def _param(case: Case | DeployCase) -> object:
    return pytest.param(case, id=case.case_id)


def natural(rule_id: str) -> tuple[str, int]:
    """Sort key: F-* first, then R, S, T, W, each by number (S2 before S13)."""
    head = rule_id.rstrip("0123456789")
    number = rule_id[len(head) :]
    return (head, int(number) if number else -1)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_invalid_definition_fails_synth(case: Case) -> None:
    """The case's error line names the job's path, the rule id and the field."""
    stack = new_stack()
    target = case.make(stack)

    lines = synth_error_lines(stack)

    prefix = f"[{target.node.path}] [{case.rule_id}] `{case.field}`:"
    assert lines, f"{case.case_id}: synth succeeded; expected a line starting with {prefix}"
    assert any(line.startswith(prefix) for line in lines), (
        f"{case.case_id} ({case.description}): no error line starts with {prefix!r}; got:\n"
        + "\n".join(lines)
    )
    malformed = [line for line in lines if not ERROR_LINE.match(line)]
    assert not malformed, f"error lines not in the `[path] [id] `field`: ...` form: {malformed}"


@pytest.mark.parametrize("case", [_param(c) for c in WARNING_CASES])
def test_suspicious_definition_synthesizes_with_a_warning(case: Case) -> None:
    """Warning rules never fail synth; the warning names the rule id and the field."""
    stack = new_stack()
    target = case.make(stack)

    warnings = warnings_of(stack)  # synth raises if there is any error

    prefix = f"[{case.rule_id}] `{case.field}`:"
    mine = [text for path, text in warnings if path == f"/{target.node.path}"]
    assert any(text.startswith(prefix) for text in mine), (
        f"{case.case_id}: no warning on /{target.node.path} starts with {prefix!r}; got:\n"
        + "\n".join(f"{path}: {text}" for path, text in warnings)
    )


@pytest.mark.parametrize("case", [_param(c) for c in DEPLOY_CASES])
def test_deploy_time_warm_start_error(case: DeployCase) -> None:
    """Facts only Describe gives (status, creation time, launched jobs) fail the Create."""
    findings = check_job(case.child(), case.parents)

    errors = [f.format() for f in findings if f.severity is Severity.ERROR]
    prefix = f"[{case.rule_id}] `{case.field}`:"
    assert any(line.startswith(prefix) for line in errors), (
        f"{case.case_id}: no error starts with {prefix!r}; got {errors}"
    )


# --------------------------------------------------------------------------- coverage


def _emitted_rule_ids(helper: str) -> set[str]:
    """Rule ids passed as literals to ``helper`` ("error" or "warning") in the rule modules."""
    ids: set[str] = set()
    modules = {inspect.getmodule(rule.check) for rule in RULES.values()}
    for module in modules:
        assert module is not None
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == helper
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                ids.add(node.args[0].value)
    return ids


def error_rule_ids() -> set[str]:
    """Ids in ``RULES`` that can fail a definition (they report an error somewhere)."""
    return set(RULES) & _emitted_rule_ids("error")


def warning_only_rule_ids() -> set[str]:
    return set(RULES) - error_rule_ids()


def _table(synth: Counter[str], deploy: Counter[str], ids: list[str]) -> str:
    width = max(len(i) for i in [*ids, "rule id"])
    rows = [f"{'rule id'.ljust(width)}  synth  deploy"]
    rows += [f"{i.ljust(width)}  {synth[i]:>5}  {deploy[i]:>6}" for i in ids]
    return "\n".join(rows)


def test_corpus_covers_every_error_rule_and_every_field_limit() -> None:
    """At least one case per error rule id of RULES and per field-limit kind, 120 in all."""
    every_id = set(RULES) | set(CONSTRUCT_RULES)
    warn_ids = _emitted_rule_ids("warning")
    unclassified = sorted(set(RULES) - error_rule_ids() - (warn_ids & every_id))
    assert not unclassified, f"rules that report neither an error nor a warning: {unclassified}"

    synth = Counter(c.rule_id for c in CASES)
    deploy = Counter(c.rule_id for c in DEPLOY_CASES)
    counts = synth + deploy
    ids = sorted(set(counts) | error_rule_ids(), key=natural)
    print(f"\ncorpus size by rule id:\n{_table(synth, deploy, ids)}")
    print(f"synth cases: {sum(synth.values())}, deploy-time cases: {sum(deploy.values())}")

    uncovered = sorted((error_rule_ids() | set(CONSTRUCT_RULES)) - set(counts))
    assert not uncovered, f"error rule ids without a corpus case: {uncovered}"
    missing_kinds = sorted(set(FIELD_LIMIT_IDS) - set(synth))
    assert FIELD_LIMIT_IDS and not missing_kinds, (
        f"field-limit kinds without a case: {missing_kinds}"
    )
    unknown = sorted(set(counts) - every_id - set(FIELD_LIMIT_IDS))
    assert not unknown, f"cases expect rule ids the library does not have: {unknown}"
    assert sum(synth.values()) >= MIN_CASES


def test_field_limit_cases_cover_many_fields() -> None:
    """Each field-limit kind is exercised on several different fields."""
    fields: dict[str, set[str]] = {kind: set() for kind in FIELD_LIMIT_IDS}
    for case in CASES:
        if case.rule_id in fields:
            fields[case.rule_id].add(re.sub(r"\[[^\]]*\]", "[]", case.field))
    thin = {
        kind: sorted(names)
        for kind, names in fields.items()
        if len(names) < MIN_FIELDS_PER_LIMIT_KIND
    }
    assert not thin, (
        f"field-limit kinds tried on fewer than {MIN_FIELDS_PER_LIMIT_KIND} fields: {thin}"
    )


def test_warning_only_rules_have_warning_cases() -> None:
    """Every rule that only warns has a case in the separate warning list."""
    covered = {c.rule_id for c in WARNING_CASES}
    uncovered = sorted(warning_only_rule_ids() - covered)
    assert not uncovered, f"warning-only rule ids without a warning case: {uncovered}"
    print(
        f"\nwarning cases by rule id: {dict(sorted(Counter(c.rule_id for c in WARNING_CASES).items()))}"
    )


def test_case_ids_are_unique() -> None:
    ids = [c.case_id for c in [*CASES, *WARNING_CASES, *DEPLOY_CASES]]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
