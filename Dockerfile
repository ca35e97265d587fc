# drcon as the DR CoN load balancer: Nginx run and reconfigured by `drcon lb` from Consul, and
# as its registrator: `drcon register` puts the host's containers in Consul.
#   docker build -t drcon .
#   docker run -e CONSUL=consul:8500 -e SERVICE=simple -p 80:80 drcon
#   docker run -v /var/run/docker.sock:/tmp/docker.sock -h $HOST_IP drcon register consul://$HOST_IP:8500

# Build: compile the TypeScript and bundle it, then keep only the runtime dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the `node` dev dependency would download a second Node, and `prepare`
# would compile before the sources are here. TypeScript needs neither, and esbuild finds its
# binary in its platform package without its own.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.ts ./scripts/
COPY src ./src
RUN node node_modules/typescript/bin/tsc -p tsconfig.build.json \
 && node scripts/bundle.ts \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# Runtime: Node, Debian's Nginx with its Lua module (for UPSTREAMS=live), and tini as PID 1
# (reaps orphans, forwards signals to drcon).
FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx libnginx-mod-http-lua lua-resty-core tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/drcon
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY templates ./templates
COPY nginx ./nginx
ENV NODE_ENV=production \
    CONSUL=consul:8500 \
    NGINX_DIR=/var/lib/drcon
EXPOSE 80
# drcon's status server (GET /health): healthy when every watch has data, Consul answers and the
# last render, nginx -t and reload succeeded. It listens on 127.0.0.1:9600 unless STATUS_ADDR says
# otherwise; the check follows STATUS_ADDR's port and passes when it is off. Slim images have no
# curl, so Node asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "const a = (process.env.STATUS_ADDR || '127.0.0.1:9600').trim(); if (a.toLowerCase() === 'off') process.exit(0); fetch('http://127.0.0.1:' + a.slice(a.lastIndexOf(':') + 1) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The command is the role: `lb` unless another drcon command is given.
ENTRYPOINT ["tini", "--", "node", "/app/dist/main.js"]
CMD ["lb"]
