"""``constructs-pkg lineage``: read the lineage table from a terminal.

* ``constructs-pkg lineage show JOB --table T`` prints the job, its ancestors and its
  descendants as trees, with statuses and best objective values. Warm start is not
  recursive, so each ancestor is marked ``[feeds JOB]`` (a direct parent: its results are
  used) or ``[ignored: not a direct parent]``.
* ``constructs-pkg lineage waiting --table T`` lists the jobs waiting for their parents,
  and the status of each parent they wait for.
* ``constructs-pkg lineage export --table T --format json|mermaid|dot [JOB]`` writes the
  whole table's lineage, or one job's ancestors and descendants, as JSON, as a Mermaid
  flowchart or as a Graphviz digraph.

Every command reads DynamoDB with the default credential chain. ``--endpoint-url`` and
``--region`` are used only when given: nothing here picks an endpoint by itself. Errors
(unknown table or job, no credentials, no Region, endpoint unreachable) are one line on
standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from constructs_pkg.core.naming import is_valid_table_name, lineage_key
from constructs_pkg.runtime.lineage import LaunchStatus
from constructs_pkg.runtime.queries import (
    JobNode,
    LineageView,
    UnknownJobError,
    get_jobs,
    lineage_of,
    scan_jobs,
    waiting_jobs,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PROG = "constructs-pkg"
FORMATS = ("json", "mermaid", "dot")
_BRANCH, _LAST, _PIPE, _SPACE = "├── ", "└── ", "│   ", "    "
_MAX_REASON_CHARS = 120


class CliError(Exception):
    """A problem the user can fix; printed as one line, exit status 2."""


# --------------------------------------------------------------------------- parser


def add_lineage_commands(commands: Any) -> None:
    """Add ``lineage`` and its subcommands to the ``constructs-pkg`` subparsers."""
    lineage = commands.add_parser(
        "lineage",
        help="show, list or export the lineage recorded in a lineage table",
        description="Read the DynamoDB lineage table that tuning jobs record into: who "
        "warm-started from whom, statuses, best objective values, and what waits.",
    )
    sub = lineage.add_subparsers(dest="lineage_command", required=True, metavar="COMMAND")

    show = sub.add_parser(
        "show",
        help="one job's ancestors and descendants as trees",
        description="Print a job with its ancestors and descendants, their statuses and "
        "best objective values. Warm start is not recursive: an ancestor that is not a "
        "direct parent is marked ignored.",
    )
    show.add_argument("job", help="the tuning-job name (any case)")
    _connection_options(show)
    show.set_defaults(run=_guarded(_show))

    waiting = sub.add_parser(
        "waiting",
        help="the jobs waiting for their parents, and on which",
        description="List the jobs recorded as waiting for their warm-start parents to "
        "finish, with the current status of each parent they wait for.",
    )
    _connection_options(waiting)
    waiting.set_defaults(run=_guarded(_waiting))

    export = sub.add_parser(
        "export",
        help="the lineage as JSON, Mermaid or Graphviz",
        description="Write the lineage of the whole table, or of one job (its ancestors and "
        "descendants), as JSON, as a Mermaid flowchart or as a Graphviz (dot) digraph. "
        "Edges go from parent to child.",
    )
    export.add_argument("job", nargs="?", help="only this job's ancestors and descendants")
    export.add_argument(
        "--format", choices=FORMATS, default="json", help="output format (default %(default)s)"
    )
    _connection_options(export)
    export.set_defaults(run=_guarded(_export))


_TABLE_ARN = re.compile(r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[a-zA-Z0-9_.-]{3,255}")
"""DynamoDB takes a table's ARN where it takes its name."""


