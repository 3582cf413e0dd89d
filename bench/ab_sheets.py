"""A/B of approval-sheet rendering: this checkout against another git revision, alternately.

This machine's speed drifts by up to 1.5x within an hour, so two benchmark runs made at
different times cannot tell a 10 % change. This script renders the same filed cases with
both code versions in alternating processes (``--rounds`` each) and reports the CPU
milliseconds per sheet of each round, in batch-worker conditions (chunks of 25 sheets,
one PDF per chunk, collection once per chunk).

    python bench/ab_sheets.py --against cb8a9c8          # builds 60 cases in /tmp first
    python bench/ab_sheets.py --against HEAD~1 --rounds 5

The revision is checked out with ``git worktree`` under /tmp (left for the next run); both
versions must read the same schema (no migration between them).
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRATCH = Path(tempfile.gettempdir())
DATABASE = SCRATCH / "wf-ab-sheets.sqlite"


def render_round(code_root: str) -> float:
    """CPU ms per sheet for 100 sheets rendered by the code under ``code_root``."""
    sys.path.insert(0, code_root)
    from workflow import create_app
    from workflow.documents.jobs import render_chunk
    from workflow.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{DATABASE}"})
    target = str(SCRATCH / f"wf-ab-{os.getpid()}.pdf")
    with app.app_context():
        render_chunk("sheet", [1, 2], "http://127.0.0.1/", target)  # warm
        gc.collect()
        gc.freeze()
        started = time.process_time()
        for k in range(4):
            gc.disable()
            first = 1 + 25 * (k % 2)
            render_chunk("sheet", list(range(first, first + 25)), "http://127.0.0.1/", target)
            db.session.remove()
            gc.enable()
            gc.collect()
        os.remove(target)
        return (time.process_time() - started) * 1000 / 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", required=True, help="git revision to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--round", help=argparse.SUPPRESS)  # internal: one measuring process
    args = parser.parse_args()
    if args.round:
        print(f"{render_round(args.round):.1f}")
        return
    if not os.path.exists(DATABASE):
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_documents import build

        from workflow import create_app

        build(create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{DATABASE}"}), 60)
    other = str(SCRATCH / f"wf-ab-{args.against.replace('/', '_').replace('~', '-')}")
    if not os.path.exists(other):
        subprocess.run(["git", "worktree", "add", "-f", other, args.against],  # noqa: S603, S607
                       cwd=ROOT, check=True, capture_output=True)
    results: dict[str, list[float]] = {"this checkout": [], args.against: []}
    for _ in range(args.rounds):
        for name, code_root in ((args.against, other), ("this checkout", str(ROOT))):
            out = subprocess.run([sys.executable, __file__, "--against", args.against,  # noqa: S603
                                  "--round", code_root], capture_output=True, text=True,
                                 check=True, cwd=code_root)
            results[name].append(float(out.stdout.strip().splitlines()[-1]))
    for name, values in results.items():
        print(f"{name:>16}: median {statistics.median(values):6.1f} ms/sheet CPU  "
              f"(rounds: {', '.join(f'{v:.1f}' for v in values)})")


if __name__ == "__main__":
    main()
