"""``SweepWorkflow``: grid, random and successive-halving sweeps over fine-tune configs.

Trials run as training + eval children with bounded concurrency; a failed trial is recorded and
the sweep goes on. Successive halving promotes the best ``1/eta`` of each rung by training the same
run again to a larger budget, resuming from its own last checkpoint. The live leaderboard is a
query, an update stops the sweep early, and long sweeps continue-as-new carrying every trial.
"""

import asyncio
from datetime import datetime

from pydantic import ValidationError
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from bert_types.errors import INVALID_CONFIG
    from bert_types.names import (
        GET_LEADERBOARD_QUERY,
        STOP_SWEEP_UPDATE,
        SWEEP_WORKFLOW,
        TRAINING_TASK_QUEUE,
    )
    from bert_types.sweep import (
        StopSweepRequest,
        SweepConfig,
        SweepLeaderboard,
        SweepRungResult,
        SweepState,
        SweepStatus,
        SweepTrial,
        SweepTrialStatus,
        SweepWorkflowInput,
    )

    from bert_workflows.sweep_halving import promoted, rung_budgets, rung_sizes
    from bert_workflows.sweep_leaderboard import best_trial, ranked_trials
    from bert_workflows.sweep_sampling import sweep_points, trial_config, trial_run_id
    from bert_workflows.sweep_trial import TrialRungPlan, child_workflow_ids, run_trial_rung


