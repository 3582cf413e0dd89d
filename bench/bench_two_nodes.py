"""The full two-node race (issue 15, item 4): 1,000 identical sign-offs, each sent to both
gunicorn nodes at the same instant; counts doubles (both landed) and the time taken.

The CI test (tests/production/test_two_nodes.py) runs WORKFLOW_TWO_NODE_RACES races (100);
this runs the same code with --races (default 1,000) on a database it empties first:

    python bench/bench_two_nodes.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/wf_bench --races 1000

Needs Redis (WORKFLOW_TEST_REDIS_URL, default redis://127.0.0.1:6379/1) and free ports in
WORKFLOW_TEST_PORTS (default 5140-5159).
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.factories import build_world  # noqa: E402
from tests.production.nodes import start_cluster  # noqa: E402
from tests.production.test_two_nodes import sign_off_races  # noqa: E402
from workflow import create_app  # noqa: E402
from workflow.extensions import rebuild_schema  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL; emptied first")
    parser.add_argument("--races", type=int, default=1000)
    args = parser.parse_args()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="wf-bench-uploads-")})
    with app.app_context():
        rebuild_schema()
        world = build_world()
        cluster = start_cluster(app)
        try:
            result = sign_off_races(app, world, cluster.nodes, args.races)
        finally:
            cluster.stop()
    outcomes = collections.Counter(tuple(pair) for pair in result["outcomes"])
    print(f"races {result['races']}, requests {result['requests']}, "
          f"doubles {result['doubles']}, {result['seconds']:.1f} s "
          f"({result['requests'] / result['seconds']:.0f} requests/s on two nodes)")
    print("outcomes per race:", dict(outcomes))
    sys.exit(1 if result["doubles"] else 0)


if __name__ == "__main__":
    main()
