#!/usr/bin/env bash
# The C++ compiler that builds routing._cch (Baotong's binding of RoutingKit, routing/native/) when the
# project is installed (Debian's g++). Idempotent: does nothing when g++ is on PATH.
# Not root: prints the command to run and exits 1 (the install cannot go on without it).
set -euo pipefail

command -v g++ >/dev/null 2>&1 && exit 0
if [[ $(id -u) -ne 0 ]]; then
    echo "build_deps: routing._cch needs a C++ compiler; run: sudo apt-get update && sudo apt-get install -y g++" >&2
    exit 1
fi
echo "build_deps: installing g++ (for routing._cch)" >&2
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q g++
