#!/usr/bin/env bash
# Installs what the console needs and is missing; quick when all is present.
#   scripts/setup.sh        build tools: wasm32 target, cargo-leptos, wasm-bindgen-cli
#   scripts/setup.sh test   also the end-to-end tools: npm packages, Debian's chromium,
#                           the test identity provider (a Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo leptos --version >/dev/null 2>&1; then
  # cargo-leptos's lock file needs a newer rustc than stable; `no_downloads`
  # makes it use the tools on PATH instead of fetching them from GitHub.
  # Its release profile asks for fat LTO in one codegen unit: 28 minutes on
  # two cores, 12 without (a build tool does not need it).
  say "installing cargo-leptos (takes about 12 minutes once)"
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo +nightly install cargo-leptos --locked --features no_downloads
fi

# wasm-bindgen-cli must be exactly the wasm-bindgen version pinned in Cargo.toml.
want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$want" != "$have" ]; then
  say "installing wasm-bindgen-cli $want (have: ${have:-none}; takes about 5 minutes once)"
  cargo install wasm-bindgen-cli --version "$want"
fi

# The optimized build (`make run`) shrinks the WASM with binaryen's wasm-opt,
# from npm, linked beside cargo's tools so cargo-leptos finds it on PATH.
if ! command -v wasm-opt >/dev/null 2>&1; then
  say "installing wasm-opt (npm binaryen)"
  tools="$HOME/.local/share/gatehouse-tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" binaryen@132.0.0
  ln -sf "$tools/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
fi

if [ "${1:-}" = "test" ]; then
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's chromium for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  # The OpenID Connect providers of the journeys (PyPI oidc-provider-mock).
  if [ ! -x end2end/.venv/bin/oidc-provider-mock ] || [ end2end/requirements.txt -nt end2end/.venv/bin/oidc-provider-mock ]; then
    say "installing the test identity provider (oidc-provider-mock)"
    python3 -m venv end2end/.venv
    end2end/.venv/bin/pip install --quiet --disable-pip-version-check -r end2end/requirements.txt
    touch end2end/.venv/bin/oidc-provider-mock
  fi
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "installing the end-to-end npm packages"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
fi
