// ClientOptions for ably-js 2.28 pointing at the Switchboard server that served the page.
//
// Notes from the ably-js 2.28 source (build/ably.js, normaliseOptions):
// - `endpoint` is used verbatim as the host only when it contains '.' or '::' or is
//   'localhost'; any other value is treated as a routing policy and becomes
//   '<value>.realtime.ably.net'. For single-label host names (e.g. 'chat' inside a
//   container network) we therefore fall back to the legacy realtimeHost/restHost.
// - With tls:true the client connects to `tlsPort` (default 443), not `port`, so both
//   are set to the page's port.
// - Fallback hosts are only derived when no port is set; we set `fallbackHosts: []`
//   explicitly anyway. Connectivity checks would otherwise call ably-realtime.com.
export function defaultPort(loc) {
  const p = Number(loc.port);
  if (p) return p;
  return loc.protocol === 'https:' ? 443 : 80;
}

export function isLiteralHost(hostname) {
  return hostname.includes('.') || hostname.includes(':') || hostname === 'localhost';
}

export function realtimeOptions(loc, overrides = {}) {
  const hostname = overrides.hostname || loc.hostname;
  const tls = overrides.tls ?? loc.protocol === 'https:';
  const port = overrides.port || defaultPort(loc);
  const origin = `${loc.protocol}//${loc.host}`;
  const opts = {
    authUrl: `${origin}/auth/token`,
    port,
    tlsPort: port,
    tls,
    fallbackHosts: [],
    transports: ['web_socket'],
    useBinaryProtocol: false,
    echoMessages: false,
    autoConnect: true,
    // A reload recovers the same connection (its key kept in sessionStorage on unload), so the user's presence
    // never drops for a reload; closing the page leaves after the server's presence grace period instead of at once.
    recover: (lastConnectionDetails, callback) => callback(true),
    // Self-hosted: check connectivity against our own server, never against ably.com.
    connectivityCheckUrl: `${origin}/`,
    wsConnectivityCheckUrl: `${tls ? 'wss' : 'ws'}://${hostname.includes(':') && !hostname.startsWith('[') ? `[${hostname}]` : hostname}:${port}/`,
  };
  if (isLiteralHost(hostname)) {
    opts.endpoint = hostname;
  } else {
    opts.realtimeHost = hostname;
    opts.restHost = hostname;
  }
  return opts;
}
