"""``constructs-pkg plan``: what a change does to the tuning jobs, read from two assemblies.

The templates are synthesized in-process from small apps built with the library; the CLI
tests write real ``cdk.out`` directories with ``cdk.App(outdir=...)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from constructs_pkg import (
    CategoricalRange,
    ContinuousRange,
    IntegerRange,
    Strategy,
    TuningJob,
    WarmStart,
)
from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE
from constructs_pkg.cli import main
from constructs_pkg.plan import (
    NOTHING,
    AssemblyError,
    decode_spec,
    plan_markdown,
    read_assembly,
)
from tests.cdk.support import ENV, job, training

Build = Callable[[cdk.Stack], object]
Templates = dict[str, dict[str, Any]]


def synth(*stacks: tuple[str, Build], outdir: Path | None = None) -> Templates:
    """Templates by stack name of an app with one stack per (name, build) pair."""
    app = cdk.App(outdir=str(outdir)) if outdir is not None else cdk.App()
    for name, build in stacks:
        build(cdk.Stack(app, name, env=ENV))
    assembly = app.synth()
    return {stack.stack_name: stack.template for stack in assembly.stacks}


def jobs(build: Build, *, outdir: Path | None = None) -> Templates:
    return synth(("Jobs", build), outdir=outdir)


def one_job(**changes: Any) -> Build:
    return lambda stack: job(stack, "Job", **changes)


def family(stack: cdk.Stack) -> None:
    """A parent, and a transfer-learning child of it and of a job outside the app."""
    parent = job(stack, "Parent")
    earlier = TuningJob.from_tuning_job_name(stack, "Earlier", "earlier-job")
    parent.derive(
        stack,
        "Child",
        warm_start=WarmStart.transfer_learning(parent, earlier),
        max_jobs=20,
        training=training(instance_count=2, max_runtime_seconds=5400),
    )


def test_resource_type_matches_the_construct() -> None:
    """plan.py avoids importing aws_cdk, so it keeps its own copy of the type."""
    from constructs_pkg import plan

    assert plan.RESOURCE_TYPE == RESOURCE_TYPE


# --------------------------------------------------------------------------- launch


def test_new_parent_and_child_launch_with_their_relation_and_budgets() -> None:
    """Both jobs launch; the child names its parents, its warm-start type and every budget."""
    markdown = plan_markdown({}, jobs(family))

    assert markdown == (
        "# Tuning-job plan\n"
        "\n"
        "2 to launch.\n"
        "\n"
        "## `Jobs/Child`: launch\n"
        "\n"
        "A new tuning job launches.\n"
        "\n"
        "**Waits:** its warm-start parent `Jobs/Parent` launches in the same deployment, so "
        "this job is recorded as waiting and launched by the stack's launcher once the parent "
        "has finished.\n"
        "\n"
        "- Warm start: `TransferLearning` from:\n"
        "  - `Jobs/Parent` (in this app): worst case 240 instance-hours\n"
        "  - `earlier-job` (outside the app): worst case unknown\n"
        "- Worst case: 20 training jobs \u00d7 2 instances of `ml.p3.2xlarge` \u00d7 5400 s / 3600 = "
        "**60 instance-hours**\n"
        "\n"
        "## `Jobs/Parent`: launch\n"
        "\n"
        "A new tuning job launches.\n"
        "\n"
        "- Warm start: none\n"
        "- Worst case: 10 training jobs \u00d7 1 instance of `ml.p3.2xlarge` \u00d7 86400 s / 3600 = "
        "**240 instance-hours**\n"
    )


def test_child_added_under_an_existing_parent_launches_alone() -> None:
    """The unchanged parent prints nothing; the new child shows the parent's budget."""
    base = jobs(lambda stack: job(stack, "Parent"))
    change = jobs(lambda stack: job(stack, "Parent").derive(stack, "Child", max_jobs=3))

    assert plan_markdown(base, change) == (
        "# Tuning-job plan\n"
        "\n"
        "1 to launch.\n"
        "\n"
        "## `Jobs/Child`: launch\n"
        "\n"
        "A new tuning job launches.\n"
        "\n"
        "- Warm start: `IdenticalDataAndAlgorithm` from:\n"
        "  - `Jobs/Parent` (in this app): worst case 240 instance-hours\n"
        "- Worst case: 3 training jobs \u00d7 1 instance of `ml.p3.2xlarge` \u00d7 86400 s / 3600 = "
        "**72 instance-hours**\n"
    )


