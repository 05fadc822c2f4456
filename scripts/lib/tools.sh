# Installs, when missing, what building and testing Portico needs.
# Sourced by scripts/run, scripts/test and scripts/bench. Versions are
# pinned: see ../shared/BUILD_NOTES.md for why each one.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$ROOT/end2end/node_modules/.bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

apt_install() {
  if [ -z "${PORTICO_APT_UPDATED:-}" ]; then
    apt-get update -q >/dev/null
    export PORTICO_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  if ! cargo leptos --version 2>/dev/null | grep -q '0\.3\.10'; then
    say "installing cargo-leptos 0.3.10 (about 12 minutes on 2 cores)"
    cargo install cargo-leptos --version 0.3.10 --locked --features no_downloads
  fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q '0\.2\.130'; then
    say "installing wasm-bindgen-cli 0.2.130 (must match the crate pinned in Cargo.toml)"
    # Not --locked: its lockfile names a crate version the registry lacks.
    cargo install wasm-bindgen-cli --version 0.2.130
  fi
}

ensure_node_packages() {
  if [ ! -x "$ROOT/end2end/node_modules/.bin/wasm-opt" ] || [ ! -x "$ROOT/end2end/node_modules/.bin/playwright" ]; then
    say "installing end2end npm packages (Playwright, binaryen's wasm-opt)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund)
  fi
}

# Independent OAuth clients the interoperability tests run against Portico
# (tests/it/interop.rs): Authlib, a widely used Python client.
ensure_python_clients() {
  if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
    say "installing the local SMTP sink the notification tests send to (aiosmtpd)"
    python3 -m pip install -q 'aiosmtpd==1.4.6'
  fi
  if ! python3 -c 'import authlib, requests' 2>/dev/null; then
    say "installing the Python OAuth client the interop tests use (Authlib)"
    python3 -m pip install -q 'authlib==1.9.10' 'requests==2.34.2'
  fi
  # Installed now: the interop test must run, not skip.
  export PORTICO_TEST_AUTHLIB=1
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    say "installing Debian's Chromium for the browser tests"
    apt_install chromium
  fi
}

ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    say "installing wrk (load generator)"
    apt_install wrk
  fi
}

# The release build: server binary + WASM bundle (wasm-opt from binaryen@132).
# --split puts each #[lazy] function (the image check, the URL check, the
# upload) in its own chunk, fetched the first time it is called.
build_release() {
  say "building the release site (cargo leptos build --release --split)"
  (cd "$ROOT" && cargo leptos build --release --split)
  say "precompressed copies of target/site/pkg"
  (cd "$ROOT" && node scripts/lib/precompress.mjs target/site/pkg)
}
