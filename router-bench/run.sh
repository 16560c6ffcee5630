#!/usr/bin/env bash
# One command for Switchboard's benchmarks. Run from anywhere:
#
#   router-bench/run.sh quick          # ~13 min: harness check, rates 500 and 1,000 req/s, 1,000 streams (HTTP/1.1 and h2c)
#   router-bench/run.sh full           # ~20 min: what docs/benchmarks.md records
#   router-bench/run.sh streams        # ~5 min: held streams only (1,000 over HTTP/1.1, 1,000 and 10,000 over h2c), heap after GC
#                                      # (their node calls a fake upstream of its own, on Netty: STREAMS_UPSTREAM=pekko for the shared one)
#   router-bench/run.sh soak [30m] [200]   # heap after GC over time at a moderate rate (req/s)
#   router-bench/run.sh jmh            # JMH microbenchmarks (routing, decode, admission)
#   router-bench/run.sh cluster [quick|full]   # direct, one node and a 3-node cluster (embedded PostgreSQL)
#   router-bench/run.sh ab OLD_REF [NEW_REF]   # ~20 min + builds: the node jars of two commits side by side (NEW_REF: HEAD)
#   router-bench/run.sh hedge [HedgeRun options]   # ~5 min: hedging fan-outs against upstreams with a heavy tail (issue 20)
#   router-bench/run.sh coldstart [ColdStartRun options]   # ~23 min: fresh nodes to /ready, then their first minute under load (issue 18)
#   router-bench/run.sh transport      # ~10 min: bare proxies with Pekko's host pool, its connection-level client and Netty (issue 18)
#   router-bench/run.sh variants       # ~25 min + builds: node variants (commit and JVM flags each) side by side, NODE_VARIANTS
#
# It builds what it needs (SKIP_BUILD=1 to reuse the jars), starts the fake upstream, nginx (installed
# with apt if missing), a bare Pekko HTTP proxy (quick and full: the floor of Switchboard's own stack)
# and one Switchboard node on free ports, runs the scenarios in one run, stops
# everything it started, and writes report.md plus PNG charts into router-bench/results/<time>-<mode>/.
#
# ab builds the node jar of each commit from a clean export of it (git archive; Maven `package`, never
# `install`, so the shared ~/.m2 keeps the snapshot other builds use), once per commit: the jars are kept
# under router-bench/target/ab-jars/<commit>/. It starts both nodes with the same configuration on free
# ports beside the fake upstream, nginx and the bare Pekko proxy, and runs io.switchboard.bench.AbRun.
# BUILD_ONLY=1 builds the jars and stops (to build before waiting for a quiet machine); AB_ROUNDS (4),
# AB_SATURATION_SECONDS (15), AB_RATE (1000) and AB_RATE_SECONDS (20) size the rounds.
#
# NODE_JAVA (a java binary; default: java) and NODE_JAVA_OPTS (flags, after the node's -Xmx1g) run every
# node this script starts, and those HedgeRun and ClusterBench start, on another JDK, e.g.
#   NODE_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java NODE_JAVA_OPTS=-XX:+UseCompactObjectHeaders router-bench/run.sh full
# The load generators, the fake upstream and the proxies stay on java. In ab, AB_OLD_JAVA, AB_NEW_JAVA,
# AB_OLD_JAVA_OPTS and AB_NEW_JAVA_OPTS set one side's (default: NODE_JAVA and NODE_JAVA_OPTS), so that
#   AB_NEW_JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java router-bench/run.sh ab HEAD HEAD
# compares the same jar, warm, on JDK 17 and JDK 25.
#
# coldstart starts the fake upstream only; io.switchboard.bench.ColdStartRun starts every node itself, one
# fresh start at a time, per variant (a fresh bare Pekko HTTP proxy as the reference, JDK 17 warm-up off / on,
# JDK 25 from an AOT cache it trains first under load, and from one trained by deploy/aot-cache.sh as the
# Docker image's build does; COLDSTART_VARIANTS picks them, e.g. jdk25 for JDK 25 without a cache), and
# ignores NODE_JAVA: each variant names its JDK. JDK17_JAVA
# (java) and JDK25_JAVA (/usr/lib/jvm/temurin-25-jdk-amd64/bin/java) are those binaries; NODE_JAVA_OPTS is
# added to every variant's flags. COLDSTART_STARTS (3) and COLDSTART_LOAD_SECONDS (60) size the run.
# transport starts one bare Pekko HTTP proxy JVM per upstream client beside the fake upstream and nginx
# (no node) and runs AbRun with them as its lineup. TRANSPORT_VARIANTS names them, label:BarePekkoProxy
# options separated by ';' (default "pool:--client pool;connection:--client connection;netty:--client netty";
# a dispatcher layout: "pool-2t:--client pool --dispatcher-threads 2", "pool-one:--client pool
# --internal-is-default true"; HTTP/2: "h2:--client h2", which makes the fake upstream speak h2c too,
# "--h2-connections N" (2)); TRANSPORT_ROUNDS (3), TRANSPORT_SATURATION_SECONDS (10), TRANSPORT_RATE (1000),
# TRANSPORT_RATE_SECONDS (12) size the rounds; TRANSPORT_WARMUP=off skips the warm-up (a smoke run only).
#
# variants starts one node per entry of NODE_VARIANTS, "label|ref|flags" separated by ';' (ref: a commit,
# built as ab builds it; flags: JVM flags after NODE_JAVA_OPTS, e.g. -D settings), beside the fake
# upstream, nginx and the bare Pekko proxy, and runs AbRun with the nodes as its lineup: each later
# variant is compared with the first, e.g.
#   NODE_VARIANTS="base|HEAD|;netty|HEAD|-Dswitchboard.provider-defaults.connection-pool.client=netty" router-bench/run.sh variants
# VARIANT_ROUNDS (4), VARIANT_SATURATION_SECONDS (15), VARIANT_RATE (1000), VARIANT_RATE_SECONDS (20) size it;
# VARIANT_WARMUP=off skips the warm-up (a smoke run only).
set -euo pipefail

