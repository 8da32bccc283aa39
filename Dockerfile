# Ketenhub as a container image. Build: docker build -t ketenhub .   Run: see compose.yaml and
# docs/operations.md. The same steps run in CI without a Docker engine (.ci/production-smoke.sh).

# --- build: all dependencies, compile the server and bundle the console, then drop the dev ones.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Scripts off here: `prepare` builds, and the sources are not in the image yet (this layer stays
# cached while only the sources change).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- run: node, the production dependencies, the build, and what the build reads at run time.
FROM node:20-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    METRICS_PORT=9464 \
    DATA_DIR=/data
WORKDIR /app
# Owned by root and read-only to the hub: it can write only its data directory.
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/schema ./schema
COPY --from=build /app/scripts/cli.mjs ./scripts/cli.mjs
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4000 9464
# Ready = the database answers and the hub is not draining (node: the slim image has no curl).
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node itself as PID 1 (no npm, no shell): SIGTERM from `docker stop` reaches the hub, which drains
# and exits 0 within SHUTDOWN_TIMEOUT_MS (keep docker's --stop-timeout above it).
CMD ["node", "dist/main.js"]
