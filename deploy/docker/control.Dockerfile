# syntax=docker/dockerfile:1
# The Invorto control service (public API and the web dashboard on 8080, the internal API for edges on 8082).
# Build from the repository root:  docker build -f deploy/docker/control.Dockerfile -t invorto-control .
# Node 24 LTS on Debian 13, as the edge image (deploy/docker/edge.Dockerfile): one Node line for the whole platform.

FROM node:24-trixie-slim AS build
# better-sqlite3 (a native addon, approved in package.json allowScripts) compiles at install: it needs a toolchain.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY dsp/package.json dsp/
COPY proto/package.json proto/
COPY proto/timeline/package.json proto/timeline/
COPY proto/artifacts/package.json proto/artifacts/
COPY edge/package.json edge/
COPY control/package.json control/
COPY dashboard/package.json dashboard/
COPY bench/package.json bench/
RUN npm ci --no-audit --no-fund
COPY . .
# WASM, protobuf code and the dashboard (dashboard/dist, served by control at `/`).
RUN npm run build

# Production dependencies of what control runs; the dashboard ships as its built files only. tsx runs the
# TypeScript sources but is a root devDependency: keep it and esbuild aside across the prune.
FROM build AS prod-deps
RUN mkdir /keep && cp -a node_modules/tsx node_modules/esbuild node_modules/@esbuild /keep/ \
 && node -e "const fs=require('fs');const p=JSON.parse(fs.readFileSync('package.json'));p.workspaces=['dsp','proto','proto/timeline','proto/artifacts','control'];fs.writeFileSync('package.json',JSON.stringify(p,null,2))" \
 && npm prune --omit=dev --no-audit --no-fund \
 && cp -a /keep/tsx /keep/esbuild /keep/@esbuild node_modules/

FROM node:24-trixie-slim AS runtime
RUN mkdir -p /var/lib/invorto && chown node:node /var/lib/invorto
ENV NODE_ENV=production \
    INVORTO_CONTROL_HOST=0.0.0.0 \
    INVORTO_CONTROL_PORT=8080 \
    INVORTO_INTERNAL_HOST=0.0.0.0 \
    INVORTO_INTERNAL_PORT=8082 \
    INVORTO_DATA_DIR=/var/lib/invorto
WORKDIR /app
COPY --from=prod-deps /app/package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dsp/package.json ./dsp/
COPY --from=build /app/dsp/src ./dsp/src
COPY --from=build /app/dsp/build ./dsp/build
COPY --from=build /app/proto/package.json ./proto/
COPY --from=build /app/proto/src ./proto/src
COPY --from=build /app/proto/gen ./proto/gen
COPY --from=build /app/proto/timeline/package.json ./proto/timeline/
COPY --from=build /app/proto/timeline/src ./proto/timeline/src
COPY --from=build /app/proto/artifacts/package.json ./proto/artifacts/
COPY --from=build /app/proto/artifacts/src ./proto/artifacts/src
COPY --from=build /app/control/package.json ./control/
COPY --from=build /app/control/src ./control/src
COPY --from=build /app/dashboard/dist ./dashboard/dist
USER node
VOLUME ["/var/lib/invorto"]
EXPOSE 8080 8082
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.INVORTO_CONTROL_PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/invorto.js"]
CMD ["control"]
