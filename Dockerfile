# One image for every livegrade service; the command picks the service.
# Same entry point as `npm start`: livegrade up [--services ...], running the
# JavaScript that `npm run build` compiled, not TypeScript.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json tsconfig.build.json ./
COPY packages ./packages
COPY services ./services
COPY schemas ./schemas
# npm ci runs the prepare step, which builds every package into its dist/
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /app ./
ENV LIVEGRADE_HOST=0.0.0.0
# Not root: the image's `node` user (uid 1000). /app stays root-owned and
# world-readable, so it can read but not change its code; with a ClickHouse
# server (LIVEGRADE_CLICKHOUSE_URL) livegrade writes nothing on disk. The
# embedded store would need a writable LIVEGRADE_DATA_DIR mounted.
USER node
ENTRYPOINT ["node", "packages/cli/bin/livegrade.mjs"]
CMD ["up"]
