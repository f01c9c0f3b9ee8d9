#!/usr/bin/env bash
# Serves the release build on a fresh database at 127.0.0.1:3200 and measures
# the first load of the sign-in page and of an open invitation's link in Chromium
# (end2end/bench/first-load.mjs); stops the server after.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
LEPTOS_OUTPUT_NAME=gatehouse LEPTOS_HASH_FILES=true LEPTOS_SITE_ROOT=target/site \
  LEPTOS_SITE_PKG_DIR=pkg LEPTOS_SITE_ADDR=127.0.0.1:3200 LEPTOS_ENV=PROD \
  DATABASE_URL="sqlite://$work/gatehouse.db" MAIL_TRANSPORT=file MAIL_DIR="$work/mail" \
  RUST_LOG=warn target/release/gatehouse &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for try in $(seq 1 100); do
  kill -0 "$server" 2>/dev/null || { echo "the server exited (is port 3200 taken?)" >&2; exit 1; }
  curl -fs http://127.0.0.1:3200/healthz >/dev/null 2>&1 && break
  [ "$try" -lt 100 ] || { echo "the server did not answer /healthz within 20 s" >&2; exit 1; }
  sleep 0.2
done
# An open invitation, as the invitee opens it from the mail: an owner signs
# up, names an organization and invites (the console's own calls).
jar="$work/cookies"
api() { curl -fsS -b "$jar" -c "$jar" -H 'Accept: application/json' "$@"; }
api --data-urlencode name=Olivia --data-urlencode email=olivia@example.com \
  --data-urlencode 'password=a long enough password' http://127.0.0.1:3200/api/sign_up >/dev/null
api --data-urlencode name=Acme http://127.0.0.1:3200/api/create_organization >/dev/null
link=$(api -H 'Content-Type: application/json' http://127.0.0.1:3200/api/create_invitation \
  -d '{"slug":"acme","request":{"email":"bob@example.com","role":"member","note":"","notify_email":"","teams":[],"permissions":[]}}' |
  sed -n 's|.*"link":"[^"]*\(/invite/[^"]*\)".*|\1|p')
[ -n "$link" ] || { echo "could not create an invitation to measure" >&2; exit 1; }
cd end2end && node bench/first-load.mjs http://127.0.0.1:3200 /sign-in "$link"
