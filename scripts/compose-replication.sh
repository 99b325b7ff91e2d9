#!/usr/bin/env bash
# Mounted into the postgis container's /docker-entrypoint-initdb.d/ (docker-compose.yml): on the first
# initialisation of its data, lets the optional `replica` service stream from it (pg_basebackup -R).
set -euo pipefail
echo "host replication all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
