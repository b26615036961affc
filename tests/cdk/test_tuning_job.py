"""The TuningJob construct: what it synthesizes, and how it reports bad definitions."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from constructs import Construct

from constructs_pkg import (
    CategoricalRange,
    ContinuousRange,
    IntegerRange,
    LineageTable,
    ScalingType,
    Strategy,
    TuningJob,
    WarmStart,
    WarmStartType,
)
from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE
from constructs_pkg.core.model import canonical_json, definition_from_spec, definition_spec
from tests.cdk.support import ENV, ROLE_ARN, job, new_stack, synth_errors, training, warnings_of
from tests.cfn import (
    custom_resources,
    evaluate,
    physical_ids,
    policy_statements,
    resource_properties,
    stand_in_arns,
)


def test_job_renders_one_custom_resource_with_the_canonical_spec() -> None:
    """The Spec property decodes to the definition the construct was given."""
    stack = new_stack()
    parent = job(stack, "Parent")

    template = Template.from_stack(stack).to_json()
    resources = custom_resources(template, RESOURCE_TYPE)

    assert list(resources) == [stack.get_logical_id(parent.resource.node.default_child)]
    props = resource_properties(next(iter(resources.values())), physical_ids(template))
    assert props["JobName"] == ""
    assert props["NamePrefix"] == "parent"
    assert props["Parents"] == []
    assert props["WarmStartType"] == ""
    assert props["RemovalBehaviour"] == "stop"
    assert json.loads(props["Tags"]) == {}
    spec = json.loads(props["Spec"])
    assert spec["schemaVersion"] == 1
    assert "HyperParameterTuningJobName" not in spec["request"]
    decoded = definition_from_spec(spec)
    assert decoded.to_request("n") == parent.definition.to_request("n")


def test_child_depends_on_its_parent_and_names_it_by_reference() -> None:
    """A warm-start child refers to its parent's name, so it is created after it."""
    stack = new_stack()
    parent = job(stack, "Parent")
    parent.derive(stack, "Child", max_jobs=20)

    template = Template.from_stack(stack)
    parent_id = stack.get_logical_id(parent.resource.node.default_child)
    template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "Parents": [{"Ref": parent_id}],
            "WarmStartType": "IdenticalDataAndAlgorithm",
            "NamePrefix": "child",
            "Spec": {"Fn::Join": ["", Match.array_with([{"Ref": parent_id}])]},
        },
    )


def test_derive_overrides_ranges_and_keeps_the_rest() -> None:
    """derive() changes only what it is told to, and never inherits a fixed job name."""
    stack = new_stack()
    parent = job(stack, "Parent", job_name="fixed-parent", tags={"team": "vision"})
    child = parent.derive(
        stack,
        "Child",
        ranges={
            "learning_rate": ContinuousRange(0.001, 0.05),
            "momentum": ContinuousRange(0.5, 0.9),
        },
        max_jobs=30,
    )

    assert child.definition.ranges["learning_rate"] == ContinuousRange(0.001, 0.05)
    assert child.definition.max_jobs == 30
    assert child.definition.training == parent.definition.training
    assert child.tags.tag_values() == {"team": "vision"}
    assert child.definition.warm_start is not None
    assert child.definition.warm_start.type.value == "IdenticalDataAndAlgorithm"
    assert child.parents == (parent,)
    assert synth_errors(stack) == []
    props = Template.from_stack(stack).find_resources(RESOURCE_TYPE)
    names = sorted(r["Properties"]["JobName"] for r in props.values())
    assert names == ["", "fixed-parent"]


def test_imported_parent_is_named_in_the_spec_and_policy() -> None:
    """A parent outside the app is a literal name; the handler may describe it."""
    stack = new_stack()
    parent = job(stack, "Parent")
    earlier = TuningJob.from_tuning_job_name(stack, "Earlier", "caltech-baseline-2025")
    parent.derive(
        stack,
        "Transfer",
        warm_start=WarmStart.transfer_learning(parent, earlier),
        training=training(inputs=()),
    )

    template = Template.from_stack(stack)
    parent_id = stack.get_logical_id(parent.resource.node.default_child)
    template.has_resource_properties(
        RESOURCE_TYPE,
        {
            "Parents": [{"Ref": parent_id}, "caltech-baseline-2025"],
            "WarmStartType": "TransferLearning",
        },
    )
    arn = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/"
    statements = policy_statements(template.to_json())
    assert {
        "Action": "sagemaker:DescribeHyperParameterTuningJob",
        "Effect": "Allow",
        "Resource": f"{arn}caltech-baseline-2025",
    } in statements
    manage = next(
        s for s in statements if "sagemaker:CreateHyperParameterTuningJob" in s["Action"]
    )
    assert sorted(manage["Resource"]) == [f"{arn}parent-*", f"{arn}transfer-*"]
    assert "sagemaker:DescribeHyperParameterTuningJob" in manage["Action"]


