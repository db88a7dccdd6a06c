#!/usr/bin/env bash
# Issue 10 benchmark: blobsync on PostgreSQL (PgBench): change latency between two mounts
# (LISTEN/NOTIFY vs polling), catch-up of a fresh cache, and push throughput. PostgreSQL 17 is
# started by the benchmark on 127.0.0.1 (zonky's binaries; as root under `unshare -U`).
# Usage: stress-tests/bench/pg-bench.sh [LATENCY_RUNS] [CATCH_UP_RECORDS] [PUSHES]
#        (needs fuse, root or user namespaces)
set -euo pipefail
cd "$(dirname "$0")/../.."
classes=stress-tests/target/classes
# Always compile this worktree's modules, and put their classes first: the classpath Maven
# prints may name blobsync SNAPSHOT jars in ~/.m2 that another build installed.
mvn -q -B -ntp -DskipTests -pl stress-tests -am compile
own="engine/target/classes:fs/target/classes:mount-cli/target/classes"
work=$(mktemp -d /var/tmp/blobsync-pgbench.XXXXXX)
cleanup() {
  for m in "$work"/*/mnt-*; do fusermount -uz "$m" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
mvn -q -B -ntp -pl stress-tests -am dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); date: $(date -u +%F)"
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$own:$classes:$(cat "$work/cp.txt")" dev.blobsync.stress.PgBench \
  "$work" "${1:-100}" "${2:-100000}" "${3:-10000}"
