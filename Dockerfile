# One image for every stallscope target; the command picks the target.
FROM node:26.10.0-bookworm AS build
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends clang llvm lld libbpf-dev libelf-dev zlib1g-dev bpftool make gcc pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# vmlinux.h comes from the build host's BTF; the CO-RE objects then run on any BTF kernel.
RUN npm ci --no-audit --no-fund && npx tsc -b && node services/query-api/ui/build.mjs && make -C bpf-agent && make -C services/ingest && npm prune --omit=dev

FROM node:26.10.0-bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libbpf1 libelf1 zlib1g && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/stallscope
COPY --from=build /src /opt/stallscope
ENTRYPOINT ["node", "/opt/stallscope/services/launcher/dist/main.js"]
CMD ["--target", "all"]
