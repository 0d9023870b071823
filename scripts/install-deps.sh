#!/usr/bin/env bash
# Installs the Debian packages semrouter needs to build, test and benchmark,
# only those that are missing. Uses sudo when not root. Idempotent.
# wordnet-base is the WordNet database `semrouter train --task domain` reads
# for definition vectors (models/domain/README.md).
set -euo pipefail
PKGS=(build-essential cmake pkg-config curl ca-certificates
      libboost-dev libssl-dev libyaml-cpp-dev libsimdjson-dev nlohmann-json3-dev
      libre2-dev libexpected-dev libutf8proc-dev libphonenumber-dev zlib1g-dev
      libgtest-dev libgmock-dev libbenchmark-dev openssl fasttext
      wordnet-base libhiredis-dev
      nodejs npm redis-server nginx-light wrk)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from elsewhere (nvm, tarball); do not force Debian's nodejs then.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
filtered=(); for p in "${missing[@]}"; do [ -n "$p" ] && filtered+=("$p"); done
[ ${#filtered[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${filtered[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q || true
$SUDO apt-get install -y -q --no-install-recommends "${filtered[@]}"
