GO ?= go
FUZZTIME ?= 5s
# NODE_CACHE holds the npm packages the end-to-end tests run (the PLC
# directory and @atproto/api), outside the repository.
NODE_CACHE ?= $(or $(BOLTSKY_NODE_CACHE),/work/.cache)
PLC_MODULES = $(NODE_CACHE)/plc/node_modules
E2E_MODULES = $(NODE_CACHE)/e2e/node_modules

.PHONY: test vet unit fuzz bench build e2e e2e-deps interop

build:
	$(GO) build ./...

test: vet unit

vet:
	$(GO) vet ./...

unit:
	$(GO) test ./...

# fuzz runs every fuzz target in the module for $(FUZZTIME) each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# e2e-deps installs the npm packages of the end-to-end tests into
# $(NODE_CACHE) with npm ci, unless the same lockfiles are installed there.
e2e-deps:
	@bash internal/e2e/install.sh $(NODE_CACHE)/e2e >/dev/null
	@stamp=$$(cat internal/plctest/package.json internal/plctest/package-lock.json | sha256sum | cut -d' ' -f1); \
	if [ "$$(cat $(NODE_CACHE)/plc/.installed 2>/dev/null)" != "$$stamp" ] || [ ! -d $(PLC_MODULES) ]; then \
	  rm -f $(NODE_CACHE)/plc/.installed; \
	  bash internal/plctest/install.sh $(NODE_CACHE)/plc >/dev/null && echo "$$stamp" >$(NODE_CACHE)/plc/.installed; \
	fi

# e2e runs the end-to-end scenarios (internal/e2e) verbosely, never from
# the test cache, failing rather than skipping when something is missing.
e2e: e2e-deps
	BOLTSKY_PLC_NODE_MODULES=$(PLC_MODULES) BOLTSKY_E2E_NODE_MODULES=$(E2E_MODULES) BOLTSKY_E2E_REQUIRED=1 \
	  $(GO) test -count=1 -v ./internal/e2e/

# lexicons regenerates lexicons/ from the schemas of the indigo module pinned
# in go.mod (descriptions stripped, stable formatting); commit the result.
.PHONY: lexicons
lexicons:
	$(GO) run ./internal/lexvendor

# interop runs boltsky and the reference PDS side by side and compares
# their answers (interop/README.md); Node 22 and the npm packages are
# cached in $(NODE_CACHE)/interop.
interop:
	BOLTSKY_NODE_CACHE=$(NODE_CACHE) bash interop/ci.sh
