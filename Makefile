# loancore. `make help` lists the targets.
GO        ?= go
TOOL      := $(GO) tool -modfile=tools/go.mod
BENCH_COUNT ?= 6

.DEFAULT_GOAL := help

.PHONY: help
help: ## list targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

.PHONY: run
run: ## start loand on 127.0.0.1:50051, metrics on 127.0.0.1:9464 (LOANCORE_LISTEN, LOANCORE_METRICS_LISTEN override)
	LOANCORE_METRICS_LISTEN="$${LOANCORE_METRICS_LISTEN:-127.0.0.1:9464}" $(GO) run ./cmd/loand

.PHONY: build
build: ## build bin/loand
	$(GO) build -o bin/loand ./cmd/loand

.PHONY: test
test: ## run every test
	$(GO) test -count=1 ./...

.PHONY: race
race: ## run every test under the race detector
	$(GO) test -count=1 -race -short ./...

.PHONY: lint
lint: ## buf lint, buf format, buf breaking (against main), gofmt, go vet, staticcheck
	$(TOOL) buf lint
	$(TOOL) buf format --diff --exit-code
	@if git rev-parse --verify -q main >/dev/null && git cat-file -e main:proto/loancore/v1 2>/dev/null; then \
		echo "$(TOOL) buf breaking --against .git#branch=main"; \
		$(TOOL) buf breaking --against '.git#branch=main'; \
	else echo "buf breaking: main has no proto yet, skipped"; fi
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go' | grep -v '^gen/')); \
		if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

.PHONY: generate
generate: ## regenerate gen/ from proto/
	rm -rf gen
	$(TOOL) buf generate

.PHONY: checkgenerate
checkgenerate: generate ## fail if gen/ differs from what proto/ generates
	@if [ -n "$$(git status --porcelain -- gen)" ]; then \
		echo "gen/ is stale: run make generate and commit"; git status --porcelain -- gen; exit 1; fi

# The Python client's generated modules (clients/python): protoc's python
# and pyi output and Debian's grpc_python_plugin (apt-get install
# protobuf-compiler protobuf-compiler-grpc), through buf with local
# plugins. A block of its own so generate and checkgenerate cover it.
PY_GEN := clients/python/src/loancore/v1 clients/python/src/loancore/_vendor/google/rpc
generate: generate-python
checkgenerate: checkgenerate-python

.PHONY: generate-python
generate-python: ## regenerate the Python client's modules from proto/
	rm -f $(addsuffix /*_pb2*.py*,$(PY_GEN))
	$(TOOL) buf generate --template buf.gen.python.yaml
	$(TOOL) buf generate --template buf.gen.python-rpc.yaml

.PHONY: checkgenerate-python
checkgenerate-python: generate-python
	@if [ -n "$$(git status --porcelain -- $(PY_GEN))" ]; then \
		echo "the Python client's generated modules are stale: run make generate and commit"; \
		git status --porcelain -- $(PY_GEN); exit 1; fi

.PHONY: bench
bench: ## schedule kernel: exact engine vs the float64 floor, and the quote (schedule + APR), in BENCH_COUNT alternating rounds, with benchstat and the quote / schedule ratio
	BENCH_COUNT=$(BENCH_COUNT) GO=$(GO) ./scripts/bench-kernel.sh

.PHONY: bench-payments
bench-payments: ## repayments/s of loand on PostgreSQL (bench/loadpay) beside pgbench -N -M prepared and the bench/floord floor, at 8 and 32 clients; BENCH_AUTH=jwt|apikey: authentication on vs off, BENCH_OBS=on: metrics and tracing on vs off (make bench-ab's rounds)
	./scripts/bench-payments.sh

.PHONY: bench-ab
bench-ab: ## alternating rounds of loand settings or builds on one PostgreSQL cluster beside pgbench (BENCH_AB_SIDES, X_ENV, X_CLIENT_ENV, X_ARGS, X_CLIENT_ARGS, X_BIN, X_AUTH; BENCH_AUTH)
	./scripts/bench-ab.sh

.PHONY: bench-read
bench-read: ## GetLoan, ListLoans and ListDelinquentLoans pages beside grpc-go's health check, loand on PostgreSQL and on SQLite, alternating rounds (BENCH_LOANS, BENCH_SECONDS, BENCH_ROUNDS, BENCH_CACHE=0: read cache off)
	./scripts/bench-read.sh

.PHONY: bench-cob
bench-cob: ## close of business over 1,000,000 overdue loans on PostgreSQL beside a plain UPDATE of the same rows (BENCH_COB_LOANS)
	./scripts/bench-cob.sh

# The TypeScript client (clients/typescript): src/gen from proto/ by
# protoc-gen-es, a devDependency pinned by the package's lockfile, run by
# buf as a local plugin (buf.gen.ts.yaml). npm ci installs it when
# node_modules is missing or older than the lockfile (npm rewrites
# node_modules/.package-lock.json at every install). A block of its own
# so generate and checkgenerate cover it.
TS_CLIENT := clients/typescript
TS_GEN    := $(TS_CLIENT)/src/gen
generate: generate-ts
checkgenerate: checkgenerate-ts

$(TS_CLIENT)/node_modules/.package-lock.json: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	cd $(TS_CLIENT) && npm ci

.PHONY: generate-ts
generate-ts: $(TS_CLIENT)/node_modules/.package-lock.json ## regenerate the TypeScript client's src/gen from proto/
	rm -rf $(TS_GEN)
	$(TOOL) buf generate --template buf.gen.ts.yaml

.PHONY: checkgenerate-ts
checkgenerate-ts: generate-ts
	@if [ -n "$$(git status --porcelain -- $(TS_GEN))" ]; then \
		echo "the TypeScript client's generated code is stale: run make generate and commit"; \
		git status --porcelain -- $(TS_GEN); exit 1; fi
