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
# ZGC by default: its pauses stayed under 10 ms where G1's reached 24–54 ms under the fan-out and db-roundtrip
# benchmarks (docs/benchmarks.md, section 11). Generational on JDK 21+ (the flag is needed on 21 and 22 only).
# SWITCHBOARD_JAVA_OPTS replaces these options.
if [ -z "${SWITCHBOARD_JAVA_OPTS+x}" ]; then
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}' | cut -d. -f1)
  SWITCHBOARD_JAVA_OPTS="-XX:+UseZGC"
  if [ "${major:-17}" -ge 21 ] && [ "${major:-17}" -le 22 ]; then SWITCHBOARD_JAVA_OPTS="-XX:+UseZGC -XX:+ZGenerational"; fi
fi
# shellcheck disable=SC2086 # the options are words on purpose
exec java $SWITCHBOARD_JAVA_OPTS -jar "$jar" "$@"