def test_fixed_name_is_shown_at_launch() -> None:
    markdown = plan_markdown({}, jobs(one_job(job_name="fixed-job")))

    assert "- Job name: `fixed-job` (fixed)\n" in markdown


def test_fractional_hours_and_grid_combinations() -> None:
    """Hours are exact when whole and rounded to two places otherwise; Grid counts combinations."""
    fractional = plan_markdown({}, jobs(one_job(training=training(max_runtime_seconds=1000))))
    assert (
        "10 training jobs \u00d7 1 instance of `ml.p3.2xlarge` \u00d7 1000 s / 3600 = "
        in fractional
    )
    assert "**2.78 instance-hours**" in fractional

    grid = plan_markdown(
        {},
        jobs(
            one_job(
                strategy=Strategy.GRID,
                max_jobs=None,
                ranges={
                    "optimizer": CategoricalRange(["sgd", "adam", "rmsprop"]),
                    "batch": CategoricalRange(["64", "128"]),
                },
            )
        ),
    )
    assert (
        "- Worst case: 6 training jobs (every Grid combination) \u00d7 1 instance of "
        "`ml.p3.2xlarge` \u00d7 86400 s / 3600 = **144 instance-hours**\n"
    ) in grid


# --------------------------------------------------------------------------- replace


def test_changed_max_jobs_and_range_replace_the_job_with_a_field_diff() -> None:
    base = jobs(one_job())
    change = jobs(
        one_job(
            max_jobs=20,
            ranges={
                "learning_rate": ContinuousRange(0.0, 0.1),
                "momentum": ContinuousRange(0.5, 0.99),
            },
        )
    )

    assert plan_markdown(base, change) == (
        "# Tuning-job plan\n"
        "\n"
        "1 to replace.\n"
        "\n"
        "## `Jobs/Job`: replace\n"
        "\n"
        "A new tuning job launches to replace the current one; the current job is stopped if "
        "it is still running.\n"
        "\n"
        "- Why: the definition changed.\n"
        "- Changes:\n"
        "  - range `momentum`: MinValue `0.0` → `0.5`\n"
        "  - `ResourceLimits.MaxNumberOfTrainingJobs`: `10` → `20`\n"
        "- Warm start: none\n"
        "- Worst case: 20 training jobs \u00d7 1 instance of `ml.p3.2xlarge` \u00d7 86400 s / 3600 = "
        "**480 instance-hours** (the current job: 240 instance-hours)\n"
    )


def test_ranges_and_static_hyperparameters_are_diffed_by_name() -> None:
    base = jobs(one_job())
    change = jobs(
        one_job(
            ranges={
                "learning_rate": IntegerRange(1, 5),
                "wd": ContinuousRange(0.0, 0.01),
            },
            training=training(
                static_hyperparameters={"num_layers": 34, "num_classes": 257, "top_k": 2},
                instance_type="ml.g5.xlarge",
            ),
        )
    )

    changes = [
        line[4:] for line in plan_markdown(base, change).splitlines() if line.startswith("  - ")
    ]
    assert changes == [
        "range `learning_rate`: `Continuous [0.0, 0.1] Auto` → `Integer [1, 5] Auto`",
        "range `momentum` removed (was `Continuous [0.0, 0.99] Auto`)",
        "range `wd` added: `Continuous [0.0, 0.01] Auto`",
        "`ResourceConfig.InstanceType`: `ml.p3.2xlarge` → `ml.g5.xlarge`",
        "static hyperparameter `epochs` removed (was `30`)",
        "static hyperparameter `num_layers`: `18` → `34`",
        "static hyperparameter `top_k` added: `2`",
    ]


def test_tag_change_with_a_definition_change_is_listed_with_the_replacement() -> None:
    base = jobs(one_job(tags={"team": "vision"}))
    change = jobs(one_job(tags={"team": "nlp"}, max_jobs=12))

    markdown = plan_markdown(base, change)
    assert "## `Jobs/Job`: replace\n" in markdown
    assert "  - tag `team`: `vision` → `nlp`\n" in markdown


