# nanbyo-db: the two commands are `make run` and `make test`.
SHELL := /bin/bash

DEV_PG_PORT ?= 54329
DEV_API_PORT ?= 3000
DEV_HTTPS_PORT ?= 8443
DEV_HTTP_PORT ?= 8080

.DEFAULT_GOAL := help
.PHONY: help deps install run stop test bench fuzz failover-test restore-test crash-test scale-bench renewal-load-test clean

help:
	@echo "make run    install what is missing, build, start PostgreSQL + PostgREST + nginx (https://127.0.0.1:$(DEV_HTTPS_PORT)/) with demo data"
	@echo "make stop   stop the local stack started by make run"
	@echo "make test   run every test (lint, core, pgrx, pgTAP, HTTP, edge, contract, upgrade, examples, web); non-zero exit on failure"
	@echo "make bench  run the benchmarks of BENCHMARKS.md (prints figures)"
	@echo "make failover-test  kill the primary of a pg_auto_failover rig under load; no acknowledged write may be lost"
	@echo "make restore-test   pgBackRest: encrypted full + incremental backup, restore to a point in time, compare"
	@echo "make crash-test     kill PostgreSQL mid bulk import, certification import and statistics refresh; nothing half-written"
	@echo "make scale-bench    each request on the working set alone, then among 2 million forms over ten fiscal years (BENCHMARKS.md)"
	@echo "make renewal-load-test  renewal-season mix through nginx at 10x the national peak (RENEWAL_SCALE); fails on any failed request"
	@echo "make fuzz   fuzz the XML reader and judge, 10 minutes each (FUZZ_SECONDS=600)"
	@echo "make clean  stop everything and delete local clusters (.run/) and build output"

deps:
	@bash .ci/install-deps.sh

install: deps
	@bash -c 'source .ci/config.sh && install_extension'

run: install
	@bash .ci/web-build.sh
	@bash .ci/stack.sh up dev $(DEV_PG_PORT) $(DEV_API_PORT) --demo --edge=$(DEV_HTTPS_PORT),$(DEV_HTTP_PORT)
	@bash .ci/welcome.sh $(DEV_PG_PORT) $(DEV_API_PORT) $(DEV_HTTPS_PORT) $(DEV_HTTP_PORT)

stop:
	@bash .ci/stack.sh down dev

test: deps
	@bash .ci/test-all.sh

bench: deps
	@bash .ci/bench.sh

failover-test: install
	@bash .ci/failover-test.sh

restore-test: install
	@bash .ci/restore-test.sh

crash-test: install
	@bash .ci/crash-test.sh

SCALE_FORMS ?= 2000000
scale-bench: install
	@bash .ci/bench-scale.sh $(SCALE_FORMS)

renewal-load-test: install
	@bash .ci/renewal-load.sh

FUZZ_SECONDS ?= 600
fuzz:
	@bash .ci/fuzz.sh $(FUZZ_SECONDS)

clean: stop
	@bash .ci/stack.sh down test
	rm -rf .run target
