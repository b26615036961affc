"""Failure reasons: bounded, pointing at the log, never quoting Environment values."""

from __future__ import annotations

from constructs_pkg.core.findings import Finding, Severity
from constructs_pkg.runtime.errors import (
    MAX_REASON_BYTES,
    DefinitionInvalidError,
    bounded_reason,
    findings_message,
    redact_environment,
    truncate_utf8,
)


def finding(index: int, field: str = "ranges['lr'].min") -> Finding:
    return Finding("R7", Severity.ERROR, field, f"problem number {index} " + "x" * 60)


def test_a_short_reason_is_kept_whole_with_the_log_pointer() -> None:
    assert bounded_reason("bad", "stream/1") == "bad (details in CloudWatch log stream stream/1)"


def test_a_long_multibyte_reason_fits_in_one_kilobyte() -> None:
    reason = bounded_reason("é" * 5000, "2026/01/01/[$LATEST]abc")

    assert len(reason.encode("utf-8")) <= MAX_REASON_BYTES
    assert reason.endswith("… (details in CloudWatch log stream 2026/01/01/[$LATEST]abc)")


def test_truncation_never_splits_a_character() -> None:
    assert truncate_utf8("aé" * 10, 6) == "aé…"


def test_the_exception_text_is_the_bounded_reason_and_the_message_stays_whole() -> None:
    error = DefinitionInvalidError("x" * 3000)
    error.log_stream = "stream"

    assert len(str(error).encode()) <= MAX_REASON_BYTES
    assert error.message == "x" * 3000


def test_findings_that_do_not_fit_are_counted() -> None:
    message = findings_message("the definition has 30 error(s)", [finding(i) for i in range(30)])

    assert message.startswith(
        "the definition has 30 error(s): [R7] `ranges['lr'].min`: problem number 0"
    )
    assert message.endswith(" more")
    assert len(message.encode()) <= 900


def test_environment_values_are_cut_out_of_findings() -> None:
    secret = Finding(
        "F-LENGTH",
        Severity.ERROR,
        "training.environment['TOKEN']",
        "must be from 0 to 512 characters long; got 600 ('hunter2hunter2...')",
    )

    (redacted,) = redact_environment([secret])

    assert redacted.message == "must be from 0 to 512 characters long; value redacted"
    assert redact_environment([finding(1)]) == [finding(1)]
