# The gateway in a container. CMD is in exec form, so node is PID 1 and receives SIGTERM itself: it drains
# (README: Shutdown) instead of being killed after the grace period. Do not wrap it in `npm start` or `sh -c`.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
ENV NODE_ENV=production PORT=4000
EXPOSE 4000
# --max-semi-space-size=8: the same V8 flag as `npm start` (README: Benchmark, memory).
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