@workflow.defn(name=SWEEP_WORKFLOW, failure_exception_types=[ValidationError])
class SweepWorkflow:
    """Runs a ``SweepConfig``; returns the final ``SweepLeaderboard``."""

    @workflow.init
    def __init__(self, input: SweepWorkflowInput) -> None:
        self._config: SweepConfig = input.config
        self._sweep_id = workflow.info().workflow_id
        self._state: SweepState = input.state or SweepState(
            trials=_initial_trials(input.config, self._sweep_id),
            started_at=workflow.now(),
        )
        halving = input.config.halving()
        num_trials = len(self._state.trials)
        if halving is None:
            self._rung_sizes = [num_trials]
            self._rung_budgets: list[float] = []
        else:
            self._rung_sizes = rung_sizes(num_trials, halving.eta, halving.max_rungs)
            self._rung_budgets = rung_budgets(
                halving.min_budget, halving.eta, len(self._rung_sizes)
            )
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._cancel_running = False
        self._started_this_run = 0
        self._status = SweepStatus.RUNNING
        self._finished_at: datetime | None = None

    @workflow.run
    async def run(self, input: SweepWorkflowInput) -> SweepLeaderboard:
        """Run every rung's trials, promote between rungs, and return the leaderboard."""
        if not self._state.trials:
            raise ApplicationError(
                "the sweep has no trials: the search space and num_trials give none",
                type=INVALID_CONFIG,
                non_retryable=True,
            )
        while not self._state.stopped:
            pending = self._pending_trials()
            if not pending:
                await workflow.wait_condition(lambda: not self._tasks)
                if self._state.stopped or not self._next_rung():
                    break
                continue
            if self._should_continue_as_new():
                await workflow.wait_condition(lambda: not self._tasks)
                if self._state.stopped:
                    break
                await workflow.wait_condition(workflow.all_handlers_finished)
                state = self._state.model_copy(
                    update={"workflow_runs": self._state.workflow_runs + 1}
                )
                workflow.continue_as_new(SweepWorkflowInput(config=self._config, state=state))
            await workflow.wait_condition(
                lambda: len(self._tasks) < self._config.max_concurrent_trials or self._state.stopped
            )
            if not self._state.stopped:
                self._start(pending[0])
        await workflow.wait_condition(lambda: not self._tasks)
        self._skip_pending()
        self._status = SweepStatus.STOPPED if self._state.stopped else SweepStatus.COMPLETED
        self._finished_at = workflow.now()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.leaderboard()

    @workflow.query(name=GET_LEADERBOARD_QUERY)
    def leaderboard(self) -> SweepLeaderboard:
        """The trials ranked best first, with statuses, rung and the best trial so far."""
        direction = self._config.objective.direction
        return SweepLeaderboard(
            sweep_id=self._sweep_id,
            status=self._status,
            algorithm=self._config.algorithm,
            objective=self._config.objective,
            trials=ranked_trials(self._state.trials, direction),
            best=best_trial(self._state.trials, direction),
            rung=self._state.rung,
            rung_sizes=self._rung_sizes,
            rung_budgets=self._rung_budgets,
            running=len(self._tasks),
            max_concurrent_trials=self._config.max_concurrent_trials,
            stop_reason=self._state.stop_reason,
            workflow_runs=self._state.workflow_runs,
            started_at=self._state.started_at,
            finished_at=self._finished_at,
        )

    @workflow.update(name=STOP_SWEEP_UPDATE)
    def stop(self, request: StopSweepRequest) -> SweepLeaderboard:
        """Start no more trials (optionally cancel those running); return the leaderboard now."""
        if not self._state.stopped:
            self._state.stopped = True
            self._state.stop_reason = request.reason or "stopped by request"
            self._skip_pending()
        if request.cancel_running:
            self._cancel_running = True
        return self.leaderboard()

    @stop.validator
    def _validate_stop(self, request: StopSweepRequest) -> None:
        if self._status is not SweepStatus.RUNNING:
            raise ApplicationError(
                f"sweep {self._sweep_id} has already {self._status.value}; there is nothing to "
                "stop (fetch its result instead)",
                type=INVALID_CONFIG,
                non_retryable=True,
            )
        escalates = request.cancel_running and not self._cancel_running and bool(self._tasks)
        if self._state.stopped and not escalates:
            raise ApplicationError(
                f"sweep {self._sweep_id} is already stopping ({self._state.stop_reason}) with "
                f"{len(self._tasks)} trial(s) running; send cancel_running=true to cancel them",
                type=INVALID_CONFIG,
                non_retryable=True,
            )

    def _pending_trials(self) -> list[SweepTrial]:
        return [
            trial
            for trial in self._state.trials
            if trial.status is SweepTrialStatus.PENDING and trial.rung == self._state.rung
        ]

    def _should_continue_as_new(self) -> bool:
        return (
            self._started_this_run >= self._config.max_trials_per_run
            or workflow.info().is_continue_as_new_suggested()
        )

    def _start(self, trial: SweepTrial) -> None:
        rung = self._state.rung
        budget = self._rung_budgets[rung] if self._rung_budgets else None
        trained_to = budget if budget is not None else _config_budget(self._config)
        training_id, eval_id = child_workflow_ids(self._sweep_id, trial.run_id, rung)
        previous = trial.latest_succeeded_rung()
        try:
            config = trial_config(self._config, trial.params, trial.run_id, budget)
        except ValidationError as error:
            self._record(trial, _invalid_trial(rung, trained_to, error))
            return
        plan = TrialRungPlan(
            rung=rung,
            budget=trained_to,
            config=config,
            training_workflow_id=training_id,
            eval_workflow_id=eval_id,
            training_task_queue=self._config.training_task_queue or TRAINING_TASK_QUEUE,
            eval_task_queue=self._config.eval_task_queue or workflow.info().task_queue,
            resume_from=trial.last_checkpoint if previous is not None else None,
        )
        trial.status = SweepTrialStatus.RUNNING
        self._started_this_run += 1
        self._tasks[trial.index] = asyncio.create_task(self._run_trial(trial, plan))

    async def _run_trial(self, trial: SweepTrial, plan: TrialRungPlan) -> None:
        try:
            outcome = await run_trial_rung(self._config, plan, lambda: self._cancel_running)
            self._record(trial, outcome.result)
            if outcome.model_path is not None:
                trial.model_path = outcome.model_path
            if outcome.last_checkpoint is not None:
                trial.last_checkpoint = outcome.last_checkpoint
            if outcome.result.status is SweepTrialStatus.SUCCEEDED:
                trial.metrics = outcome.metrics
        finally:
            del self._tasks[trial.index]

    def _record(self, trial: SweepTrial, result: SweepRungResult) -> None:
        trial.rungs.append(result)
        trial.status = result.status
        trial.error = result.error
        trial.error_type = result.error_type
        if result.status is SweepTrialStatus.SUCCEEDED:
            trial.metric = result.metric

    def _next_rung(self) -> bool:
        """Promote the best of the finished rung; ``False`` when there is no further rung."""
        rung = self._state.rung
        if rung + 1 >= len(self._rung_sizes):
            return False
        finished = [
            trial
            for trial in self._state.trials
            if trial.rung == rung and trial.status is SweepTrialStatus.SUCCEEDED
        ]
        keep = promoted(
            [(trial.index, trial.metric) for trial in finished],
            self._rung_sizes[rung + 1],
            self._config.objective.direction,
        )
        if not keep:
            return False
        for trial in finished:
            if trial.index in keep:
                trial.rung = rung + 1
                trial.status = SweepTrialStatus.PENDING
            else:
                trial.status = SweepTrialStatus.PRUNED
        self._state.rung = rung + 1
        return True

    def _skip_pending(self) -> None:
        for trial in self._state.trials:
            if trial.status is SweepTrialStatus.PENDING:
                trial.status = SweepTrialStatus.SKIPPED


def _initial_trials(config: SweepConfig, sweep_id: str) -> list[SweepTrial]:
    return [
        SweepTrial(index=index, run_id=trial_run_id(sweep_id, index), params=params)
        for index, params in enumerate(sweep_points(config))
    ]


def _config_budget(config: SweepConfig) -> float:
    base = config.base_config
    return float(base.max_steps) if base.max_steps is not None else base.num_epochs


def _invalid_trial(rung: int, budget: float, error: ValidationError) -> SweepRungResult:
    now = workflow.now()
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}" for item in error.errors()
    )
    return SweepRungResult(
        rung=rung,
        budget=budget,
        status=SweepTrialStatus.FAILED,
        error=f"the trial's parameters make an invalid BertFineTuneConfig: {problems}",
        error_type=INVALID_CONFIG,
        started_at=now,
        finished_at=now,
    )