MODE="${1:-quick}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH_JAR="$ROOT/router-bench/target/router-bench.jar"
NODE_JAR="$ROOT/router-node/target/switchboard-node.jar"
OUT="$ROOT/router-bench/results/$(date -u +%Y%m%dT%H%M%SZ)-$MODE"
mkdir -p "$OUT"

log() { echo "[run.sh] $*"; }

NODE_JAVA="${NODE_JAVA:-java}"
NODE_JAVA_OPTS="${NODE_JAVA_OPTS:-}"
export NODE_JAVA NODE_JAVA_OPTS # HedgeRun and ClusterBench start their nodes with them (NodeJava)

if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$BENCH_JAR" || ! -f "$NODE_JAR" ]]; then
  log "building router-node and router-bench"
  (cd "$ROOT" && mvn -B -q -DskipTests -Djacoco.skip=true -Pbench-jar -pl router-bench -am package)
fi

machine() {
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu | sed -n 's/^Model name: *//p')"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "jdk: $(java -version 2>&1 | head -1)"
  echo "node jdk: $NODE_JAVA: $("$NODE_JAVA" -version 2>&1 | head -1)${NODE_JAVA_OPTS:+ with $NODE_JAVA_OPTS}"
  echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "nginx: $(command -v nginx >/dev/null && nginx -v 2>&1 || echo none)"
  echo "wrk: $( (command -v wrk >/dev/null && (wrk --version 2>&1 || true) | head -1) || echo none)"
  echo "open files limit: $(ulimit -n)"
  echo "uptime at start: $(uptime)"
}

