# The README's two commands are `make dev` and `make test`; CI runs
# .ci/run, which calls `make test` after vet and workflowcheck.
export GOTOOLCHAIN := local
GOFLAGS ?= -buildvcs=false
export GOFLAGS

.PHONY: dev test bench loadtest lint build build-prod letters npm-deps fuzz temporal-bins prodtest

dev:
	go run ./cmd/fundflow dev

# Tests need Redis on 127.0.0.1:6379 (database 15) or REDIS_URL. The
# browser test also needs Chromium (Debian's chromium package) and skips
# without it, except under CI=true; it injects axe-core from npm-deps, and
# its screenshots go to out/screenshots.
test: npm-deps
	go test -race -timeout 20m ./...

# Every benchmark, each beside its baseline, into bench.txt, and one table
# of them all (benchstat) into bench-table.txt. Letters are measured on one
# core, the rate a worker renders them at per core; letters/cpu-s and the
# ledger's ns/op do not depend on what else the machine is running,
# wall-clock figures do.
BENCHSTAT := go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
bench:
	GOMAXPROCS=1 go test -run '^$$' -bench BenchmarkRender -benchtime 2s -count 5 ./internal/letters | tee bench.txt
	go test -run '^$$' -bench BenchmarkLedgerUpdate -benchtime 2000x -count 5 ./internal/fund | tee -a bench.txt
	go test -run '^$$' -bench . -benchtime 3s -timeout 30m $$(go list ./... | grep -v -e /internal/letters -e /internal/fund) | tee -a bench.txt
	FUNDFLOW_BENCH_APPS=10000 go test -run '^$$' -bench BenchmarkApplicationReads -benchtime 3s -timeout 40m ./internal/devtest/e2e | tee -a bench.txt
	uptime | tee -a bench.txt
	$(BENCHSTAT) bench.txt > bench-table.txt
	-$(MAKE) loadtest
	{ echo; echo "fundflow bench (make loadtest):"; cat out/loadtest.txt; } >> bench-table.txt
	cat bench-table.txt

# Sustained load: `fundflow bench` at LOADTEST_RATE requests/s for
# LOADTEST_DURATION against a fresh `fundflow dev` on loopback ports
# LOADTEST_PORT (API) and LOADTEST_TEMPORAL, stopped afterwards. The
# report, with the load average before and after, is out/loadtest.txt
# (and .json); the target fails if any request did.
LOADTEST_PORT ?= 18480
LOADTEST_TEMPORAL ?= 18481
LOADTEST_RATE ?= 200
LOADTEST_DURATION ?= 60s
loadtest: build
	mkdir -p out && rm -rf out/loadtest-data
	bin/fundflow dev --data out/loadtest-data --ephemeral --http 127.0.0.1:$(LOADTEST_PORT) --temporal 127.0.0.1:$(LOADTEST_TEMPORAL) \
		--ui-port 0 --rate-limit 0 --seed-outcomes=false --log-level warn > out/loadtest-dev.log 2>&1 & dev=$$!; \
	uptime > out/loadtest.txt; \
	bin/fundflow bench --wait 3m --url http://127.0.0.1:$(LOADTEST_PORT) --tokens out/loadtest-data/dev-tokens.json \
		--rate $(LOADTEST_RATE) --duration $(LOADTEST_DURATION) --json out/loadtest.json >> out/loadtest.txt 2>&1; status=$$?; \
	uptime >> out/loadtest.txt; kill $$dev; wait $$dev; cat out/loadtest.txt; exit $$status

# Every fuzz target, each for FUZZTIME (go test -fuzz takes one target at a
# time). Seeds are in each package's testdata/fuzz; plain `make test` runs
# them as ordinary tests. A failing input is written there too: commit it.
FUZZTIME ?= 60s
FUZZ_TARGETS := \
	./api:FuzzCreateApplication ./api:FuzzApplicationCommands ./api:FuzzCreateFund ./api:FuzzReads \
	./internal/application:FuzzPatch ./internal/fund:FuzzDefinition ./internal/form:FuzzValidate
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		go test -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) $${t%%:*}; \
	done

# Node tools for lint and the browser test (Spectral, Redocly, axe-core), pinned in internal/devtest/npm's lock and
# installed again only when it changes.
NPM := internal/devtest/npm
NPM_STAMP := $(NPM)/node_modules/.installed
npm-deps: $(NPM_STAMP)
$(NPM_STAMP): $(NPM)/package.json $(NPM)/package-lock.json
	npm ci --prefix $(NPM) --no-audit --no-fund --silent
	touch $@

# Spectral (spectral:oas, .spectral.yaml) and Redocly (recommended,
# redocly.yaml) over the OpenAPI document; either fails lint on an error.
lint: npm-deps
	$(NPM)/node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity error api/openapi.json
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(NPM)/node_modules/.bin/redocly lint api/openapi.json
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	go vet -tags nodev ./cmd/...
	go tool workflowcheck ./workflows/...

build:
	go build -o bin/fundflow ./cmd/fundflow

# The production binary: no embedded Temporal server, no `fundflow dev`.
build-prod:
	go build -tags nodev -o bin/fundflow ./cmd/fundflow

# Temporal's own server and SQL tool, from the pinned go.temporal.io/server
# module (go.mod lists both as tools): bin/server and bin/sql. A cold build
# takes about five minutes and 2.7 GB.
temporal-bins:
	go build -o bin/ go.temporal.io/server/cmd/server go.temporal.io/server/cmd/tools/sql

# The production test alone: bin/server on the PostgreSQL at 127.0.0.1:5432
# (user postgres, trust), the nodev build, Redis. `make test` runs it too
# when TEMPORAL_SERVER_BIN and TEMPORAL_SQL_TOOL_BIN are set, as CI does.
PROD_ENV = TEMPORAL_SERVER_BIN=$(CURDIR)/bin/server TEMPORAL_SQL_TOOL_BIN=$(CURDIR)/bin/sql FUNDFLOW_BIN=$(CURDIR)/bin/fundflow
prodtest: temporal-bins build-prod
	$(PROD_ENV) go test -count=1 -v -run TestProduction ./internal/devtest/prodtest

# Five sample letters, one per kind, for a person to open.
letters:
	LETTERS_OUT=$(CURDIR)/out/letters go test ./internal/letters -run TestSampleLetters -count=1
	@echo "letters in out/letters/"