def _connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--table", required=True, help="the lineage table's name")
    parser.add_argument(
        "--endpoint-url",
        help="DynamoDB endpoint URL (for example a local DynamoDB); by default boto3's",
    )
    parser.add_argument("--region", help="AWS Region; by default boto3's (AWS_REGION, profile)")


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run ``command``; turn the errors a user can fix into one line and exit status 2."""

    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except CliError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            return 2

    return run


# --------------------------------------------------------------------------- AWS


def _client(args: argparse.Namespace) -> DynamoDBClient:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, NoRegionError

    if not (is_valid_table_name(args.table) or _TABLE_ARN.fullmatch(args.table)):
        raise CliError(
            "--table: a DynamoDB table name has 3 to 255 letters, digits, '_', '-' or '.' "
            f"(or give the table's ARN); got {args.table!r}"
        )
    config = Config(
        connect_timeout=5, read_timeout=20, retries={"max_attempts": 3, "mode": "standard"}
    )
    try:
        session = boto3.session.Session(region_name=args.region)
        client: DynamoDBClient = session.client(
            "dynamodb", endpoint_url=args.endpoint_url, config=config
        )
    except NoRegionError:
        raise CliError(
            "no AWS Region: pass --region, or set AWS_REGION or AWS_DEFAULT_REGION"
        ) from None
    except (BotoCoreError, ValueError) as exc:
        raise CliError(f"cannot create a DynamoDB client: {exc}") from None
    return client


def _reading(args: argparse.Namespace, client: DynamoDBClient, action: Callable[[], Any]) -> Any:
    """Run a query; map what botocore raises to a one-line :class:`CliError`."""
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
    )

    try:
        return action()
    except UnknownJobError as exc:
        raise CliError(str(exc)) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise CliError(
            "no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        ) from None
    except EndpointConnectionError as exc:
        raise CliError(f"cannot reach DynamoDB: {exc}") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        if code == "ResourceNotFoundException":
            where = f", endpoint {args.endpoint_url}" if args.endpoint_url else ""
            raise CliError(
                f"lineage table '{args.table}' not found (Region {client.meta.region_name}{where})"
            ) from None
        raise CliError(f"DynamoDB refused the query: {code}: {message}") from None
    except BotoCoreError as exc:
        raise CliError(f"DynamoDB query failed: {exc}") from None


# --------------------------------------------------------------------------- show


def _show(args: argparse.Namespace) -> int:
    client = _client(args)
    view: LineageView = _reading(args, client, lambda: lineage_of(client, args.table, args.job))
    sys.stdout.write(render_tree(view))
    return 0


def render_tree(view: LineageView) -> str:
    """A job, then its ancestors and its descendants as trees (see the module docstring)."""
    job = view.job
    nodes = view.nodes
    lines = [describe(job)]
    if job.parents:
        warm = job.warm_start_type or "warm start"
        lines.append(f"warm start: {warm} from {', '.join(job.parents)}")
    else:
        lines.append("warm start: none (no parents)")

    lines.append("ancestors (warm start is not recursive: only direct parents feed this job):")
    if not job.parents:
        lines.append("(none)")
    shown: set[str] = {job.key}

    def mark(node: JobNode, depth: int) -> str:
        if view.feeds(node.name):
            extra = "" if depth == 1 else ": also a direct parent"
            return f"[feeds {job.name}{extra}]"
        return "[ignored: not a direct parent]"

    def walk(names: Sequence[str], prefix: str, depth: int, up: bool) -> None:
        for index, name in enumerate(names):
            last = index == len(names) - 1
            node = nodes.get(lineage_key(name)) or JobNode(name=name, found=False)
            repeated = node.key in shown
            text = describe(node)
            if up:
                text += "  " + mark(node, depth)
            if repeated:
                text += "  (shown above)"
            lines.append(prefix + (_LAST if last else _BRANCH) + text)
            if repeated or not node.found:
                continue
            shown.add(node.key)
            below = node.parents if up else node.children
            walk(below, prefix + (_SPACE if last else _PIPE), depth + 1, up)

    walk(job.parents, "", 1, up=True)
    lines.append("descendants:")
    if not job.children:
        lines.append("(none)")
    shown = {job.key}
    walk(job.children, "", 1, up=False)
    return "\n".join(lines) + "\n"


def describe(node: JobNode) -> str:
    """One line: name, status, best objective value, and what else a reader needs."""
    if not node.found:
        return f"{node.name}  (no lineage item)"
    parts = [node.name, node.status or "status unknown"]
    best = best_text(node)
    if best:
        parts.append(best)
    if node.waiting and node.waiting_for:
        parts.append("waiting for " + ", ".join(node.waiting_for))
    if node.status == LaunchStatus.LAUNCH_FAILED.value and node.failure_reason:
        parts.append("reason: " + _shorten(node.failure_reason))
    if node.external:
        parts.append("(not launched by constructs_pkg)")
    if node.removed and node.status != LaunchStatus.CANCELLED.value:
        parts.append("(removed from its stack)")
    return "  ".join(parts)


def best_text(node: JobNode) -> str:
    """``best <metric>=<value>``, and the overall best when it differs."""
    best = _metric(node.best)
    overall = _metric(node.overall_best)
    if best and overall and overall != best:
        return f"best {best}, overall best {overall}"
    if best:
        return f"best {best}"
    return f"overall best {overall}" if overall else ""


def _metric(summary: Mapping[str, object]) -> str:
    value = summary.get("objectiveValue")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return ""
    metric = summary.get("objectiveMetric")
    label = metric if isinstance(metric, str) and metric else "objective"
    return f"{label}={value:g}"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_REASON_CHARS else text[: _MAX_REASON_CHARS - 1] + "…"


# --------------------------------------------------------------------------- waiting


def _waiting(args: argparse.Namespace) -> int:
    client = _client(args)

    def query() -> tuple[list[JobNode], dict[str, JobNode]]:
        jobs = waiting_jobs(client, args.table)
        parents = get_jobs(client, args.table, {p for job in jobs for p in job.waiting_for})
        return jobs, parents

    jobs, parents = _reading(args, client, query)
    sys.stdout.write(render_waiting(args.table, jobs, parents))
    return 0


def render_waiting(table: str, jobs: Sequence[JobNode], parents: Mapping[str, JobNode]) -> str:
    if not jobs:
        return f"no tuning job is waiting in lineage table '{table}'\n"
    rows = []
    for job in jobs:
        awaited = []
        for name in job.waiting_for or job.parents:
            parent = parents.get(lineage_key(name))
            status = parent.status if parent is not None else None
            awaited.append(f"{name} ({status or 'status unknown'})")
        since = job.data.get("createdAt")
        rows.append((job.name, ", ".join(awaited) or "-", since if isinstance(since, str) else ""))
    header = ("JOB", "WAITING FOR", "SINCE")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    lines = [
        f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- export


def _export(args: argparse.Namespace) -> int:
    client = _client(args)
    if args.job:
        view: LineageView = _reading(
            args, client, lambda: lineage_of(client, args.table, args.job)
        )
        nodes = list(view.nodes.values())
        relation = relations(view)
        root: str | None = view.job.name
    else:
        nodes = _reading(args, client, lambda: scan_jobs(client, args.table))
        relation, root = {}, None
    render = {"json": render_json, "mermaid": render_mermaid, "dot": render_dot}[args.format]
    sys.stdout.write(render(args.table, root, _ordered(nodes), relation))
    return 0


def relations(view: LineageView) -> dict[str, str]:
    """Each node's relation to the job: ``job``, ``feeds``, ``ignored`` or ``descendant``."""
    relation = {view.job.key: "job"}
    for generation in view.ancestors:
        for node in generation:
            relation[node.key] = "feeds" if view.feeds(node.name) else "ignored"
    for generation in view.descendants:
        for node in generation:
            relation.setdefault(node.key, "descendant")
    return relation


