"""Keep the learning rate on schedule when a run resumes with a larger budget.

The Trainer restores the optimizer (whose learning rate is the old schedule's last value, 0 at the
end of a linear decay) and the scheduler's step count, then builds the schedule for the new total;
but the restored optimizer keeps its stale rate for the first step after resuming. Successive
halving resumes every promoted trial with a larger budget, so this callback sets the optimizer's
rate to the new schedule's value at the resumed step before training starts. On a fresh run or a
resume with the same budget the rate is already that value, so nothing changes.
"""

from typing import Any


def schedule_sync_callback() -> Any:
    """A ``TrainerCallback`` applying :func:`sync_learning_rate` when training begins."""
    from transformers import TrainerCallback

    class ResumeScheduleCallback(TrainerCallback):
        """Re-applies the scheduler's rate to the optimizer once optimizer and scheduler load."""

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
            sync_learning_rate(kwargs.get("optimizer"), kwargs.get("lr_scheduler"))
            return control

    return ResumeScheduleCallback()


def sync_learning_rate(optimizer: Any, scheduler: Any) -> list[float] | None:
    """Set each parameter group's rate to the ``LambdaLR`` schedule at its current step.

    Returns the rates set, or ``None`` when there is no optimizer or no lambda schedule.
    """
    lambdas = getattr(scheduler, "lr_lambdas", None)
    if optimizer is None or lambdas is None:
        return None
    step = int(scheduler.last_epoch)
    rates = [
        float(base) * float(rate_at(step))
        for base, rate_at in zip(scheduler.base_lrs, lambdas, strict=True)
    ]
    for group, rate in zip(optimizer.param_groups, rates, strict=True):
        group["lr"] = rate
    scheduler._last_lr = list(rates)
    return rates
