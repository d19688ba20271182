#!/usr/bin/env bash
# Start-up and memory figures (not a pass/fail test):
#  (a) median wall time of `tarn --version` and `tarn -e ''` against `lua5.4 -e ''` over 30
#      runs, as ratios (target <= 5x);
#  (c) peak resident memory of `tarn -e ''` (target <= 10 MB).
# Usage: bench/startup.sh [path/to/tarn]   (default: a Release build in build-release/)
set -euo pipefail
cd "$(dirname "$0")/.."
tarn=${1:-}
if [ -z "$tarn" ]; then
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DTARN_BUILD_TESTS=OFF -DTARN_BUILD_SIM=OFF >/dev/null
  cmake --build build-release --target tarn >/dev/null
  tarn=build-release/tarn
fi
for tool in hyperfine lua5.4 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench/startup.sh needs $tool (apt-get install -y hyperfine lua5.4 time)" >&2; exit 2; }
done
out=$(mktemp)
hyperfine -N --runs 30 --warmup 5 --export-json "$out" "$tarn --version" "$tarn -e ''" "lua5.4 -e ''" >/dev/null 2>&1
peak=0
for _ in 1 2 3 4 5; do
  kb=$( { /usr/bin/time -f '%M' "$tarn" -e '' ; } 2>&1 | tail -n1 )
  [ "$kb" -gt "$peak" ] && peak=$kb
done
"$tarn" bench/startup_report.lua "$out" "$peak"
rm -f "$out"
