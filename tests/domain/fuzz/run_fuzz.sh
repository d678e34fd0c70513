#!/usr/bin/env bash
# Builds the message template fuzzer with clang in a small tree of its own and runs it from the committed
# seed corpus; prints libFuzzer's final figures. Exits non-zero on a finding (its input is in BUILD/artifacts/).
#
# usage: run_fuzz.sh [--build-dir DIR] [--seconds N | --runs N] [libFuzzer flags...]
#   ctest runs it for 30 s; the long run is --runs 10000000 (README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build_dir=$root/build/fuzz-message-template
limit=(-max_total_time=30)
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  >/dev/null
cmake --build "$build_dir" -j2 >/dev/null

# New inputs go to the build tree's corpus; the committed seeds are only read. -max_len reaches past the
# 4 KiB cap so the refusal of longer texts is exercised too.
mkdir -p "$build_dir/corpus" "$build_dir/artifacts"
log=$build_dir/fuzz.log
status=0
"$build_dir/message_template_fuzz" "${limit[@]}" -max_len=5000 -timeout=10 -print_final_stats=1 \
  -dict="$here/template.dict" -artifact_prefix="$build_dir/artifacts/" "${extra[@]}" \
  "$build_dir/corpus" "$here/corpus" >"$log" 2>&1 || status=$?
if [ $status -ne 0 ]; then
  tail -n 60 "$log"
  echo "message_template_fuzz: finding (exit $status); inputs in $build_dir/artifacts/"
  exit $status
fi
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs|stat::)' "$log"
