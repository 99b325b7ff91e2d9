#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "geo_ioc.settings")
    from django.core.management import execute_from_command_line

    from geo_ioc.statement_timeouts import use_jobs_timeout

    # Commands are jobs (imports, loads, seeding) with the jobs' statement timeout
    # (geo_ioc.statement_timeouts); runserver serves the web's.
    if sys.argv[1:2] != ["runserver"]:
        use_jobs_timeout()
    execute_from_command_line(sys.argv)
