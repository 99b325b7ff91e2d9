"""How gunicorn serves Geo IOC: `make run` (scripts/app.sh), Docker (scripts/docker-entrypoint.sh)
and the tiles bench (bench/tiles_servers.py) all start it with `-c geo_ioc/gunicorn_conf.py`, so the
bench measures the app as it is served. Workers, address and logs are given on each command line.

gthread, not sync: a map asks for dozens of tiles at once over a few keep-alive connections per
browser. A sync worker closes the connection after every response and holds a process per slow
client; gthread keeps connections open and overlaps the waits on PostgreSQL, Redis and COG reads.
Measured with wrk on cached z14 tiles (2 workers, 8 keep-alive clients, a shared 2-core machine):
gthread with 4 threads served 1.0-4× the requests of sync workers over four side-by-side runs.
"""

worker_class = "gthread"
threads = 4
keepalive = 30  # seconds an idle keep-alive connection is held
timeout = 120
