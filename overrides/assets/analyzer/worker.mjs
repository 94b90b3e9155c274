// The analyzer's module web worker: loads Pyodide and the checker from this site only, then answers
// {id, type: "analyze", kind, request} with {id, type: "result", json}. Failures come back as data
// ({id, type: "result", json: '{"ok": false, ...}'}), never as exceptions across the boundary.

import { bootPython } from "./snapshot.mjs";
import { createStallGuard } from "./stall-guard.mjs";

const SITE_ROOT = new URL("../../", import.meta.url);
const PYODIDE_URL = new URL("pyodide/", SITE_ROOT).href;
const CATALOG_URL = new URL("catalog.json", SITE_ROOT).href;
const ENTRY_POINTS = {
  bounce: "analyze_bounce_json",
  headers: "analyze_headers_json",
  domain: "audit_domain_json",
  ip: "check_ip_json",
  requirements: "sender_requirements_json",
  dmarc_next: "dmarc_next_step_json",
  spf_reduce: "spf_reduction_json",
};

const timings = {};

// An analysis that holds Python this long without a break is stopped inside the worker (stall-guard.mjs),
// which then serves the next one. Below the page's own 20 s limit for a bounce (analyzer.js), so the
// reader gets the worker's message, which names the cause. The worst legitimate paste (1,000,000
// characters) takes a few seconds.
const HOLD_LIMIT_MS = 15_000;
const stallGuard = createStallGuard({ limitMs: HOLD_LIMIT_MS });

// The page's Content-Security-Policy is a meta tag, and it does not reach this worker: a worker takes its
// policy from its own HTTP response, which static hosts do not all let a site set. So the worker guards
// its own fetches: this site, and the DNS resolvers the page named for an analysis (the reader's choice),
// nothing else. It also counts the resolver's answers, so the page can say once that it is unreachable.
const nativeFetch = self.fetch.bind(self);
const allowedResolvers = new Set();
const dnsStats = { asked: 0, answered: 0, failed: 0, error: null };

function resolverKey(url) {
  const parsed = new URL(url, self.location.href);
  return `${parsed.origin}${parsed.pathname}`;
}

self.fetch = async (input, init) => {
  const url = new URL(typeof input === "string" || input instanceof URL ? String(input) : input.url, self.location.href);
  if (url.origin === self.location.origin) return nativeFetch(input, init);
  if (!allowedResolvers.has(resolverKey(url.href))) {
    throw new TypeError(`${url.origin} is not the DNS resolver chosen on the page`);
  }
  dnsStats.asked += 1;
  try {
    // Not followed: a redirect would hand the question (and the answer) to a server the reader did not choose.
    const response = await nativeFetch(input, { ...init, redirect: "manual" });
    if (response.type === "opaqueredirect") {
      throw new TypeError(`${url.origin} sent the question on to another server, which is not the DNS resolver chosen on the page`);
    }
    if (response.ok) {
      dnsStats.answered += 1;
    } else {
      dnsStats.failed += 1;
      dnsStats.error = `HTTP ${response.status}`;
    }
    return response;
  } catch (error) {
    dnsStats.failed += 1;
    dnsStats.error = String((error && error.message) || error);
    throw error;
  }
};

// A flaky connection should not cost the user a reload: retry each download a few times.
async function withRetries(work, attempts = 3) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300 * attempt));
    }
  }
}

