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
# Generational ZGC on JDK 21+: pauses under 1 ms under the fan-out and db-roundtrip benchmarks, throughput within
# about 20 % of G1's. On JDK 17 the JVM's default G1 stays: ZGC there (not generational) cost 20-45 % of the
# persisted scenario's throughput on 2 cores (docs/benchmarks.md, section 12). SWITCHBOARD_JAVA_OPTS replaces this.
if [ -z "${SWITCHBOARD_JAVA_OPTS+x}" ]; then
  major=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}' | cut -d. -f1)
  SWITCHBOARD_JAVA_OPTS=""
  if [ "${major:-17}" -ge 23 ]; then SWITCHBOARD_JAVA_OPTS="-XX:+UseZGC"; fi
  if [ "${major:-17}" -ge 21 ] && [ "${major:-17}" -le 22 ]; then SWITCHBOARD_JAVA_OPTS="-XX:+UseZGC -XX:+ZGenerational"; fi
fi
# shellcheck disable=SC2086 # the options are words on purpose
exec java $SWITCHBOARD_JAVA_OPTS -jar "$jar" "$@"
