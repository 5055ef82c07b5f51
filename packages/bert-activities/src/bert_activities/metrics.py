"""Evaluation metrics: accuracy, macro F1 / precision / recall and per-class F1; or MSE, RMSE,
Pearson and Spearman for regression."""

import logging
import math
import re
from collections.abc import Sequence

logger = logging.getLogger(__name__)


def classification_metrics(
    true_ids: Sequence[int], predicted_ids: Sequence[int], label_names: Sequence[str]
) -> dict[str, float]:
    """Accuracy, macro precision / recall / F1 over the classes that occur, and F1 per class."""
    total = len(true_ids)
    correct = sum(1 for t, p in zip(true_ids, predicted_ids, strict=True) if t == p)
    metrics: dict[str, float] = {"accuracy": correct / total if total else 0.0}
    occurring = sorted(set(true_ids) | set(predicted_ids))
    precisions, recalls, f1s = [], [], []
    per_class: dict[int, float] = {}
    for label in range(len(label_names)):
        tp = sum(1 for t, p in zip(true_ids, predicted_ids, strict=True) if t == p == label)
        fp = sum(1 for t, p in zip(true_ids, predicted_ids, strict=True) if p == label != t)
        fn = sum(1 for t, p in zip(true_ids, predicted_ids, strict=True) if t == label != p)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = f1
        if label in occurring:
            precisions.append(precision)
            recalls.append(recall)
            f1s.append(f1)
    metrics["precision_macro"] = sum(precisions) / len(precisions) if precisions else 0.0
    metrics["recall_macro"] = sum(recalls) / len(recalls) if recalls else 0.0
    metrics["f1_macro"] = sum(f1s) / len(f1s) if f1s else 0.0
    for label, f1 in per_class.items():
        metrics[f"f1_{_metric_name(label_names[label])}"] = f1
    return metrics


def _metric_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label) or "empty"


def regression_metrics(targets: Sequence[float], predictions: Sequence[float]) -> dict[str, float]:
    """MSE, RMSE, Pearson and Spearman; an undefined correlation (constant input) is 0.0."""
    from scipy.stats import pearsonr, spearmanr

    count = len(targets)
    mse = sum((t - p) ** 2 for t, p in zip(targets, predictions, strict=True)) / count
    metrics = {"mse": mse, "rmse": math.sqrt(mse)}
    constant = len(set(targets)) < 2 or len(set(predictions)) < 2
    if constant:
        logger.warning("correlations undefined for constant targets or predictions: reported 0.0")
        metrics["pearson"] = 0.0
        metrics["spearman"] = 0.0
    else:
        metrics["pearson"] = float(pearsonr(targets, predictions).statistic)
        metrics["spearman"] = float(spearmanr(targets, predictions).statistic)
    return {name: value if math.isfinite(value) else 0.0 for name, value in metrics.items()}
