# gameday in a container, for scheduled in-cluster game days (`gameday schedule` writes the CronJob that
# runs it). Two stages: the TypeScript build with dev dependencies, then a runtime with production
# dependencies only, running as the unprivileged "node" user (uid 1000, numeric so that Kubernetes can
# verify runAsNonRoot).
#
# Plain `docker build .` builds it: there is no `# syntax=` line, so BuildKit does not fetch a Dockerfile
# frontend image first. The base is pinned by digest, so that a rebuild starts from the same bytes: Node
# 24 (LTS until April 2028; Node 20 left support in April 2026), the multi-arch index of
# node:24.18.0-bookworm-slim. Update tag and digest together. NODE_IMAGE lets a mirror stand in for it.
ARG NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schemas ./schemas
COPY src ./src
# Only src/ is compiled here: the tests and benchmarks stay out of the image.
RUN npx tsc -p tsconfig.json && rm -f dist/.tsbuildinfo

FROM ${NODE_IMAGE} AS runtime
# What a scheduled lab run executes in its pod (src/schedule/image-tools.ts): ssh to the hosts, ipmitool
# to their BMCs. etcdctl and etcdutl are not needed here: a lab run executes them on the etcd hosts over
# ssh, a kind run in the etcd container.
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssh-client ipmitool \
  && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
# Read at run time: the lab profile schema, the experiment schema, the kind cluster layout.
COPY schemas ./schemas
COPY kind-config.yaml ./
COPY experiments ./experiments
# The working directory holds the rollback journal; in Kubernetes an emptyDir or the results volume.
RUN mkdir -p /work && chown 1000:1000 /work
USER 1000:1000
WORKDIR /work
ENTRYPOINT ["node", "/app/bin/gameday.js"]
CMD ["--help"]
