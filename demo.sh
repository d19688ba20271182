#!/usr/bin/env bash
# tarn's main job on local defaults: installs what is missing, builds, and runs a recipe end
# to end (twice: the second run changes nothing), with a plan-mode check in between.
# Everything it writes stays under ./.tarn-demo.
set -euo pipefail
cd "$(dirname "$0")"
tools/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"
tarn=build/tarn
demo=.tarn-demo
mkdir -p "$demo"

echo "== tarn recipes"
$tarn recipes
echo
echo "== first run"
$tarn run example --set path=$demo/settings.json --set settings=region=westeurope,tier=basic \
  --set token=demo-api-token-0001
echo
echo "== plan: what would change now?"
rc=0; $tarn run example --plan --set path=$demo/settings.json --set settings=region=westeurope,tier=basic || rc=$?
echo "(plan exit code $rc: 0 = nothing to change, 3 = changes to make)"
echo
echo "== second run (changes nothing)"
$tarn run example --set path=$demo/settings.json --set settings=region=westeurope,tier=basic
