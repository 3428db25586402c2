#!/usr/bin/env bash
# Runs the example job end to end: makes sure a nats-server is running on 127.0.0.1:4222
# (starting a temporary one if none is), builds the connector, runs a small Flink job that
# publishes orders to NATS, and prints what a subscriber received. Prints one line per step;
# Maven's output goes to a log file, named if a step fails.
set -euo pipefail
cd "$(dirname "$0")/.."

mkdir -p target
log="$PWD/target/run-example.log"
: > "$log"

step() { echo "==> $*"; }

failed() {
  echo "Failed: $1. The output is in $log; its last lines:" >&2
  tail -n 25 "$log" >&2
  exit 1
}

# Runs a command with its output in the log.
logged() { "$@" >> "$log" 2>&1 || failed "$*"; }

port="${NATS_PORT:-4222}"
url="nats://127.0.0.1:${port}"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

find_nats_server() {
  if [ -n "${NATS_SERVER_BIN:-}" ]; then echo "$NATS_SERVER_BIN"; return; fi
  command -v nats-server 2>/dev/null && return
  for d in /usr/sbin /usr/local/bin /usr/bin; do
    if [ -x "$d/nats-server" ]; then echo "$d/nats-server"; return; fi
  done
}

started_pid=""
cleanup() {
  if [ -n "$started_pid" ]; then kill "$started_pid" 2>/dev/null || true; fi
  if [ -n "${tmpdir:-}" ]; then rm -rf "$tmpdir"; fi
}
trap cleanup EXIT

if listening "$port"; then
  step "Using the NATS server already listening on $url"
else
  bin="$(find_nats_server || true)"
  if [ -z "$bin" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      step "Installing nats-server (Debian package)"
      logged apt-get update -qq
      DEBIAN_FRONTEND=noninteractive logged apt-get install -y -qq nats-server
      bin="$(find_nats_server)"
    else
      echo "nats-server not found. Install it (Debian/Ubuntu: sudo apt-get install nats-server)," >&2
      echo "or set NATS_SERVER_BIN=/path/to/nats-server, or start one on port $port." >&2
      exit 1
    fi
  fi
  tmpdir="$(mktemp -d)"
  "$bin" -a 127.0.0.1 -p "$port" -js -sd "$tmpdir/js" > "$tmpdir/nats.log" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 100); do listening "$port" && break; sleep 0.1; done
  listening "$port" || { echo "nats-server did not start:" >&2; cat "$tmpdir/nats.log" >&2; exit 1; }
  step "Started a temporary nats-server on $url"
fi

# Only the connector and the example: no shaded jar, no end-to-end tests.
maven=(mvn -B -Dstyle.color=never -Dspotless.check.skip=true -DskipTests)
step "Building the connector and the example (about a minute the first time; log: $log)"
# The class path is written by each module in turn; the example's comes last.
logged "${maven[@]}" install dependency:build-classpath -pl flink-connector-nats-examples -am \
  -Dmdep.outputFile="$PWD/target/example-classpath.txt"

step "Running the example job: 5 orders through NatsSink to orders.<region>"
java -cp "flink-connector-nats-examples/target/classes:$(cat target/example-classpath.txt)" \
  io.laminar.flink.connector.nats.examples.OrdersToNats "$url" 2>> "$log" ||
  failed "the example job"