def test_pass_role_is_limited_to_the_training_role_and_sagemaker() -> None:
    """iam:PassRole names only the training role, and only for sagemaker.amazonaws.com."""
    stack = new_stack()
    job(stack)

    assert {
        "Action": "iam:PassRole",
        "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        "Effect": "Allow",
        "Resource": ROLE_ARN,
    } in policy_statements(Template.from_stack(stack).to_json())


def test_one_provider_and_one_default_lineage_table_per_stack() -> None:
    """Jobs share the stack's provider function and, unless told otherwise, its table."""
    stack = new_stack()
    parent = job(stack, "A")
    parent.derive(stack, "B")
    job(stack, "C")

    template = Template.from_stack(stack)
    template.resource_count_is(RESOURCE_TYPE, 3)
    template.resource_count_is("AWS::DynamoDB::GlobalTable", 1)
    handlers = template.find_resources(
        "AWS::Lambda::Function",
        {"Properties": {"Handler": "constructs_pkg.runtime.handler.on_event"}},
    )
    assert len(handlers) == 1


def test_lineage_table_keeps_its_data_and_has_recovery_on() -> None:
    """The table is retained on stack deletion, with point-in-time recovery."""
    stack = new_stack()
    job(stack)

    template = Template.from_stack(stack)
    template.has_resource(
        "AWS::DynamoDB::GlobalTable",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "Replicas": [
                        Match.object_like(
                            {
                                "PointInTimeRecoverySpecification": {
                                    "PointInTimeRecoveryEnabled": True
                                }
                            }
                        )
                    ],
                }
            ),
        },
    )


def test_retain_removal_policy_leaves_the_job_running() -> None:
    """RemovalPolicy.RETAIN maps onto the handler's retain behaviour."""
    stack = new_stack()
    job(stack, removal_policy=cdk.RemovalPolicy.RETAIN)

    Template.from_stack(stack).has_resource_properties(
        RESOURCE_TYPE, {"RemovalBehaviour": "retain"}
    )


def test_snapshot_removal_policy_is_an_error() -> None:
    """A removal policy the handler cannot honour fails synth."""
    stack = new_stack()
    job(stack, removal_policy=cdk.RemovalPolicy.SNAPSHOT)

    assert synth_errors(stack) == [
        "[Jobs/Job] [T9] `removal_policy`: must be RemovalPolicy.DESTROY or "
        "RemovalPolicy.RETAIN; got RemovalPolicy.SNAPSHOT"
    ]


