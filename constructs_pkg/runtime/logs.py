"""One JSON object per log line, with the request context on every line.

CloudWatch Logs keeps each line of the Lambda's standard output as one event, so a line
is a record that Logs Insights can query (``filter jobName = "..."``). The handler binds
the stack id, logical id, request id and job name once per event; nothing here ever logs
the raw CloudFormation event (its ``ResponseURL`` is a pre-signed URL) or a definition
(its ``Environment`` values may be secrets).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

LOGGER_NAME = "constructs_pkg.runtime"


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, Mapping):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _StdoutHandler(logging.Handler):
    """Writes to whatever ``sys.stdout`` is at the time (the Lambda runtime captures it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def _logger() -> logging.Logger:
    """The runtime's logger, set up on first use rather than at import."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        handler = _StdoutHandler()
        handler.setFormatter(_JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    return logger


class EventLog:
    """A logger bound to one CloudFormation request."""

    def __init__(self, **context: str | None) -> None:
        self._logger = _logger()
        self.context: dict[str, str] = {k: v for k, v in context.items() if v}

    def bind(self, **context: str | None) -> None:
        self.context.update({k: v for k, v in context.items() if v})

    def _log(self, level: int, message: str, fields: Mapping[str, Any], exc: bool) -> None:
        if self._logger.isEnabledFor(level):
            merged = {**self.context, **{k: v for k, v in fields.items() if v is not None}}
            self._logger.log(level, message, extra={"fields": merged}, exc_info=exc)

    def debug(self, message: str, **fields: Any) -> None:
        self._log(logging.DEBUG, message, fields, False)

    def info(self, message: str, **fields: Any) -> None:
        self._log(logging.INFO, message, fields, False)

    def warning(self, message: str, **fields: Any) -> None:
        self._log(logging.WARNING, message, fields, False)

    def error(self, message: str, *, exc_info: bool = False, **fields: Any) -> None:
        self._log(logging.ERROR, message, fields, exc_info)


def request_context(event: Mapping[str, Any]) -> dict[str, str | None]:
    """The few event fields every line carries; nothing else of the event is logged."""
    return {
        "stackId": _text(event.get("StackId")),
        "logicalResourceId": _text(event.get("LogicalResourceId")),
        "requestId": _text(event.get("RequestId")),
        "requestType": _text(event.get("RequestType")),
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
