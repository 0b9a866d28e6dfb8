# Redrive: the standalone artifact (what CI's `standalone` step tests), in a non-root container.
# Not built on the project's own machines (no Docker engine there); keep in step with scripts/redrive.mjs.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production PORT=3000 HOSTNAME=0.0.0.0 REDRIVE_CONFIG=/config/redrive.yaml REDRIVE_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/.next/standalone ./standalone
COPY --from=build /app/scripts/redrive.mjs /app/scripts/server-env.mjs ./
RUN mkdir -p /data /config && chown node:node /data
USER node
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENV REDRIVE_STANDALONE_DIR=/app/standalone
# redrive.mjs applies the heap cap and young-generation size itself (REDRIVE_MAX_HEAP_MB, REDRIVE_SEMI_SPACE_MB).
ENV NODE_OPTIONS="--max-old-space-size=192 --max-semi-space-size=16"
CMD ["node", "redrive.mjs"]
