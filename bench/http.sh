#!/bin/sh
# HTTP transport figures against tarn-sim: 1,000 small GETs over one reused connection
# against a new connection each time (HTTPS, as every real endpoint is, and plain HTTP),
# and 100 requests with 50 ms injected delay one by one against http.all (8 in flight).
# Prints figures and ratios; never fails on them.
#
#   bench/http.sh [BUILD_DIR] [gets=N] [delayed=N] [delay_ms=N]
#
# BUILD_DIR holds tarn and sim/tarn-sim; default build-http-rel, else build-rel, else
# build. Measure with a Release build (-DCMAKE_BUILD_TYPE=Release).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=
case "${1:-}" in *=*|"") ;; *) build=$1; shift ;; esac
if [ -z "$build" ]; then
  for c in "$root/build-http-rel" "$root/build-rel" "$root/build"; do
    if [ -x "$c/tarn" ] && [ -x "$c/sim/tarn-sim" ]; then build=$c; break; fi
  done
fi
[ -n "$build" ] && [ -x "$build/tarn" ] && [ -x "$build/sim/tarn-sim" ] ||
  { echo "http.sh: no build directory with tarn and sim/tarn-sim (give its path)" >&2; exit 2; }
command -v openssl >/dev/null || { echo "http.sh: openssl not found" >&2; exit 2; }

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
echo "tarn: $build/tarn (${build_type:-unknown build type})"
[ "$build_type" = "Release" ] || echo "note: not a Release build; figures understate tarn"

tmp=$(mktemp -d)
sim_pid=
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# A throwaway CA and a server certificate for 127.0.0.1, so the simulator can serve HTTPS.
(
  cd "$tmp"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=tarn bench CA' -keyout ca.key -out ca.pem
  openssl req -newkey rsa:2048 -nodes -subj '/CN=127.0.0.1' -keyout server.key -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\n' >san.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out server.pem
) >"$tmp/openssl.log" 2>&1 || { cat "$tmp/openssl.log" >&2; exit 1; }

"$build/sim/tarn-sim" --port 0 --https-port 0 --cert "$tmp/server.pem" --key "$tmp/server.key" >"$tmp/sim.out" 2>"$tmp/sim.err" &
sim_pid=$!
i=0
while [ "$(grep -c 'listening on' "$tmp/sim.out" 2>/dev/null || true)" -lt 2 ]; do
  i=$((i + 1))
  [ $i -lt 200 ] || { echo "http.sh: tarn-sim did not start:" >&2; cat "$tmp/sim.err" >&2; exit 1; }
  sleep 0.05
done
http_url=$(sed -n 's/^tarn-sim listening on \(http:.*\)$/\1/p' "$tmp/sim.out")
https_url=$(sed -n 's/^tarn-sim listening on \(https:.*\)$/\1/p' "$tmp/sim.out")

TARN_CA_BUNDLE="$tmp/ca.pem" "$build/tarn" "$root/bench/http.lua" "$https_url" "$@" >"$tmp/https.txt"
"$build/tarn" "$root/bench/http.lua" "$http_url" "$@" >"$tmp/http.txt"

awk '
  FILENAME ~ /https/ { s["https", $1] = $2 } FILENAME !~ /https/ { s["http", $1] = $2 }
  END {
    printf "\n%-7s %12s %12s %8s   %14s %12s %8s\n", "", "reuse req/s", "fresh req/s", "ratio",
           "sequential s", "http.all s", "ratio"
    n = split("https http", kinds, " ")
    for (i = 1; i <= n; i++) {
      k = kinds[i]
      printf "%-7s %12d %12d %7.1fx   %14.2f %12.2f %7.1fx\n", k, s[k, "reuse_rps"], s[k, "fresh_rps"],
             s[k, "reuse_rps"] / s[k, "fresh_rps"], s[k, "sequential_s"], s[k, "parallel_s"],
             s[k, "sequential_s"] / s[k, "parallel_s"]
    }
    print "\ntargets: reuse >= 3x (TLS, as every real endpoint), http.all >= 6x with 8 in flight"
  }' "$tmp/https.txt" "$tmp/http.txt"
