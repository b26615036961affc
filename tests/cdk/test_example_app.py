"""The example app (app.py): the scenario of the design, synthesized and linted."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import cfnlint.api
import pytest

from constructs_pkg.cdk.tuning_job import RESOURCE_TYPE
from constructs_pkg.core.model import definition_from_spec
from tests.cdk.support import ENV, load_example_app
from tests.cfn import custom_resources, physical_ids, resource_properties, stand_in_arns

STACK = "ImageClassificationTuning"

# CDK itself declares DependsOn from each Lambda function to its role's policy, which cfn-lint
# calls redundant; that is CDK's choice, not this library's.
CDK_OWN_FINDINGS = {"W3005"}


def synth_example() -> dict[str, Any]:
    module = load_example_app()
    app = cdk.App()
    module.ImageClassificationTuning(app, STACK, env=ENV)
    return app.synth().get_stack_by_name(STACK).template  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return synth_example()


def test_three_jobs_one_table_one_provider(template: dict[str, Any]) -> None:
    """The scenario: a parent, an identical-data child and a transfer-learning child."""
    jobs = custom_resources(template, RESOURCE_TYPE)
    assert sorted(jobs) == sorted(
        [lid for lid in jobs if lid.startswith(("Parent", "Refine", "Transfer"))]
    )
    assert len(jobs) == 3
    assert len(custom_resources(template, "AWS::DynamoDB::GlobalTable")) == 1
    handlers = [
        r
        for r in custom_resources(template, "AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "constructs_pkg.runtime.handler.on_event"
    ]
    assert len(handlers) == 1


def test_children_name_their_parents(template: dict[str, Any]) -> None:
    """Refine warm-starts from Parent; Transfer from Parent and the job outside the app."""
    refs = physical_ids(template)
    by_prefix = {}
    for resource in custom_resources(template, RESOURCE_TYPE).values():
        props = resource_properties(resource, refs, stand_in_arns(template))
        by_prefix[props["NamePrefix"]] = props
    parent_name = next(v for k, v in refs.items() if k.startswith("Parent"))

    assert by_prefix["parent"]["Parents"] == []
    assert by_prefix["refine"]["Parents"] == [parent_name]
    assert by_prefix["refine"]["WarmStartType"] == "IdenticalDataAndAlgorithm"
    assert by_prefix["transfer"]["Parents"] == [parent_name, "caltech-baseline-2025"]
    assert by_prefix["transfer"]["WarmStartType"] == "TransferLearning"

    transfer = definition_from_spec(json.loads(by_prefix["transfer"]["Spec"]))
    assert transfer.warm_start is not None
    assert transfer.warm_start.parents == (parent_name, "caltech-baseline-2025")
    assert [c.s3_uri for c in transfer.training.inputs] == [
        "s3://example-ml-datasets/caltech-256-extended/train/",
        "s3://example-ml-datasets/caltech-256-extended/validation/",
    ]
    parent = definition_from_spec(json.loads(by_prefix["parent"]["Spec"]))
    assert parent.training.rendered_static_hyperparameters() == {
        "augmentation_type": "crop",
        "epochs": "30",
        "image_shape": "3,224,224",
        "mini_batch_size": "128",
        "num_classes": "257",
        "num_layers": "18",
        "num_training_samples": "15420",
        "optimizer": "sgd",
        "precision_dtype": "float32",
        "top_k": "2",
    }


def test_template_passes_cfn_lint(template: dict[str, Any]) -> None:
    """cfn-lint finds nothing in the template beyond CDK's own redundant DependsOn."""
    matches = cfnlint.api.lint(
        json.dumps(template), config=cfnlint.api.ManualArgs(regions=["us-east-1"])
    )
    findings = [(m.rule.id, m.message) for m in matches if m.rule.id not in CDK_OWN_FINDINGS]
    assert findings == []


def test_synth_is_deterministic(template: dict[str, Any]) -> None:
    """Two synths of the same app give byte-identical templates."""
    assert json.dumps(synth_example(), sort_keys=False) == json.dumps(template, sort_keys=False)