def test_every_problem_of_every_job_is_reported_at_once() -> None:
    """Synth lists all errors of all jobs, each with the path, rule id and field."""
    stack = new_stack()
    job(stack, "First", max_jobs=0, job_name="first_job")
    job(
        stack,
        "Second",
        ranges={
            "lr": ContinuousRange(0, 0.1, ScalingType.LOGARITHMIC),
            "layers": IntegerRange(4, 2),
        },
        max_parallel_jobs=0,
    )

    errors = synth_errors(stack)

    assert "[Jobs/First] [F-RANGE] `max_jobs`: must be at least 1; got 0" in errors
    assert (
        "[Jobs/First] [F-PATTERN] `job_name`: must match `[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}`; "
        "got 'first_job'" in errors
    )
    assert "[Jobs/Second] [F-RANGE] `max_parallel_jobs`: must be at least 1; got 0" in errors
    assert any(e.startswith("[Jobs/Second] [R7] `ranges['lr'].min`") for e in errors)
    assert any(e.startswith("[Jobs/Second] [R5] `ranges['layers']") for e in errors)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"ranges": [ContinuousRange(0, 1)]},
            "[Jobs/Job] [F-TYPE] `ranges`: must be a mapping of hyperparameter name to range; "
            "got a list",
        ),
        (
            {"ranges": {"lr": (0, 1)}},
            "[Jobs/Job] [F-TYPE] `ranges['lr']`: must be a ContinuousRange, IntegerRange or "
            "CategoricalRange; got a tuple",
        ),
        (
            {"training": "ml.m5.xlarge"},
            "[Jobs/Job] [F-TYPE] `training`: must be a TrainingDefinition; got a str",
        ),
        (
            {"training": training(static_hyperparameters={"layers": [1, 2]})},
            "[Jobs/Job] [F-TYPE] `training.static_hyperparameters['layers']`: must be a str or "
            "int or float or bool; got a list",
        ),
        (
            {"warm_start": "parent-job"},
            "[Jobs/Job] [F-TYPE] `warm_start`: must be built with "
            "WarmStart.identical_data_and_algorithm(...) or WarmStart.transfer_learning(...); "
            "got a str",
        ),
        (
            {"warm_start": WarmStart.transfer_learning("parent-job")},  # type: ignore[arg-type]
            "[Jobs/Job] [F-TYPE] `warm_start.parents[0]`: must be a TuningJob, or a job outside "
            "the app imported with TuningJob.from_tuning_job_name(scope, id, name); "
            "got 'parent-job'",
        ),
    ],
)
def test_wrong_types_are_synth_errors_not_tracebacks(
    changes: dict[str, object], expected: str
) -> None:
    """A value of the wrong type becomes an error naming the field, never a traceback."""
    stack = new_stack()
    job(stack, **changes)

    assert expected in synth_errors(stack)


def test_imported_job_with_an_invalid_name_fails_synth() -> None:
    """B09: underscores and more than 32 characters are caught before deploy."""
    stack = new_stack()
    TuningJob.from_tuning_job_name(stack, "Old", "churn_model_warmstart_transfer_v2")

    assert synth_errors(stack) == [
        "[Jobs/Old] [W3] `job_name`: a tuning-job name has 1 to 32 letters, digits and "
        "hyphens, and no hyphen at either end; got 'churn_model_warmstart_transfer_v2'"
    ]


def test_tokens_are_not_checked_and_a_warning_says_so() -> None:
    """A role and an output path known only at deploy give one UNRESOLVED warning."""
    stack = new_stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    bucket = cdk.aws_s3.Bucket(stack, "Bucket")
    job(stack, training=training(role=role.role_arn, output_path=bucket.s3_url_for_object("o")))

    assert synth_errors(stack) == []
    assert (
        "/Jobs/Job",
        "[UNRESOLVED] `training.role, training.output_path`: not known until deploy, so its "
        "checks run in the custom resource before the job is created",
    ) in warnings_of(stack)


def test_a_valid_job_synthesizes_without_warnings() -> None:
    """The happy path is quiet: no finding at all for a plain, valid job."""
    stack = new_stack()
    j = job(stack)

    assert synth_errors(stack) == []
    assert j.findings == ()
    assert warnings_of(stack) == []


def test_categorical_child_of_a_grid_parent_renders() -> None:
    """Grid with categorical ranges only synthesizes cleanly."""
    stack = new_stack()
    job(
        stack,
        strategy=Strategy.GRID,
        ranges={
            "optimizer": CategoricalRange(["sgd", "adam"]),
            "layers": CategoricalRange([18, 34]),
        },
        max_jobs=4,
    )

    assert synth_errors(stack) == []


def test_too_many_and_duplicate_parents_are_reported_once_each() -> None:
    """B03: six parents, one of them twice, give one W1 and one W3, not model duplicates."""
    stack = new_stack()
    parent = job(stack, "Parent")
    others = [TuningJob.from_tuning_job_name(stack, f"Old{i}", f"old-job-{i}") for i in range(4)]
    parent.derive(stack, "Child", additional_parents=[*others, others[0]])

    assert synth_errors(stack) == [
        "[Jobs/Child] [W1] `warm_start.parents`: A warm-start job takes 1 to 5 parents; got 6. "
        "Keep the 5 most relevant ones.",
        "[Jobs/Child] [W3] `warm_start.parents[5]`: Parent 'old-job-0' is listed twice: "
        "`warm_start.parents[1]` names the same job (SageMaker compares job names "
        "case-insensitively). Remove one of them.",
    ]


