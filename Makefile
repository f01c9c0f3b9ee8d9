# The two commands of the README. Both install what is missing first.
.PHONY: run dev test unit unit-postgres e2e e2e-postgres e2e-stress setup setup-test bench bench-postgres bench-first-load drop-precompressed

## Run the console on its embedded defaults at http://127.0.0.1:3000, built as
## it is deployed: optimized, with brotli and gzip copies of the static files
run: setup
	cargo leptos serve --release --precompress --split

## The same, as a quick debug build that rebuilds on every change
dev: setup drop-precompressed
	cargo leptos watch --split

# The .br and .gz copies `make run` made would be served in place of a debug
# build's newer files.
drop-precompressed:
	@find target/site -name '*.br' -delete -o -name '*.gz' -delete 2>/dev/null || true

## Run every test: unit, database, HTTP and the Playwright journeys
test: setup-test unit unit-postgres e2e e2e-postgres

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh test

# The flag and the one compile-time variable cargo-leptos adds to the server
# build: with them the test build and `cargo leptos build` share every
# compiled dependency instead of building the ~390 crates twice. (Like
# cargo-leptos, this adds to RUSTFLAGS; it does not see rustflags set in a
# cargo config file.)
unit:
	RUSTFLAGS="$${RUSTFLAGS:+$$RUSTFLAGS }--cfg erase_components" LEPTOS_OUTPUT_NAME=gatehouse cargo test --features ssr

## The database and HTTP tests again on PostgreSQL, a throwaway server
## started (and installed, if missing) by scripts/with-postgres.sh
unit-postgres:
	RUSTFLAGS="$${RUSTFLAGS:+$$RUSTFLAGS }--cfg erase_components" LEPTOS_OUTPUT_NAME=gatehouse scripts/with-postgres.sh cargo test --features postgres --lib

e2e: drop-precompressed
	cargo leptos build --split
	cd end2end && npx playwright test

## The journeys again with every server process (the replicas' too) on one
## PostgreSQL database, the server built with the postgres feature
e2e-postgres: drop-precompressed
	cargo leptos build --split --bin-features postgres
	scripts/with-postgres.sh sh -c 'cd end2end && E2E_DATABASE_URL="$$DATABASE_URL" npx playwright test'

## The journeys three times back to back while a release build loads the
## machine, as a slow CI machine would; any failure (or retry) is a defect.
e2e-stress: setup-test drop-precompressed
	cargo leptos build --split
	scripts/e2e-stress.sh

## Throughput and latency of listing, invite and accept at 1k, 10k, 100k members
bench:
	cargo run --release --example bench --features ssr

## The same on a throwaway PostgreSQL server (fsync on), through one and
## through two routers; BENCH_SIZES=1000 by default
bench-postgres:
	cargo build --release --example bench --features postgres
	PG_FSYNC=on scripts/with-postgres.sh sh -c 'for r in 1 2; do BENCH_SIZES=$${BENCH_SIZES:-1000} BENCH_REPLICAS=$$r BENCH_POSTGRES_URL="$${DATABASE_URL%/*}" target/release/examples/bench; done'

## Bytes and time to a hydrated first page in Chromium on slow links (release build)
bench-first-load: setup-test
	cargo leptos build --release --precompress --split
	scripts/first-load.sh
