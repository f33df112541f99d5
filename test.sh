#!/usr/bin/env bash
# Runs every test: unit tests, integration tests against a real server, embedded PostgreSQL, the
# official SDKs (ably-java, ably-js under Node) and the chat in headless Chromium.
# Installs what the tests need when it is missing (Debian's chromium, chromium-driver, redis-server, redis-tools, haproxy).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/prerequisites.sh
require_build_tools
require_chromium
require_redis
require_haproxy
exec mvn -B -ntp verify "$@"
