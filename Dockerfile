# clio-stream: `docker compose up` runs it next to Kafka and PostgreSQL (see docker-compose.yml).

# Dependencies in their own stage: hnswlib-node compiles from source, and the toolchain stays out
# of the final image.
FROM node:20-bookworm-slim AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# onnxruntime-node's CPU binary is in the package; its postinstall must not fetch a CUDA add-on.
ENV ONNXRUNTIME_NODE_INSTALL=skip
# tsx is a runtime dependency (bin/clio-stream.js runs the TypeScript sources), so --omit=dev is enough.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    CLIO_API_HOST=0.0.0.0 \
    CLIO_DATA_DIR=/var/lib/clio-stream
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN mkdir -p /var/lib/clio-stream && chown node:node /var/lib/clio-stream
USER node
EXPOSE 8080
CMD ["node", "bin/clio-stream.js", "run"]
