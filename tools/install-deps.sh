#!/usr/bin/env bash
# Install, with apt-get, the Debian bookworm packages that building and
# testing xenvgpu on the host needs. Quick when everything is present:
# apt-get runs only for packages dpkg does not report as installed.
# Usage: tools/install-deps.sh [extra-package ...]
set -euo pipefail

pkgs=(build-essential pkg-config libxen-dev libcunit1-dev clang
      libclang-rt-14-dev clang-format valgrind "$@")

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
