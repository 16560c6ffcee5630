#!/usr/bin/env bash
# Trains an AOT cache for the node jar (JDK 25 or later: JEPs 483, 514 and 515), then checks that the
# JVM accepts it. deploy/Dockerfile runs it while building the image; it runs the same anywhere:
#
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java deploy/aot-cache.sh \
#     router-node/target/switchboard-node.jar switchboard.aot -XX:+UseG1GC -XX:+UseCompactObjectHeaders
#   java -XX:+UseG1GC -XX:+UseCompactObjectHeaders -XX:AOTCache=switchboard.aot -jar router-node/target/switchboard-node.jar
#
# The training run is the node itself, started with --exit-when-warm on its built-in configuration (the
# simulated model, an H2 database in a temporary directory that is removed afterwards, 127.0.0.1 on a
# free port): its start-up warm-up drives the real request path (the HTTP server, both dialects, plain
# and streamed, the upstream client against a loopback upstream), and the JVM writes the cache as the
# node exits. The cache holds the classes that run loaded and linked, and the profiles of the methods
# that ran, so a node started from it serves its first seconds faster.
#
# The JVM flags after CACHE must be those the node runs with: a JVM started with other flags (another
# collector, compact object headers on or off) refuses the cache, says so on its output and runs
# without it. The jar must stay where it was trained, unchanged.
#
# WARM_UP_REQUESTS sizes the training (the node's default warm-up: 2000); WARM_UP_MAX_DURATION bounds
# it (5m). The script fails when the warm-up stops early or the JVM refuses the cache it wrote.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 JAR CACHE [JVM flags the node runs with]" >&2
  exit 2
fi
jar="$1"
cache="$2"
shift 2
java="${JAVA:-java}"
requests="${WARM_UP_REQUESTS:-2000}"
max_duration="${WARM_UP_MAX_DURATION:-5m}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -f "$cache"

echo "aot-cache: training $cache with $("$java" -version 2>&1 | head -n 1), flags: ${*:-none}," \
  "$requests warm-up requests"
started=$SECONDS
env -u SWITCHBOARD_CONFIG \
  SWITCHBOARD_DATA_DIR="$work/data" SWITCHBOARD_HOST=127.0.0.1 SWITCHBOARD_PORT=0 SWITCHBOARD_WARM_UP=on \
  "$java" "$@" -XX:AOTCacheOutput="$cache" \
  -Dswitchboard.warm-up.requests="$requests" -Dswitchboard.warm-up.max-duration="$max_duration" \
  -jar "$jar" --exit-when-warm

if [[ ! -s "$cache" ]]; then
  echo "aot-cache: the training run ended, but wrote no cache at $cache" >&2
  exit 1
fi
# AOTMode=on: a JVM that cannot use the cache stops with an error instead of running without it.
"$java" "$@" -XX:AOTCache="$cache" -XX:AOTMode=on -jar "$jar" --help >/dev/null
echo "aot-cache: $cache, $(( $(stat -c %s "$cache") / 1048576 )) MiB, trained in $(( SECONDS - started )) s" \
  "and accepted by the JVM"