def test_the_same_parent_twice_is_an_error() -> None:
    """W3: a parent construct listed twice is caught, not only a name listed twice."""
    stack = new_stack()
    parent = job(stack, "Parent")
    parent.derive(stack, "Child", additional_parents=[parent])

    assert synth_errors(stack) == [
        "[Jobs/Child] [W3] `warm_start.parents[1]`: Jobs/Parent is listed twice: "
        "`warm_start.parents[0]` names the same job. Remove one of them."
    ]


def test_a_parent_in_another_region_is_an_error() -> None:
    """W3: SageMaker looks parents up in the child's own account and Region only."""
    app = cdk.App()
    east = cdk.Stack(app, "East", env=cdk.Environment(account="123456789012", region="us-east-1"))
    west = cdk.Stack(app, "West", env=cdk.Environment(account="123456789012", region="eu-west-1"))
    parent = job(east, "Parent")
    parent.derive(west, "Child")

    assert synth_errors(west) == [
        "[West/Child] [W3] `warm_start.parents[0]`: East/Parent is in Region 'us-east-1', not "
        "'eu-west-1': SageMaker finds warm-start parents by name in the child's own account "
        "and Region only. Give both stacks the same env."
    ]


def test_a_parent_in_a_stack_without_an_environment_is_an_error() -> None:
    """W3: a stack that leaves its environment to deploy time and one that names it may not
    meet; the finding comes before CDK's own cross-stack reference error."""
    app = cdk.App()
    agnostic = cdk.Stack(app, "Anywhere")
    pinned = cdk.Stack(app, "Pinned", env=ENV)
    parent = job(agnostic, "Parent")
    parent.derive(pinned, "Child")

    errors = synth_errors(pinned)
    assert errors == [
        "[Pinned/Child] [W3] `warm_start.parents[0]`: Anywhere/Parent is in a stack whose "
        "account is not set (this job's is '123456789012') and a stack whose Region is not "
        "set (this job's is 'us-east-1'): SageMaker finds warm-start parents by name in the "
        "child's own account and Region only. Give both stacks the same env."
    ]


def test_fixed_names_are_unique_in_the_app() -> None:
    """N1: two jobs with the same fixed name (case aside) would collide at deploy."""
    stack = new_stack()
    job(stack, "First", job_name="churn-tuning")
    job(stack, "Second", job_name="Churn-Tuning")
    earlier = TuningJob.from_tuning_job_name(stack, "Earlier", "churn-base")
    job(stack, "Third", job_name="churn-base", warm_start=WarmStart.transfer_learning(earlier))

    assert synth_errors(stack) == [
        "[Jobs/Second] [N1] `job_name`: 'Churn-Tuning' is already the name of Jobs/First; "
        "tuning-job names are unique per account and Region (case-insensitively), so give "
        "each job its own.",
        "[Jobs/Third] [N1] `job_name`: 'churn-base' is also the name of its warm-start parent "
        "Jobs/Earlier; a job cannot warm-start from itself.",
    ]


def test_lineage_of_the_wrong_type_is_an_error() -> None:
    """A table name where a LineageTable belongs is reported, not a traceback."""
    stack = new_stack()
    job(stack, lineage="my-table")

    assert synth_errors(stack) == [
        "[Jobs/Job] [F-TYPE] `lineage`: must be a LineageTable construct; got a str"
    ]


def test_non_finite_numbers_are_errors_not_crashes() -> None:
    """NaN and infinities fail synth with the field, and synth keeps working after."""
    stack = new_stack()
    job(stack, "Job", training=training(static_hyperparameters={"alpha": float("inf")}))
    job(stack, "Range", ranges={"lr": ContinuousRange(float("nan"), 0.1)})

    errors = synth_errors(stack)

    assert (
        "[Jobs/Job] [F-TYPE] `training.static_hyperparameters['alpha']`: must be a finite "
        "number; got inf" in errors
    )
    assert any(e.startswith("[Jobs/Range] [R5] `ranges['lr'].min`") for e in errors)
    assert synth_errors(new_stack()) == []


