"""Deploy-time runtime: the custom-resource Lambda that launches tuning jobs.

The Lambda asset holds ``constructs_pkg/__init__.py``, ``constructs_pkg/core/`` and this
package, and nothing else: no ``aws_cdk``, no dependency beyond the boto3 and botocore of
the Lambda Python runtime. Importing any module here creates no client and loads no
service model; that happens on the first event.

Entry points: :func:`constructs_pkg.runtime.handler.on_event` (the custom resource, behind
the Provider framework) and :func:`constructs_pkg.runtime.events.on_event` (EventBridge:
SageMaker tuning-job state changes and the scheduled sweep, which launch waiting jobs and
keep lineage records current). :mod:`constructs_pkg.runtime.queries` reads the lineage.
"""
