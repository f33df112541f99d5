#!/usr/bin/env bash
# Builds Switchboard and runs the editable chat end to end on the embedded PostgreSQL.
# Open the URL it prints. Settings come from SWITCHBOARD_* environment variables (see README).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_build_tools
mvn -B -ntp -q -DskipTests package
exec java -jar app/target/switchboard.jar "$@"
