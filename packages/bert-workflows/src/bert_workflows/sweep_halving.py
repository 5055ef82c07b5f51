"""Successive-halving arithmetic: rung sizes, rung budgets and who is promoted (pure)."""

from collections.abc import Sequence

from bert_types.sweep import ObjectiveDirection


def rung_sizes(num_trials: int, eta: int, max_rungs: int | None = None) -> list[int]:
    """Trials admitted to each rung: ``n, n // eta, ...`` down to one (8, eta 2: 8, 4, 2, 1)."""
    if num_trials < 1 or eta < 2:
        raise ValueError(f"need num_trials >= 1 and eta >= 2, got {num_trials} and {eta}")
    sizes = [num_trials]
    while sizes[-1] > 1 and (max_rungs is None or len(sizes) < max_rungs):
        sizes.append(max(1, sizes[-1] // eta))
    return sizes


def rung_budgets(min_budget: float, eta: int, num_rungs: int) -> list[float]:
    """Total budget (epochs or steps) each rung trains its trials to: ``min_budget * eta**k``."""
    return [min_budget * eta**rung for rung in range(num_rungs)]


def promoted(
    candidates: Sequence[tuple[int, float | None]], keep: int, direction: ObjectiveDirection
) -> list[int]:
    """The ``keep`` best ``(index, metric)`` candidates, best first; ties go to the lower index.

    Candidates without a metric (failed) are never promoted.
    """
    scored = [(index, metric) for index, metric in candidates if metric is not None]
    sign = -1.0 if direction is ObjectiveDirection.MAXIMIZE else 1.0
    scored.sort(key=lambda item: (sign * item[1], item[0]))
    return [index for index, _ in scored[:keep]]
