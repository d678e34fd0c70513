#!/usr/bin/env bash
# Proves the SDK works as a plugin author meets it: install clinhub to a fresh prefix, build
# plugins/template outside this tree with find_package(clinhub), and have the installed hub load it.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cp -r "$source_dir/plugins/template" "$work/my-plugin"
cmake -S "$work/my-plugin" -B "$work/my-plugin/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/my-plugin/build" >/dev/null

plugin_dir="$work/prefix/lib/clinhub/plugins"
cp "$work/my-plugin/build/libclinhub-template-sms.so" "$plugin_dir/"
listing=$("$work/prefix/bin/clinhub" plugins list 2>/dev/null)
echo "$listing"
grep -E "^template-sms +sms +1\.0\.0 +1\.[0-9]+ +loaded +$plugin_dir/libclinhub-template-sms\.so$" <<<"$listing" >/dev/null ||
  { echo "FAIL: the installed hub did not load the out-of-tree plugin"; exit 1; }
grep -E "^local-book +appointment-book,immunisation-records .* loaded +$plugin_dir/" <<<"$listing" >/dev/null ||
  { echo "FAIL: the installed hub did not find its shipped plugins"; exit 1; }
echo "PASS: plugin built out of tree with find_package(clinhub) and loaded by the installed hub"