def test_derive_takes_warm_start_or_its_parts_not_both() -> None:
    """derive(warm_start=..., warm_start_type=...) is ambiguous and refused at the call."""
    stack = new_stack()
    parent = job(stack, "Parent")

    with pytest.raises(TypeError, match="either warm_start, or warm_start_type"):
        parent.derive(
            stack,
            "Child",
            warm_start_type=WarmStartType.TRANSFER_LEARNING,
            warm_start=WarmStart.identical_data_and_algorithm(parent),
        )


def test_spec_property_has_sorted_keys() -> None:
    """The Spec JSON is canonical: keys sorted at every level."""
    stack = new_stack()
    job(stack)

    template = Template.from_stack(stack).to_json()
    props = resource_properties(
        next(iter(custom_resources(template, RESOURCE_TYPE).values())), physical_ids(template)
    )
    spec = props["Spec"]
    assert spec == json.dumps(json.loads(spec), sort_keys=True, separators=(",", ":"))


def test_stack_launcher_serves_every_lineage_table_on_state_changes_and_a_sweep() -> None:
    """One launcher per stack: SageMaker state changes and a 15-minute sweep invoke it."""
    stack = new_stack()
    own = LineageTable(stack, "Own")
    job(stack, "A")
    job(stack, "B", lineage=own, wait_for_parents=False)

    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.sagemaker"],
                "detail-type": ["SageMaker HyperParameter Tuning Job State Change"],
            }
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule", {"ScheduleExpression": "rate(15 minutes)"}
    )
    template.resource_count_is("AWS::SNS::Topic", 1)
    resources = template.to_json()["Resources"]
    launcher = next(
        r
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Function"
        and r["Properties"]["Handler"] == "constructs_pkg.runtime.events.on_event"
    )
    variables = resource_properties(
        launcher, physical_ids(template.to_json()), stand_in_arns(template.to_json())
    )
    tables = variables["Environment"]["Variables"]["LINEAGE_TABLE_NAMES"].split(",")
    table_ids = [lid for lid, r in resources.items() if r["Type"] == "AWS::DynamoDB::GlobalTable"]
    assert sorted(tables) == sorted(physical_ids(template.to_json())[lid] for lid in table_ids)
    wait = sorted(
        r["Properties"]["WaitForParents"] for r in resources.values() if r["Type"] == RESOURCE_TYPE
    )
    assert wait == ["false", "true"]


