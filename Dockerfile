# One image for every livegrade service; the command picks the service.
# Same entry point as `npm start`: livegrade up [--services ...].
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY schemas ./schemas
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
ENV LIVEGRADE_HOST=0.0.0.0
ENTRYPOINT ["node", "packages/cli/bin/livegrade.mjs"]
CMD ["up"]
