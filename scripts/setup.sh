# Set-up steps shared by scripts/serve and scripts/test. Each one checks first and installs only
# what is missing or at the wrong version, so on a warm machine they all pass in seconds.
# Only the Rust, Debian and npm registries are reachable: nothing here downloads from elsewhere.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$ROOT"

log() { printf '==> %s\n' "$*" >&2; }

# The version of a package as resolved in Cargo.lock.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown && return
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

# The CLI must equal the wasm-bindgen crate in Cargo.lock exactly, or Trunk would try to
# download one. `--locked` is left off on purpose: a dependency version it pins is missing
# from the registry mirror here.
ensure_wasm_bindgen_cli() {
  local wanted installed
  wanted="$(locked_version wasm-bindgen)"
  installed="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
  [ "$installed" = "$wanted" ] && return
  log "installing wasm-bindgen-cli $wanted (found: ${installed:-none})"
  cargo install wasm-bindgen-cli --version "=$wanted" --force
}

# Trunk 0.22 needs a newer rustc than this machine's; 0.21 is verified.
ensure_trunk() {
  trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.' && return
  log "installing trunk 0.21"
  cargo install trunk --version '~0.21' --locked --force
}

# Trunk runs cargo offline (Trunk.toml), so the crates must be in the local cache first.
ensure_crates() {
  cargo fetch --locked --quiet
}

# The page's build runs terser on the JS glue (Trunk.toml's post-build hook), so the web
# toolchain includes Node and the node packages.
ensure_web_toolchain() {
  ensure_wasm_target
  ensure_wasm_bindgen_cli
  ensure_trunk
  ensure_crates
  ensure_node
  ensure_node_packages
}

ensure_browser() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return; fi
  log "installing chromium and chromium-driver from Debian"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
}

ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return
  log "installing nodejs and npm from Debian"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm
}

# `npm ci` only when package-lock.json changed since the last install.
ensure_node_packages() {
  local stamp=node_modules/.installed-package-lock.json
  cmp -s package-lock.json "$stamp" 2>/dev/null && return
  log "installing node packages from package-lock.json"
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
}

# Firefox runs the wasm suite a second time and tests/e2e/firefox.test.mjs, so runs are shown
# to replay alike on two browser engines. Its WebDriver is not packaged in Debian; Mozilla
# publishes it on crates.io.
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  if [ ! -x /usr/bin/firefox-esr ]; then
    log "installing firefox-esr from Debian"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q firefox-esr
  fi
  # Read the whole answer: geckodriver panics if its pipe closes early (as with `grep -q`).
  local installed
  installed="$(geckodriver --version 2>/dev/null || true)"
  [ "${installed%%$'\n'*}" = "geckodriver $GECKODRIVER_VERSION" ] && return
  log "installing geckodriver $GECKODRIVER_VERSION"
  cargo install geckodriver --version "=$GECKODRIVER_VERSION" --locked --force
}