# The node jar of one commit, built from a clean export of it once and kept; the path on stdout.
node_jar_of() { # ref
  local sha src jar
  sha="$(git -C "$ROOT" rev-parse --verify "$1^{commit}")"
  jar="$ROOT/router-bench/target/ab-jars/$sha/switchboard-node.jar"
  if [[ ! -f "$jar" ]]; then
    src="$(mktemp -d)"
    log "building the node jar of $1 (${sha:0:7}) in $src" >&2
    git -C "$ROOT" archive "$sha" | tar -x -C "$src"
    if ! (cd "$src" && mvn -B -q -DskipTests -Djacoco.skip=true -pl router-node -am package) \
        >"$OUT/build-${sha:0:7}.log" 2>&1; then
      log "build of ${sha:0:7} failed, see $OUT/build-${sha:0:7}.log" >&2
      rm -rf "$src"
      return 1
    fi
    mkdir -p "$(dirname "$jar")"
    cp "$src/router-node/target/switchboard-node.jar" "$jar"
    rm -rf "$src"
  fi
  echo "$jar"
}

if [[ "$MODE" == ab ]]; then
  OLD_REF="${2:?usage: run.sh ab OLD_REF [NEW_REF]}"
  NEW_REF="${3:-HEAD}"
  OLD_SHA="$(git -C "$ROOT" rev-parse --short=7 "$OLD_REF^{commit}")"
  NEW_SHA="$(git -C "$ROOT" rev-parse --short=7 "$NEW_REF^{commit}")"
  OLD_JAR="$(node_jar_of "$OLD_REF")"
  NEW_JAR="$(node_jar_of "$NEW_REF")"
  # AB_OLD_JAVA / AB_NEW_JAVA (and _OPTS) put one side on another JDK: the same ref twice compares JDKs.
  OLD_JAVA="${AB_OLD_JAVA:-$NODE_JAVA}"; OLD_JAVA_OPTS="${AB_OLD_JAVA_OPTS:-$NODE_JAVA_OPTS}"
  NEW_JAVA="${AB_NEW_JAVA:-$NODE_JAVA}"; NEW_JAVA_OPTS="${AB_NEW_JAVA_OPTS:-$NODE_JAVA_OPTS}"
  OLD_LABEL="old ($OLD_SHA)"; NEW_LABEL="new ($NEW_SHA)"
  if [[ "$OLD_JAVA $OLD_JAVA_OPTS" != "$NEW_JAVA $NEW_JAVA_OPTS" ]]; then
    jdk_of() { "$1" -version 2>&1 | head -1 | sed -E 's/.*version "([^"]+)".*/JDK \1/'; }
    OLD_LABEL="old ($OLD_SHA, $(jdk_of "$OLD_JAVA")${OLD_JAVA_OPTS:+ $OLD_JAVA_OPTS})"
    NEW_LABEL="new ($NEW_SHA, $(jdk_of "$NEW_JAVA")${NEW_JAVA_OPTS:+ $NEW_JAVA_OPTS})"
  fi
  log "old: $OLD_REF = $OLD_SHA ($OLD_JAR) on $OLD_JAVA $OLD_JAVA_OPTS"
  log "new: $NEW_REF = $NEW_SHA ($NEW_JAR) on $NEW_JAVA $NEW_JAVA_OPTS"
fi

if [[ "$MODE" == variants ]]; then
  : "${NODE_VARIANTS:?variants needs NODE_VARIANTS=\"label|ref|flags;...\"}"
  IFS=';' read -ra NODE_VARIANT_LIST <<<"$NODE_VARIANTS"
  VARIANT_JARS=()
  for variant in "${NODE_VARIANT_LIST[@]}"; do
    IFS='|' read -r v_label v_ref v_flags <<<"$variant"
    v_jar="$(node_jar_of "${v_ref:-HEAD}")"
    VARIANT_JARS+=("$v_jar")
    log "variant $v_label: ${v_ref:-HEAD} = $(git -C "$ROOT" rev-parse --short=7 "${v_ref:-HEAD}^{commit}") ($v_jar) flags: ${v_flags:-none}"
  done
fi

# Every mode: the jars (and ab's and variants' node jars) are built, and nothing is measured.
if [[ "${BUILD_ONLY:-0}" == 1 ]]; then rm -rf "$OUT"; exit 0; fi

