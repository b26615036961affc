#!/usr/bin/env python3
"""Example app: an image-classification tuning job and two warm-start children.

* ``Parent`` tunes SageMaker's built-in image classification algorithm.
* ``Refine`` warm-starts from it with ``IdenticalDataAndAlgorithm``: same data and image,
  narrower ranges and more training jobs.
* ``Transfer`` warm-starts with ``TransferLearning`` from ``Parent`` and from a job that
  lives outside the app, known only by name, and trains on new data.

``cdk synth`` checks every definition against SageMaker's rules; ``cdk deploy`` launches
the jobs through the custom resource and records their lineage in DynamoDB.
"""

from __future__ import annotations

import os
from typing import cast

import aws_cdk as cdk
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from constructs_pkg import (
    Channel,
    ContinuousRange,
    LineageTable,
    Objective,
    TrainingDefinition,
    TuningJob,
    WarmStart,
    WarmStartType,
)

# The image of SageMaker's built-in image classification algorithm in us-east-1.
IMAGE_CLASSIFICATION = "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"
DATA_BUCKET = "example-ml-datasets"
EARLIER_JOB = "caltech-baseline-2025"
"""A tuning job run outside this app; the transfer-learning child also learns from it."""


class ImageClassificationTuning(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)  # type: ignore[arg-type]
        # S3 delivers the server access logs under a bucket policy rather than an ACL (as in
        # apps made by `cdk init`); set before any construct, as context must be.
        self.node.set_context("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy", True)

        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
        )
        Validations.of(access_logs).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "This bucket only receives the artifacts bucket's server access logs, and "
                    "logging it too would need yet another bucket that would itself go unlogged."
                ),
            )
        )
        artifacts = s3.Bucket(
            self,
            "Artifacts",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifacts/",
        )
        role = iam.Role(
            self,
            "TrainingRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="Assumed by SageMaker to run the training jobs of the tuning jobs",
        )
        data = s3.Bucket.from_bucket_name(self, "Datasets", DATA_BUCKET)
        data.grant_read(role)
        artifacts.grant_read_write(role)
        self._acknowledge_bucket_grants(role, artifacts)

        lineage = LineageTable(self, "Lineage")

        training = TrainingDefinition(
            image_uri=IMAGE_CLASSIFICATION,
            role=role.role_arn,
            inputs=[
                Channel("train", f"s3://{DATA_BUCKET}/caltech-256/train/"),
                Channel("validation", f"s3://{DATA_BUCKET}/caltech-256/validation/"),
            ],
            output_path=artifacts.s3_url_for_object("tuning"),
            instance_type="ml.p3.2xlarge",
            instance_count=1,
            volume_size_gb=50,
            max_runtime_seconds=6 * 3600,
            static_hyperparameters={
                "num_layers": 18,
                "image_shape": "3,224,224",
                "num_classes": 257,
                "num_training_samples": 15420,
                "mini_batch_size": 128,
                "epochs": 30,
                "optimizer": "sgd",
                "top_k": 2,
                "precision_dtype": "float32",
                "augmentation_type": "crop",
            },
        )

        parent = TuningJob(
            self,
            "Parent",
            training=training,
            objective=Objective.maximize("validation:accuracy"),
            ranges={
                "learning_rate": ContinuousRange(0.0, 0.1),
                "momentum": ContinuousRange(0.0, 0.99),
            },
            max_jobs=10,
            max_parallel_jobs=2,
            lineage=lineage,
            tags={"team": "vision", "dataset": "caltech-256"},
        )

        # Same data and image, a narrower search and a larger budget.
        parent.derive(
            self,
            "Refine",
            warm_start_type=WarmStartType.IDENTICAL_DATA_AND_ALGORITHM,
            ranges={
                "learning_rate": ContinuousRange(0.0001, 0.05),
                "momentum": ContinuousRange(0.5, 0.99),
            },
            max_jobs=20,
        )

        # New data; learns from the parent and from a job outside the app.
        earlier = TuningJob.from_tuning_job_name(self, "EarlierJob", EARLIER_JOB)
        parent.derive(
            self,
            "Transfer",
            warm_start=WarmStart.transfer_learning(parent, earlier),
            training=training.replace(
                inputs=[
                    Channel("train", f"s3://{DATA_BUCKET}/caltech-256-extended/train/"),
                    Channel("validation", f"s3://{DATA_BUCKET}/caltech-256-extended/validation/"),
                ],
            ),
            max_jobs=15,
        )

    def _acknowledge_bucket_grants(self, role: iam.Role, artifacts: s3.Bucket) -> None:
        """The wildcards of CDK's bucket grants, each limited to the two buckets."""
        artifacts_id = self.get_logical_id(cast(cdk.CfnElement, artifacts.node.default_child))
        reasons = {
            "Action::s3:GetObject*": (
                "The GetObject* actions come from CDK's read grants and reach only objects of "
                "the datasets and artifacts buckets, which the training jobs read."
            ),
            "Action::s3:GetBucket*": (
                "The GetBucket* actions come from CDK's read grants and reach only the datasets "
                "and artifacts buckets themselves."
            ),
            "Action::s3:List*": (
                "The List* actions come from CDK's read grants and reach only the datasets and "
                "artifacts buckets, whose prefixes the training jobs list."
            ),
            "Action::s3:DeleteObject*": (
                "The DeleteObject* actions come from CDK's read-write grant and reach only "
                "objects of the artifacts bucket, which this stack owns."
            ),
            "Action::s3:Abort*": (
                "The Abort* action (s3:AbortMultipartUpload) comes from CDK's read-write grant "
                "and reaches only the artifacts bucket, where training jobs upload their models."
            ),
            f"Resource::arn:<AWS::Partition>:s3:::{DATA_BUCKET}/*": (
                "Training jobs read every object under the dataset prefixes they are given, all "
                f"of them in the {DATA_BUCKET} bucket."
            ),
            f"Resource::<{artifacts_id}.Arn>/*": (
                "SageMaker writes model artifacts under names it generates at run time, all of "
                "them in the artifacts bucket, which this stack owns."
            ),
        }
        Validations.of(role).acknowledge(
            *(
                Acknowledgment(id=f"AwsSolutions-IAM5[{finding}]", reason=reason)
                for finding, reason in reasons.items()
            )
        )


def main() -> None:
    app = cdk.App()
    ImageClassificationTuning(
        app,
        "ImageClassificationTuning",
        # The image above is us-east-1's; the account is the deploying one, if known.
        env=cdk.Environment(account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region="us-east-1"),
    )
    app.synth()


if __name__ == "__main__":
    main()
