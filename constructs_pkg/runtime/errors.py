"""Why a request failed, said so that the reader knows what to fix.

Every exception the handler raises to the Provider framework is a :class:`TuningJobError`.
Its text becomes the FAILED reason CloudFormation shows, so it is cut to
:data:`MAX_REASON_BYTES` and ends with the log stream that holds the details (the whole
custom-resource response must stay under CloudFormation's 4096-byte limit).

Validation errors (the definition, its parents, a name conflict) pass through as they are;
failures of AWS calls are wrapped as :class:`AwsCallFailedError`, "failed to <act> <object>",
raised ``from`` the botocore error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from constructs_pkg.core.findings import Finding

MAX_REASON_BYTES = 1024
"""Upper bound of a FAILED reason, log-stream pointer included."""

_ELLIPSIS = "…"
_MORE_ROOM = 16
"""Bytes kept free for the closing "and N more"."""

ENVIRONMENT_FIELD = "training.environment"
_GOT_VALUE = re.compile(r"; got .*$", re.DOTALL)


class TuningJobError(Exception):
    """Base of every failure the handler reports to CloudFormation.

    ``message`` is the full text (logged as it is); ``str()`` gives the bounded reason.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.log_stream: str | None = None

    def __str__(self) -> str:
        return bounded_reason(self.message, self.log_stream)


class RequestInvalidError(TuningJobError):
    """The event is not a custom-resource request this handler understands."""


class DefinitionInvalidError(TuningJobError):
    """The resource properties or the definition they carry cannot be launched as they are."""


class ParentNotFoundError(TuningJobError):
    """A warm-start parent does not exist in this account and Region."""

    def __init__(self, message: str, missing: Sequence[str]) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class ParentNotReadyError(TuningJobError):
    """A warm-start parent has not reached a terminal state yet.

    ``waiting`` holds ``(name, status)`` for each such parent. The handler fails fast on
    it today; deferring the launch until the parents finish is a planned feature.
    """

    def __init__(self, message: str, waiting: Sequence[tuple[str, str]]) -> None:
        super().__init__(message)
        self.waiting = tuple(waiting)


class ParentIncompatibleError(TuningJobError):
    """The warm-start rules reject the child against its parents."""


class JobConflictError(TuningJobError):
    """The job name is taken by a job with another definition, or not launched by us."""


class JobRejectedError(TuningJobError):
    """SageMaker refused ``CreateHyperParameterTuningJob`` (validation, limits, access)."""


class LineageError(TuningJobError):
    """The lineage record cannot be written as it is (for example, over 400 KB)."""


class AwsCallFailedError(TuningJobError):
    """An AWS call failed for reasons outside the definition (throttling, outage, access)."""


class InternalError(TuningJobError):
    """A defect in this library; the log holds the traceback."""


# --------------------------------------------------------------------------- reasons


def bounded_reason(message: str, log_stream: str | None = None) -> str:
    """``message`` cut to fit :data:`MAX_REASON_BYTES` together with the log pointer."""
    pointer = f" (details in CloudWatch log stream {log_stream})" if log_stream else ""
    budget = MAX_REASON_BYTES - len(pointer.encode("utf-8"))
    return truncate_utf8(message, budget) + pointer


def truncate_utf8(text: str, max_bytes: int) -> str:
    """``text`` shortened to at most ``max_bytes`` UTF-8 bytes, marked with an ellipsis."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    room = max(max_bytes - len(_ELLIPSIS.encode("utf-8")), 0)
    return encoded[:room].decode("utf-8", errors="ignore").rstrip() + _ELLIPSIS


def findings_message(lead: str, findings: Sequence[Finding], budget: int = 900) -> str:
    """``lead`` followed by as many formatted findings as fit in ``budget`` bytes.

    The rest are counted ("and 3 more"), so a reader knows the log holds them.
    """
    shown: list[str] = []
    used = len(lead.encode("utf-8")) + 2
    for index, finding in enumerate(findings):
        text = finding.format()
        size = len(text.encode("utf-8")) + 2
        if shown and used + size > budget - _MORE_ROOM:
            shown.append(f"and {len(findings) - index} more")
            break
        shown.append(text)
        used += size
    return f"{lead}: " + "; ".join(shown)


def redact_environment(findings: Iterable[Finding]) -> list[Finding]:
    """The findings with any value under ``training.environment`` cut out of the message.

    Environment values may hold secrets, and field-limit messages quote the value
    received; the field name and the limit stay, so the reader still knows what to fix.
    """
    redacted: list[Finding] = []
    for finding in findings:
        if finding.field.startswith(ENVIRONMENT_FIELD):
            message = _GOT_VALUE.sub("; value redacted", finding.message)
            finding = replace(finding, message=message)
        redacted.append(finding)
    return redacted


def quoted_list(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