if [[ "$MODE" == jmh ]]; then
  # Fork 1, 3 x 1 s warm-up, 5 x 1 s measurement: enough to rank, not a publication run.
  java -jar "$BENCH_JAR" -f 1 -wi 3 -w 1s -i 5 -r 1s -rf text -rff "$OUT/jmh.txt" "${@:2}" \
    | tee "$OUT/jmh-console.txt"
  machine > "$OUT/machine.txt"
  log "JMH results in $OUT/jmh.txt"
  exit 0
fi

if [[ "$MODE" == hedge ]]; then
  # HedgeRun starts its own two fake upstreams (with a heavy tail) and one node from the jar, on free ports.
  machine > "$OUT/machine.txt"
  java -Xmx512m -cp "$BENCH_JAR" io.switchboard.bench.HedgeRun --node-jar "$NODE_JAR" --out "$OUT" "${@:2}" \
    | tee "$OUT/console.txt"
  echo "uptime at end: $(uptime)" >>"$OUT/machine.txt"
  log "results in $OUT"
  exit 0
fi

# An HTTP/1.1 stream through the node holds two sockets (client side and upstream side); an h2c stream
# holds one (upstream side), its client side shared with up to H2_STREAMS_PER_CONNECTION others.
ulimit -n "$(ulimit -Hn)" || true
MAX_STREAMS=$(( ( $(ulimit -n) - 1000 ) / 2 ))
(( MAX_STREAMS > 10000 )) && MAX_STREAMS=10000
MAX_H2_STREAMS=$(( $(ulimit -n) - 1000 ))
(( MAX_H2_STREAMS > 10000 )) && MAX_H2_STREAMS=10000
H2_STREAMS_PER_CONNECTION=1000

if [[ "$MODE" != coldstart ]] && ! command -v nginx >/dev/null; then
  log "installing nginx and wrk from Debian packages"
  (apt-get install -y nginx-light wrk || (apt-get update && apt-get install -y nginx-light wrk)) >"$OUT/apt.log" 2>&1 \
    || log "apt-get failed; running without nginx (see $OUT/apt.log)"
fi
[[ "$MODE" == coldstart ]] || command -v wrk >/dev/null || (apt-get install -y wrk >>"$OUT/apt.log" 2>&1 || true)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
UP_PORT=$(free_port); NGINX_PORT=$(free_port); NODE_PORT=$(free_port)

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

wait_for() { # url, seconds
  for _ in $(seq 1 "$2"); do
    if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
        -d '{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}' "$1"; then return 0; fi
    sleep 1
  done
  log "timed out waiting for $1"; return 1
}

UP_ARGS=()
# An h2 bare proxy (run.sh transport) needs an upstream that speaks h2c; it speaks HTTP/1.1 on the same port.
if [[ "$MODE" == transport && "${TRANSPORT_VARIANTS:-}" == *"--client h2"* ]]; then UP_ARGS=(--http2 on); fi
log "fake upstream on $UP_PORT ${UP_ARGS[*]}"
java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.upstream.FakeUpstream --port "$UP_PORT" "${UP_ARGS[@]}" >"$OUT/fake-upstream.log" 2>&1 &
UP_PID=$!
PIDS+=("$UP_PID")
wait_for "http://127.0.0.1:$UP_PORT/v1/chat/completions" 60

if [[ "$MODE" == coldstart ]]; then
  # Only the fake upstream runs beside ColdStartRun, which starts (and stops) every node itself.
  machine >"$OUT/machine.txt"
  echo "commit: $(git -C "$ROOT" rev-parse --short=7 HEAD)$(git -C "$ROOT" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')" \
    >>"$OUT/machine.txt"
  java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.ColdStartRun --out "$OUT" --node-jar "$NODE_JAR" \
    --upstream "http://127.0.0.1:$UP_PORT" --machine "$OUT/machine.txt" --aot-script "$ROOT/deploy/aot-cache.sh" \
    --jdk17 "${JDK17_JAVA:-java}" --jdk25 "${JDK25_JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}" \
    --common-flags "-Xmx1g $NODE_JAVA_OPTS" --variants "${COLDSTART_VARIANTS:-bare-pekko,jdk17-off,jdk17,jdk25-aot,jdk25-image}" \
    --starts "${COLDSTART_STARTS:-3}" --load-seconds "${COLDSTART_LOAD_SECONDS:-60}" "${@:2}" | tee "$OUT/console.txt"
  echo "uptime at end: $(uptime)" >>"$OUT/machine.txt"
  log "results in $OUT"
  exit 0
