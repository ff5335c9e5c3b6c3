# pushspec — the two commands a newcomer runs are `make run` and `make test`.
# Every target installs what it needs first (idempotent; nothing is fetched from a CDN).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PLAYWRIGHT_CORE_VERSION := 1.64.1
WEB_PUSH_VERSION        := 3.6.7
WEB_PUSH_TESTING_VERSION := 1.2.2

CACHE      := $(CURDIR)/.cache
DRIVER_DIR := $(CACHE)/playwright-driver
NPM_DIR    := $(CACHE)/npm
BIN_DIR    := $(CACHE)/bin
REPORT_DIR ?= $(CURDIR)/reports/out

# Exported so that `go test`, `ginkgo` and `pushspec` find the driver and the npm tools
# without any further set-up. playwright-go reads these two variables itself.
export PLAYWRIGHT_DRIVER_PATH := $(DRIVER_DIR)
export PLAYWRIGHT_NODEJS_PATH := $(shell command -v node)
export PUSHSPEC_NPM_BIN       := $(NPM_DIR)/node_modules/.bin
export PATH                   := $(BIN_DIR):$(PATH)

GO_TEST_FLAGS ?=
FUZZTIME ?= 2m

.PHONY: help deps browsers driver npm-tools go-tools run test bench fuzz fuzz-short vet fmt-check clean try-senders rules-doc

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | column -t -s "$$(printf '\t')"

deps: browsers driver npm-tools go-tools ## install browsers, the Playwright driver, npm tools, Go modules

browsers: ## apt-get install chromium and firefox-esr when missing
	@scripts/install-browsers.sh

driver: $(DRIVER_DIR)/package/cli.js ## the playwright-go driver from the npm package playwright-core, with the system node
$(DRIVER_DIR)/package/cli.js:
	@scripts/install-driver.sh "$(DRIVER_DIR)" "$(PLAYWRIGHT_CORE_VERSION)"

npm-tools: $(NPM_DIR)/node_modules/.bin/web-push ## the npm web-push CLI (a sender in another language) and web-push-testing (the peer tool)
$(NPM_DIR)/node_modules/.bin/web-push:
	@mkdir -p "$(NPM_DIR)"
	cd "$(NPM_DIR)" && npm install --no-audit --no-fund --loglevel=error \
		web-push@$(WEB_PUSH_VERSION) web-push-testing@$(WEB_PUSH_TESTING_VERSION)

go-tools: $(BIN_DIR)/ginkgo ## Go modules and the ginkgo CLI at the version in go.mod
$(BIN_DIR)/ginkgo: go.mod go.sum
	go mod download
	GOBIN="$(BIN_DIR)" go install github.com/onsi/ginkgo/v2/ginkgo

run: deps ## the main job: every suite, offline, both browsers; report in reports/out/
	go run ./cmd/pushspec run --report-dir "$(REPORT_DIR)"

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