def _ordered(nodes: Iterable[JobNode]) -> list[JobNode]:
    """Parents before children (then by name), so every output reads top-down."""
    by_key = {node.key: node for node in nodes}
    depth: dict[str, int] = {}

    def level(key: str, trail: frozenset[str]) -> int:
        if key in depth:
            return depth[key]
        node = by_key.get(key)
        parents = [lineage_key(p) for p in node.parents] if node is not None else []
        known = [p for p in parents if p in by_key and p not in trail]
        depth[key] = 1 + max((level(p, trail | {key}) for p in known), default=-1)
        return depth[key]

    return sorted(by_key.values(), key=lambda n: (level(n.key, frozenset()), n.key))


def _edges(nodes: Sequence[JobNode]) -> list[tuple[JobNode, JobNode]]:
    by_key = {node.key: node for node in nodes}
    edges = []
    for child in nodes:
        for parent in child.parents:
            if lineage_key(parent) in by_key:
                edges.append((by_key[lineage_key(parent)], child))
    return edges


def render_json(
    table: str, root: str | None, nodes: Sequence[JobNode], relation: Mapping[str, str]
) -> str:
    jobs = []
    for node in nodes:
        entry: dict[str, object] = {
            "name": node.name,
            "found": node.found,
            "status": node.status,
            "warmStartType": node.warm_start_type,
            "parents": list(node.parents),
            "children": list(node.children),
            "waitingFor": list(node.waiting_for),
            "bestTrainingJob": dict(node.best) or None,
            "overallBestTrainingJob": dict(node.overall_best) or None,
            "trainingJobCounters": node.data.get("trainingJobCounters"),
            "failureReason": node.failure_reason,
            "external": node.external,
            "removed": node.removed,
            "arn": node.data.get("arn"),
        }
        if relation:
            entry["relation"] = relation.get(node.key)
        jobs.append(entry)
    edges = [
        {"parent": parent.name, "child": child.name, "warmStartType": child.warm_start_type}
        for parent, child in _edges(nodes)
    ]
    document = {"table": table, "job": root, "jobs": jobs, "edges": edges}
    return json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"


