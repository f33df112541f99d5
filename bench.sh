#!/usr/bin/env bash
# Builds Switchboard and runs every benchmark scenario (or the ones named): a table on stdout, CSVs and
# PNG plots in bench/results/. Takes about 7 minutes on 2 cores. Options: see docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_build_tools
mvn -B -q -ntp package -DskipTests -pl bench -am
(cd bench/peer && [ -d node_modules/socket.io ] || npm ci --no-audit --no-fund)
exec java -Xmx3g -jar bench/target/switchboard-bench.jar "$@"
