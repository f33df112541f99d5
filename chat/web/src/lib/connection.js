// Maps ably-js connection states to the four (five) states the page shows.
//   initialized/connecting (never connected yet) -> connecting
//   connecting/disconnected after having been connected -> reconnecting
//   suspended/closing/closed -> offline
//   failed -> failed
export function displayConnectionState(ablyState, everConnected) {
  switch (ablyState) {
    case 'connected':
      return 'connected';
    case 'initialized':
    case 'connecting':
      return everConnected ? 'reconnecting' : 'connecting';
    case 'disconnected':
      return everConnected ? 'reconnecting' : 'connecting';
    case 'suspended':
    case 'closing':
    case 'closed':
      return 'offline';
    case 'failed':
      return 'failed';
    default:
      return 'connecting';
  }
}

export const CONNECTION_LABELS = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
  failed: 'Connection failed',
};