def test_token_parts_of_the_spec_are_compared_as_refs_and_attributes() -> None:
    """A role ARN token decodes as <attr:Id.Arn>; changing only max_jobs diffs only that."""

    def with_role(role_id: str, max_jobs: int) -> Build:
        def build(stack: cdk.Stack) -> None:
            role = iam.Role(
                stack, role_id, assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com")
            )
            job(stack, "Job", training=training(role=role.role_arn), max_jobs=max_jobs)

        return build

    base = jobs(with_role("RoleA", 10))
    spec = next(
        r["Properties"]["Spec"]
        for r in base["Jobs"]["Resources"].values()
        if r["Type"] == RESOURCE_TYPE
    )
    assert "Fn::Join" in spec
    request, error = decode_spec(spec)
    assert error is None and request is not None
    role_arn = request["TrainingJobDefinition"]["RoleArn"]
    assert role_arn.startswith("<attr:RoleA") and role_arn.endswith(".Arn>")

    same_role = plan_markdown(base, jobs(with_role("RoleA", 11)))
    assert [line for line in same_role.splitlines() if line.startswith("  - ")] == [
        "  - `ResourceLimits.MaxNumberOfTrainingJobs`: `10` → `11`"
    ]

    new_role = plan_markdown(base, jobs(with_role("RoleB", 10)))
    (line,) = [line for line in new_role.splitlines() if line.startswith("  - ")]
    assert line.startswith("  - `RoleArn`: `<attr:RoleA")
    assert "` → `<attr:RoleB" in line


def test_replaced_parent_replaces_its_child_and_the_child_waits() -> None:
    """The parent's new name reaches the child's spec at deploy, so the child is replaced too,
    and waits for the new parent to finish."""
    base = jobs(lambda stack: job(stack, "Parent").derive(stack, "Child", max_jobs=10))
    change = jobs(
        lambda stack: job(stack, "Parent", max_jobs=12).derive(stack, "Child", max_jobs=10)
    )

    markdown = plan_markdown(base, change)
    child = markdown.split("## `Jobs/Child`: replace\n", 1)[1].split("## ", 1)[0]
    assert "1 to replace" not in markdown and "2 to replace." in markdown
    assert (
        "- Why: its warm-start parent `Jobs/Parent` is replaced, and the parent's new name "
        "reaches this job's definition at deploy.\n"
    ) in child
    assert "- Changes:" not in child
    assert "**Waits:** its warm-start parent `Jobs/Parent` launches in the same deployment" in (
        child
    )
    assert "- Worst case: 12 training jobs" in markdown.split("## `Jobs/Parent`", 1)[1]


def test_a_child_that_does_not_wait_fails_the_deployment() -> None:
    """With wait_for_parents=False, a parent launching in the same deployment fails it."""
    markdown = plan_markdown(
        {},
        jobs(lambda stack: job(stack, "Parent").derive(stack, "Child", wait_for_parents=False)),
    )

    assert (
        "**The deployment fails:** its warm-start parent `Jobs/Parent` launches in the same "
        "deployment and is still running when this job is created, while a parent must have "
        "finished (Completed, Stopped or Failed), and this job sets wait_for_parents=False; "
        "deploy the parent first, and this job once the parent has finished.\n"
    ) in markdown


def test_fixed_name_with_a_changed_definition_fails_the_deployment() -> None:
    base = jobs(one_job(job_name="fixed-job"))
    change = jobs(one_job(job_name="fixed-job", max_jobs=11))

    markdown = plan_markdown(base, change)
    assert "## `Jobs/Job`: replace\n" in markdown
    assert (
        "**The deployment fails:** the job name `fixed-job` is fixed, and a replacement needs "
        "a new job under a new name (SageMaker never reuses a name); set a new `job_name`, or "
        "remove it so that names are generated.\n"
    ) in markdown


def test_new_fixed_name_launches_a_new_job_even_with_the_same_definition() -> None:
    base = jobs(one_job(job_name="first-name"))
    change = jobs(one_job(job_name="second-name"))

    markdown = plan_markdown(base, change)
    assert "- Why: the fixed job name changed.\n" in markdown
    assert "The deployment fails" not in markdown