def _label_lines(node: JobNode) -> list[str]:
    lines = [node.name, node.status or "status unknown"]
    best = best_text(node)
    if best:
        lines.append(best)
    return lines


def render_mermaid(
    table: str, root: str | None, nodes: Sequence[JobNode], relation: Mapping[str, str]
) -> str:
    ids = {node.key: f"j{index}" for index, node in enumerate(nodes)}
    out = ["flowchart TD"]
    for node in nodes:
        label = "<br/>".join(_mermaid_text(line) for line in _label_lines(node))
        out.append(f'  {ids[node.key]}["{label}"]')
    for parent, child in _edges(nodes):
        kind = child.warm_start_type
        arrow = f" -- {_mermaid_text(kind)} --> " if kind else " --> "
        out.append(f"  {ids[parent.key]}{arrow}{ids[child.key]}")
    classes = {"job": "stroke-width:3px", "ignored": "stroke-dasharray: 5 5"}
    for name, style in classes.items():
        members = [ids[key] for key, rel in relation.items() if rel == name and key in ids]
        if members:
            out.append(f"  classDef {name} {style}")
            out.append(f"  class {','.join(members)} {name}")
    return "\n".join(out) + "\n"


def _mermaid_text(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "#quot;").replace("<", "&lt;")


def render_dot(
    table: str, root: str | None, nodes: Sequence[JobNode], relation: Mapping[str, str]
) -> str:
    out = ["digraph lineage {", "  rankdir=TB;", "  node [shape=box];"]
    for node in nodes:
        label = "\\n".join(_dot_text(line) for line in _label_lines(node))
        attributes = [f'label="{label}"']
        if relation.get(node.key) == "job":
            attributes.append("penwidth=3")
        if relation.get(node.key) == "ignored":
            attributes.append('style="dashed"')
        out.append(f'  "{_dot_text(node.name)}" [{", ".join(attributes)}];')
    for parent, child in _edges(nodes):
        kind = child.warm_start_type
        edge = f' [label="{_dot_text(kind)}"]' if kind else ""
        out.append(f'  "{_dot_text(parent.name)}" -> "{_dot_text(child.name)}"{edge};')
    out.append("}")
    return "\n".join(out) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
