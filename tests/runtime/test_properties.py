"""Decoding the stringified resource properties (no server needed)."""

from __future__ import annotations

import json

import pytest

from constructs_pkg.core.model import canonical_json, definition_hash
from constructs_pkg.runtime.errors import DefinitionInvalidError
from constructs_pkg.runtime.properties import (
    RemovalBehaviour,
    decode_properties,
    decode_removal,
    decode_spec,
    decode_spec_leniently,
    decode_tags,
)

from .definitions import child_definition, parent_definition
from .events import properties, spec, stringify


class TestDecodeProperties:
    def test_the_construct_properties_decode_after_stringify(self) -> None:
        definition = child_definition(["churn-base-1"])
        props = stringify(
            properties(definition, table="Lineage", job_name="churn-ws-1", tags={"a": "b"})
        )

        decoded = decode_properties(props)

        assert spec(decoded.definition) == spec(definition)
        assert decoded.definition_hash == definition_hash(definition)
        assert decoded.fixed_name == "churn-ws-1"
        assert decoded.tags == {"a": "b"}
        assert decoded.lineage_table == "Lineage"
        assert decoded.removal is RemovalBehaviour.STOP
        assert decoded.name_prefix == "tuningstack-job"

    def test_an_empty_job_name_means_generate_one(self) -> None:
        decoded = decode_properties(stringify(properties(parent_definition(), table="T")))

        assert decoded.fixed_name is None

    def test_properties_that_are_not_an_object_are_refused(self) -> None:
        with pytest.raises(DefinitionInvalidError, match="ResourceProperties must be an object"):
            decode_properties(["Spec"])


class TestDecodeSpec:
    def test_the_canonical_spec_round_trips(self) -> None:
        assert spec(decode_spec(spec(parent_definition()))) == spec(parent_definition())

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (None, "`Spec` must be a non-empty JSON string; got NoneType"),
            ("", "`Spec` must be a non-empty JSON string; got str"),
            ("[1]", "`Spec` must be a JSON object; got list"),
            ('{"schemaVersion": 1, "request": "x"}', "`Spec.request` must be an object"),
            ('{"schemaVersion": true, "request": {}}', "`Spec.schemaVersion` is True"),
        ],
    )
    def test_a_spec_of_the_wrong_shape_is_refused(self, value: object, message: str) -> None:
        with pytest.raises(DefinitionInvalidError) as info:
            decode_spec(value)

        assert info.value.message.startswith(message)

    def test_a_request_the_model_cannot_read_reports_its_fields(self) -> None:
        document = json.loads(spec(parent_definition()))
        document["request"]["HyperParameterTuningJobConfig"] = "Bayesian"

        with pytest.raises(DefinitionInvalidError) as info:
            decode_spec(json.dumps(document))

        assert (
            "`HyperParameterTuningJobConfig`" in info.value.message
            or "must be an object" in info.value.message
        )

    def test_an_old_spec_without_a_defaulted_field_hashes_the_same(self) -> None:
        """B22: a field a newer version adds with its default is no change to the job."""
        document = json.loads(spec(parent_definition()))
        del document["request"]["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"]

        old = decode_spec_leniently(canonical_json(document))

        assert old is not None
        assert definition_hash(old) == definition_hash(parent_definition())

    def test_an_unreadable_old_spec_is_none(self) -> None:
        assert decode_spec_leniently("{not json") is None
        assert decode_spec_leniently(None) is None


class TestTagsAndRemoval:
    def test_tags_decode_from_a_json_object(self) -> None:
        assert decode_tags('{"team": "vision"}') == {"team": "vision"}
        assert decode_tags("") == {}
        assert decode_tags(None) == {}

    @pytest.mark.parametrize("value", ['{"n": 1}', "[]", "not json", 3])
    def test_tags_of_another_shape_are_refused(self, value: object) -> None:
        with pytest.raises(DefinitionInvalidError):
            decode_tags(value)

    def test_removal_behaviour_defaults_to_stop(self) -> None:
        assert decode_removal("") is RemovalBehaviour.STOP
        assert decode_removal("Retain") is RemovalBehaviour.RETAIN
        with pytest.raises(
            DefinitionInvalidError, match="must be one of stop, retain; got 'destroy'"
        ):
            decode_removal("destroy")
