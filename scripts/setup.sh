#!/usr/bin/env bash
# Installs what the console needs and is missing; quick when all is present.
#   scripts/setup.sh        build tools: wasm32 target, cargo-leptos, wasm-bindgen-cli, wasm-opt
#   scripts/setup.sh test   also the end-to-end tools: npm packages, Debian's chromium,
#                           the test identity provider (a Python venv)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# On a fresh machine the installs run side by side: the two cargo builds
# fill each other's single-core stretches, and the downloads overlap both.
pids=()
in_background() { "$@" & pids+=("$!"); }

cargo_leptos() {
  cargo leptos --version >/dev/null 2>&1 && return
  # cargo-leptos's lock file needs a newer rustc than stable; `no_downloads`
  # makes it use the tools on PATH instead of fetching them from GitHub.
  # Its release profile (fat LTO, one codegen unit) took 28 minutes on two
  # cores, optimized without LTO 19; a build tool needs speed only where it
  # works on every build: splitting, hashing and compressing the WASM.
  local config=() crate
  for crate in wasm_split_cli_support wasmparser wasm-encoder gimli brotli brotli-decompressor \
      miniz_oxide flate2 libflate crc32fast md-5 seahash; do
    config+=(--config "profile.release.package.$crate.opt-level=3")
  done
  say "installing cargo-leptos (takes about 10 minutes once)"
  CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo +nightly "${config[@]}" install cargo-leptos --locked --features no_downloads
}

# wasm-bindgen-cli must be exactly the wasm-bindgen version pinned in Cargo.toml.
wasm_bindgen() {
  local want have
  want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
  [ "$want" = "$have" ] && return
  say "installing wasm-bindgen-cli $want (have: ${have:-none}; takes about 4 minutes once)"
  cargo install wasm-bindgen-cli --version "$want"
}

# The optimized build (`make run`) shrinks the WASM with binaryen's wasm-opt,
# from npm, linked beside cargo's tools so cargo-leptos finds it on PATH.
wasm_opt() {
  command -v wasm-opt >/dev/null 2>&1 && return
  say "installing wasm-opt (npm binaryen)"
  local tools="$HOME/.local/share/gatehouse-tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" binaryen@132.0.0
  ln -sf "$tools/node_modules/.bin/wasm-opt" "$HOME/.cargo/bin/wasm-opt"
}

# The end-to-end tools: downloads, one after another (each is quick).
end_to_end_tools() {
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
}

in_background cargo_leptos
in_background wasm_bindgen
in_background wasm_opt
if [ "${1:-}" = "test" ]; then in_background end_to_end_tools; fi
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit "$failed"
