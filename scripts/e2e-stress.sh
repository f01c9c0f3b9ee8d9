#!/usr/bin/env bash
# Runs the Playwright journeys three times back to back (no retries), each on
# a fresh server and database as `make test` does, while a release build of
# the server competes for the cores; stops the load after. (`--repeat-each`
# would reuse one database, where journeys that name a fixed organization
# collide with their own earlier run.)
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/stress-load setsid nice cargo build --release --features ssr >/dev/null 2>&1 &
load=$!
trap 'kill -TERM -- "-$load" 2>/dev/null || true' EXIT
cd end2end
for run in 1 2 3; do
  echo "== run $run of 3"
  npx playwright test --retries 0
done