fi

NGINX_ARGS=()
if [[ "$MODE" != soak && "$MODE" != cluster ]] && command -v nginx >/dev/null; then
  mkdir -p "$OUT/nginx"
  cat >"$OUT/nginx/nginx.conf" <<CONF
worker_processes auto;
worker_rlimit_nofile 20000;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log warn;
events { worker_connections 16000; }
http {
  access_log off;
  client_body_temp_path $OUT/nginx/body;
  proxy_temp_path $OUT/nginx/proxy;
  upstream fake { server 127.0.0.1:$UP_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://fake;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
CONF
  log "nginx on $NGINX_PORT"
  nginx -p "$OUT/nginx" -c "$OUT/nginx/nginx.conf" -g 'daemon off;' &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_for "http://127.0.0.1:$NGINX_PORT/v1/chat/completions" 30
  NGINX_PIDS="$(echo "$NGINX_PID" $(pgrep -P "$NGINX_PID") | tr ' ' ',')"
  NGINX_ARGS=(--nginx "http://127.0.0.1:$NGINX_PORT" --nginx-pids "$NGINX_PIDS")
fi

# The floor of Switchboard's stack: Pekko HTTP's server and pooled client with nothing between them.
PEKKO_ARGS=()
if [[ "$MODE" == quick || "$MODE" == full || "$MODE" == ab || "$MODE" == variants ]]; then
  PEKKO_PORT=$(free_port)
  log "bare Pekko HTTP proxy on $PEKKO_PORT (-Xmx1g)"
  java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.upstream.BarePekkoProxy --port "$PEKKO_PORT" \
    --upstream "http://127.0.0.1:$UP_PORT" >"$OUT/pekko-proxy.log" 2>&1 &
  PEKKO_PID=$!
  PIDS+=("$PEKKO_PID")
  wait_for "http://127.0.0.1:$PEKKO_PORT/v1/chat/completions" 60
  PEKKO_ARGS=(--pekko "http://127.0.0.1:$PEKKO_PORT" --pekko-pid "$PEKKO_PID")
fi

# transport: one bare proxy JVM per upstream client (issue 18), the same server in front of each.
TRANSPORT_VARIANTS="${TRANSPORT_VARIANTS:-pool:--client pool;connection:--client connection;netty:--client netty}"
LINEUP=""
if [[ "$MODE" == transport ]]; then
  IFS=';' read -ra VARIANTS <<<"$TRANSPORT_VARIANTS"
  for variant in "${VARIANTS[@]}"; do
    label="${variant%%:*}"
    read -ra variant_args <<<"${variant#*:}"
    port=$(free_port)
    log "bare proxy $label (${variant_args[*]}) on $port (-Xmx1g)"
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.upstream.BarePekkoProxy --port "$port" \
      --upstream "http://127.0.0.1:$UP_PORT" "${variant_args[@]}" >"$OUT/proxy-$label.log" 2>&1 &
    proxy_pid=$!
    PIDS+=("$proxy_pid")
    wait_for "http://127.0.0.1:$port/v1/chat/completions" 60
    LINEUP+="$label=http://127.0.0.1:$port=$proxy_pid;"
  done
fi

# Two nodes: one sized like a busy production provider for the throughput and latency scenarios, one
# with room for 10,000 upstream connections for the held-streams figures (a stream holds one), which
# also speaks h2c so that 10,000 client streams share a few connections.
node_config() { # file port max-in-flight [http2 [upstream port]]
  cat >"$1" <<CONF
switchboard {
  http { host = "127.0.0.1", port = $2, http2 = ${4:-off} }
  # Every load generator connects from loopback, 10,000 HTTP/1.1 streams at once: past the default cap of
  # 1,024 connections per client address.
  http.max-connections-per-address-exempt = ["127.0.0.1", "::1"]
  providers.simulated = null
  models.switchboard-sim = null
  providers.bench {
    kind = openai
    max-in-flight = $3
    queue { max-size = 30000 }
    connection-pool.max-connections = $3
    openai.base-url = "http://127.0.0.1:${5:-$UP_PORT}/v1"
  }
  models.bench-model { provider = bench }
}
pekko.http.server { max-connections = 30000, backlog = 4096 }
pekko.http.server.http2.max-concurrent-streams = $H2_STREAMS_PER_CONNECTION
CONF
}
start_node() { # name jar config port; sets NODE_STARTED to its pid
  local flags=()
  read -r -a flags <<<"$NODE_JAVA_OPTS"
  log "$1 on $4 ($NODE_JAVA -Xmx1g $NODE_JAVA_OPTS)"
  SWITCHBOARD_DATA_DIR="$OUT/data-$1" "$NODE_JAVA" -Xmx1g ${flags[@]+"${flags[@]}"} -jar "$2" \
    --config "$3" >"$OUT/$1.log" 2>&1 &
  NODE_STARTED=$!
  PIDS+=("$NODE_STARTED")
  wait_for "http://127.0.0.1:$4/v1/chat/completions" 60
}
if [[ "$MODE" == ab ]]; then
  # Both builds with the same configuration (only the port differs), started and warmed alike.
  OLD_PORT=$NODE_PORT
  NEW_PORT=$(free_port)
  node_config "$OUT/switchboard-old.conf" "$OLD_PORT" 4096
  node_config "$OUT/switchboard-new.conf" "$NEW_PORT" 4096
  NODE_JAVA="$OLD_JAVA" NODE_JAVA_OPTS="$OLD_JAVA_OPTS" \
    start_node "switchboard-old" "$OLD_JAR" "$OUT/switchboard-old.conf" "$OLD_PORT"
  OLD_PID=$NODE_STARTED
  NODE_JAVA="$NEW_JAVA" NODE_JAVA_OPTS="$NEW_JAVA_OPTS" \
    start_node "switchboard-new" "$NEW_JAR" "$OUT/switchboard-new.conf" "$NEW_PORT"
  NEW_PID=$NODE_STARTED
elif [[ "$MODE" == variants ]]; then
  # Every variant with the same configuration (only the port differs), started and warmed alike.
  for i in "${!NODE_VARIANT_LIST[@]}"; do
    IFS='|' read -r v_label v_ref v_flags <<<"${NODE_VARIANT_LIST[$i]}"
    v_port=$(free_port)
    node_config "$OUT/switchboard-$v_label.conf" "$v_port" 4096
    NODE_JAVA_OPTS="$NODE_JAVA_OPTS $v_flags" \
      start_node "switchboard-$v_label" "${VARIANT_JARS[$i]}" "$OUT/switchboard-$v_label.conf" "$v_port"
    LINEUP+="$v_label=http://127.0.0.1:$v_port=$NODE_STARTED;"
  done
elif [[ "$MODE" != transport ]]; then
  node_config "$OUT/switchboard.conf" "$NODE_PORT" 4096
  start_node "switchboard" "$NODE_JAR" "$OUT/switchboard.conf" "$NODE_PORT"
  NODE_PID=$NODE_STARTED
fi
if [[ "$MODE" != soak && "$MODE" != cluster && "$MODE" != ab && "$MODE" != transport && "$MODE" != variants ]]; then
  # The held streams' own upstream: at 1,000 new connections a second on top of thousands of pacing
  # streams, the Pekko fake upstream (on the same two cores) stopped accepting in time and the node's
  # connects to it timed out; NettyFakeUpstream answers the same and keeps up. STREAMS_UPSTREAM=pekko
  # points the streams node at the shared fake upstream as before.
  STREAMS_UP_PORT=$UP_PORT
  STREAMS_UP_ARGS=()
  if [[ "${STREAMS_UPSTREAM:-netty}" == netty ]]; then
    STREAMS_UP_PORT=$(free_port)
    log "held streams' fake upstream (Netty) on $STREAMS_UP_PORT"
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.upstream.NettyFakeUpstream --port "$STREAMS_UP_PORT" \
      >"$OUT/fake-upstream-streams.log" 2>&1 &
    PIDS+=("$!")
    wait_for "http://127.0.0.1:$STREAMS_UP_PORT/v1/chat/completions" 60
    STREAMS_UP_ARGS=(--streams-upstream "a fake upstream of its own (NettyFakeUpstream: the same answers and pacing, on Netty)")
  fi
  STREAMS_PORT=$(free_port)
  node_config "$OUT/switchboard-streams.conf" "$STREAMS_PORT" 20000 on "$STREAMS_UP_PORT"
  start_node "switchboard-streams" "$NODE_JAR" "$OUT/switchboard-streams.conf" "$STREAMS_PORT"
  STREAMS_PID=$NODE_STARTED
fi

machine >"$OUT/machine.txt"
case "$MODE" in
  quick|full|streams)
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.BenchRun --profile "$MODE" --out "$OUT" \
      --direct "http://127.0.0.1:$UP_PORT" "${NGINX_ARGS[@]}" "${PEKKO_ARGS[@]}" \
      --switchboard "http://127.0.0.1:$NODE_PORT" --node-pid "$NODE_PID" --upstream-pid "$UP_PID" \
      --streams-switchboard "http://127.0.0.1:$STREAMS_PORT" --streams-node-pid "$STREAMS_PID" --max-streams "$MAX_STREAMS" \
      --max-h2-streams "$MAX_H2_STREAMS" --h2-streams-per-connection "$H2_STREAMS_PER_CONNECTION" --machine "$OUT/machine.txt" \
      "${STREAMS_UP_ARGS[@]}"
    ;;
  soak)
    java -Xmx512m -cp "$BENCH_JAR" io.switchboard.bench.Soak --switchboard "http://127.0.0.1:$NODE_PORT" \
      --node-pid "$NODE_PID" --duration "${2:-30m}" --rate "${3:-200}" --sample "${SOAK_SAMPLE:-60s}" --out "$OUT"
    ;;
  cluster)
    # The cluster's nodes (and their embedded PostgreSQL) are started by ClusterBench itself, with the
    # same provider settings as the single node above; CLUSTER_NODES=5 tries another size.
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.ClusterBench --profile "${2:-quick}" --out "$OUT" \
      --direct "http://127.0.0.1:$UP_PORT" --upstream-port "$UP_PORT" --upstream-pid "$UP_PID" \
      --switchboard "http://127.0.0.1:$NODE_PORT" --node-pid "$NODE_PID" --node-jar "$NODE_JAR" \
      --nodes "${CLUSTER_NODES:-3}" --node-heap 1g --machine "$OUT/machine.txt"
    ;;
  ab)
    {
      echo "old: $OLD_REF = $OLD_SHA ($(git -C "$ROOT" log -1 --format='%cs %s' "$OLD_SHA" | cut -c1-100))"
      echo "new: $NEW_REF = $NEW_SHA ($(git -C "$ROOT" log -1 --format='%cs %s' "$NEW_SHA" | cut -c1-100))"
      echo "old node: $OLD_JAVA $OLD_JAVA_OPTS: $("$OLD_JAVA" -version 2>&1 | head -1)"
      echo "new node: $NEW_JAVA $NEW_JAVA_OPTS: $("$NEW_JAVA" -version 2>&1 | head -1)"
    } >>"$OUT/machine.txt"
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.AbRun --out "$OUT" \
      --direct "http://127.0.0.1:$UP_PORT" --upstream-pid "$UP_PID" "${NGINX_ARGS[@]}" "${PEKKO_ARGS[@]}" \
      --old "http://127.0.0.1:$OLD_PORT" --old-pid "$OLD_PID" --old-label "$OLD_LABEL" \
      --new "http://127.0.0.1:$NEW_PORT" --new-pid "$NEW_PID" --new-label "$NEW_LABEL" \
      --rounds "${AB_ROUNDS:-4}" --saturation-seconds "${AB_SATURATION_SECONDS:-15}" --rate "${AB_RATE:-1000}" \
      --rate-seconds "${AB_RATE_SECONDS:-20}" --machine "$OUT/machine.txt"
    ;;
  transport)
    {
      echo "commit: $(git -C "$ROOT" rev-parse --short=7 HEAD)$(git -C "$ROOT" diff --quiet HEAD -- || echo ' (with uncommitted changes)')"
      echo "command: router-bench/run.sh transport"
      echo "proxies: $TRANSPORT_VARIANTS"
      echo "rounds: ${TRANSPORT_ROUNDS:-3}, saturation ${TRANSPORT_SATURATION_SECONDS:-10} s, ${TRANSPORT_RATE:-1000} req/s for ${TRANSPORT_RATE_SECONDS:-12} s"
    } >>"$OUT/machine.txt"
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.AbRun --out "$OUT" \
      --direct "http://127.0.0.1:$UP_PORT" --upstream-pid "$UP_PID" "${NGINX_ARGS[@]}" --lineup "$LINEUP" \
      --rounds "${TRANSPORT_ROUNDS:-3}" --saturation-seconds "${TRANSPORT_SATURATION_SECONDS:-10}" \
      --rate "${TRANSPORT_RATE:-1000}" --rate-seconds "${TRANSPORT_RATE_SECONDS:-12}" \
      --warm-up "${TRANSPORT_WARMUP:-on}" --machine "$OUT/machine.txt"
    ;;
  variants)
    {
      echo "command: NODE_VARIANTS=\"$NODE_VARIANTS\" router-bench/run.sh variants"
      for variant in "${NODE_VARIANT_LIST[@]}"; do
        IFS='|' read -r v_label v_ref v_flags <<<"$variant"
        echo "variant $v_label: ${v_ref:-HEAD} = $(git -C "$ROOT" rev-parse --short=7 "${v_ref:-HEAD}^{commit}") ($(git -C "$ROOT" log -1 --format='%cs %s' "${v_ref:-HEAD}" | cut -c1-90)); flags: $NODE_JAVA_OPTS ${v_flags:-}"
      done
      echo "node java: $NODE_JAVA: $("$NODE_JAVA" -version 2>&1 | head -1)"
      echo "rounds: ${VARIANT_ROUNDS:-4}, saturation ${VARIANT_SATURATION_SECONDS:-15} s, ${VARIANT_RATE:-1000} req/s for ${VARIANT_RATE_SECONDS:-20} s"
    } >>"$OUT/machine.txt"
    java -Xmx1g -cp "$BENCH_JAR" io.switchboard.bench.AbRun --out "$OUT" \
      --direct "http://127.0.0.1:$UP_PORT" --upstream-pid "$UP_PID" "${NGINX_ARGS[@]}" "${PEKKO_ARGS[@]}" \
      --lineup "$LINEUP" --noun Node --rounds "${VARIANT_ROUNDS:-4}" --saturation-seconds "${VARIANT_SATURATION_SECONDS:-15}" \
      --rate "${VARIANT_RATE:-1000}" --rate-seconds "${VARIANT_RATE_SECONDS:-20}" \
      --warm-up "${VARIANT_WARMUP:-on}" --machine "$OUT/machine.txt"
    ;;
  *) log "unknown mode $MODE (quick|full|streams|soak|jmh|cluster|ab|hedge|coldstart|transport|variants)"; exit 2 ;;
esac
echo "uptime at end: $(uptime)" >>"$OUT/machine.txt"
log "results in $OUT"
