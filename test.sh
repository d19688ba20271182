#!/usr/bin/env bash
# Installs what is missing, builds tarn, and runs the whole test suite twice: a normal build
# and an AddressSanitizer + UndefinedBehaviorSanitizer build; then installs the runtime and
# builds the embedding example against the installed package.
#   ./test.sh            everything
#   ./test.sh --fast     the normal build only
set -euo pipefail
cd "$(dirname "$0")"
fast=0
[ "${1:-}" = "--fast" ] && fast=1
jobs=$(nproc)

tools/deps.sh

build() {  # build <dir> <cmake args...>
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

echo "== build (RelWithDebInfo)"
build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== tests"
ctest --test-dir build --output-on-failure -j $((jobs * 2))  # many specs wait on servers, not the CPU

echo "== install + embedding example"
prefix=$(mktemp -d)
cmake --install build --prefix "$prefix" >/dev/null
cmake -S examples/embed -B build/embed -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build/embed
LD_LIBRARY_PATH="$prefix/lib" build/embed/embed | grep -q '"items":42'
LD_LIBRARY_PATH="$prefix/lib" build/embed/embed recipes/example.lua path="$prefix/settings.json" >/dev/null \
  || [ $? -eq 3 ]  # plan mode: 3 means "changes to make", as expected on a fresh path
rm -rf "$prefix"
echo "embedding example: ok"

if [ $fast -eq 0 ]; then
  echo "== build (ASan + UBSan)"
  build build-asan -DCMAKE_BUILD_TYPE=Debug -DTARN_SANITIZE=ON
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j $((jobs * 2))
fi
echo "== all tests passed"
