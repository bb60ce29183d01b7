#!/usr/bin/env bash
# System packages the tests and the production store need (Debian):
#   chromium + chromium-driver  headless browser for the `browser` tests (tests/browser.py)
#   postgresql                  server binaries for the `postgres` tests / production store
#   fonts-wqy-zenhei            a CJK font, so Chinese labels render in headless screenshots
#   wrk                         the HTTP load generator of `make bench` (bench/bench_load.py)
# Idempotent: installs only what is missing, running `apt-get update` once.
# Not root: prints the command to run and exits 0.
set -euo pipefail

PACKAGES=(chromium chromium-driver postgresql fonts-wqy-zenhei wrk)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

missing=()
for pkg in "${PACKAGES[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
# The binaries themselves, in case a package is "installed" but its files were removed.
[[ -x /usr/bin/chromium ]] || [[ " ${missing[*]} " == *" chromium "* ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || [[ " ${missing[*]} " == *" chromium-driver "* ]] || missing+=(chromium-driver)
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null; then
    [[ " ${missing[*]} " == *" postgresql "* ]] || missing+=(postgresql)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "system_deps: not a Debian system; please install: ${missing[*]} (Chromium at /usr/bin/chromium, PostgreSQL server)" >&2
    exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "system_deps: missing system packages: ${missing[*]}"
    echo "system_deps: run as root:"
    echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${PACKAGES[*]}"
    exit 0
fi

echo "system_deps: installing ${PACKAGES[*]} (missing: ${missing[*]})"
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${PACKAGES[@]}"

[[ -x /usr/bin/chromium ]] || { echo "system_deps: /usr/bin/chromium still missing after install" >&2; exit 1; }
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null \
    || { echo "system_deps: PostgreSQL server binaries still missing after install" >&2; exit 1; }
echo "system_deps: done"
