"""The converse: breaking exactly one service-model constraint is always an F-* error.

Each example renders a valid definition, picks a kind of constraint and then a place in
the request where that constraint can be broken alone (:mod:`tests.property.mutations`),
and breaks it. The service-model check must then report exactly that one finding, with
the matching rule id and the user-facing field of the place. Where ``from_api`` rebuilds
the mutated request exactly, ``check_job`` on the rebuilt definition must report it too
(for a warm-start parent's name the more specific W1/W3 replace the F-* finding, as
``check_job`` documents).
"""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ParamValidationError
from botocore.model import StructureShape
from botocore.validate import validate_parameters
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from constructs_pkg.core.findings import Severity
from constructs_pkg.core.model import TuningJobDefinition
from constructs_pkg.core.rules import ParentJob, check_job
from constructs_pkg.core.servicemodel import user_field, validate_request
from tests.property.mutations import (
    BOTOCORE_CHECKS,
    RULE_OF_KIND,
    Mutation,
    apply,
    mutation_sites,
)
from tests.property.profiles import EXAMPLES, PROFILE
from tests.property.strategies import any_definitions, job_names, tags

CREATE_INPUT = (
    botocore.session.get_session()
    .get_service_model("sagemaker")
    .operation_model("CreateHyperParameterTuningJob")
    .input_shape
)
assert isinstance(CREATE_INPUT, StructureShape)

PARENTS_PATH = "WarmStartConfig.ParentHyperParameterTuningJobs"
API_NAMES = ("HyperParameterTuningJob", "TrainingJobDefinition", "WarmStartConfig", "Tags")


def rebuilt_exactly(
    mutation: Mutation,
) -> tuple[TuningJobDefinition, str, dict[str, str]] | None:
    """The definition, name and tags ``from_api`` reads from the mutated request, when they
    render exactly that request again; None otherwise (a removed member filled with a
    default, list items collapsed into a mapping, metric definitions re-sorted...)."""
    request = mutation.request
    try:
        definition = TuningJobDefinition.from_api(request)
        job_name = request.get("HyperParameterTuningJobName")
        job_tags = {tag["Key"]: tag["Value"] for tag in request.get("Tags", [])}
        if not isinstance(job_name, str) or definition.to_request(job_name, job_tags) != request:
            return None
    except (KeyError, TypeError):
        return None  # a request missing a required member is not a definition
    return definition, job_name, job_tags


def parents_by_name(definition: TuningJobDefinition) -> list[ParentJob]:
    if definition.warm_start is None or not isinstance(definition.warm_start.parents, tuple):
        return []
    return [ParentJob(name=str(name), label=str(name)) for name in definition.warm_start.parents]


@pytest.mark.parametrize("kind", sorted(RULE_OF_KIND))
@given(definition=any_definitions, job_name=job_names, job_tags=tags, data=st.data())
@settings(PROFILE, max_examples=EXAMPLES["single_constraint_mutations"], deadline=None)
def test_single_constraint_mutations(
    kind: str, definition: TuningJobDefinition, job_name: str, job_tags: dict[str, str], data: Any
) -> None:
    """One broken constraint gives exactly one finding, its F-* rule id at its field; a
    string cut or grown past its length may also break the pattern's characters (a cut
    ARN), which is then the one other finding, at the same field."""
    request = definition.to_request(job_name, job_tags)
    sites = [s for s in mutation_sites(request, CREATE_INPUT) if s.kind == kind]
    assume(sites)  # e.g. an above-max mutation needs a tuning runtime or retries
    # A uniform choice among the sites (st.sampled_from favours the first ones).
    site = data.draw(st.randoms(use_true_random=False), label="chooser").choice(sites)
    mutation = apply(request, site)
    event(f"mutated {site.api_path.split('[')[0]}")

    field = user_field(mutation.api_path, mutation.request)
    found = [(f.rule_id, f.field) for f in validate_request(mutation.request)]
    allowed = [[(mutation.rule_id, field)]]
    if site.kind.startswith("length"):
        allowed.append([(mutation.rule_id, field), ("F-PATTERN", field)])
        if found != allowed[0]:
            event("length mutation that also breaks the pattern")
    assert found in allowed, f"mutated {mutation.api_path} ({site.kind})"

    if site.kind in BOTOCORE_CHECKS:  # botocore checks minimums and required members too
        with pytest.raises(ParamValidationError):
            validate_parameters(mutation.request, CREATE_INPUT)
    else:  # and nothing else, which is why the library checks the rest itself
        validate_parameters(mutation.request, CREATE_INPUT)

    rebuilt = rebuilt_exactly(mutation)
    event("rebuilt exactly by from_api" if rebuilt else "checked on the request only")
    if rebuilt is None:
        return
    rebuilt_definition, rebuilt_name, rebuilt_tags = rebuilt
    # A mutation a definition can express points at a user-facing field, not an API path.
    assert not field.startswith(API_NAMES), f"{mutation.api_path} has no user-facing field"
    if site.api_path == "HyperParameterTuningJobName" and rebuilt_name == "":
        return  # an empty name means "none given" to check_job and the construct
    findings = check_job(
        rebuilt_definition,
        parents_by_name(rebuilt_definition),
        job_name=rebuilt_name,
        tags=rebuilt_tags,
    )
    errors = {(f.rule_id, f.field) for f in findings if f.severity is Severity.ERROR}
    field_errors = {e for e in errors if e[0].startswith("F-")}
    if site.api_path.startswith(PARENTS_PATH):
        assert field_errors == set()
        assert {rule for rule, at in errors if at == field} & {"W1", "W3"}, errors
    else:
        assert field_errors in ({tuple(f) for f in alternative} for alternative in allowed)