def test_replaced_retained_job_is_left_running() -> None:
    base = jobs(one_job(removal_policy=cdk.RemovalPolicy.RETAIN))
    change = jobs(one_job(removal_policy=cdk.RemovalPolicy.RETAIN, max_jobs=11))

    assert (
        "A new tuning job launches to replace the current one; the current job is left running.\n"
    ) in plan_markdown(base, change)


# --------------------------------------------------------------------------- tags, removal


def test_tag_only_change_updates_tags_in_place() -> None:
    base = jobs(one_job(tags={"team": "vision", "cost-center": "42"}))
    change = jobs(one_job(tags={"team": "nlp", "owner": "ml-platform"}))

    assert plan_markdown(base, change) == (
        "# Tuning-job plan\n"
        "\n"
        "1 with tags updated.\n"
        "\n"
        "## `Jobs/Job`: update tags\n"
        "\n"
        "The tags are updated in place; no new job launches.\n"
        "\n"
        "- tag `cost-center` removed (was `42`)\n"
        "- tag `owner` added: `ml-platform`\n"
        "- tag `team`: `vision` → `nlp`\n"
    )


@pytest.mark.parametrize(
    ("policy", "heading", "text"),
    [
        (
            cdk.RemovalPolicy.DESTROY,
            "## `Jobs/Job`: stop",
            "The resource is removed; its tuning job is stopped if it is still running "
            "(removal policy DESTROY). Its lineage is kept.",
        ),
        (
            cdk.RemovalPolicy.RETAIN,
            "## `Jobs/Job`: remove, job keeps running",
            "The resource is removed; its tuning job is left running (removal policy RETAIN). "
            "Its lineage is kept.",
        ),
    ],
)
def test_removed_job_is_stopped_or_left_running(
    policy: cdk.RemovalPolicy, heading: str, text: str
) -> None:
    base = jobs(lambda stack: (job(stack, "Keep"), job(stack, "Job", removal_policy=policy)))
    change = jobs(lambda stack: job(stack, "Keep"))

    summary = (
        "1 to stop." if policy is cdk.RemovalPolicy.DESTROY else "1 removed but left running."
    )
    assert plan_markdown(base, change) == (
        f"# Tuning-job plan\n\n{summary}\n\n{heading}\n\n{text}\n"
    )


def test_stack_on_one_side_only_is_all_removed() -> None:
    base = synth(("A", one_job()), ("B", one_job()))
    change = synth(("A", one_job()))

    markdown = plan_markdown(base, change)
    assert markdown.startswith("# Tuning-job plan\n\n1 to stop.\n\n## `B/Job`: stop\n")


def test_unchanged_app_prints_the_nothing_line() -> None:
    base = jobs(family)
    change = jobs(family)

    assert plan_markdown(base, change) == NOTHING + "\n"
    assert NOTHING == "No tuning job launches, changes or stops."


def test_sections_are_sorted_by_stack_then_construct_path() -> None:
    change = synth(("B", one_job()), ("A", lambda stack: (job(stack, "Z"), job(stack, "M"))))

    headings = [line for line in plan_markdown({}, change).splitlines() if line.startswith("## ")]
    assert headings == ["## `A/M`: launch", "## `A/Z`: launch", "## `B/Job`: launch"]


# --------------------------------------------------------------------------- spec decoding


def test_spec_tokens_outside_strings_still_decode() -> None:
    """A token standing for a number is quoted, one inside a string is embedded as text."""
    spec = {
        "Fn::Join": [
            "",
            [
                '{"schemaVersion":1,"request":{"A":"x\\"',
                {"Ref": "Name"},
                '","B":',
                {"Fn::GetAtt": ["Count", "Value"]},
                ',"C":"',
                {"Fn::ImportValue": "Shared"},
                '"}}',
            ],
        ]
    }

    assert decode_spec(spec) == (
        {"A": 'x"<ref:Name>', "B": "<attr:Count.Value>", "C": "<import:Shared>"},
        None,
    )


