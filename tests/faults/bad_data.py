"""Small datasets and folders for the fault suite: one good, many malformed in one specific way."""

import csv
import json
from dataclasses import dataclass
from pathlib import Path

LARGE_EVAL_ROWS = 8000
"""Rows of the validation split that an evaluation takes a few seconds over."""


@dataclass(frozen=True)
class FaultData:
    """Paths of the suite's datasets and non-model folders."""

    sst2: Path
    """Folder with train.jsonl (2 classes) and validation.jsonl: the good dataset."""
    sst2_large_eval: Path
    """Folder whose validation split holds ``LARGE_EVAL_ROWS`` rows: an eval of some seconds."""
    trec: Path
    """Folder with train.jsonl (6 string classes) and validation.jsonl."""
    no_text_column: Path
    no_label_column: Path
    mixed_type_labels: Path
    nan_regression_labels: Path
    header_only: Path
    single_row: Path
    """One training row and no eval split: nothing is left once an eval share is held out."""
    non_utf8: Path
    not_a_model: Path


def _rows(path: Path, limit: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if len(rows) >= limit:
                break
            rows.append(json.loads(line))
    return rows


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def build_fault_data(root: Path, shared_data: Path) -> FaultData:
    """Write every dataset of the suite under ``root`` from the real SST-2 and TREC files."""
    sst2_train = _rows(shared_data / "sst2" / "train.jsonl", LARGE_EVAL_ROWS)
    sst2_validation = _rows(shared_data / "sst2" / "validation.jsonl", 64)
    trec_train = _rows(shared_data / "trec" / "train.jsonl", 256)
    trec_test = _rows(shared_data / "trec" / "test.jsonl", 64)

    sst2 = root / "sst2"
    _write_jsonl(sst2 / "train.jsonl", sst2_train[:512])
    _write_jsonl(sst2 / "validation.jsonl", sst2_validation)

    sst2_large_eval = root / "sst2-large-eval"
    _write_jsonl(sst2_large_eval / "train.jsonl", sst2_train[:64])
    _write_jsonl(sst2_large_eval / "validation.jsonl", sst2_train[:LARGE_EVAL_ROWS])

    trec = root / "trec"
    _write_jsonl(trec / "train.jsonl", trec_train)
    _write_jsonl(trec / "validation.jsonl", trec_test)

    no_text_column = root / "no-text-column"
    _write_jsonl(
        no_text_column / "train.jsonl",
        [{"id": index, "score": index * 0.5, "label": index % 2} for index in range(64)],
    )

    no_label_column = root / "no-label-column"
    _write_jsonl(
        no_label_column / "train.jsonl", [{"sentence": r["sentence"]} for r in sst2_train[:64]]
    )

    mixed_type_labels = root / "mixed-type-labels"
    _write_jsonl(
        mixed_type_labels / "train.jsonl",
        [
            {"sentence": row["sentence"], "label": "positive" if index == 40 else row["label"]}
            for index, row in enumerate(sst2_train[:64])
        ],
    )

    nan_regression_labels = root / "nan-regression-labels"
    _write_csv(
        nan_regression_labels / "train.csv",
        ["sentence", "label"],
        [
            [row["sentence"], "nan" if index == 7 else float(index % 5) / 4]
            for index, row in enumerate(sst2_train[:64])
        ],
    )

    header_only = root / "header-only"
    _write_csv(header_only / "train.csv", ["sentence", "label"], [])
    _write_csv(header_only / "validation.csv", ["sentence", "label"], [])

    single_row = root / "single-row"
    _write_jsonl(single_row / "train.jsonl", sst2_train[:1])

    non_utf8 = root / "non-utf8"
    non_utf8.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in sst2_train[:64]]
    lines[10] = '{"sentence": "un caf\u00e9 tr\u00e8s cr\u00e9meux", "label": 1}'
    (non_utf8 / "train.jsonl").write_bytes(("\n".join(lines) + "\n").encode("latin-1"))

    not_a_model = root / "not-a-model"
    not_a_model.mkdir(parents=True, exist_ok=True)
    (not_a_model / "README.txt").write_text("a folder without config.json or weights\n")

    return FaultData(
        sst2=sst2,
        sst2_large_eval=sst2_large_eval,
        trec=trec,
        no_text_column=no_text_column,
        no_label_column=no_label_column,
        mixed_type_labels=mixed_type_labels,
        nan_regression_labels=nan_regression_labels,
        header_only=header_only,
        single_row=single_row,
        non_utf8=non_utf8,
        not_a_model=not_a_model,
    )
