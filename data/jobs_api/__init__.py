"""Jobs API 2.2: the SDK-based client (live settings, runs in progress) and the loopback stand-in workspace."""

from data.jobs_api.client import JobsApiError, JobsApiProvider
from data.jobs_api.loopback import LoopbackJobsApi

__all__ = ["JobsApiError", "JobsApiProvider", "LoopbackJobsApi"]
