# Checks shared by run.sh and test.sh. Sourced, not run.

fail() { echo "error: $*" >&2; exit 1; }

require_build_tools() {
  command -v java >/dev/null || fail "a JDK 17 or newer is needed (java not found)"
  local v
  v=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2}')
  [ "${v%%.*}" -ge 17 ] 2>/dev/null || fail "a JDK 17 or newer is needed (found $v)"
  command -v mvn >/dev/null || fail "Apache Maven is needed (mvn not found)"
  command -v node >/dev/null || fail "Node.js 20 or newer is needed (node not found)"
  local n; n=$(node -p 'process.versions.node.split(".")[0]')
  [ "$n" -ge 20 ] || fail "Node.js 20 or newer is needed (found $(node -v))"
  command -v npm >/dev/null || fail "npm is needed (npm not found)"
}

# The browser tests drive Debian's Chromium through its ChromeDriver; never a downloaded browser.
require_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then return; fi
  echo "Installing chromium and chromium-driver from Debian's packages..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || fail "chromium and chromedriver are needed; install them with your package manager"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
  command -v chromedriver >/dev/null || fail "chromium-driver did not install"
}

# The Redis broker tests start their own redis-server processes (standalone and a 3-master cluster built with
# redis-cli) on spare ports; the binaries come from Debian's packages.
require_redis() {
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then return; fi
  echo "Installing redis-server and redis-tools from Debian's packages..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || fail "redis-server and redis-cli (Redis 7) are needed; install them with your package manager"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server redis-tools >/dev/null
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || fail "redis-server or redis-tools did not install"
}

# The load-balancer tests put Debian's haproxy in front of Switchboard nodes.
require_haproxy() {
  if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then return; fi
  echo "Installing haproxy from Debian's packages..."
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  command -v apt-get >/dev/null || fail "haproxy is needed; install it with your package manager"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq haproxy >/dev/null
  command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || fail "haproxy did not install"
}
