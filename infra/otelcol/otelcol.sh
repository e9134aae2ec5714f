#!/usr/bin/env bash
# The OpenTelemetry Collector of the interop suite, built from builder-config.yaml
# by the OpenTelemetry Collector Builder (ocb) at the manifest's pinned version.
#
#   otelcol.sh build    build it into .cache/build unless the cached binary is current
#   otelcol.sh path     print the binary's path
#
# `build` prints one line when it builds and nothing when the binary is current.
# The Go module and build caches live in .cache too, so a rebuild is offline.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
manifest="$here/builder-config.yaml"
cache="$here/.cache"
# Where the manifest's dist.output_path and dist.name put the binary.
binary="$cache/build/otelcol-interop"
# Holds the build inputs' hash once a build of them has finished.
stamp="$cache/build-inputs.sha256"
# ocb's version is the core modules' (it refuses a mismatch): the otlp receiver's in the manifest.
builder_version="$(sed -n 's:^ *- gomod\: go\.opentelemetry\.io/collector/receiver/otlpreceiver \(v[0-9.]*\)$:\1:p' "$manifest")"

die() { echo "otelcol.sh: error: $*" >&2; exit 1; }

usage() {
  sed -n '5,6s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# The manifest and the local modules it replaces with: everything the binary is made of
# besides pinned module versions.
inputs_hash() {
  (cd "$here" && find builder-config.yaml test-only-modules -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) |
    sha256sum | cut -d' ' -f1
}

cmd_build() {
  command -v go >/dev/null 2>&1 || die "go not found; building the Collector needs Go 1.25+"
  [[ "$builder_version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "no otlpreceiver version in $manifest"
  mkdir -p "$cache"
  # Concurrent test processes may build at once; one builds, the others wait.
  exec 9>"$cache/build.lock"
  flock 9
  local hash
  hash="$(inputs_hash)"
  if [[ -x "$binary" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    return
  fi
  echo "otelcol.sh: building OpenTelemetry Collector $builder_version with ocb into $cache/build (log: $cache/build.log)"
  # Sources of another manifest must not mix into this build.
  rm -rf "$stamp" "$cache/build"
  mkdir -p "$cache/build"
  # -modcacherw: Go writes its module cache read-only, which would make the cache undeletable.
  # The module cache's download dir serves as the first proxy: `go run pkg@version`
  # looks up the module's latest version even when this one is cached, and
  # with the cache warm that answer and every module come from disk.
  local proxy
  proxy="file://$cache/gomod/cache/download,$(go env GOPROXY)"
  (
    cd "$here"
    GOMODCACHE="$cache/gomod" GOCACHE="$cache/gocache" GOFLAGS=-modcacherw GOPROXY="$proxy" \
      go run "go.opentelemetry.io/collector/cmd/builder@$builder_version" --config "$manifest"
  ) >"$cache/build.log" 2>&1 || { tail -n 40 "$cache/build.log" >&2; die "ocb build failed (full log: $cache/build.log)"; }
  [[ -x "$binary" ]] || die "ocb finished but $binary is missing"
  echo "$hash" >"$stamp"
}

case "${1:-}" in
  build) cmd_build ;;
  path) echo "$binary" ;;
  *) usage ;;
esac
