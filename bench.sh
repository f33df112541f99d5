#!/usr/bin/env bash
# Builds Switchboard and runs every benchmark scenario (or the ones named): a table on stdout, CSVs and
# PNG plots in bench/results/. Runs everything three times (about 9 minutes per run on 2 cores; --runs N, --quick). Options: see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_build_tools
# The cluster scenario (asked for by name, or as part of a run that names no scenario) starts Debian's redis-server.
named=false; cluster=false
for a in "$@"; do
  case "$a" in
    cluster) named=true; cluster=true ;;
    db-roundtrip|fanout|cdc|persisted|connections|peer|chat-room) named=true ;;
  esac
done
if [ "$cluster" = true ] || [ "$named" = false ]; then require_redis; fi
mvn -B -q -ntp package -DskipTests -pl bench -am
# The Socket.IO peer's locked packages (socket.io; the Redis adapter and redis client for the cluster scenario).
(cd bench/peer && [ -d node_modules/socket.io ] && [ -d node_modules/@socket.io/redis-adapter ] && [ -d node_modules/redis ] \
  || npm ci --no-audit --no-fund)
exec java -Xmx3g -jar bench/target/switchboard-bench.jar "$@"
