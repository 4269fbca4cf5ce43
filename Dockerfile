# The turnout worker image (docker-compose.yml's turnout-worker).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY workflows workflows
COPY activities activities
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# ssh/scp distribute plugin-cfg.xml to remote HTTP servers.
RUN apt-get update && apt-get install -y --no-install-recommends openssh-client && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY bin bin
COPY workflows workflows
USER node
ENV NODE_ENV=production
ENTRYPOINT ["node", "bin/turnout.js"]
CMD ["worker"]
