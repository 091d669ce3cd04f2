# syntax=docker/dockerfile:1
# The Invorto edge node (media WebSockets, SIP + RTP, the agent runtime, /health and /metrics).
# Build from the repository root:  docker build -f deploy/docker/edge.Dockerfile -t invorto-edge .
# Node 24 LTS on Debian 13 (glibc 2.41): the edge loads the newest uWebSockets.js build that works on the host
# (edge/src/server/uws.ts), and v20.57's Node 24 binary needs glibc >= 2.38. The build stage matches the runtime's
# Node, so better-sqlite3 and the lock's other native parts are compiled for the Node that runs them.

# Debian 13's pocketsphinx (5.x) no longer ships pocketsphinx_continuous, the offline recognizer the edge drives:
# it is taken from Debian 12 with the libraries it links (not glibc: Debian 13's newer one runs it), and started
# through a wrapper that points the loader at them, so nothing else in the image sees Debian 12 libraries.
FROM debian:bookworm-slim AS pocketsphinx
RUN apt-get update \
 && apt-get install -y --no-install-recommends pocketsphinx pocketsphinx-en-us \
 && mkdir -p /opt/pocketsphinx/bin /opt/pocketsphinx/lib \
 && cp /usr/bin/pocketsphinx_continuous /opt/pocketsphinx/bin/ \
 && ldd /usr/bin/pocketsphinx_continuous | awk '/=> \// {print $3}' \
    | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' | xargs -I{} cp -L {} /opt/pocketsphinx/lib/ \
 && printf '#!/bin/sh\nLD_LIBRARY_PATH=/opt/pocketsphinx/lib exec /opt/pocketsphinx/bin/pocketsphinx_continuous "$@"\n' \
    > /opt/pocketsphinx/pocketsphinx_continuous && chmod 755 /opt/pocketsphinx/pocketsphinx_continuous

FROM node:24-trixie-slim AS build
# better-sqlite3 (a native addon, approved in package.json allowScripts) compiles at install: it needs a toolchain.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Manifests first, so the dependency layer is cached until the lock changes.
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
# WASM audio core, protobuf code (the committed corpus is already there, so the build does not regenerate it).
RUN npm run build

# Production dependencies of the packages the edge runs, and nothing else: the workspace list is narrowed first,
# so control's, the dashboard's and the benchmarks' dependencies (onnxruntime alone is ~300 MB) are pruned too.
# tsx runs the TypeScript sources (bin/invorto.js registers it) but is a root devDependency: keep it and esbuild aside.
FROM build AS prod-deps
RUN mkdir /keep && cp -a node_modules/tsx node_modules/esbuild node_modules/@esbuild /keep/ \
 && node -e "const fs=require('fs');const p=JSON.parse(fs.readFileSync('package.json'));p.workspaces=['dsp','proto','proto/timeline','proto/artifacts','edge'];fs.writeFileSync('package.json',JSON.stringify(p,null,2))" \
 && npm prune --omit=dev --no-audit --no-fund \
 && cp -a /keep/tsx /keep/esbuild /keep/@esbuild node_modules/

FROM node:24-trixie-slim AS runtime
# pocketsphinx is the offline speech recognizer agents fall back to without a Deepgram key (see its stage above).
COPY --from=pocketsphinx /opt/pocketsphinx /opt/pocketsphinx
COPY --from=pocketsphinx /usr/share/pocketsphinx /usr/share/pocketsphinx
RUN ln -s /opt/pocketsphinx/pocketsphinx_continuous /usr/local/bin/pocketsphinx_continuous \
 && mkdir -p /var/lib/invorto && chown node:node /var/lib/invorto
ENV NODE_ENV=production \
    INVORTO_EDGE_HOST=0.0.0.0 \
    INVORTO_EDGE_PORT=8081 \
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
COPY --from=build /app/edge/package.json ./edge/
COPY --from=build /app/edge/src ./edge/src
USER node
VOLUME ["/var/lib/invorto"]
# 8081 media WebSockets, /health, /metrics; 5060/udp SIP; 20000-20999/udp RTP (INVORTO_RTP_PORT_MIN/MAX).
EXPOSE 8081 5060/udp 20000-20999/udp
# The edge binds INVORTO_EDGE_HOST (also its SDP address for RTP), so the check asks that address.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const h=process.env.INVORTO_EDGE_HOST;fetch('http://'+(!h||h==='0.0.0.0'?'127.0.0.1':h)+':'+(process.env.INVORTO_EDGE_PORT||8081)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The edge drains on SIGTERM (INVORTO_DRAIN_S): give `docker stop -t` more than that.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/invorto.js"]
CMD ["edge"]
