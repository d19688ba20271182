#!/usr/bin/env bash
# Installs the Debian 12 packages tarn needs to build, test and demo, when any is missing.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  liblua5.4-dev lua5.4 lua-cjson           # Lua 5.4 (C++ build linked) and lua-cjson for the JSON bench
  nlohmann-json3-dev libsimdjson-dev catch2 libreadline-dev libssl-dev openssl
  libcurl4-openssl-dev libcpp-httplib-dev libpq-dev postgresql postgresql-client
  tmux procps                              # REPL tests through a pseudo-terminal
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
echo "tarn: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
