#!/bin/sh
# JSON throughput of tarn's json module against Debian's lua-cjson (lua5.4), same data,
# same run: MB/s for decode and encode, and tarn/cjson ratios. Prints figures, never fails
# on them.
#
#   bench/json.sh [TARN_BINARY] [items=N] [rounds=N]
#
# TARN_BINARY defaults to $TARN_BIN, else build-rel/tarn, else build/tarn. Measure with a
# Release build (-DCMAKE_BUILD_TYPE=Release); a Debug build is flagged below.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tarn=${TARN_BIN:-}
case "${1:-}" in *=*|"") ;; *) tarn=$1; shift ;; esac
if [ -z "$tarn" ]; then
  for c in "$root/build-rel/tarn" "$root/build/tarn"; do
    if [ -x "$c" ]; then tarn=$c; break; fi
  done
fi
[ -n "$tarn" ] && [ -x "$tarn" ] || { echo "json.sh: no tarn binary (give its path or set TARN_BIN)" >&2; exit 2; }
command -v lua5.4 >/dev/null || { echo "json.sh: lua5.4 not found (apt-get install lua5.4 lua-cjson)" >&2; exit 2; }

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$(dirname "$tarn")/CMakeCache.txt" 2>/dev/null || true)
echo "tarn:  $tarn (${build_type:-unknown build type})"
[ "$build_type" = "Release" ] || echo "note: not a Release build; figures understate tarn"
echo "cjson: $(lua5.4 -e 'print(require("cjson")._VERSION)') under $(lua5.4 -v 2>&1 | cut -d' ' -f1-2)"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
lua5.4 "$root/bench/json.lua" "$@" >>"$out"
"$tarn" "$root/bench/json.lua" "$@" >>"$out"

awk '
  { mbs[$1, $2] = $3; size[$1] = $5 }
  END {
    printf "\n%-8s %9s %14s %14s %8s\n", "", "MB", "cjson MB/s", "tarn MB/s", "ratio"
    n = split("decode encode", ops, " ")
    for (i = 1; i <= n; i++) {
      op = ops[i]; c = mbs[op, "cjson"]; t = mbs[op, "tarn"]
      printf "%-8s %9.1f %14.1f %14.1f %7.2fx\n", op, size[op], c, t, (c > 0 ? t / c : 0)
    }
  }' "$out"
