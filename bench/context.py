"""What a benchmark gets: quick or full sizes, a temp folder, shared models, the local stack."""

from dataclasses import dataclass, field
from pathlib import Path

from bench.data import classifier_dir, minilm_dir, tiny_bert_dir
from bench.local_stack import LocalStack


@dataclass
class BenchContext:
    """Shared state of one ``run_all`` invocation."""

    quick: bool
    work_dir: Path
    profile_dir: Path | None = None
    warm_up_s: float | None = None
    _stack: LocalStack | None = field(default=None, repr=False)

    def folder(self, name: str) -> Path:
        """A fresh folder ``name`` under this run's temp folder."""
        path = self.work_dir / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def minilm(self) -> Path:
        """all-MiniLM-L6-v2 (sentence-transformers base model, no classification head)."""
        return minilm_dir()

    def minilm_classifier(self) -> Path:
        """MiniLM with a seeded 2-label head and its tokenizer, saved once per run."""
        return classifier_dir(self.minilm(), self.work_dir / "minilm-classifier")

    def tiny_bert(self) -> Path:
        """The test suite's tiny random BERT, built once per run."""
        return tiny_bert_dir(self.work_dir / "tiny-bert")

    async def stack(self) -> LocalStack:
        """The shared local stack (server + one worker per fleet), started and warmed on first use.

        Warm: one tiny experiment ran through it, so every worker has imported torch and
        transformers (``warm_up_s`` holds how long that first experiment took).
        """
        if self._stack is None:
            from bench.experiments import warm_up

            stack = LocalStack(self.work_dir / "stack")
            try:
                await stack.start()
                self.warm_up_s = await warm_up(stack, self.tiny_bert())
            except BaseException:
                await stack.close()
                raise
            self._stack = stack
        return self._stack

    async def close(self) -> None:
        """Stop the local stack if one was started."""
        if self._stack is not None:
            await self._stack.close()
            self._stack = None