@pytest.mark.parametrize("stabilization", [False, True], ids=["legacy-aspects", "stabilized"])
def test_three_hundred_jobs_fit_iam_policy_limits(stabilization: bool) -> None:
    """Per-job ARNs are grouped so each policy fits IAM's 6,144 characters, 10 per role.

    The ARNs join the policy in an aspect; it must run before the role's own aspect that
    splits the policy, in both of CDK's ways of invoking aspects.
    """
    app = cdk.App(context={"@aws-cdk/core:aspectStabilization": stabilization})
    stack = cdk.Stack(app, "Jobs", env=ENV)
    for index in range(300):
        job(stack, f"Job{index}")

    template = Template.from_stack(stack).to_json()
    refs, arns = physical_ids(template), stand_in_arns(template)
    managed = 0
    for resource in template["Resources"].values():
        if resource["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            continue
        document = evaluate(resource["Properties"]["PolicyDocument"], refs, arns)
        assert len(json.dumps(document, separators=(",", ":"))) <= 6_144
        managed += resource["Type"] == "AWS::IAM::ManagedPolicy"
    assert managed <= 10


@pytest.mark.parametrize("construct_id", ["Job", "Odd/Id", "With Space"])
def test_construct_path_matches_the_node_path(construct_id: str) -> None:
    """The path kept on the Python side is the one the constructs library gives the node."""
    stack = new_stack()
    group = Construct(Construct(stack, "Team"), "Vision")
    for scope in (stack, group):
        made = job(scope, construct_id)
        assert made.construct_path == made.node.path
        assert made.stack is stack


def test_spec_with_parent_names_matches_cdk_json_rendering() -> None:
    """A Spec whose only tokens are parent names is the text CDK's own JSON rendering gives."""
    stack = new_stack()
    parent = job(stack, "Parent")
    other = job(stack, "Other")
    child = parent.derive(stack, "Child", additional_parents=[other])
    template = Template.from_stack(stack).to_json()
    spec = json.loads(canonical_json(definition_spec(child.definition)))
    expected = stack.resolve(stack.to_json_string(spec))
    child_id = stack.get_logical_id(child.resource.node.default_child)
    assert template["Resources"][child_id]["Properties"]["Spec"] == expected


def test_spec_with_other_tokens_uses_cdk_json_rendering() -> None:
    """Parameters inside the Spec go through CDK's JSON rendering: a number stays a number."""
    stack = new_stack()
    image = cdk.CfnParameter(stack, "Image", type="String")
    budget = cdk.CfnParameter(stack, "Budget", type="Number")
    made = job(
        stack,
        "Job",
        training=training(image_uri=image.value_as_string),
        max_jobs=budget.value_as_number,
    )
    template = Template.from_stack(stack).to_json()
    spec = json.loads(canonical_json(definition_spec(made.definition)))
    job_id = stack.get_logical_id(made.resource.node.default_child)
    rendered = template["Resources"][job_id]["Properties"]["Spec"]
    assert rendered == stack.resolve(stack.to_json_string(spec))
    assert {"Ref": "Budget"} in rendered["Fn::Join"][1]
    assert "e+289" not in json.dumps(rendered)


def test_fixed_names_are_unique_per_account_and_region_only() -> None:
    """The same fixed name in two accounts (a Beta and a Prod stage) or two Regions is fine;
    twice in one account and Region, or twice in one stack of unknown environment, is N1."""
    app = cdk.App()
    stacks = []
    for stage, account, region in (
        ("Beta", "111111111111", "us-east-1"),
        ("Prod", "222222222222", "us-east-1"),
        ("ProdEu", "222222222222", "eu-west-1"),
    ):
        env = cdk.Environment(account=account, region=region)
        stacks.append(cdk.Stack(cdk.Stage(app, stage, env=env), "Tuning"))
        job(stacks[-1], "Parent", job_name="xgb-nightly")
    for stack in stacks:
        assert synth_errors(stack) == []

    same_place = cdk.App()
    first, second = (cdk.Stack(same_place, name, env=ENV) for name in ("A", "B"))
    job(first, "P", job_name="same")
    job(second, "Q", job_name="SAME")
    assert synth_errors(second) == [
        "[B/Q] [N1] `job_name`: 'SAME' is already the name of A/P; tuning-job names are unique "
        "per account and Region (case-insensitively), so give each job its own."
    ]

    agnostic = cdk.App()
    one, other = (cdk.Stack(agnostic, name) for name in ("One", "Other"))
    job(one, "P", job_name="anywhere")
    job(other, "P", job_name="anywhere")
    job(one, "Q", job_name="anywhere")
    assert [e.split(" `")[0] for e in synth_errors(one)] == ["[One/Q] [N1]"]


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("12", True), (40, True), ("abc", False), ("12.5", False), ("0", False), (True, False)],
)
def test_quota_context_values_are_checked(value: object, accepted: bool) -> None:
    app = cdk.App(context={"constructs_pkg:maxParallelJobsQuota": value})
    stack = cdk.Stack(app, "S", env=ENV)
    job(stack, "Job")
    expected = (
        []
        if accepted
        else [
            "[S/Job] [F-TYPE] `context constructs_pkg:maxParallelJobsQuota`: must be a whole "
            f"number of at least 1 (your account's quota); got {value!r}"
        ]
    )
    assert synth_errors(stack) == expected


def test_an_imported_name_that_is_not_a_string_is_reported() -> None:
    stack = new_stack()
    TuningJob.from_tuning_job_name(stack, "Old", 123)  # type: ignore[arg-type]
    assert synth_errors(stack) == [
        "[Jobs/Old] [W3] `job_name`: a tuning-job name has 1 to 32 letters, digits and "
        "hyphens, and no hyphen at either end; got 123"
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"max_jobs": float("-inf")}, "[F-TYPE] `max_jobs`: must be a whole number; got -inf"),
        (
            {"max_parallel_jobs": -1e300},
            "[F-TYPE] `max_parallel_jobs`: must be a whole number; got -1e+300",
        ),
    ],
)
def test_huge_negative_numbers_are_values_not_tokens(
    change: dict[str, object], expected: str
) -> None:
    """Only CDK's own encoding of a number token is a token; -inf is a bad value."""
    stack = new_stack()
    job(stack, "Job", **change)
    assert synth_errors(stack) == [f"[Jobs/Job] {expected}"]


