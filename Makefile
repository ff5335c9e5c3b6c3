# pushspec — the two commands a newcomer runs are `make run` and `make test`.
# Every target installs what it needs first (idempotent; nothing is fetched from a CDN).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# The peer tool the push service tests compare against (pushspec deps installs what a run needs:
# the browsers, the Playwright driver from playwright-core, the npm web-push library).
WEB_PUSH_TESTING_VERSION := 1.2.2

CACHE      := $(CURDIR)/.cache
NPM_DIR    := $(CACHE)/npm
BIN_DIR    := $(CACHE)/bin
PUSHSPEC   := $(BIN_DIR)/pushspec
REPORT_DIR ?= $(CURDIR)/reports/out

# Exported so that `go test` and `pushspec` find the driver and the npm tools under .cache/
# without any further set-up (`pushspec deps` installs them there). playwright-go reads the first
# two itself.
export PLAYWRIGHT_DRIVER_PATH := $(CACHE)/playwright-driver
export PLAYWRIGHT_NODEJS_PATH := $(shell command -v node)
export PUSHSPEC_NPM_BIN       := $(NPM_DIR)/node_modules/.bin
export PATH                   := $(BIN_DIR):$(PATH)

GO_TEST_FLAGS ?=
FUZZTIME ?= 2m

.PHONY: help deps pushspec npm-tools run test bench fuzz fuzz-short vet fmt-check clean try-senders rules-doc

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

deps: pushspec npm-tools ## what a run needs (pushspec deps: chromium and firefox-esr via apt, the Playwright driver, npm web-push), web-push-testing
	@"$(PUSHSPEC)" deps

pushspec: ## build cmd/pushspec into .cache/bin (Go modules included)
	@go build -o "$(PUSHSPEC)" ./cmd/pushspec

npm-tools: $(NPM_DIR)/node_modules/.bin/web-push-testing ## the npm web-push-testing server (the peer tool some tests compare with)
$(NPM_DIR)/node_modules/.bin/web-push-testing:
	@mkdir -p "$(NPM_DIR)"
	cd "$(NPM_DIR)" && npm install --no-audit --no-fund --loglevel=error web-push-testing@$(WEB_PUSH_TESTING_VERSION)

run: deps ## the main job: every suite, offline, both browsers; report in reports/out/
	"$(PUSHSPEC)" run --report-dir "$(REPORT_DIR)"

test: deps vet fmt-check ## unit and integration tests (browsers included), race detector on, fuzz seeds
	go test -race -count=1 -timeout 40m $(GO_TEST_FLAGS) ./...

vet:
	go vet ./...

rules-doc: ## regenerate docs/rules.md (and the golden rules/testdata/catalogue.txt) from the rule declarations in rules/
	go test -count=1 ./rules -run 'TestRulesDoc|TestCatalogueGolden' -update

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.cache/*'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

try-senders: deps ## the sender suite for each npm library in examples/senders; merged report in reports/senders/all/
	@scripts/try-senders.sh

bench: deps ## benchmarks: codec, push service, end to end
	@scripts/bench.sh

fuzz: ## every fuzz target of every package for $(FUZZTIME) each (FUZZ_MATCH=regexp, FUZZ_PARALLEL=n); summary table at the end
	@scripts/fuzz-all.sh "$(FUZZTIME)"

clean: ## remove built caches and reports (browsers stay installed)
	rm -rf "$(CACHE)" "$(REPORT_DIR)"
