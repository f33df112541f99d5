// Runs an async task now and then again `intervalMs` after each run ends (runs never overlap), until stopped.

export function createPoller(task, intervalMs, timers = { setTimeout, clearTimeout }) {
  let timer = null;
  let running = false;
  let stopped = true;
  let again = false; // refresh() was asked for while a run was going on

  async function run() {
    timer = null;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await task();
    } catch {
      // the task shows its own errors; a failure must not stop the polling
    } finally {
      running = false;
    }
    if (stopped) return;
    if (again) {
      again = false;
      run();
      return;
    }
    timer = timers.setTimeout(run, intervalMs);
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      run();
    },
    /** Runs the task again as soon as possible (after the current run, if one is going on). */
    refresh() {
      if (stopped) return;
      if (timer !== null) timers.clearTimeout(timer);
      run();
    },
    stop() {
      stopped = true;
      again = false;
      if (timer !== null) timers.clearTimeout(timer);
      timer = null;
    },
    get active() {
      return !stopped;
    },
  };
}
