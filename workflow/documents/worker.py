"""A batch worker process: ``python -m workflow.documents.worker`` (see pool.py).

It reads length-prefixed pickles from stdin: first the app settings, then one request per
chunk of documents, each answered with one line on stdout (``ok <n>`` or ``error <why>``).
It exits when stdin closes or no request came for DOCUMENTS_WORKER_IDLE_SECONDS.

A layout makes many short-lived objects and reference cycles: the collector runs once per
chunk instead of all along, and never over what the worker loaded before its first chunk
(the app, the stylesheet and fonts: frozen), which halves the cost of each collection.
"""
from __future__ import annotations

import datetime as dt
import gc
import os
import pickle
import select
import sys

STDIN = 0


def read_message(timeout: float | None) -> dict | None:
    """The next request, or None when stdin closed or nothing came within ``timeout``."""
    if timeout is not None and not select.select([STDIN], [], [], timeout)[0]:
        return None
    header = _read_exact(8)
    if header is None:
        return None
    body = _read_exact(int.from_bytes(header, "big"))
    return None if body is None else pickle.loads(body)  # noqa: S301 - our parent wrote it


def _read_exact(size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = os.read(STDIN, missing)
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def main() -> None:
    start = read_message(None)
    if start is None:
        return
    from workflow import clock, create_app
    from workflow.documents import render
    from workflow.documents.jobs import render_chunk
    from workflow.extensions import db

    app = create_app(start["config"])
    # 0: the pool does not keep workers; this one ends when the job closes its stdin.
    idle = app.config.get("DOCUMENTS_WORKER_IDLE_SECONDS") or None
    with app.app_context():
        render.warm_up()
        gc.collect()
        gc.freeze()
        while (request := read_message(idle)) is not None:
            clock.reset()
            clock.travel(dt.timedelta(seconds=request["clock_offset"]))
            gc.disable()
            try:
                render_chunk(request["kind"], request["ids"], request["base_url"],
                             request["target"])
                answer = f"ok {len(request['ids'])}"
            except Exception as exc:  # the parent fails the job; the traceback goes to stderr
                app.logger.exception("document chunk failed")
                answer = f"error {type(exc).__name__}: {exc}".replace("\n", " ")[:500]
            finally:
                db.session.remove()
                gc.enable()
                gc.collect()
            sys.stdout.write(answer + "\n")
            sys.stdout.flush()
        db.engine.dispose()


if __name__ == "__main__":
    main()
