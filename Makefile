GO ?= go
FUZZTIME ?= 5s

.PHONY: test vet unit fuzz bench build

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

# lexicons regenerates lexicons/ from the schemas of the indigo module pinned
# in go.mod (descriptions stripped, stable formatting); commit the result.
.PHONY: lexicons
lexicons:
	$(GO) run ./internal/lexvendor