async function fetchCatalog() {
  const response = await fetch(CATALOG_URL);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${CATALOG_URL}`);
  return response.text();
}

// Python starts from a memory snapshot this browser stored on an earlier visit, or else the normal way
// (and then stores one): see snapshot.mjs.
async function startPython() {
  const booted = await bootPython({
    pyodideUrl: PYODIDE_URL,
    withRetries,
    timings,
    progress: (phase) => postMessage({ type: "progress", phase, ms: null }),
  });
  timings.mode = booted.mode;
  if (booted.snapshotError) timings.snapshotError = booted.snapshotError;
  // Resource timing splits "runtime" into download and interpreter start-up.
  const files = performance.getEntriesByType("resource").filter((entry) => entry.name.startsWith(PYODIDE_URL));
  if (files.length) {
    const fetchMs = Math.max(...files.map((e) => e.responseEnd)) - Math.min(...files.map((e) => e.startTime));
    timings.runtimeFetch = Math.round(fetchMs);
    timings.runtimeBytes = files.reduce((total, entry) => total + (entry.transferSize || 0), 0);
  }
  return booted;
}

async function loadEverything() {
  const started = performance.now();
  const booted = await startPython();
  if (!booted.warm.ok) console.warn("analyzer: some modules failed to import", booted.warm.modules);
  if (timings.runtimeFetch !== undefined) timings.pythonInit = Math.max(0, timings.runtime - timings.runtimeFetch);
  timings.ready = Math.round(performance.now() - started);
  // After the snapshot choice: the handler is Python state (kept in a snapshot), the buffer is not.
  booted.browser.stop_runaways(HOLD_LIMIT_MS / 1000);
  booted.pyodide.setInterruptBuffer(stallGuard.buffer);
  return { browser: booted.browser, filesReady: booted.filesReady, afterReady: booted.afterReady };
}

// Only the bounce tab needs the catalog (110 KB compressed), so it is fetched after "ready" instead of
// competing with the runtime; a bounce analysis asked before it arrived waits for it. Without it only
// the bounce tab is lost (it then says so), so that failure is not fatal.
let catalogPromise = null;
function catalog() {
  catalogPromise ??= (async () => {
    const started = performance.now();
    const text = await withRetries(fetchCatalog).catch(() => null);
    timings.catalog = Math.round(performance.now() - started);
    if (text === null) catalogPromise = null; // the next bounce analysis tries again
    return text;
  })();
  return catalogPromise;
}

// Matching a bounce is quick once the catalog's patterns are compiled; compiling them (several hundred
// regular expressions) is what takes time, about 0.2 s in the browser. So it is done here, after "ready",
// while the reader is still pasting; Python keeps the result per catalog text. It is done after the
// snapshot is stored, not before: it would grow the snapshot by 6 MB, and every later visit would read
// and restore those too (about 0.1 s more before "ready").
async function prepareCatalog(browser) {
  const text = await catalog();
  if (text === null) return; // the bounce analysis fetches it again and says so if it cannot
  const prepare = browser.prepare_catalog_json;
  try {
    const answer = JSON.parse(prepare(text));
    if (!answer.ok) console.warn("analyzer: the catalog could not be prepared:", answer.error);
  } catch (error) {
    // Only time is lost: the first bounce compiles it, or reports what is wrong with it.
    console.warn("analyzer: the catalog could not be prepared:", error);
  } finally {
    prepare.destroy();
  }
}

const ready = loadEverything();
ready.then(
  async (loaded) => {
    postMessage({ type: "ready", timings });
    catalog();
    // Now, before the first analysis runs: fetch the rest of the checker, import it, then store the
    // snapshot (snapshot.mjs). Then compile the catalog.
    try {
      const saved = await loaded.afterReady();
      if (saved) postMessage({ type: "snapshot", ...saved });
    } catch (error) {
      postMessage({ type: "snapshot", error: String((error && error.message) || error) });
    }
    await prepareCatalog(loaded.browser);
  },
  (error) => postMessage({ type: "failed", error: describeLoadFailure(error), timings }),
);

function describeLoadFailure(error) {
  return {
    what: `The Python runtime did not load (${error && error.message ? error.message : error}).`,
    where: "Loading the analyzer",
    fix: "Check your connection and reload the page. If it persists, rebuild the site (npm ci; make serve).",
    reason: "load.failed",
  };
}

function failure(what, where, fix, reason) {
  return JSON.stringify({ ok: false, error: { what, where, fix, reason } });
}

async function analyze({ kind, request }) {
  const name = ENTRY_POINTS[kind];
  if (!name) return failure(`Unknown analysis "${kind}".`, "Analyzer", "Reload the page.", "input.kind");
  let loaded;
  try {
    loaded = await ready;
  } catch (error) {
    const info = describeLoadFailure(error);
    return failure(info.what, info.where, info.fix, info.reason);
  }
  // The deferred part of the checker (or, after a snapshot start, its files) may still be on its way.
  try {
    await loaded.filesReady();
  } catch (error) {
    return failure(`Part of the analyzer did not load (${(error && error.message) || error}).`,
      "Loading the analyzer", "Check your connection and try again; the download is retried.", "load.failed");
  }
  const catalogText = kind === "bounce" ? await catalog() : null;
  const entryPoint = loaded.browser[name];
  const disarm = stallGuard.arm();
  try {
    const requestJson = JSON.stringify(request ?? {});
    const answer = kind === "bounce" ? entryPoint(requestJson, catalogText) : entryPoint(requestJson);
    return String(await answer);
  } catch (error) {
    return failure(`The analysis failed: ${error.message || error}`, kind, "Reload the page and try again.",
      "internal.error");
  } finally {
    disarm();
    entryPoint.destroy();
  }
}

self.onmessage = async (event) => {
  const message = event.data || {};
  if (message.type !== "analyze") return;
  const started = performance.now();
  const doh = message.request && message.request.doh;
  if (doh && typeof doh.url === "string") {
    try {
      allowedResolvers.add(resolverKey(doh.url));
    } catch {
      // Not a URL: the checker reports the setting as unusable.
    }
  }
  const before = { ...dnsStats };
  const json = await analyze(message).catch((error) =>
    failure(`The analysis failed: ${error}`, "Analyzer", "Reload the page and try again.", "internal.error"),
  );
  // A question still unanswered when the analysis ended timed out on the checker's side.
  const dns = {
    asked: dnsStats.asked - before.asked,
    answered: dnsStats.answered - before.answered,
    failed: dnsStats.failed - before.failed,
  };
  dns.error = dns.failed ? dnsStats.error : dns.asked > dns.answered ? "no answer in time" : null;
  postMessage({ id: message.id, type: "result", json, dns, ms: Math.round(performance.now() - started) });
};
