# Thin on purpose: the work is done by scripts/*.sh. Settings come from the environment or the
# command line (make run PORT=8001); README "Configuration" lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run test stop status bench reset backup restore

help: ## List the targets
	@echo "Geo IOC targets:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-z]+:.*## / {printf "  make %-7s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## Install what is missing, start PostgreSQL, Redis, web, worker, beat (demo world on first run)
	@bash scripts/run.sh

test: ## Same set-up, then the whole test suite (PYTEST_ARGS='-k tiles -x' to narrow it)
	@bash scripts/test.sh

stop: ## Stop web, worker, beat and the private Redis and PostgreSQL
	@bash scripts/stop.sh

status: ## Show which processes are running
	@bash scripts/status.sh

bench: ## Install the bench extras and run the benchmarks (BENCH_ARGS passed on)
	@bash scripts/bench.sh

backup: ## Back up the database and media files into BACKUP_DIR (backups/), with a manifest and checksums
	@bash scripts/backup.sh

restore: ## Restore a backup into a fresh database: make restore FROM=backups/geo-ioc-…
	@bash scripts/restore.sh "$(FROM)"

reset: ## Stop everything and delete var/ (database, queued jobs, media, logs)
	@bash scripts/reset.sh
