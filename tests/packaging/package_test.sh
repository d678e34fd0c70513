#!/usr/bin/env bash
# The Debian packages as a sysadmin gets them: made by CPack from this build tree (built already), unpacked
# with dpkg-deb into a temporary root, and the hub run from there, finding its plugins and NHS.UK frontend's
# stylesheet beside its binary; the SDK's package holds what a plugin is built with; the unit passes
# systemd-analyze verify.
# usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
hub=
cleanup() {
  if [ -n "$hub" ]; then
    kill "$hub" 2>/dev/null || true
    wait "$hub" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
cd "$work"

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" >cpack.log 2>&1 || { cat cpack.log; fail "cpack"; }
deb=$(ls out/clinhub_*_amd64.deb) || fail "no clinhub_<version>_amd64.deb in $(ls out)"
dev=$(ls out/clinhub-dev_*_amd64.deb) || fail "no clinhub-dev_<version>_amd64.deb in $(ls out)"
echo "made $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) and $(basename "$dev") ($(du -k "$dev" | cut -f1) KiB)"

# The control data: Depends found from the libraries linked, the config a conffile.
depends=$(dpkg-deb -f "$deb" Depends)
for library in libc6 libpoco libyaml-cpp libsodium libsystemd0 libsqlite3; do
  [[ "$depends" == *"$library"* ]] || fail "Depends lacks $library: $depends"
done
dpkg-deb -f "$deb" Maintainer | grep -q . || fail "no Maintainer"
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/clinhub/clinhub.yaml ||
  fail "/etc/clinhub/clinhub.yaml is not a conffile"

dpkg-deb -x "$deb" root
for file in usr/bin/clinhub usr/lib/clinhub/plugins/libclinhub-local-book.so \
  usr/lib/clinhub/plugins/libclinhub-outbox-file.so usr/lib/clinhub/plugins/libclinhub-notify.so \
  usr/share/clinhub/config.schema.json usr/share/clinhub/examples/reference.yaml \
  usr/share/clinhub/nhsuk-frontend/nhsuk-frontend.min.css usr/lib/systemd/system/clinhub.service \
  etc/clinhub/clinhub.yaml usr/share/doc/clinhub/operations.md; do
  [ -e "root/$file" ] || fail "the package has no /$file"
done

# The packaged config, with the machine's folders moved under this test's: the service's state folder, the
# package's examples, and ports of the test's own.
mkdir state
sed -e "s|/var/lib/clinhub|$work/state|g" -e "s|/usr/share/clinhub|$work/root/usr/share/clinhub|g" \
  -e "s|127.0.0.1:808[01]|127.0.0.1:0|" root/etc/clinhub/clinhub.yaml >hub.yaml
export CLINHUB_DATA_KEY="test:dGVzdC1vbmx5LWtleS1ub3QtZm9yLXBhdGllbnRzISE=" # tests/TestDataKey.cpp's
clinhub=$work/root/usr/bin/clinhub
"$clinhub" config check hub.yaml || fail "config check of the packaged config"
"$clinhub" plugins list --config hub.yaml | grep -q "loaded.*$work/root/usr/lib/clinhub/plugins/" ||
  fail "plugins not found beside the packaged binary: $("$clinhub" plugins list --config hub.yaml)"
link=$("$clinhub" links create --config hub.yaml --org A12345 --rule flu --nhs-number 9995260182 \
  --date-of-birth 1956-03-14 --mobile "07700 900123" | head -n1)
[[ "$link" == https://book.example.org/b/* ]] || fail "links create printed '$link'"

: >serve.out # before the hub opens it, so the first look finds it
"$clinhub" serve --config hub.yaml >serve.out 2>serve.log &
hub=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/^clinhub serving on port \([0-9]*\).*/\1/p' serve.out)
  [ -n "$port" ] && break
  kill -0 "$hub" 2>/dev/null || { cat serve.log; fail "serve exited"; }
  sleep 0.05
done
[ -n "$port" ] || { cat serve.log; fail "serve never said its port"; }
status() { curl -s -o "$2" -w '%{http_code}' "http://127.0.0.1:$port$1"; }
[ "$(status /healthz healthz.out)" = 200 ] || fail "/healthz"
[ "$(status "${link#https://book.example.org}" page.html)" = 200 ] || fail "the patient's page: $(cat page.html)"
grep -q "Flu vaccination" page.html || fail "the patient's page names no rule: $(cat page.html)"
stylesheet=$(grep -o '/assets/nhsuk-frontend.min.css?v=[0-9a-f]*' page.html | head -n1)
[ -n "$stylesheet" ] || fail "the page links no stylesheet: the package's nhsuk-frontend was not found"
[ "$(status "$stylesheet" style.css)" = 200 ] || fail "the stylesheet"
kill -TERM "$hub"
wait "$hub" || fail "serve exited $? on SIGTERM"
hub=
grep -q '"event":"hub_stopped"' serve.log || fail "no hub_stopped line: $(cat serve.log)"

# The SDK: the ABI header, the kit and the CMake package.
contents=$(dpkg-deb -c "$dev")
for file in ./usr/include/clinhub/plugin.h ./usr/lib/cmake/clinhub/clinhubConfig.cmake \
  ./usr/lib/cmake/clinhub/clinhubTargets.cmake ./usr/lib/cmake/clinhub/clinhub_add_plugin.cmake \
  ./usr/lib/libclinhub-kit.a; do
  grep -q " $file\$" <<<"$contents" || fail "clinhub-dev has no ${file#.}"
done
grep -q " ./usr/bin/clinhub\$" <<<"$contents" && fail "clinhub-dev holds the hub"
grep -q " ./usr/include/" < <(dpkg-deb -c "$deb") && fail "clinhub holds the SDK's headers"

# The unit as packaged, but for the binary's path: verify needs ExecStart's binary to exist.
sed "s|/usr/bin/clinhub|$clinhub|g" root/usr/lib/systemd/system/clinhub.service >clinhub.service
systemd-analyze verify "$work/clinhub.service" 2>verify.log || { cat verify.log; fail "systemd-analyze verify"; }
# verify exits 0 on some findings it prints: any line about our unit is one.
if grep -q "clinhub.service" verify.log; then
  cat verify.log
  fail "systemd-analyze verify found problems in the unit"
fi
# And stays hardened: systemd's own exposure score (0 to 10, lower is safer) at 2 or below; 1.4 when written.
systemd-analyze security --offline=yes --threshold=20 "$work/clinhub.service" >security.log 2>&1 ||
  { cat security.log; fail "the unit's exposure is over 2.0"; }
echo "unit exposure: $(grep -o 'Overall exposure level.*' security.log)"
echo "package test passed"
