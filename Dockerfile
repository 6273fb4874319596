# syntax=docker/dockerfile:1
# gameday in a container, for scheduled in-cluster game days (`gameday schedule` writes the CronJob that
# runs it). Two stages: the TypeScript build with dev dependencies, then a runtime with production
# dependencies only, running as the unprivileged "node" user (uid 1000, numeric so that Kubernetes can
# verify runAsNonRoot).

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY schemas ./schemas
COPY src ./src
# Only src/ is compiled here: the tests and benchmarks stay out of the image.
RUN npx tsc -p tsconfig.json && rm -f dist/.tsbuildinfo

FROM node:20-slim AS runtime
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
