# qq — see README.md. Tools are pinned here with `go run pkg@version` so that
# go.mod stays free of them.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
NFPM        := github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0
PREFIX      ?= /usr/local
DESTDIR     ?=
# The date man pages carry: the last commit's, so that builds are reproducible.
DOC_DATE    ?= $(shell git log -1 --format=%cs 2>/dev/null || echo 2026-01-01)
DEB_VERSION ?= $(shell git describe --tags --always 2>/dev/null | sed 's/^v//; s/^\([0-9a-f]\{7,\}\)$$/0.0.0~git\1/' || echo 0.0.0)
VERSION     ?= dev
FUZZTIME    ?= 10s
DEMO_DIR    ?= demo
DEMO_COUNT  ?= 2000
BENCH_COUNT ?= 100000
BENCH_DIR   ?= $(CURDIR)/bench-queue

GO_BUILD = go build -trimpath -ldflags "-X main.version=$(VERSION)"

# unit pipes go test into tools/testsum; pipefail keeps go test's status.
SHELL := /bin/bash

.PHONY: all build test test-qmail lint unit fuzz bench bench-rm bench-logs demo clean man completions install deb

all: build

## build: the qq binary and the sample-queue generator in bin/
build:
	$(GO_BUILD) -o bin/qq ./cmd/qq
	$(GO_BUILD) -o bin/qq-sample ./cmd/qq-sample

## test: formatting, go.mod tidiness, vet, staticcheck, then every test with
## the race detector (unit, fuzz seeds, testscript scripts, integration
## tests); it ends with one line "N passed, N failed, N skipped"
test: lint unit

## test-qmail: build notqmail from ../shared/qmail into build/qmail (cached),
## install it into a private home ($(QMAIL_TEST_HOME)) and run the
## end-to-end tests in e2e/ against the real qmail-send (root and a C
## compiler needed; skipped with one line otherwise)
QMAIL_TEST_HOME ?= /var/tmp/qq-test-qmail
test-qmail:
	@QMAIL_TEST_HOME=$(QMAIL_TEST_HOME) ./e2e/test-qmail.sh

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt" ]; then echo "gofmt would change: $$fmt"; exit 1; fi
	go mod tidy -diff
	go vet ./...
	go run $(STATICCHECK) ./...

## unit: go test -race, shown by tools/testsum: the output of failed tests,
## one ok line per package, skipped tests with their reason, and the count
unit:
	@go build -o bin/testsum ./tools/testsum
	@set -o pipefail; go test -race -count=1 -timeout 20m -json ./... 2>&1 | bin/testsum

## fuzz: a short run of every fuzz target (FUZZTIME each)
fuzz:
	@set -e; for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; \
	    go test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

## bench: Go benchmarks, then the command-level benchmark on a generated
## BENCH_COUNT-message queue against the C-tool floor (testdata/bench.sh),
## and qq top, shape, check and metrics beside qq list (testdata/bench-top.sh)
bench: build
	go test -run='^$$' -bench=. -benchmem ./... | tee bench.txt
	BENCH_COUNT=$(BENCH_COUNT) BENCH_DIR=$(BENCH_DIR) ./testdata/bench.sh
	BENCH_COUNT=$(BENCH_COUNT) BENCH_DIR=$(BENCH_DIR) ./testdata/bench-top.sh
	./testdata/bench-rm.sh

## bench-rm: qq rm on a generated 100k queue (20k flood), with and without
## quarantine, and on a 10k queue against the by-hand find/grep/rm method
bench-rm: build
	./testdata/bench-rm.sh

## bench-logs: qq tai64nlocal against daemontools' tai64nlocal (time, peak
## RSS) and qq log trace, on a generated 1 GiB qmail-send log (testdata/bench-logs.sh)
bench-logs:
	./testdata/bench-logs.sh

## demo: build qq, write a sample queue into DEMO_DIR, and look at it
demo: build
	rm -rf $(DEMO_DIR)
	bin/qq-sample -count $(DEMO_COUNT) $(DEMO_DIR)
	bin/qq --qmail-dir $(DEMO_DIR) stat --full
	bin/qq --qmail-dir $(DEMO_DIR) list --limit 10 --sort age --headers
	bin/qq --qmail-dir $(DEMO_DIR) stat --subject 'free pupil'
	bin/qq --qmail-dir $(DEMO_DIR) show $$(bin/qq --qmail-dir $(DEMO_DIR) list --format ids --sort size --limit 1)

## man, completions: man pages (one per command, section 1) and bash, zsh and
## fish completion scripts, generated from the command tree into build/
man: build
	rm -rf build/man
	bin/qq gen-docs --man build/man --date $(DOC_DATE)

completions: build
	bin/qq gen-docs --completions build/completions

## install: the binary, man pages and completions under DESTDIR/PREFIX
install: build man completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 bin/qq $(DESTDIR)$(PREFIX)/bin/qq
	install -m 0644 build/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 build/completions/qq.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/qq
	install -m 0644 build/completions/_qq $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_qq
	install -m 0644 build/completions/qq.fish $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/qq.fish

## deb: a Debian package in build/ (nfpm, run through go run at a pinned
## version): binary, man pages, completions, cron/systemd examples, alert
## rules and dashboard
deb: VERSION = $(DEB_VERSION)
deb: build man completions
	rm -rf build/stage && mkdir -p build/stage/man build/stage/completions
	cp bin/qq build/stage/qq
	for f in build/man/*.1; do gzip -9n < $$f > build/stage/man/$$(basename $$f).gz; done
	cp build/completions/* build/stage/completions/
	DEB_VERSION=$(DEB_VERSION) DEB_ARCH=$$(go env GOARCH) go run $(NFPM) package \
	  --config packaging/nfpm.yaml --packager deb --target build/

clean:
	rm -rf bin build $(DEMO_DIR) bench-queue bench-rm bench.txt
