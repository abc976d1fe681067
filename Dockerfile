# The gateway in a container. CMD is in exec form, so node is PID 1 and receives SIGTERM itself: it drains
# (docs/operations.md: Shutdown) instead of being killed after the grace period. Do not wrap it in `npm start` or `sh -c`.
# Not built on the project's machines (no Docker daemon there): checked by reading and by test/packaging/deploy-files.test.ts (docs/operations.md).

# Build stage: dev dependencies and the TypeScript compiler.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build

# Run stage: production dependencies and dist/ only, as the unprivileged `node` user of the image.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production PORT=4000
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY schema.graphql ./
USER node
EXPOSE 4000
# Liveness as the platform sees it: /healthz answers 200 while the process serves (the image has no curl).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# --max-semi-space-size=8: the same V8 flag as `npm start` (docs/benchmark.md, memory): peak RSS ~135 MiB
# under load instead of 150-195 at the same CPU per request.
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
