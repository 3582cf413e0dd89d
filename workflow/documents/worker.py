"""A batch worker process: ``python -m workflow.documents.worker`` (spec on stdin).

WeasyPrint is CPU-bound Python, so one process lays out one document at a time; a batch
job spreads its chunks over a few of these processes. The parent (``jobs``) writes a
pickled spec to stdin — the app's settings, the clock offset, the document kind, the
base URL and this worker's chunks — and reads one line per finished chunk (the number
of documents in it) from stdout, to report progress.
"""
from __future__ import annotations

import datetime as dt
import gc
import pickle
import sys


def main() -> None:
    spec = pickle.load(sys.stdin.buffer)  # noqa: S301 - written by our own parent process
    from workflow import clock, create_app
    from workflow.documents.jobs import render_chunk
    from workflow.extensions import db

    clock.travel(dt.timedelta(seconds=spec["clock_offset"]))
    app = create_app(spec["config"])
    with app.app_context():
        for ids, target in spec["chunks"]:
            # A layout makes many short-lived objects; collecting once per chunk instead
            # of all along saves about 5 % in this process, which does nothing else.
            gc.disable()
            render_chunk(spec["kind"], ids, spec["base_url"], target)
            db.session.remove()
            gc.enable()
            gc.collect()
            print(len(ids), flush=True)


if __name__ == "__main__":
    main()
