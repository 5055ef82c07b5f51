"""Run the workflow worker with torch & co. refused: ``python torch_blocked_worker.py [flags]``.

A ``sys.meta_path`` finder installed before anything else raises ``ImportError`` for torch,
transformers, datasets, accelerate and bert_activities and records the attempt on stderr, so a
workflow worker that needs any of them crashes instead of silently loading them.
"""

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

REFUSED = frozenset({"torch", "transformers", "datasets", "accelerate", "bert_activities"})


class RefuseHeavyImports(importlib.abc.MetaPathFinder):
    """Refuse imports of the ML stack and of the activities package."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname.partition(".")[0] in REFUSED:
            print(f"REFUSED IMPORT in workflow worker: {fullname}", file=sys.stderr, flush=True)
            raise ImportError(f"{fullname} must not be imported by the workflow worker")
        return None


if __name__ == "__main__":
    sys.meta_path.insert(0, RefuseHeavyImports())
    from bert_workflows.worker import exit_without_teardown, run

    run(sys.argv[1:])
    leaked = sorted(name for name in sys.modules if name.partition(".")[0] in REFUSED)
    print(f"heavy modules loaded at exit: {leaked}", file=sys.stderr, flush=True)
    exit_without_teardown(3 if leaked else 0)
