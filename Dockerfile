# Tradeport: one image for the HTTP app, the scheduler, migrations and jobs (the command picks which).
# Multi-stage: dependencies are installed in a throwaway stage; the runtime runs as the unprivileged `node` user.
# Node runs the TypeScript sources directly (type stripping, Node ≥ 22.18): there is no build output to copy.

FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No dev tools, and no embedded PostgreSQL (optional dependency for development): production uses DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    APP_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json ./
COPY --chown=node:node core ./core
COPY --chown=node:node adapters ./adapters
COPY --chown=node:node apps ./apps
COPY --chown=node:node migrations ./migrations
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Override per service: apps/scheduler/main.ts, apps/migrate.ts, apps/job.ts <name>.
CMD ["node", "apps/http/main.ts"]
