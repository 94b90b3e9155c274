// The analyzer's Python files, kept per deploy in Cache Storage for the shared worker (python.js
// registers this once Python is ready; Chromium 148 and later, where Python runs in a shared worker).
//
// On a return visit the worker asks for ten files, most one after the other (its scripts, the runtime,
// the bundle manifest and archives). A static host's cache headers cannot be trusted to keep them
// fresh without asking, so each costs the browser a revalidation round trip. Served from here they cost
// none: scripts/bench_browser.py --latency-ms 50 (every response 50 ms late) measured the return visit
// at 1.09 s instead of 1.29 s.
//
// Scope: this folder. Pages are not controlled (their navigations never wait for this worker); the
// shared worker, whose script lives here, is. python.js names the deploy in that script's address
// (shared-worker.mjs?v=VERSION, VERSION from pyodide/deploy-version.txt, a hash of the lock, the
// bundle manifest and the worker scripts), so every file the shared worker fetches is looked up in
// that deploy's cache only: a new deploy never gets an old file, and its first visit fills a new cache
// and drops the old one. Anything else (the catalog, a request from an unversioned client, other
// methods) goes to the network untouched. A failed download is never stored.

const PREFIX = "smtp-analyzer-runtime-";
const SCOPE = new URL(self.registration.scope);
const PYODIDE = new URL("../../pyodide/", SCOPE);
const VERSION_FILE = new URL("deploy-version.txt", PYODIDE);
const MANIFEST = new URL("browser-bundle.json", PYODIDE);
// What the shared worker loads before it is ready, besides the bundle's archives (from the manifest).
// Not pyodide.asm.wasm: Chromium keeps the optimised machine code of a WebAssembly module with its
// HTTP cache entry, and a copy served from here was compiled afresh, which made the first analysis of
// a return visit about 160 ms slower (median of 5: 338 ms against 179 with the HTTP cache). The wasm
// costs one revalidation instead.
// Not python_stdlib.zip either: Python starts on the bundle's compiled standard library (an archive), and
// the full zip is fetched (and then kept here) only when an analysis needs a module left out of it.
const RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs"];
const WORKER_SCRIPTS = ["shared-worker.mjs", "worker.mjs", "snapshot.mjs", "stall-guard.mjs"];
const VERSION_PATTERN = /^[0-9a-f]{1,64}$/;

// Files of one deploy: the runtime and the manifest and archives under pyodide/ (not the version file,
// which says which deploy is current), and the worker scripts in this folder.
function versioned(url) {
  if (url.origin !== SCOPE.origin || url.pathname.endsWith(".wasm")) return false;
  if (url.pathname.startsWith(PYODIDE.pathname)) return url.pathname !== VERSION_FILE.pathname;
  return url.pathname.startsWith(SCOPE.pathname) && url.pathname.endsWith(".mjs");
}

function versionIn(address) {
  const version = new URL(address).searchParams.get("v") || "";
  return VERSION_PATTERN.test(version) ? version : null;
}

// The key of a file in its deploy's cache: its address without the query (the version is the cache).
function keyOf(url) {
  const key = new URL(url);
  key.search = "";
  return key.href;
}

async function dropOtherDeploys(version) {
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && name !== PREFIX + version) await caches.delete(name);
  }
}

async function store(cache, key, response) {
  if (response.ok && response.status === 200 && response.type === "basic") {
    await cache.put(key, response.clone()).catch(() => {}); // storage full or refused: serve it anyway
  }
  return response;
}

async function serve(event, url) {
  let version = event.request.destination === "sharedworker" ? versionIn(url) : null;
  if (!version && event.clientId) {
    const client = await self.clients.get(event.clientId);
    version = client ? versionIn(client.url) : null;
  }
  if (!version) return fetch(event.request);
  const name = PREFIX + version;
  const fresh = !(await caches.has(name));
  const cache = await caches.open(name);
  if (fresh) event.waitUntil(dropOtherDeploys(version)); // a new deploy's first file
  const key = keyOf(url);
  // "reload": the worker found our copy wrong (an archive that fails its sha256); fetch and replace it.
  const cached = event.request.cache === "reload" ? null : await cache.match(key);
  if (cached) return cached;
  return store(cache, key, await fetch(event.request));
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !versioned(url)) return; // the network, as without this worker
  event.respondWith(serve(event, url));
});

// Filled at install (after a first visit made Python ready, so the files mostly come from the HTTP
// cache), so the very next visit is served from here. The deploy is read before and after the
// manifest: a deploy that lands in between leaves nothing half-stored.
async function precache() {
  const current = async () => {
    const response = await fetch(VERSION_FILE, { cache: "no-cache" });
    const text = response.ok ? (await response.text()).trim() : "";
    return VERSION_PATTERN.test(text) ? text : null;
  };
  const version = await current();
  if (!version) return;
  const manifestResponse = await fetch(MANIFEST, { cache: "no-cache" });
  if (!manifestResponse.ok) return;
  const manifest = await manifestResponse.clone().json();
  if ((await current()) !== version) return;
  const cache = await caches.open(PREFIX + version);
  const archives = (manifest.archives || []).map((archive) => new URL(archive.file_name, PYODIDE));
  const urls = [
    ...RUNTIME_FILES.map((file) => new URL(file, PYODIDE)),
    ...archives,
    ...WORKER_SCRIPTS.map((file) => new URL(file, SCOPE)),
  ].filter((url) => url.origin === SCOPE.origin);
  await store(cache, keyOf(MANIFEST), manifestResponse);
  await Promise.all(urls.map(async (url) => store(cache, keyOf(url), await fetch(url))));
  await dropOtherDeploys(version);
}

self.addEventListener("install", (event) => {
  self.skipWaiting();
  // Only the deploy's files reach the fetch handler; every other request of the shared worker (each
  // DNS-over-HTTPS query, the catalog) goes straight to the network, without starting this worker or
  // waiting for it (Static Routing API, Chromium 123 and later; the shared worker needs 148 anyway).
  if (typeof event.addRoutes === "function" && typeof URLPattern === "function") {
    event.waitUntil(
      event
        .addRoutes([
          { condition: { urlPattern: new URLPattern({ pathname: "*.wasm" }) }, source: "network" },
          { condition: { urlPattern: new URLPattern({ pathname: `${PYODIDE.pathname}*` }) }, source: "fetch-event" },
          { condition: { urlPattern: new URLPattern({ pathname: `${SCOPE.pathname}*.mjs` }) }, source: "fetch-event" },
          { condition: { urlPattern: new URLPattern({}) }, source: "network" },
        ])
        .catch(() => {}), // an older rule syntax: the fetch handler still lets these requests through
    );
  }
  // A failed precache must not stop the install: files are then stored as the worker fetches them.
  event.waitUntil(precache().catch(() => {}));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});
