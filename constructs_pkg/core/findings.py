"""What a rule reports: a finding with a stable rule id, a severity and the field it concerns."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    """SageMaker would reject the definition: synth fails."""
    WARNING = "warning"
    """Allowed, but likely a mistake, or a check that cannot run yet."""


@dataclass(frozen=True)
class Finding:
    """One problem found in a definition.

    ``field`` names the user-facing property (``ranges['lr'].min``,
    ``training.instance_type``); ``message`` says what is wrong, the value received and
    what is allowed.
    """

    rule_id: str
    severity: Severity
    field: str
    message: str

    def format(self) -> str:
        return f"[{self.rule_id}] `{self.field}`: {self.message}"


UNRESOLVED_RULE_ID = "UNRESOLVED"
"""Rule id of the warning for a value that is a token at synth and is checked at deploy."""


TOKEN_MARKERS = ("${Token[", "#{Token[")
"""How CDK encodes an unresolved string (``${Token[...]}``) or list item (``#{Token[...]}``)."""
TOKEN_NUMBER_MARK = 0xFBFF
"""The top 16 bits of a double that encodes an unresolved number: CDK keeps the token's
index in the low 48 bits, which makes it a negative number near -1.888e289. No other
value has them (infinities and NaN have 0x7FF0 or 0xFFF0 and up)."""


def looks_like_token(value: object) -> bool:
    """Recognise a CDK token without importing aws_cdk.

    Strings and list items carry token markers; numbers are encoded as huge negative
    doubles. This covers every primitive value; the construct layer asks
    ``aws_cdk.Token.is_unresolved`` only about other objects (``IResolvable`` instances).
    """
    if isinstance(value, str):
        return any(marker in value for marker in TOKEN_MARKERS)
    if isinstance(value, float):
        bits: int = struct.unpack("<Q", struct.pack("<d", value))[0]
        return bits >> 48 == TOKEN_NUMBER_MARK
    return False


@dataclass(frozen=True)
class RuleContext:
    """What the rules need besides the definition itself."""

    is_unresolved: Callable[[object], bool] = looks_like_token
    """Tells a value that is unknown until deploy (a CDK token) from a real one."""
    max_training_jobs_quota: int = 750
    """Training jobs per tuning job, parents' jobs included for warm start (account quota)."""
    max_parallel_jobs_quota: int = 10
    """Parallel training jobs per tuning job (account quota; can be raised to 100)."""
    unresolved: list[str] = field(default_factory=list, compare=False)
    """Fields skipped because they held tokens; filled while rules run."""

    def skip_if_unresolved(self, value: object, field_name: str) -> bool:
        """True (and the field remembered) when ``value`` cannot be checked until deploy."""
        if self.is_unresolved(value):
            if field_name not in self.unresolved:
                self.unresolved.append(field_name)
            return True
        return False


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.WARNING]
