#!/usr/bin/env bash
# Runs every benchmark and prints its figures (none of them is a pass/fail test).
set -uo pipefail
cd "$(dirname "$0")"
for b in startup.sh json.sh http.sh postgres-prep.sh; do
  if [ -x "$b" ]; then
    echo "== $b"
    ./"$b" || echo "($b failed with exit code $?)"
  fi
done
