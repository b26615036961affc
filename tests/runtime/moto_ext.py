"""What the runtime tests add to moto 5.2.5's SageMaker, in the in-process server.

moto lacks ``StopHyperParameterTuningJob`` (the server answers HTTP 500), and its
``AddTags`` appends a second tag under a key that is already there, where SageMaker
replaces the value. :func:`install` patches moto's backend and response classes so the
threaded server behaves as SageMaker documents; the handler under test does not know.

* Stop: an unknown name gives ``ResourceNotFound``; a job that is not ``InProgress``
  gives a ``ValidationException`` whose text contains "already" (what SageMaker and
  Terraform's provider rely on); otherwise the job becomes ``Stopping``.
* AddTags: a key that exists gets the new value.
"""

from __future__ import annotations

from typing import Any

_installed = False


def install() -> None:
    """Patch moto's SageMaker classes (idempotent)."""
    global _installed
    if _installed:
        return
    from moto.core.responses import EmptyResult
    from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    def stop_hyper_parameter_tuning_job(self: Any, hyper_parameter_tuning_job_name: str) -> None:
        job = self.hyper_parameter_tuning_jobs.get(hyper_parameter_tuning_job_name)
        if job is None:
            raise ResourceNotFound(
                message=f"Could not find hyper parameter tuning job "
                f"'{hyper_parameter_tuning_job_name}'."
            )
        status = job.hyper_parameter_tuning_job_status
        if status != "InProgress":
            raise ValidationError(
                message=f"The hyperparameter tuning job {hyper_parameter_tuning_job_name} "
                f"is already {status}."
            )
        job.hyper_parameter_tuning_job_status = "Stopping"

    def stop_response(self: Any) -> Any:
        self.sagemaker_backend.stop_hyper_parameter_tuning_job(
            hyper_parameter_tuning_job_name=self._get_param("HyperParameterTuningJobName")
        )
        return EmptyResult()

    def add_tags(self: Any, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        resource = self._get_resource_from_arn(arn)
        new = {tag["Key"]: tag["Value"] for tag in tags}
        kept = [tag for tag in (resource.tags or []) if tag["Key"] not in new]
        resource.tags = kept + [{"Key": k, "Value": v} for k, v in new.items()]
        return list(resource.tags)

    SageMakerModelBackend.stop_hyper_parameter_tuning_job = stop_hyper_parameter_tuning_job
    SageMakerModelBackend.add_tags = add_tags
    SageMakerResponse.stop_hyper_parameter_tuning_job = stop_response
    _installed = True


def set_training_job_counters(backend: Any, name: str, **counters: int) -> None:
    """Set a tuning job's ``TrainingJobStatusCounters`` (moto's are canned: Completed=1)."""
    job = backend.hyper_parameter_tuning_jobs[name]
    job.training_job_status_counters = {
        "Completed": 0,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 0,
        "Stopped": 0,
        **counters,
    }
