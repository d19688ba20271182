#!/usr/bin/env bash
# postgres-prep on N tables (default 10,000) against a psql loop: see bench/postgres_prep.lua.
# Usage: bench/postgres-prep.sh [tables]   (builds build-release/ when needed)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-release --target tarn tarn-sim tarn_plugin_net tarn_plugin_pg >/dev/null
TARN_BIN=$PWD/build-release/tarn TARN_SIM_BIN=$PWD/build-release/sim/tarn-sim LUA_PATH="$PWD/tests/lua/?.lua;;" \
  build-release/tarn bench/postgres_prep.lua "${1:-10000}"
