#!/usr/bin/env bash
# Proves every shipped connector builds as a plugin author's would: the SDK alone (CLINHUB_SDK_ONLY, no hub)
# configured from this source tree and installed to a fresh prefix, then each connectors/<name> configured as
# a CMake project of its own with find_package(clinhub) against that prefix and nothing else, installed
# beside it; this build's hub must then load every plugin from there.
set -euo pipefail
build_dir=$1
source_dir=$2
# A fixed folder, emptied first: each run starts clean, and ccache still finds the last run's objects.
work=$build_dir/connectors-out-of-tree
rm -rf "$work"
mkdir -p "$work"
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
prefix=$work/prefix

# Runs a step quietly, showing its output only when it fails.
step() {
  local log=$work/step.log
  "$@" >"$log" 2>&1 || { cat "$log"; echo "FAIL: $*"; exit 1; }
}

step cmake -S "$source_dir" -B "$work/sdk" -G Ninja -DCLINHUB_SDK_ONLY=ON "${launcher[@]}"
step cmake --build "$work/sdk"
step cmake --install "$work/sdk" --prefix "$prefix"
if [ -e "$prefix/bin" ] || [ -e "$prefix/lib/clinhub" ]; then
  echo "FAIL: the SDK-only install holds more than the SDK:"
  find "$prefix" -type f
  exit 1
fi

connectors=()
for dir in "$source_dir"/connectors/*/; do
  [ -f "$dir/CMakeLists.txt" ] || continue
  name=$(basename "$dir")
  connectors+=("$name")
  step cmake -S "$dir" -B "$work/$name" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" "${launcher[@]}"
  step cmake --build "$work/$name"
  step cmake --install "$work/$name" --prefix "$prefix"
done

# A copy of this build's hub, away from the plugins/ folder beside it, which holds the same plugins built in tree.
plugin_dir=$prefix/lib/clinhub/plugins
mkdir "$work/hub"
cp "$build_dir/clinhub" "$work/hub/"
printf 'plugins:\n  paths: [%s]\n' "$plugin_dir" >"$work/plugins.yaml"
listing=$("$work/hub/clinhub" plugins list --config "$work/plugins.yaml" 2>/dev/null)
echo "$listing"
for name in "${connectors[@]}"; do
  grep -E " loaded +$plugin_dir/libclinhub-$name\.so$" <<<"$listing" >/dev/null ||
    { echo "FAIL: connectors/$name built out of tree did not load"; exit 1; }
done
echo "PASS: ${#connectors[@]} connectors built out of tree against the installed SDK alone, and loaded"
