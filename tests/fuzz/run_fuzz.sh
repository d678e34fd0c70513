#!/usr/bin/env bash
# Builds one fuzz target with clang in a tree of its own (tests/fuzz/CMakeLists.txt) and runs it from its
# committed seed corpus; prints libFuzzer's final figures. Exits non-zero on a finding: a crash, a sanitizer
# report, a hang (-timeout) or a broken invariant; the input is kept in BUILD/artifacts/TARGET/.
#
# usage: run_fuzz.sh TARGET [--build-dir DIR] [--seconds N | --runs N] [libFuzzer flags...]
#   TARGET is a folder of tests/fuzz (batch-csv, emis-xml, ...); ctest runs each for a few seconds, bench/fuzz
#   for ten million executions. Later flags win, so `-max_len=65536` overrides the target's own.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
usage() {
  echo "usage: $0 TARGET [--build-dir DIR] [--seconds N | --runs N] [libFuzzer flags...]" >&2
  echo "targets: $(cd "$here" && ls -d */ | tr -d / | tr '\n' ' ')" >&2
  exit 2
}
[ $# -ge 1 ] || usage
target=$1
shift
[ -f "$here/$target/fuzz.cpp" ] || usage
build_dir=$root/build/fuzz
limit=(-max_total_time=60)
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --seconds) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done

build_dir=$(realpath -m "$build_dir") # the fuzzer runs from inside it

launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f "$build_dir/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$here" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
    >/dev/null
fi
# Quiet when it builds; the compiler's or linker's words when it does not.
if ! build_log=$(cmake --build "$build_dir" -j2 --target "fuzz_$target" 2>&1); then
  printf '%s\n' "$build_log" | grep -E 'error|undefined reference' | head -n 20 >&2
  echo "$0: fuzz_$target did not build" >&2
  exit 1
fi

# Defaults every target gets; a target's `flags` file (one per line) and the command line come after.
flags=(-max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
if [ -f "$here/$target/flags" ]; then
  while read -r f; do [ -n "$f" ] && [ "${f#\#}" = "$f" ] && flags+=("$f"); done <"$here/$target/flags"
fi
for d in "$here/$target"/*.dict; do [ -f "$d" ] && flags+=(-dict="$d"); done

# New inputs go to the build tree's corpus; the committed seeds are only read.
corpus=$build_dir/corpus/$target
artifacts=$build_dir/artifacts/$target
mkdir -p "$corpus" "$artifacts"
log=$build_dir/$target.log
status=0
(cd "$build_dir" && "./fuzz_$target" "${flags[@]}" "${limit[@]}" -artifact_prefix="$artifacts/" "${extra[@]}" \
  "$corpus" "$here/$target/corpus") >"$log" 2>&1 || status=$?
if [ $status -ne 0 ]; then
  tail -n 60 "$log"
  echo "fuzz_$target: finding (exit $status); inputs in $artifacts/"
  exit $status
fi
grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|Done [0-9]+ runs|stat::)' "$log"
