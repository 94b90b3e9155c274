// Python for this page: the one connection the analyzer page (analyzer.js) and the checks on entry
// pages (embed.js) use to reach the checker, instead of each starting its own worker.
//
// Where the browser keeps a shared worker alive across a page change (SharedWorker with the
// extendedLifetime option: Chromium 148 and later), Python runs in one module SharedWorker
// (shared-worker.mjs, which hosts worker.mjs) that every page of this site in this browser connects to.
// A page reached by a link, by back/forward, by a reload or typed in then finds Python running and is
// ready at once. Elsewhere each page starts its own dedicated module worker (worker.mjs), as before:
// there a worker dies with its page, so sharing it would only add a hop.
//
// The shared worker's name carries the deploy's version (a hash of the lock, the bundle manifest and the
// worker scripts, written into every page at build time): a page of a new deploy never talks to the
// Python of the previous one. It also carries a generation number: a page cannot terminate a shared
// worker, so when Python stops answering in time (a runaway analysis), this page leaves it and connects
// to the next generation (kept in sessionStorage for this tab's next pages); the browser ends the old
// one once no page uses it.
//
// The page can read which Python it talks to from <html data-python-boot data-python-worker
// data-python-state> (the browser tests and the benchmark do).

const SITE_ROOT = new URL("../../", import.meta.url);
const WORKER_URL = new URL("./worker.mjs", import.meta.url);
const SHARED_WORKER_URL = new URL("./shared-worker.mjs", import.meta.url);
// Keeps the shared worker's files per deploy in Cache Storage (see sw.js); registered once Python is
// ready, so it never competes with the first visit's downloads.
const RUNTIME_CACHE_URL = new URL("./sw.js", import.meta.url);
// A hash of everything the worker runs (scripts/pyodide_hook.py writes it): a deploy that changes any
// of it changes this file.
const VERSION_FILE = new URL("pyodide/deploy-version.txt", SITE_ROOT);
const GENERATION_KEY = "smtp-analyzer:python-generation";

/** Why a request got no answer: "timeout" (Python was then restarted), "restarted" or "crashed". */
export class PythonStopped extends Error {
  constructor(reason, detail = "") {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = "PythonStopped";
    this.reason = reason;
    this.detail = detail;
  }
}

