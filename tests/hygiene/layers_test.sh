#!/usr/bin/env bash
# scripts/check-layers passes the real tree, and fails a tree where a lower layer includes a higher one,
# or a connector includes a hub header, naming the file and line.
set -euo pipefail
root=$1
check=$root/scripts/check-layers
"$check" "$root"

tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/hub/store "$tree"/hub/web "$tree"/connectors/made-up "$tree"/plugins/sdk "$tree"/plugins/template
cp "$root"/hub/layers.txt "$tree"/hub/
printf '#include "hub/store/Store.h"\n' >"$tree"/hub/web/Pages.cpp
printf '// fine so far\n#include "hub/web/Pages.h"\n' >"$tree"/hub/store/Store.cpp
printf '#include "hub/store/Store.h"\n' >"$tree"/connectors/made-up/Sms.cpp
if out=$("$check" "$tree" 2>&1); then
  echo "check-layers passed a tree with includes against the layering" >&2
  exit 1
fi
grep -q 'hub/store/Store.cpp:2: includes hub/web/Pages.h: store (layer store) may not depend on web' <<<"$out"
grep -q 'connectors/made-up/Sms.cpp:1: includes a hub header' <<<"$out"
grep -q 'check-layers: 2 include(s) against the layering' <<<"$out"
echo "planted violations reported: ok"
