#!/usr/bin/env bash
# The tools the Helm chart's suite runs, pinned and cached under .cache so a
# second run is instant and offline:
#
#   tools.sh helm         build helm (from the Go module proxy) unless cached; print its path
#   tools.sh validator    install kubernetes-validate (PyPI, Kubernetes' JSON schemas inside) into a venv unless cached; print its path
#
# Each prints one line on stderr when it installs, and nothing else but the path.
# Exit status 3: a prerequisite (go, python3) is missing, so the tool cannot be had here.
set -euo pipefail

HELM_VERSION=v3.19.0
KUBERNETES_VALIDATE_VERSION=1.37.0

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$root/.cache"

missing() { echo "tools.sh: $*" >&2; exit 3; }

usage() {
  sed -n '5,6s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

# As helm's release builds link it: its version, and the Kubernetes version it
# renders for when not told (its client-go v0.34 = Kubernetes 1.34; without
# these a source build says v1.20).
HELM_LDFLAGS="-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=34 \
-X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=34"

cmd_helm() {
  local dir="$cache/helm/$HELM_VERSION"
  local binary="$dir/helm"
  local stamp="$dir/ldflags"
  mkdir -p "$dir"
  # Concurrent test processes may ask at once; one builds, the others wait.
  exec 9>"$dir/.lock"
  flock 9
  if [[ ! -x "$binary" || ! -f "$stamp" || "$(cat "$stamp")" != "$HELM_LDFLAGS" ]]; then
    command -v go >/dev/null 2>&1 || missing "go not found; building helm needs Go 1.24+"
    echo "tools.sh: building helm $HELM_VERSION into $dir (minutes on a cold cache)" >&2
    rm -f "$stamp"
    # The module cache's download dir is the first proxy: with it warm, a rebuild is offline.
    # -modcacherw: Go writes its module cache read-only, which would make the cache undeletable.
    GOMODCACHE="$cache/go-mod" GOCACHE="$cache/go-build" GOFLAGS=-modcacherw \
      GOPROXY="file://$cache/go-mod/cache/download,$(go env GOPROXY)" GOBIN="$dir/.build" CGO_ENABLED=0 \
      go install -ldflags "$HELM_LDFLAGS" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
    mv "$dir/.build/helm" "$binary"
    rmdir "$dir/.build"
    echo "$HELM_LDFLAGS" >"$stamp"
  fi
  echo "$binary"
}

cmd_validator() {
  local dir="$cache/kubernetes-validate/$KUBERNETES_VALIDATE_VERSION"
  local binary="$dir/bin/kubernetes-validate"
  mkdir -p "$dir"
  exec 9>"$dir.lock"
  flock 9
  if [[ ! -x "$binary" ]]; then
    command -v python3 >/dev/null 2>&1 || missing "python3 not found; kubernetes-validate needs Python 3.9+"
    echo "tools.sh: installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION into $dir" >&2
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" >&2
  fi
  echo "$binary"
}

case "${1:-}" in
  helm) cmd_helm ;;
  validator) cmd_validator ;;
  *) usage ;;
esac
