"""Cost of one rate-limit check in a shared store: Redis (Flask-Limiter's own storage, the
``limits`` library) against a counter row in PostgreSQL, measured A/B in alternating rounds.

A check is what a limited request pays: "hit this key in the current window and tell me
whether it is over". Redis: ``FixedWindowRateLimiter.hit`` on ``RedisStorage`` (one INCR
and EXPIRE, the strategy Flask-Limiter uses by default) and, for reference, the moving
window (a Lua script). Database: one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` on a
(key, window) row in its own committed transaction, as a home-made limiter would need to do
(with ``synchronous_commit`` on, the default, and off, the cheapest a database can be).

    python bench/bench_limits.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/wf_bench \\
        --redis-url redis://127.0.0.1:6379/1 --rounds 6 --checks 2000

The database gets one table (bench_rate_counters), dropped at the end; the Redis keys live
under the prefix ``bench-limits`` and are removed at the end.
"""
from __future__ import annotations

import argparse
import statistics
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from sqlalchemy import create_engine, text

UPSERT = text(
    "INSERT INTO bench_rate_counters (key, window_start, hits) VALUES (:k, :w, 1) "
    "ON CONFLICT (key, window_start) DO UPDATE SET hits = bench_rate_counters.hits + 1 "
    "RETURNING hits")


def redis_checker(url: str, moving: bool):
    """One check against Redis through the ``limits`` library (what Flask-Limiter calls)."""
    storage = storage_from_string(url, key_prefix="bench-limits")
    limiter = (MovingWindowRateLimiter if moving else FixedWindowRateLimiter)(storage)
    limit = parse("1000000 per minute")
    namespace = "moving" if moving else "fixed"

    def check(key: str) -> bool:
        return limiter.hit(limit, namespace, key)
    return check, storage


def database_checker(engine, synchronous: bool):
    """One check as a counter row upserted in its own committed transaction."""
    def check(key: str) -> bool:
        with engine.begin() as conn:
            if not synchronous:
                conn.execute(text("SET LOCAL synchronous_commit = off"))
            window = int(time.time()) // 60
            return conn.execute(UPSERT, {"k": key, "w": window}).scalar_one() <= 1_000_000
    return check


def timed(check, checks: int, keys: int) -> float:
    """Median microseconds per check over ``checks`` calls spread over ``keys`` keys."""
    samples = []
    for i in range(checks):
        start = time.perf_counter()
        check(f"127.0.0.{i % keys}")
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--checks", type=int, default=2000)
    parser.add_argument("--keys", type=int, default=50)
    args = parser.parse_args()

    engine = create_engine(args.database_url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_rate_counters"))
        conn.execute(text("CREATE TABLE bench_rate_counters (key varchar(200), "
                          "window_start bigint, hits integer NOT NULL, "
                          "PRIMARY KEY (key, window_start))"))
    fixed, storage = redis_checker(args.redis_url, moving=False)
    moving, _ = redis_checker(args.redis_url, moving=True)
    contenders = {"redis fixed window": fixed, "redis moving window": moving,
                  "database upsert": database_checker(engine, synchronous=True),
                  "database upsert, synchronous_commit off":
                      database_checker(engine, synchronous=False)}
    for check in contenders.values():  # warm connections and caches
        timed(check, 200, args.keys)
    results: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    try:
        for round_no in range(args.rounds):
            order = names if round_no % 2 == 0 else names[::-1]  # A/B, then B/A
            for name in order:
                results[name].append(timed(contenders[name], args.checks, args.keys))
    finally:
        storage.reset()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS bench_rate_counters"))
    base = statistics.median(results["redis fixed window"])
    print(f"{args.rounds} alternating rounds x {args.checks} checks over {args.keys} keys")
    print(f"{'store':42} {'median µs/check':>16} {'rounds (µs)':>30} {'× redis':>8}")
    for name, values in results.items():
        middle = statistics.median(values)
        spread = ", ".join(f"{v:.0f}" for v in values)
        print(f"{name:42} {middle:16.0f} {spread:>30} {middle / base:8.1f}")


if __name__ == "__main__":
    main()
