#!/usr/bin/env bash
# The benchmark command: builds the project and runs flink-connector-nats-benchmarks with the
# given arguments (see docs/benchmarks.md). Needs nats-server like the tests (PATH, /usr/sbin, or
# NATS_SERVER_BIN); results go to flink-connector-nats-benchmarks/target/benchmark/.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q install -DskipTests -Dspotless.check.skip=true
mvn -B -q -pl flink-connector-nats-benchmarks exec:exec -Dbench.args="$*"
