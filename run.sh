#!/usr/bin/env bash
# Builds Switchboard (only when its sources changed since the last build) and runs the editable chat end to end on
# the embedded PostgreSQL. Open the URL it prints. Settings come from SWITCHBOARD_* environment variables (see README).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
jar=app/target/switchboard.jar
newer=""
if [ -f "$jar" ]; then
  newer=$(find pom.xml server/pom.xml chat/pom.xml app/pom.xml server/src/main chat/src/main app/src/main \
    chat/web/src chat/web/index.html chat/web/package.json chat/web/package-lock.json chat/web/vite.config.* \
    -newer "$jar" -print -quit 2>/dev/null || true)
fi
if [ ! -f "$jar" ] || [ -n "$newer" ]; then
  require_build_tools
  # No tests here (./test.sh runs them): the web app's unit tests are skipped with the Java ones.
  mvn -B -ntp -q -DskipTests -Dskip.web.tests=true package -pl app -am
fi
exec java -jar "$jar" "$@"
