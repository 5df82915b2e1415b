"""Fail early, with a clear message, when the suite's PostgreSQL or Redis is unreachable."""

import sys
from urllib.parse import urlparse


def main(database_url: str, redis_url: str) -> int:
    problems = []
    try:
        import psycopg

        url = urlparse(database_url)
        psycopg.connect(
            host=url.hostname,
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except Exception as exc:
        problems.append(
            f"PostgreSQL is unreachable at {database_url} ({exc}).\n"
            "  Start it (e.g. `pg_ctlcluster 15 main start`) or set TEST_DATABASE_URL."
        )
    try:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as exc:
        problems.append(
            f"Redis is unreachable at {redis_url} ({exc}).\n"
            "  Start it (e.g. `redis-server --daemonize yes`) or set TEST_REDIS_URL."
        )
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
