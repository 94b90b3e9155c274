// Stops an analysis that holds Python without a break for too long, from inside the worker.
//
// The page can terminate a dedicated worker that runs away, but not a shared one (Chromium has no way
// to end a SharedWorker while a page holds it, and a SharedWorker cannot start a nested worker), and a
// busy worker cannot read a "stop" message. Pyodide's interrupt buffer needs no message: while signal
// handling is on, CPython reads `buffer[0]` every few dozen bytecodes (and inside long regular-expression
// matches) and, when it reads 2 (SIGINT), runs Python's SIGINT handler, which stops the analysis
// (checker/frontends/interrupt.py). A SharedArrayBuffer would need cross-origin isolation, which static
// hosts cannot all give; a plain object whose `0` getter looks at the clock needs nothing.
//
// "Without a break" is measured by a heartbeat timer: it cannot fire while Python runs, so the time since
// it last fired is how long Python has held the thread. Waiting for DNS answers gives the thread back, so
// only work that never yields is stopped.

const HEARTBEAT_MS = 100;
// The handler declines a signal that lands in the event loop's own code; ask again this much later.
const RETRY_MS = 250;
// Reading the clock on every check would cost about 1 in 10 of a busy loop's time; every 64th is enough.
const CHECKS_PER_CLOCK_READ = 64;
const SIGINT = 2;

/**
 * @param {{limitMs: number, now?: () => number, setInterval?: typeof setInterval}} options
 * @returns {{buffer: object, arm: () => () => void, signals: () => number}}
 *   `buffer` goes to `pyodide.setInterruptBuffer`. `arm()` starts guarding one analysis and returns the
 *   function that ends it; nothing is stopped while no analysis is armed (start-up and imports may take
 *   longer on a slow machine). `signals()` counts the stops asked for.
 */
export function createStallGuard({ limitMs, now = () => performance.now(), setInterval: every = setInterval }) {
  let armed = 0;
  let lastBreak = now();
  let lastSignal = -Infinity;
  let checks = 0;
  let signals = 0;
  every(() => {
    lastBreak = now();
  }, HEARTBEAT_MS);
  const buffer = {
    get 0() {
      if (!armed) return 0;
      checks += 1;
      if (checks % CHECKS_PER_CLOCK_READ) return 0;
      const time = now();
      if (time - lastBreak <= limitMs || time - lastSignal < RETRY_MS) return 0;
      lastSignal = time;
      signals += 1;
      return SIGINT;
    },
    set 0(_value) {
      // CPython clears the flag after reading it; the next reading decides again from the clock.
    },
  };
  const arm = () => {
    armed += 1;
    lastBreak = now();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      armed -= 1;
    };
  };
  return { buffer, arm, signals: () => signals };
}
