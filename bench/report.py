"""Render ``bench/results/latest.json`` into the generated section of ``docs/BENCHMARKS.md``.

``python bench/report.py [--results bench/results/latest.json] [--doc docs/BENCHMARKS.md]``
replaces the text between the two ``bench:generated`` markers and leaves the rest of the page.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench.harness import REPO_ROOT, RESULTS_DIR

START = "<!-- bench:generated:start (python bench/report.py rewrites this part) -->"
END = "<!-- bench:generated:end -->"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = []
        for key, inner in value.items():
            items.extend(_flatten(f"{prefix}.{key}" if prefix else str(key), inner))
        return items
    return [(prefix, value)]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(str, value[:8]))}, … ({len(value)} items)]"
    return str(value)


def render(latest: dict[str, Any]) -> str:
    """The generated markdown: run and machine, summary table, then each benchmark's figures."""
    machine = latest["machine_at_start"]
    lines = [
        f"Run: {latest['started_at']} → {latest['finished_at']} UTC, commit "
        f"`{machine['git_commit']}`, {'QUICK (smoke sizes)' if latest['quick'] else 'full sizes'}.",
        "",
        f"Machine: {machine['cpu_model']}, {machine['logical_cpus']} logical CPUs, "
        f"{machine['memory_gib']} GiB RAM, no GPU; Python {machine['python']}, torch "
        f"{machine['torch']} (CPU, {machine['torch_threads']} threads), transformers "
        f"{machine['transformers']}. Load average at start {machine['load_average']}, at end "
        f"{latest['load_average_at_end']}.",
        "",
        "| benchmark | plain HF | bert-parallel | ratio | target | met | machine during run |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in latest["results"]:
        ratio = (
            f"{result['ratio']:.3f} {result['ratio_label']}" if result["ratio"] is not None else "-"
        )
        if result["status"] != "ok":
            met = result["status"].upper()
        elif result["target_met"] is None:
            met = "-"
        else:
            met = "yes" if result["target_met"] else f"**no** ({result['gap']})"
        during = result.get("machine_during") or {}
        machine_cell = (
            f"CPU busy {during.get('cpu_busy_mean_pct', '?')}%, load "
            f"{during.get('load_1min_min', '?')} to {during.get('load_1min_max', '?')}"
            if during
            else "-"
        )
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    result["title"],
                    result["plain"] or "-",
                    result["system"] or "-",
                    ratio,
                    result["target"] or "-",
                    met,
                    machine_cell,
                )
            )
            + " |"
        )
    for result in latest["results"]:
        lines += ["", f"### {result['title']}", ""]
        if result["status"] != "ok":
            lines.append(f"**{result['status']}**: {result.get('error')}")
            continue
        lines.append(
            f"Took {result['duration_s']:.0f}s. Workload: "
            + "; ".join(f"{key} {_format(value)}" for key, value in result["workload"].items())
            + "."
        )
        lines += ["", "<details><summary>all figures</summary>", ""]
        lines += [f"- `{key}`: {_format(value)}" for key, value in _flatten("", result["figures"])]
        lines += ["", "</details>", ""]
        lines += [f"- {note}" for note in result["notes"]]
    return "\n".join(lines)


def update_doc(doc: Path, generated: str) -> None:
    """Replace the marked section of ``doc`` (append one when the markers are missing)."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    block = f"{START}\n\n{generated}\n\n{END}"
    if START in text and END in text:
        head, _, rest = text.partition(START)
        _, _, tail = rest.partition(END)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    doc.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Render the results file into the doc."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR / "latest.json")
    parser.add_argument("--doc", type=Path, default=REPO_ROOT / "docs" / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    latest = json.loads(args.results.read_text(encoding="utf-8"))
    update_doc(args.doc, render(latest))
    print(f"updated {args.doc} from {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
