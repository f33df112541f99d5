import { describe, it, expect, vi, afterEach } from 'vitest';
import { createPoller } from '../src/console/poll.js';

afterEach(() => vi.useRealTimers());

describe('createPoller', () => {
  it('runs at once, then every interval from the start of each run, and never after stop', async () => {
    vi.useFakeTimers();
    const task = vi.fn(async () => {});
    const poller = createPoller(task, 1000);
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(task).toHaveBeenCalledTimes(4);
    poller.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(task).toHaveBeenCalledTimes(4);
    expect(poller.active).toBe(false);
  });

  it('does not overlap slow runs and keeps going after a failure', async () => {
    vi.useFakeTimers();
    let running = 0;
    let overlapped = false;
    let calls = 0;
    const poller = createPoller(async () => {
      calls++;
      running++;
      if (running > 1) overlapped = true;
      await new Promise((r) => setTimeout(r, 2500));
      running--;
      if (calls === 1) throw new Error('boom');
    }, 1000);
    poller.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(overlapped).toBe(false);
    expect(calls).toBe(4); // 0 → 2.5 s, 2.75 → 5.25 s, 5.5 → 8 s, 8.25 s → …
    poller.stop();
  });

  it('refresh runs again at once, or right after the run going on', async () => {
    vi.useFakeTimers();
    let release;
    const task = vi.fn(() => new Promise((r) => (release = r)));
    const poller = createPoller(task, 60_000);
    poller.start();
    expect(task).toHaveBeenCalledTimes(1);
    poller.refresh(); // during the first run
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(task).toHaveBeenCalledTimes(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    poller.refresh(); // while waiting for the next turn
    expect(task).toHaveBeenCalledTimes(3);
    poller.stop();
    release();
  });
});

describe('createPoller cadence', () => {
  it('keeps the interval from run start to run start when a run takes a while', async () => {
    vi.useFakeTimers();
    const starts = [];
    const poller = createPoller(async () => {
      starts.push(Date.now());
      await new Promise((r) => setTimeout(r, 300));
    }, 1000);
    const t0 = Date.now();
    poller.start();
    await vi.advanceTimersByTimeAsync(3500);
    poller.stop();
    expect(starts.map((t) => t - t0)).toEqual([0, 1000, 2000, 3000]);
  });
});
