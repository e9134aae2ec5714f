#!/usr/bin/env bash
# Brings a Debian/Ubuntu machine to the point where `npm start` / `npm test` run:
# the pinned Node.js LTS (scripts/node-runtime.sh), system packages (installed
# when missing, as root), npm dependencies, the
# TypeScript build, the web UI bundle, the BPF objects + loader and the
# ingest's WebAssembly span encoder. Idempotent and quiet when
# nothing is to do. `--for-tests` also installs Java/Maven and chromium, fetches Kafka and
# builds the OpenTelemetry Collector of the interop suite and helm (with Go) and
# installs kubernetes-validate (the Helm chart's suite);
# `--for-bench` does the Java/Kafka part too (the agent benchmark runs a broker)
# and installs the load generator and the tracer the benchmarks compare against
# (wrk, bpftrace).
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
for_bench=false
case "${1:-}" in
  --for-tests) for_tests=true ;;
  --for-bench) for_tests=true; for_bench=true ;;
esac

say() { echo "stallscope setup: $*"; }

# libc6-dbg: glibc's own function names (its futex and lock waits), by build id:
# without them a thread parked in a condition wait is classed by default, not idle.
# lld: wasm-ld, which links the ingest's WebAssembly span encoder.
need_pkgs=(clang llvm lld libbpf-dev libelf-dev zlib1g-dev make gcc pkg-config libc6-dbg)
# bpftool is its own package on Debian 12; Ubuntu ships it in linux-tools.
if ! command -v bpftool >/dev/null 2>&1 && [ ! -x /usr/sbin/bpftool ]; then need_pkgs+=(bpftool); fi
if $for_tests; then
  command -v java >/dev/null 2>&1 || need_pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || need_pkgs+=(maven)
  # The tcp signal's lossy-link test drops packets between two namespaces with nft.
  command -v nft >/dev/null 2>&1 || need_pkgs+=(nftables)
  # The web UI's suite drives a real browser (playwright-core with Debian's chromium).
  command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
  # The Helm chart's suite validates manifests with kubernetes-validate, in a venv.
  command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || need_pkgs+=(python3 python3-venv)
fi
if $for_bench; then
  command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
  command -v bpftrace >/dev/null 2>&1 || need_pkgs+=(bpftrace)
fi
missing=()
for pkg in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "missing system packages: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The pinned Node.js LTS (.node-version): the machine's if it is on that line,
# else a project-local copy. Everything below, and every npm script, runs on it.
bash scripts/node-runtime.sh
PATH="$(pwd)/.cache/node/bin:$PATH"
export PATH

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

say "building TypeScript"
npx --no-install tsc -b
# The web UI's bundle (dist/ui of the query API); its types come from the build above.
node services/query-api/ui/build.mjs >/dev/null

say "building BPF programs and loader"
make -s -C bpf-agent
say "building the ingest's WebAssembly span encoder"
make -s -C services/ingest

if $for_tests; then
  bash infra/kafka/kafka.sh fetch
  # The interop suite's OpenTelemetry Collector, built from source (minutes on
  # a cold cache, nothing once built). Without Go that suite skips, saying why.
  if command -v go >/dev/null 2>&1; then
    bash infra/otelcol/otelcol.sh build
  else
    say "go not found: the OpenTelemetry Collector interop suite will skip (infra/otelcol needs Go 1.25+)"
  fi
  # The Helm chart's suite: helm (built with Go) and the Kubernetes schemas; nothing once cached.
  if command -v go >/dev/null 2>&1; then
    bash infra/helm/tools.sh helm >/dev/null
  else
    say "go not found: the Helm chart suite will skip (infra/helm/tools.sh builds helm with Go 1.24+)"
  fi
  bash infra/helm/tools.sh validator >/dev/null
fi
