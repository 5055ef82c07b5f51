"""Import every module of a package while refusing some top-level modules; print a JSON report.

Run as a script in a fresh interpreter (``python import_probe.py PACKAGE --refuse torch ...``) so
that nothing is imported before the refusal is in place. The report lists the modules imported,
the refused imports with the stack that asked for them, import errors, and which of ``--absent``
modules the interpreter could import at all (checked before anything else is imported).
"""

import argparse
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import pkgutil
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType


class RefuseImports(importlib.abc.MetaPathFinder):
    """A meta-path finder that records and refuses imports of the given top-level modules."""

    def __init__(self, refused: Sequence[str]) -> None:
        self.refused = frozenset(refused)
        self.attempts: list[dict[str, str]] = []

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Refuse ``fullname`` when its top-level package is refused; else let others find it."""
        if fullname.partition(".")[0] not in self.refused:
            return None
        frames = [
            frame
            for frame in traceback.extract_stack()[:-1]
            if not frame.filename.startswith("<frozen")
            and frame.filename not in (__file__, importlib.__file__)
        ]
        self.attempts.append(
            {"module": fullname, "stack": "".join(traceback.format_list(frames[-6:]))}
        )
        raise ModuleNotFoundError(f"import of {fullname!r} refused by the boundary test")


def _import_all(package_name: str, errors: list[dict[str, str]]) -> list[str]:
    def record(name: str) -> None:
        errors.append({"module": name, "error": traceback.format_exc()})

    try:
        package = importlib.import_module(package_name)
    except Exception:
        record(package_name)
        return []
    imported = [package_name]
    for info in pkgutil.walk_packages(package.__path__, f"{package_name}.", onerror=record):
        try:
            importlib.import_module(info.name)
        except Exception:
            record(info.name)
        else:
            imported.append(info.name)
    return imported


def main() -> None:
    """Parse arguments, import everything, print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("package", help="import name of the package to walk, e.g. bert_workflows")
    parser.add_argument("--refuse", nargs="*", default=[], help="top-level modules to refuse")
    parser.add_argument("--absent", nargs="*", default=[], help="modules to look up first")
    arguments = parser.parse_args()

    findable = {name: importlib.util.find_spec(name) is not None for name in arguments.absent}
    refuser = RefuseImports(arguments.refuse)
    sys.meta_path.insert(0, refuser)
    errors: list[dict[str, str]] = []
    imported = _import_all(arguments.package, errors)
    loaded = sorted(name for name in sys.modules if name.partition(".")[0] in refuser.refused)
    report = {
        "imported": imported,
        "errors": errors,
        "refused": refuser.attempts,
        "loaded_refused": loaded,
        "findable": findable,
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
