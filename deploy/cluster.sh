#!/usr/bin/env bash
# A Switchboard cluster on this machine: PostgreSQL (embedded unless you name one) and 3 node JVMs on
# 127.0.0.1 with distinct ports, started and stopped as one. Run from anywhere:
#
#   deploy/cluster.sh start [options]     # in the background; returns once every member is Up
#   deploy/cluster.sh run [options]       # the same in the foreground; Ctrl-C (or typing `stop`) stops it
#   deploy/cluster.sh status              # each node: ready or not, members it sees Up
#   deploy/cluster.sh stop                # SIGTERM to every node (each leaves and drains), then PostgreSQL
#   deploy/cluster.sh failover [options]  # 3 nodes under load, SIGKILL one, write a report (~3 min)
#   deploy/cluster.sh pause [options]     # 3 nodes under load, SIGSTOP one for 30 s, SIGCONT, report (~4 min)
#   deploy/cluster.sh rolling [options]   # 3 nodes under load, restart each in turn gracefully, report (~5 min)
#
# Options of start/run (all optional): --nodes 3 --config my.conf (your providers and models)
#   --db-url jdbc:postgresql://host:5432/db --db-user user (password in SWITCHBOARD_DB_PASSWORD)
#   --http-base 8081 --cluster-base 25521 --management-base 8559 --node-heap 512m --timeout 3m
# Options of failover: those, plus --rate 100 --stream-share 0.2 --rpm 2400 --before 45s --after 45s
#   --kill 1 --out FILE (default deploy/.cluster/failover-report.md)
# Options of pause: those of start/run, plus --rate 100 --stream-share 0.2 --rpm 2400 --before 45s
#   --pause 30s --after 60s --node 1 --out FILE (default deploy/.cluster/pause-report.md)
# Options of rolling: those of start/run, plus --rate 100 --stream-share 0.2 --rpm 12000 (above the rate:
#   any non-200 is an error) --before 30s --settle 10s --after 30s --out FILE (default .../rolling-report.md)
#
# Everything the cluster writes (node configs, logs, data directories, PostgreSQL's files) goes to
# deploy/.cluster/ (CLUSTER_DIR to put it elsewhere). The jars are built when missing (REBUILD=1 to
# rebuild them).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${CLUSTER_DIR:-$ROOT/deploy/.cluster}"
NODE_JAR="$ROOT/router-node/target/switchboard-node.jar"
BENCH_JAR="$ROOT/router-bench/target/router-bench.jar"
PID_FILE="$DIR/launcher.pid"
LOG_FILE="$DIR/launcher.log"
COMMAND="${1:-help}"
shift || true

log() { echo "[cluster.sh] $*"; }

build() {
  if [[ "${REBUILD:-0}" == 1 || ! -f "$NODE_JAR" || ! -f "$BENCH_JAR" ]]; then
    log "building router-node and router-bench (once; REBUILD=1 to build again)"
    (cd "$ROOT" && mvn -B -q -DskipTests -Djacoco.skip=true -Pbench-jar -pl router-bench -am package)
  fi
}

running() { [[ -f "$PID_FILE" ]] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }

launcher() { # class, args...
  local class="$1"; shift
  exec java -Xmx512m -cp "$BENCH_JAR" "io.switchboard.bench.cluster.$class" "$@"
}

case "$COMMAND" in
  start)
    if running; then log "already running (pid $(cat "$PID_FILE")); deploy/cluster.sh status"; exit 1; fi
    build
    mkdir -p "$DIR"
    : >"$LOG_FILE"
    (cd "$ROOT" && nohup java -Xmx512m -cp "$BENCH_JAR" io.switchboard.bench.cluster.LocalCluster start \
        --dir "$DIR" --node-jar "$NODE_JAR" "$@" </dev/null >>"$LOG_FILE" 2>&1 & echo $! >"$PID_FILE")
    log "launcher pid $(cat "$PID_FILE"), log $LOG_FILE"
    # The launcher prints its summary once every member is Up, or exits when the cluster does not come up.
    until grep -q "is up:" "$LOG_FILE" 2>/dev/null; do
      if ! running; then cat "$LOG_FILE"; rm -f "$PID_FILE"; log "the cluster did not start"; exit 1; fi
      sleep 1
    done
    sed -n '/is up:/,/try:/p' "$LOG_FILE"
    log "deploy/cluster.sh stop stops it"
    ;;
  run)
    build
    cd "$ROOT"
    launcher LocalCluster start --dir "$DIR" --node-jar "$NODE_JAR" "$@"
    ;;
  status)
    [[ -f "$BENCH_JAR" ]] || { log "not built yet: deploy/cluster.sh start"; exit 1; }
    if running; then log "launcher running, pid $(cat "$PID_FILE")"; else log "no launcher running"; fi
    [[ -f "$DIR/cluster.properties" ]] || exit 0
    cd "$ROOT"
    launcher LocalCluster status --dir "$DIR"
    ;;
  stop)
    if ! running; then log "no cluster running"; rm -f "$PID_FILE"; exit 0; fi
    PID="$(cat "$PID_FILE")"
    log "stopping (SIGTERM to launcher pid $PID; it stops the nodes, then PostgreSQL)"
    kill -TERM "$PID"
    # Nodes get up to 40 s each to leave and drain, in parallel; PostgreSQL stops after them.
    for _ in $(seq 1 90); do kill -0 "$PID" 2>/dev/null || break; sleep 1; done
    if kill -0 "$PID" 2>/dev/null; then log "launcher still running after 90 s; see $LOG_FILE"; exit 1; fi
    tail -n 5 "$LOG_FILE"
    rm -f "$PID_FILE"
    ;;
  failover)
    if running; then log "a cluster is running here; deploy/cluster.sh stop first (the run starts its own)"; exit 1; fi
    build
    cd "$ROOT"
    launcher FailoverRun kill --dir "$DIR" --node-jar "$NODE_JAR" "$@"
    ;;
  pause|rolling)
    if running; then log "a cluster is running here; deploy/cluster.sh stop first (the run starts its own)"; exit 1; fi
    build
    cd "$ROOT"
    launcher FailoverRun "$COMMAND" --dir "$DIR" --node-jar "$NODE_JAR" "$@"
    ;;
  *)
    sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
    [[ "$COMMAND" == help || "$COMMAND" == -h || "$COMMAND" == --help ]] || exit 2
    ;;
esac
