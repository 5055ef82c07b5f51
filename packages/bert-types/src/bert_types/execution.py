"""Timeouts and retry bounds of the activities a workflow schedules."""

from pydantic import BaseModel, ConfigDict, Field


class ExecutionPolicy(BaseModel):
    """How long activities may take and how often they are retried.

    Bad input is never retried whatever ``*_max_attempts`` says; these bounds apply to crashes,
    lost workers and transient errors.
    """

    model_config = ConfigDict(extra="forbid")

    snapshot_timeout_s: float = Field(1800.0, gt=0, description="Start-to-close of a snapshot.")
    snapshot_max_attempts: int = Field(3, ge=1, le=100)
    fine_tune_timeout_s: float = Field(
        86400.0, gt=0, description="Start-to-close of one fine-tune attempt."
    )
    fine_tune_max_attempts: int = Field(
        5, ge=1, le=100, description="Attempts; each resumes from the newest checkpoint."
    )
    heartbeat_timeout_s: float = Field(
        60.0, ge=1, le=3600, description="A silent worker is declared lost after this long."
    )
    eval_timeout_s: float = Field(1800.0, gt=0, description="Start-to-close of eval/inference.")
    eval_max_attempts: int = Field(3, ge=1, le=100)
    retry_initial_interval_s: float = Field(1.0, gt=0, le=600)
    progress_interval_s: float = Field(
        15.0, ge=0.1, le=3600, description="How often training reports progress to its workflow."
    )