@pytest.mark.parametrize("name", ["bad name!", "ab", "x" * 256])
def test_a_lineage_table_name_dynamodb_refuses_fails_synth(name: str) -> None:
    stack = new_stack()
    job(stack, "Job", lineage=LineageTable(stack, "Lineage", table_name=name))
    assert synth_errors(stack) == [
        "[Jobs/Lineage] [F-PATTERN] `table_name`: a DynamoDB table name has 3 to 255 "
        f"letters, digits, '_', '-' or '.'; got {name!r}"
    ]


def test_an_empty_job_name_is_an_error_not_a_generated_name() -> None:
    stack = new_stack()
    job(stack, "Job", job_name="")
    assert synth_errors(stack) == [
        "[Jobs/Job] [F-LENGTH] `job_name`: must be 1 to 32 characters long; got ''. Leave "
        "job_name unset (None) for a name generated at deploy."
    ]


def test_the_quick_readable_form_matches_the_walk_over_the_spec() -> None:
    """The readable Spec found in the text equals the one found by walking the parsed Spec."""
    from constructs_pkg.cdk.tuning_job import _map_strings, _readable_job_names

    stack = new_stack()
    parent = job(stack, "Par\u00e9nt")
    child = parent.derive(stack, "Child", additional_parents=[job(stack, "Other")])
    for made in (parent, child):
        text = canonical_json(definition_spec(made.definition))
        walked = canonical_json(_map_strings(json.loads(text), made._readable_text))
        assert _readable_job_names(text) == walked
    assert "<job:Jobs/Par\u00e9nt>" in (_readable_job_names(text) or "")


def _tags_of(stack: cdk.Stack, made: TuningJob) -> dict[str, str]:
    template = Template.from_stack(stack).to_json()
    logical_id = stack.get_logical_id(made.resource.node.default_child)
    return json.loads(template["Resources"][logical_id]["Properties"]["Tags"])


def test_tags_applied_with_cdk_tags_reach_the_job() -> None:
    """Tags.of(...) on the app, the stack or the job reaches the job's Tags, merged with
    the tags given; an aspect's tag wins over a given one with the same key."""
    app = cdk.App()
    stack = cdk.Stack(app, "Jobs", env=ENV)
    tagged = job(stack, "Tagged", tags={"team": "vision", "env": "dev"})
    plain = job(stack, "Plain")
    cdk.Tags.of(app).add("env", "prod")
    cdk.Tags.of(stack).add("cost-centre", "42")
    cdk.Tags.of(plain).remove("cost-centre")

    assert _tags_of(stack, tagged) == {"cost-centre": "42", "env": "prod", "team": "vision"}
    assert _tags_of(stack, plain) == {"env": "prod"}


def test_tags_can_exclude_tuning_jobs_by_resource_type() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Jobs", env=ENV)
    made = job(stack, "Job", tags={"team": "vision"})
    cdk.Tags.of(app).add("env", "prod", exclude_resource_types=[RESOURCE_TYPE])

    assert _tags_of(stack, made) == {"team": "vision"}


def test_a_job_no_aspect_tags_keeps_its_given_tags_as_plain_text() -> None:
    stack = new_stack()
    made = job(stack, "Job", tags={"team": "vision"})
    template = Template.from_stack(stack).to_json()
    logical_id = stack.get_logical_id(made.resource.node.default_child)
    assert template["Resources"][logical_id]["Properties"]["Tags"] == '{"team":"vision"}'


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"max_jobs": Decimal(4)},
            "[F-TYPE] `max_jobs`: must be a whole number; got Decimal('4')",
        ),
        ({"random_seed": date(2026, 1, 1)}, "[F-TYPE] `random_seed`: must be a whole number"),
        ({"job_name": 12}, "[F-TYPE] `job_name`: must be a string; got 12"),
    ],
)
def test_values_jsii_cannot_take_are_findings_not_tracebacks(
    change: dict[str, object], expected: str
) -> None:
    stack = new_stack()
    job(stack, "Job", **change)
    errors = synth_errors(stack)
    assert len(errors) == 1 and errors[0].startswith(f"[Jobs/Job] {expected}")
