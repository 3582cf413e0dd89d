"""A batch worker process: ``python -m workflow.documents.worker`` (spec on stdin).

WeasyPrint is CPU-bound Python, so one process lays out one document at a time; a batch
job spreads its chunks over a few of these processes. The parent (``jobs``) writes a
pickled spec to stdin — the app's settings, the clock offset, the document kind, the
base URL and this worker's chunks — and reads one line per finished chunk (the number
of documents in it) from stdout, to report progress.

A layout makes many short-lived objects and reference cycles: the collector runs once per
chunk instead of all along, and never over what the worker loaded before its first chunk
(the app, the stylesheet and fonts: frozen), which halves the cost of each collection.
"""
from __future__ import annotations

import datetime as dt
import gc
import pickle
import sys


def main() -> None:
    spec = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by our own parent process
    from workflow import clock, create_app
    from workflow.documents import render
    from workflow.documents.jobs import render_chunk
    from workflow.extensions import db

    clock.travel(dt.timedelta(seconds=spec["clock_offset"]))
    app = create_app(spec["config"])
    with app.app_context():
        render.warm_up()
        gc.collect()
        gc.freeze()
        for ids, target in spec["chunks"]:
            gc.disable()
            render_chunk(spec["kind"], ids, spec["base_url"], target)
            db.session.remove()
            gc.enable()
            gc.collect()
            print(len(ids), flush=True)


if __name__ == "__main__":
    main()