def test_unreadable_spec_is_reported_not_raised() -> None:
    request, error = decode_spec({"Fn::Join": ["", ['{"schemaVersion":2,"request":{}}']]})
    assert request is None
    assert error == "the Spec has schemaVersion 2, not 1"

    template = {
        "Resources": {
            "Job": {
                "Type": RESOURCE_TYPE,
                "Properties": {"Spec": "{", "DefinitionHash": "a", "ConstructPath": "S/Job"},
            }
        }
    }
    markdown = plan_markdown({}, {"S": template})
    assert "## `S/Job`: launch\n" in markdown
    assert "- Worst case: unknown (the Spec is not valid JSON (" in markdown


# --------------------------------------------------------------------------- CLI


def test_cli_reads_two_cloud_assemblies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base_dir, change_dir = tmp_path / "base.out", tmp_path / "change.out"
    jobs(lambda stack: job(stack, "Parent"), outdir=base_dir)
    jobs(lambda stack: job(stack, "Parent", max_jobs=20), outdir=change_dir)
    assert (change_dir / "manifest.json").is_file()

    assert main(["plan", str(base_dir), str(change_dir)]) == 0

    out = capsys.readouterr().out
    assert out == plan_markdown(read_assembly(base_dir), read_assembly(change_dir))
    assert out.startswith("# Tuning-job plan\n\n1 to replace.\n\n## `Jobs/Parent`: replace\n")
    assert "  - `ResourceLimits.MaxNumberOfTrainingJobs`: `10` → `20`\n" in out


def test_cli_prints_the_nothing_line_for_the_same_assembly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    jobs(family, outdir=tmp_path / "cdk.out")

    assert main(["plan", str(tmp_path / "cdk.out"), str(tmp_path / "cdk.out")]) == 0
    assert capsys.readouterr().out == NOTHING + "\n"


def test_cli_exits_2_with_one_line_for_an_unreadable_assembly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good"
    jobs(one_job(), outdir=good)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    missing_template = tmp_path / "missing-template"
    missing_template.mkdir()
    (missing_template / "manifest.json").write_text(
        json.dumps(
            {
                "artifacts": {
                    "S": {
                        "type": "aws:cloudformation:stack",
                        "properties": {"templateFile": "S.template.json"},
                    }
                }
            }
        )
    )

    for base, change in [
        (tmp_path / "absent", good),
        (good, broken),
        (missing_template, good),
    ]:
        assert main(["plan", str(base), str(change)]) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        assert len(captured.err.splitlines()) == 1
        assert captured.err.startswith("constructs-pkg: cannot read cloud assembly: ")

    with pytest.raises(AssemblyError, match="no such file"):
        read_assembly(tmp_path / "absent")


def test_read_assembly_includes_stacks_of_nested_assemblies(tmp_path: Path) -> None:
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    stage = cdk.Stage(app, "Prod", env=ENV)
    job(cdk.Stack(stage, "Jobs", env=ENV), "Job")
    app.synth()

    templates = read_assembly(tmp_path / "cdk.out")
    assert list(templates) == ["Prod-Jobs"]
    assert "## `Prod/Jobs/Job`: launch\n" in plan_markdown({}, templates)


def test_parent_in_another_stack_is_resolved_through_its_export() -> None:
    """A child in another stack imports its parent's name; the plan still knows the parent."""

    def build_app(parent_jobs: int) -> Templates:
        app = cdk.App()
        parent = job(cdk.Stack(app, "Parents", env=ENV), "Parent", max_jobs=parent_jobs)
        parent.derive(cdk.Stack(app, "Children", env=ENV), "Child", max_jobs=10)
        return {s.stack_name: s.template for s in app.synth().stacks}

    base, change = build_app(10), build_app(12)
    child = next(r for r in change["Children"]["Resources"].values() if r["Type"] == RESOURCE_TYPE)
    assert "Fn::ImportValue" in child["Properties"]["Parents"][0]

    launch = plan_markdown({}, change)
    assert "  - `Parents/Parent` (in this app): worst case 288 instance-hours\n" in launch

    markdown = plan_markdown(base, change)
    assert "## `Children/Child`" not in markdown
    assert (
        "**The deployment fails:** its name is exported to another stack, for the warm-start "
        "child `Children/Child`, and CloudFormation does not update an export that another "
        "stack imports.\n"
    ) in markdown
