"""3. Inference throughput: run_bert_inference's core versus transformers.pipeline.

Same fine-tuned MiniLM run folder, batch size, truncation length and 2,000 real texts of varied
length (SST-2 validation, then RTE sentences). Model loading is timed apart on both sides and left
out of samples/s. Order: system, plain, system (the system figure is the mean of its two runs).
"""

import sys
import time
from pathlib import Path
from typing import Any

from bench.context import BenchContext
from bench.data import data_dir, inference_texts
from bench.harness import BenchResult, verdict
from bench.plain_hf import plain_pipeline_inference
from bench.profiling import maybe_profile
from bench.system_cores import fine_tune_config, train_in_process

NAME = "inference"
TITLE = "3 inference throughput"
TARGET = 1.5
BATCH_SIZE = 32
MAX_SEQ_LENGTH = 128


async def run(context: BenchContext) -> BenchResult:
    """Time both sides on the same texts and compare samples/s."""
    from bert_activities.inference import predict
    from bert_types import BertInferenceRequest
    from transformers import AutoConfig

    count = 100 if context.quick else 2000
    texts = inference_texts(count)
    work = context.folder(NAME)
    config = fine_tune_config(
        context.minilm(),
        data_dir() / "sst2",
        work,
        max_train_samples=64,
        max_eval_samples=32,
        max_steps=2,
        max_seq_length=MAX_SEQ_LENGTH,
    )
    model_dir = train_in_process(config, "inference-model").model_path

    def request(batch: list[str]) -> Any:
        return BertInferenceRequest(
            model_path=model_dir,
            texts=batch,
            batch_size=BATCH_SIZE,
            max_seq_length=MAX_SEQ_LENGTH,
        )

    start = time.perf_counter()
    predict(request(texts[:BATCH_SIZE]))
    system_load_s = time.perf_counter() - start

    system_runs: list[float] = []
    start = time.perf_counter()
    with maybe_profile(context.profile_dir, "inference_system"):
        first = predict(request(texts))
    system_runs.append(time.perf_counter() - start)

    plain = plain_pipeline_inference(Path(model_dir), texts, BATCH_SIZE, MAX_SEQ_LENGTH)

    start = time.perf_counter()
    second = predict(request(texts))
    system_runs.append(time.perf_counter() - start)

    label2id = AutoConfig.from_pretrained(model_dir).label2id
    plain_ids = [int(label2id[label]) for label in plain["labels"]]
    agreement = sum(a == b for a, b in zip(plain_ids, first.label_ids or [], strict=True)) / len(
        texts
    )
    if first.label_ids != second.label_ids:
        raise AssertionError("the two system runs disagree on labels: inference is not stable")

    system_s = sum(system_runs) / len(system_runs)
    system_rate = count / system_s
    plain_rate = count / plain["predict_s"]
    ratio = system_rate / plain_rate
    met, gap = verdict(ratio, TARGET, at_most=False)
    lengths = _token_lengths(model_dir, texts)
    return BenchResult(
        name=NAME,
        title=TITLE,
        plain=f"{plain_rate:,.1f} samples/s (pipeline)",
        system=f"{system_rate:,.1f} samples/s",
        ratio=round(ratio, 3),
        ratio_label="x faster",
        target=f">= {TARGET}x",
        target_met=met,
        gap=gap,
        figures={
            "plain_samples_per_s": round(plain_rate, 1),
            "plain_predict_s": plain["predict_s"],
            "plain_model_load_s": plain["load_s"],
            "system_samples_per_s": round(system_rate, 1),
            "system_predict_s_runs": [round(s, 3) for s in system_runs],
            "system_model_load_s": round(system_load_s, 3),
            "system_reported_samples_per_s": round(first.samples_per_s, 1),
            "label_agreement": round(agreement, 4),
            "token_length_mean": round(sum(lengths) / len(lengths), 1),
            "token_length_max": max(lengths),
        },
        workload={
            "texts": count,
            "sources": "SST-2 validation (872) then RTE validation/train sentence1+sentence2",
            "model": "all-MiniLM-L6-v2 fine-tuned 2 steps on 64 SST-2 rows (a completed run)",
            "batch_size": BATCH_SIZE,
            "max_seq_length": MAX_SEQ_LENGTH,
            "device": "cpu",
        },
        notes=[
            "The pipeline pads each batch to its longest text in input order under "
            "torch.no_grad; the core sorts by token length so batches hold texts of similar "
            "length, pads dynamically and runs under torch.inference_mode.",
        ],
    )


def _token_lengths(model_dir: str, texts: list[str]) -> list[int]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    encoded = tokenizer(texts, truncation=True, max_length=MAX_SEQ_LENGTH)
    return [len(ids) for ids in encoded["input_ids"]]


if __name__ == "__main__":
    from bench.runner import main

    sys.exit(main(only=NAME))
