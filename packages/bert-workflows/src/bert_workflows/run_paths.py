"""Run ids and folders as workflows compute them: pure string functions, safe for replay."""

from bert_types.run_id import derive_run_id


def join_path(root: str, name: str) -> str:
    """``<root>/<name>`` without touching the file system (the workers resolve it)."""
    return f"{root.rstrip('/')}/{name}" if root not in ("", "/") else f"{root}{name}"


def canonical_run_id(explicit: str | None, workflow_id: str) -> str:
    """The explicit run id, else one derived from the workflow id."""
    return explicit if explicit is not None else derive_run_id(workflow_id)
