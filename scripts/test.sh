#!/usr/bin/env bash
# `npm test`: installs what the tests need, then runs the whole vitest suite.
#   1. npm dependencies: `npm ci` when node_modules is missing or older than package-lock.json.
#   2. The real clients the protocol and end-to-end tests drive, from Debian packages, only when missing:
#      awscli (/usr/bin/aws, AWS CLI v2), python3-boto3 (for /usr/bin/python3) and skopeo.
#      As root they are installed with apt-get; otherwise with `sudo -n` when that works without a
#      password; otherwise the script stops and says exactly what to install.
# Extra arguments go to vitest (`npm test -- test/e2e`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DEBIAN_PACKAGES=(awscli python3-boto3 skopeo)

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
    log "not a Debian system: install the equivalents of ${DEBIAN_PACKAGES[*]} so that /usr/bin/aws (AWS CLI v2), /usr/bin/python3 with boto3 and skopeo exist"
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

install_npm_dependencies
install_debian_packages
# vitest's own summary, then the plain closing line CI reads ("N passed, N failed").
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""))' "$report" || true
exit "$status"
