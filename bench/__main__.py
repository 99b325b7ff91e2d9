"""`make bench`: the benchmarks, side by side with their anchors in one run; medians and ratios.

Runs against a database of its own (`<name>_bench` next to the configured one), so bench data never
shows up in the catalog of the running platform.
"""

import argparse
import importlib
import os
import sys
from pathlib import Path

import environ

from bench import report

# Each module has run(args) -> list[report.Row]; they run in this order, in one process.
BENCHES = ["geojson_bench", "imports_bench", "tiles_bench", "counts_bench", "monitoring_bench", "alerts_bench",
           "alert_views_bench",
           "ogc_bench", "feedback_bench", "analysis_bench", "table_bench", "load_scenario"]


def _use_bench_database() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_ioc.settings")
    env = environ.Env()
    # Not settings.BASE_DIR: reading settings here would fix DATABASES to the platform's database
    # before DATABASE_URL points at the bench one.
    base = Path(__file__).resolve().parent.parent
    if (base / "var" / "local.env").is_file():
        environ.Env.read_env(base / "var" / "local.env", overwrite=False)
    url = env.db_url("DATABASE_URL")
    name = url["NAME"] + "_bench"
    os.environ["DATABASE_URL"] = env.str("DATABASE_URL").rsplit("/", 1)[0] + "/" + name


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--points", type=int, default=200_000, help="size of the bench point layer")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per measurement")
    parser.add_argument("--only", action="append", choices=BENCHES, help="run only these benches")
    parser.add_argument("--load-minutes", type=float, default=10, help="length of the load scenario")
    parser.add_argument("--load-users", type=int, default=50, help="dashboard users of the load scenario")
    parser.add_argument("--load-port", type=int, default=int(os.environ.get("PORT", "8000")),
                        help="port of the platform `make run` started, which the load scenario loads")
    parser.add_argument("--load-playlist", default="long-an-ioc", help="the wall playlist the scenario's wall plays")
    parser.add_argument("--load-ramp-seconds", type=float, default=20, help="length of each step of the tile ramp")
    args = parser.parse_args()

    _use_bench_database()
    from bench.database import ensure_bench_database
    from geo_ioc.statement_timeouts import use_jobs_timeout

    # Before the first connection (the migration's): the bench loads millions of rows and builds their
    # indexes as an import job does, under the jobs' statement timeout, not the web's (which cancelled
    # the 1M-point layer's search-text index build).
    use_jobs_timeout()

    ensure_bench_database()
    import django

    django.setup()
    rows = []
    for name in args.only or BENCHES:
        module = importlib.import_module(f"bench.{name}")
        rows += module.run(args)
    report.print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
