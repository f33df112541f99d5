// Runs an async task now and then every `intervalMs` (counted from each run's start) until stopped. Runs never
// overlap: a run that took longer than the interval is followed by the next after a quarter of the interval.

// Browsers refuse setTimeout called as a method of another object ("Illegal invocation"): plain calls only.
const browserTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (id) => clearTimeout(id),
};

export function createPoller(task, intervalMs, timers = browserTimers) {
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
    const started = Date.now();
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
    timer = timers.set(run, Math.max(intervalMs / 4, intervalMs - (Date.now() - started)));
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
      if (timer !== null) timers.clear(timer);
      run();
    },
    stop() {
      stopped = true;
      again = false;
      if (timer !== null) timers.clear(timer);
      timer = null;
    },
    get active() {
      return !stopped;
    },
  };
}
