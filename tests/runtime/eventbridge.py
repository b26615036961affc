"""Harness for the EventBridge handlers: state-change and sweep events, SNS read back via SQS.

The ``launchers`` fixture gives a :class:`Launchers` on top of the ``runtime`` fixture:
``LINEAGE_TABLE_NAMES`` names the test's table, ``LAUNCH_FAILURE_TOPIC_ARN`` a topic in
moto's SNS (``AWS_ENDPOINT_URL_SNS`` points at moto), and an SQS queue subscribed to it
holds every notice published. Every ``CreateHyperParameterTuningJob`` the handlers send is
counted (a botocore hook on the handlers' own SageMaker client). Events are the canned
ones in ``events/``, filled from what moto describes, so they carry the job's real
``LastModifiedTime`` as epoch milliseconds, as SageMaker's do.

Import the fixture into a test module: ``from .eventbridge import launchers_fixture``
(with ``# noqa: F401``); tests then ask for ``launchers``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from constructs_pkg.core.model import TuningJobDefinition
from constructs_pkg.runtime import events as eventbridge
from constructs_pkg.runtime.aws import dynamodb_client, reset_clients, sagemaker_client
from constructs_pkg.runtime.handler import on_event

from .conftest import FakeContext, Runtime
from .definitions import child_definition, parent_definition
from .events import canned, create_event, delete_event, properties

TOPIC_NAME = "tuning-job-launch-failures"


def epoch_millis(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return str(int(aware.timestamp() * 1000))


@dataclass
class Launchers:
    runtime: Runtime
    context: FakeContext
    topic_arn: str
    queue_url: str
    sqs: Any = field(repr=False)
    creates: list[str] = field(default_factory=list)
    answers: list[dict[str, Any]] = field(default_factory=list)

    # ---- CloudFormation (the custom resource)

    def launch_parent(
        self, logical_id: str = "Parent", *, status: str | None = None, **props: Any
    ) -> str:
        """A parent launched by the custom resource; optionally set to ``status`` in moto."""
        definition = props.pop("definition", None) or parent_definition()
        answer = on_event(
            create_event(
                properties(definition, table=self.runtime.table, **props), logical_id=logical_id
            ),
            self.context,
        )
        name: str = answer["PhysicalResourceId"]
        if status is not None:
            self.set_status(name, status)
        return name

    def child_properties(
        self, parents: list[str], definition: TuningJobDefinition | None = None, **props: Any
    ) -> dict[str, Any]:
        props.setdefault("name_prefix", "tuningstack-child")
        return properties(
            definition or child_definition(parents), table=self.runtime.table, **props
        )

    def deploy(self, props: Mapping[str, Any], logical_id: str = "Child") -> dict[str, Any]:
        answer = on_event(create_event(props, logical_id=logical_id), self.context)
        self.answers.append(answer)
        return answer

    def delete(self, props: Mapping[str, Any], name: str, logical_id: str = "Child") -> None:
        on_event(delete_event(props, name, logical_id=logical_id), self.context)

    # ---- SageMaker (moto) and its events

    def set_status(self, name: str, status: str, **kwargs: Any) -> None:
        from tests.conftest import set_tuning_job_status

        set_tuning_job_status(name, status, **kwargs)

    def job(self, name: str) -> Any:
        return self.runtime.moto_backend.hyper_parameter_tuning_jobs[name]

    def state_change(self, name: str, *, status: str | None = None) -> dict[str, Any]:
        """The state-change event SageMaker would send for the job as moto describes it now."""
        described = self.runtime.describe(name)
        return canned(
            "sagemaker-tuning-job-state-change",
            EVENT_ID=str(uuid.uuid4()),
            TIME=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            NAME=name,
            ARN=described["HyperParameterTuningJobArn"],
            STATUS=status or described["HyperParameterTuningJobStatus"],
            CREATED=epoch_millis(described["CreationTime"]),
            LAST_MODIFIED=epoch_millis(described["LastModifiedTime"]),
        )

    def deliver(self, event: Mapping[str, Any]) -> dict[str, Any]:
        """Run the EventBridge handler's entry point on ``event``."""
        return eventbridge.on_event(event, self.context)

    def finish(self, name: str, status: str = "Completed", **kwargs: Any) -> dict[str, Any]:
        """The job reaches ``status`` in SageMaker and its event is delivered."""
        self.set_status(name, status, **kwargs)
        return self.deliver(self.state_change(name))

    def sweep(self) -> dict[str, Any]:
        event = canned(
            "scheduled-sweep",
            EVENT_ID=str(uuid.uuid4()),
            TIME=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        return eventbridge.on_event(event, self.context)

    # ---- what came out

    def notices(self) -> list[dict[str, Any]]:
        """Every SNS message published to the topic, in order (drains the queue)."""
        found: list[dict[str, Any]] = []
        while True:
            response = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            )
            messages = response.get("Messages", [])
            if not messages:
                return found
            for message in messages:
                envelope = json.loads(message["Body"])
                found.append(
                    {"subject": envelope.get("Subject"), **json.loads(envelope["Message"])}
                )
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


@pytest.fixture(name="launchers")
def launchers_fixture(
    runtime: Runtime, context: FakeContext, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Launchers]:
    import boto3

    session = boto3.session.Session(region_name=runtime.endpoints.region)
    sns = session.client("sns", endpoint_url=moto_server.url)
    sqs = session.client("sqs", endpoint_url=moto_server.url)
    topic_arn = sns.create_topic(Name=TOPIC_NAME)["TopicArn"]
    queue_url = sqs.create_queue(QueueName="launch-failures")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    monkeypatch.setenv("AWS_ENDPOINT_URL_SNS", moto_server.url)
    monkeypatch.setenv(eventbridge.TABLES_VARIABLE, runtime.table)
    monkeypatch.setenv(eventbridge.TOPIC_VARIABLE, topic_arn)
    reset_clients()

    harness = Launchers(
        runtime=runtime, context=context, topic_arn=topic_arn, queue_url=queue_url, sqs=sqs
    )

    def count_create(params: Mapping[str, Any], **_: Any) -> None:
        harness.creates.append(params["HyperParameterTuningJobName"])

    sagemaker_client().meta.events.register(
        "before-parameter-build.sagemaker.CreateHyperParameterTuningJob", count_create
    )
    dynamodb_client()  # created now, so that tests can hook it before the handlers run
    yield harness
    reset_clients()
