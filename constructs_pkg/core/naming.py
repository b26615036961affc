"""Tuning-job names: at most 32 characters of letters, digits and hyphens.

A generated name is ``<prefix>-<10 hex>``. The prefix comes from the construct id at synth;
the suffix is derived at deploy from the definition hash and the CloudFormation request id,
so a retried request (same request id) yields the same name, and every new Create or
changed Update yields a new one, even after a revert to an earlier definition (SageMaker
names are unique per account and Region, case-insensitively, and may not be reusable after
deletion).
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME_LENGTH = 32
SUFFIX_LENGTH = 10
MAX_PREFIX_LENGTH = MAX_NAME_LENGTH - SUFFIX_LENGTH - 1
NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}")
"""The service's pattern for tuning-job names (botocore shape HyperParameterTuningJobName)."""


def name_prefix(text: str) -> str:
    """A valid name prefix from any text (a construct id or path): lower case, hyphens only."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    cleaned = cleaned[:MAX_PREFIX_LENGTH].rstrip("-")
    return cleaned or "tuning"


def generate_job_name(prefix: str, definition_hash: str, request_id: str) -> str:
    """The physical name of a job launched by the request ``request_id``."""
    prefix = name_prefix(prefix)
    digest = hashlib.sha256(f"{definition_hash}\n{request_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:SUFFIX_LENGTH]}"


def is_valid_job_name(name: str) -> bool:
    return len(name) <= MAX_NAME_LENGTH and NAME_PATTERN.fullmatch(name) is not None


def lineage_key(name: str) -> str:
    """SageMaker compares names case-insensitively, so lineage keys are lower case."""
    return name.lower()


TABLE_NAME_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
"""DynamoDB's rule for table names."""


def is_valid_table_name(name: str) -> bool:
    return TABLE_NAME_PATTERN.fullmatch(name) is not None


LINEAGE_PARTITION_KEY = "pk"
"""The lineage table's only key attribute (a string): ``job#<lower-case name>``."""


# The launcher's environment, set by the construct and read by the Lambda function.
TABLES_VARIABLE = "LINEAGE_TABLE_NAMES"
"""Comma-separated names of the lineage tables the launcher serves."""
TOPIC_VARIABLE = "LAUNCH_FAILURE_TOPIC_ARN"
"""The SNS topic that hears of children that could not be launched."""
STACK_VARIABLE = "STACK_ID"
"""The stack whose jobs the launcher serves."""