function randomId() {
  if (self.crypto && typeof self.crypto.randomUUID === "function") return self.crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

// Whether SharedWorker honours extendedLifetime. Option dictionaries are read before the address is
// checked, so an address that cannot parse tells without starting anything.
function sharedWorkerOutlivesPages() {
  if (typeof SharedWorker !== "function") return false;
  let read = false;
  try {
    new SharedWorker("http://[", { get extendedLifetime() { read = true; return true; } });
  } catch {
    // The address is invalid on purpose.
  }
  return read;
}

const VERSION_PATTERN = /^[0-9a-f]{1,64}$/;

// The deploy's Python: the one this page was built with (<meta name="analyzer-deploy">, the same hash
// as VERSION_FILE), so Python starts without a request first; a page that is itself an old copy talks
// to the Python of its own deploy. A page built before the meta existed asks the server (revalidated:
// a static host's cache headers may keep an old answer). Unreadable (offline): one name for all, which
// still works.
async function deployVersion() {
  const meta = document.querySelector('meta[name="analyzer-deploy"]');
  const named = meta ? meta.content.trim() : "";
  if (VERSION_PATTERN.test(named)) return named;
  try {
    const response = await fetch(VERSION_FILE, { cache: "no-cache" });
    const text = response.ok ? (await response.text()).trim() : "";
    return VERSION_PATTERN.test(text) ? text : "unknown";
  } catch {
    return "unknown";
  }
}

function readGeneration() {
  try {
    return Number(sessionStorage.getItem(GENERATION_KEY)) || 0;
  } catch {
    return 0;
  }
}

function writeGeneration(value) {
  try {
    sessionStorage.setItem(GENERATION_KEY, String(value));
  } catch {
    // Storage off: only this page moves on to the new worker.
  }
}

class PythonConnection {
  constructor() {
    this.shared = sharedWorkerOutlivesPages();
    this.status = {
      state: "idle", phase: null, timings: null, error: null, crash: null, boot: null, reused: false,
      worker: this.shared ? "shared" : "dedicated",
    };
    this.listeners = new Set();
    this.pending = new Map();
    this.nextId = 1;
    this.endpoint = null; // a promise of { post, stop } for the current worker
    this.current = null; // which connection's messages count (not those of a worker left behind)
    this.runtimeCacheRegistered = false;
  }

  /** True where Python outlives this page (then starting it early pays off on later pages too). */
  get outlivesPage() {
    return this.shared;
  }

  /** listener(status) now and on every change; returns the function that stops it. */
  subscribe(listener) {
    this.listeners.add(listener);
    listener({ ...this.status });
    return () => this.listeners.delete(listener);
  }

  update(changes) {
    Object.assign(this.status, changes);
    const root = document.documentElement.dataset;
    root.pythonWorker = this.status.worker;
    root.pythonState = this.status.state;
    if (this.status.boot) root.pythonBoot = this.status.boot;
    for (const listener of this.listeners) listener({ ...this.status });
  }

  /** Start Python (or connect to the one already running); does nothing when already started. */
  start() {
    if (!this.endpoint) this.endpoint = this.connect();
    return this.endpoint;
  }

  connect() {
    this.update({ state: "loading", phase: null, timings: null, error: null, crash: null, reused: false });
    const token = {};
    this.current = token;
    const live = () => this.current === token;
    const receive = (message) => live() && this.receive(message || {});
    const crashed = (text) => live() && this.crashed(text);
    const connecting = this.shared
      ? this.connectShared(receive, crashed)
      : (async () => this.connectDedicated(receive, crashed))();
    // A worker refused outright (a browser without module workers, a blocking policy) fails the page's
    // status like a worker that died; run() then answers with the failure.
    connecting.catch((error) => crashed(String((error && error.message) || error)));
    return connecting;
  }

  connectDedicated(receive, crashed) {
    const worker = new Worker(WORKER_URL, { type: "module" });
    worker.onmessage = (event) => receive(event.data);
    worker.onerror = (event) => crashed(event.message || "module web workers may be unsupported");
    this.update({ boot: randomId() });
    return { post: (message) => worker.postMessage(message), stop: () => worker.terminate() };
  }

  async connectShared(receive, crashed) {
    const version = await deployVersion();
    const generation = readGeneration();
    // The deploy is in the script's address too: sw.js serves each file from that deploy's cache.
    const address = new URL(SHARED_WORKER_URL);
    address.searchParams.set("v", version);
    const worker = new SharedWorker(address, {
      type: "module", name: `smtp-analyzer python ${version} ${generation}`, extendedLifetime: true,
    });
    worker.onerror = (event) => crashed(event.message || "shared module workers may be unsupported");
    worker.port.onmessage = (event) => receive(event.data);
    return {
      post: (message) => worker.port.postMessage(message),
      stop: () => {
        worker.port.postMessage({ type: "abandon" });
        worker.port.close();
        writeGeneration(Math.max(readGeneration(), generation + 1));
      },
    };
  }

  receive(message) {
    if (message.type === "hello") {
      // Another page started this Python: this one did not pay for its start.
      this.update({ boot: message.boot, reused: message.connections > 1 });
      if (message.latest) this.receive(message.latest);
    } else if (message.type === "progress") {
      if (this.status.state !== "ready") this.update({ state: "loading", phase: message.phase });
    } else if (message.type === "ready") {
      this.update({ state: "ready", phase: null, timings: message.timings || {} });
      this.registerRuntimeCache();
    } else if (message.type === "failed") {
      this.update({ state: "failed", error: message.error, timings: message.timings || {} });
    } else if (message.type === "crashed") {
      this.crashed(message.message);
    } else if (message.type === "result" && this.pending.has(message.id)) {
      this.pending.get(message.id).resolve(message);
    }
  }

  // Once per page, and only where Python runs in a shared worker (the one client sw.js serves).
  registerRuntimeCache() {
    if (this.runtimeCacheRegistered || !this.shared || !("serviceWorker" in navigator)) return;
    this.runtimeCacheRegistered = true;
    // Refused (storage off, a private window, an insecure origin): every file then comes from the network.
    navigator.serviceWorker.register(RUNTIME_CACHE_URL, { updateViaCache: "none" }).catch(() => {});
  }

  crashed(text) {
    this.update({ state: "failed", crash: String(text || "unknown error") });
    this.endAll(new PythonStopped("crashed", this.status.crash));
  }

  endAll(error) {
    for (const request of this.pending.values()) request.reject(error);
  }

  /** Resolves once Python is ready (at once if it is). */
  whenReady() {
    if (this.status.state === "ready") return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.subscribe((status) => {
        if (status.state !== "ready") return;
        stop();
        resolve();
      });
    });
  }

  /**
   * Run one analysis: resolves to the worker's {id, type: "result", json, dns, ms}, or rejects with
   * PythonStopped. After timeoutMs without an answer Python is restarted (it may be stuck). The time
   * counts from when Python is ready: on a slow phone, starting may take longer than an analysis may.
   */
  run(kind, request, { timeoutMs } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      let timer = null;
      const finish = (settle) => (value) => {
        clearTimeout(timer);
        this.pending.delete(id);
        settle(value);
      };
      this.pending.set(id, { resolve: finish(resolve), reject: finish(reject) });
      if (timeoutMs) {
        this.whenReady().then(() => {
          if (!this.pending.has(id)) return;
          timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new PythonStopped("timeout"));
            this.restart();
          }, timeoutMs);
        });
      }
      this.start().then(
        (endpoint) => endpoint.post({ id, type: "analyze", kind, request }),
        (error) => this.pending.has(id) && this.pending.get(id).reject(new PythonStopped("crashed", String(error))),
      );
    });
  }

  /** Stop this Python (a dedicated worker ends; a shared one is left to the other pages) and start anew. */
  restart() {
    const previous = this.endpoint || Promise.resolve(null);
    this.current = null;
    this.endAll(new PythonStopped("restarted"));
    // Let go of the old worker first: for a shared one, that moves this tab on to the next generation.
    this.endpoint = previous
      .then((endpoint) => endpoint && endpoint.stop(), () => {})
      .then(() => this.connect());
    return this.endpoint;
  }
}

let connection = null;

/** This page's connection to Python (one per page; nothing starts until start() or run()). */
export function pythonConnection() {
  if (!connection) connection = new PythonConnection();
  return connection;
}
