#!/usr/bin/env bash
# Runs the Playwright journeys three times back to back (no retries) while a
# release build of the server competes for the cores; stops the load after.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO_TARGET_DIR=target/stress-load setsid nice cargo build --release --features ssr >/dev/null 2>&1 &
load=$!
trap 'kill -TERM -- "-$load" 2>/dev/null || true' EXIT
cd end2end && npx playwright test --repeat-each 3 --retries 0
