// Start Python for the analyzer's worker, from a memory snapshot when this browser has one.
//
// First visit ("fresh"): the runtime starts while our wheels download in parallel; the wheels are
// checked against the sha256 in pyodide-lock.json and unpacked (not loadPackage'd: a package loaded
// that way cannot go into a snapshot), the checker and its analysis modules are imported, and the
// page is told it is ready. Right after that, afterReady() imports what the analyses import on first
// use and copies the interpreter's memory (about 36 MB) into this origin's Cache Storage.
//
// Return visit ("snapshot"): the runtime starts from that copy, with every module already imported,
// which skips Python's start-up and the imports (well over a second). The snapshot holds memory only,
// not the file system, so the wheels are unpacked again in the background (filesReady) for any file a
// later import or analysis reads.
//
// A snapshot only fits the exact runtime and wheels that made it, so its key is a hash of the Pyodide
// version and the lock file (which names every wheel by its sha256). A new deploy therefore gets a new
// key: the old snapshot is deleted when the new one is stored. A snapshot that does not restore (stale,
// corrupt, or from another runtime build) is deleted, Python starts the normal way, and a new snapshot
// replaces it. Without Cache Storage (some private modes) everything simply takes the normal path.

export const CACHE_NAME = "smtp-analyzer-python";
const SNAPSHOT_DIR = "__snapshot__/";
const OUR_PACKAGE = "smtp-checker";
// warm_up() imports what "ready" needs; the analyses import much more on their first run (DNS, DKIM,
// SPF, the Public Suffix List: over a second). That happens after "ready", while the reader pastes,
// and before the snapshot, so a return visit has all of it in memory. Failures only leave a module to
// be imported on first use.
const DEEP_WARM_UP = `
def _deep_warm_up():
    import importlib, pkgutil, checker
    names = [m.name for m in pkgutil.walk_packages(checker.__path__, "checker.", onerror=lambda name: None)]
    names = [n for n in names if n.rsplit(".", 1)[-1] not in ("__main__", "cli", "system", "zonefile")]
    names += ["dkim", "dns.message", "dns.query", "dns.resolver", "dns.reversename", "dns.rdtypes.util"]
    names += ["dns.rdtypes.ANY." + t for t in ("TXT", "MX", "NS", "CNAME", "PTR", "SOA", "SPF", "CAA", "TLSA")]
    names += ["dns.rdtypes.IN." + t for t in ("A", "AAAA")]
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            failed.append(name)
    try:
        from checker.orgdomain import default_public_suffixes
        default_public_suffixes()
    except Exception:
        failed.append("checker.orgdomain.default_public_suffixes")
    return ",".join(failed)
_deep_warm_up()
`;

function hex(buffer) {
  return Array.from(new Uint8Array(buffer), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function sha256(data) {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  return hex(await crypto.subtle.digest("SHA-256", bytes));
}

async function openCache() {
  try {
    return self.caches ? await self.caches.open(CACHE_NAME) : null;
  } catch {
    return null; // Cache Storage refused (opaque origin, storage disabled): no snapshot then.
  }
}

// The wheels to unpack: our package and everything it depends on, dependencies first.
function wheelsToLoad(lock, root = OUR_PACKAGE) {
  const order = [];
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    const entry = lock.packages[name];
    if (!entry) throw new Error(`pyodide-lock.json has no package "${name}"`);
    for (const dependency of entry.depends || []) visit(dependency);
    order.push(entry);
  };
  visit(root);
  return order;
}

async function fetchWheel(baseUrl, entry) {
  const url = new URL(entry.file_name, baseUrl).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (entry.sha256 && (await sha256(bytes)) !== entry.sha256) {
    throw new Error(`${entry.file_name} does not match its sha256 in pyodide-lock.json`);
  }
  return { entry, bytes };
}

// The one stored snapshot, read in full: {url, bytes, intact, ms}, or null.
async function readStoredSnapshot(cache) {
  const started = performance.now();
  try {
    const requests = (await cache.keys()).filter((request) => request.url.includes(`/${SNAPSHOT_DIR}`));
    if (requests.length !== 1) return null;
    const response = await cache.match(requests[0]);
    if (!response) return null;
    const bytes = await response.arrayBuffer();
    // A cut-short copy would restore into a broken interpreter: compare with the length stored with it.
    const expected = Number(response.headers.get("X-Snapshot-Length"));
    const intact = bytes.byteLength > 0 && bytes.byteLength === expected;
    return { url: requests[0].url, bytes, intact, ms: Math.round(performance.now() - started) };
  } catch {
    return null;
  }
}

// Pyodide restores a snapshot by copying it over the start of the wasm heap, but its heap starts at a
// size fixed in pyodide.asm.wasm (it ignores INITIAL_MEMORY), so a snapshot taken after the heap grew
// does not fit ("offset is out of bounds"). While the runtime is instantiated for a restore, grow its
// memory to the snapshot's size first: more memory than the snapshot needs is what a grown heap is.
async function withHeapFor(byteLength, work) {
  const { instantiate, instantiateStreaming } = WebAssembly;
  const grow = (result) => {
    const memory = result && result.instance && result.instance.exports.memory;
    if (memory instanceof WebAssembly.Memory && memory.buffer.byteLength < byteLength) {
      memory.grow(Math.ceil((byteLength - memory.buffer.byteLength) / 65536));
    }
    return result;
  };
  WebAssembly.instantiateStreaming = async (...args) => grow(await instantiateStreaming.apply(WebAssembly, args));
  WebAssembly.instantiate = async (...args) => grow(await instantiate.apply(WebAssembly, args));
  try {
    return await work();
  } finally {
    WebAssembly.instantiate = instantiate;
    WebAssembly.instantiateStreaming = instantiateStreaming;
  }
}

function unpackWheels(pyodide, wheels) {
  const extractDir = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const { bytes } of wheels) pyodide.unpackArchive(bytes, "wheel", { extractDir });
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}

// Import the checker, then its analysis modules (now, while the reader is still pasting, not on the
// first click); times them as "import" and "warmup".
function importChecker(pyodide, timings) {
  const started = performance.now();
  const browser = pyodide.pyimport("checker.browser");
  const imported = performance.now();
  const warm = JSON.parse(browser.warm_up());
  timings.import = Math.round(imported - started);
  timings.warmup = Math.round(performance.now() - imported);
  return { browser, warm };
}

/**
 * Start Python with the checker imported. Returns
 * {pyodide, browser, warm, mode: "snapshot" | "fresh", filesReady, afterReady, snapshotError}.
 *
 * options: pyodideUrl (folder of pyodide.mjs, the lock and the wheels), withRetries (wraps a download),
 * timings (filled with phase times in ms), progress(phase) (called as each phase starts).
 */
export async function bootPython({ pyodideUrl, withRetries = (work) => work(), timings = {}, progress = () => {} }) {
  const started = performance.now();
  const since = (mark) => Math.round(performance.now() - mark);
  progress("runtime");
  const cache = await openCache();
  // The stored snapshot (there is at most one) is read while the runtime's scripts and the lock
  // download; whether it fits this deploy is known once the lock is in.
  const storedPromise = cache ? readStoredSnapshot(cache) : Promise.resolve(null);
  // pyodide.asm.mjs too, instead of after pyodide.mjs: one round trip less before the runtime starts.
  const [module, asm, lockText] = await Promise.all([
    import(`${pyodideUrl}pyodide.mjs`),
    import(`${pyodideUrl}pyodide.asm.mjs`),
    withRetries(async () => {
      // Revalidated on every visit: it names the current wheels by their content hash.
      const response = await fetch(`${pyodideUrl}pyodide-lock.json`, { cache: "no-cache" });
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${pyodideUrl}pyodide-lock.json`);
      return response.text();
    }),
  ]);
  const { loadPyodide, version } = module;
  const lock = JSON.parse(lockText);
  const key = (await sha256(`${version}\n${lockText}`)).slice(0, 32);
  const snapshotUrl = new URL(`${SNAPSHOT_DIR}${key}`, pyodideUrl).href;
  const options = {
    indexURL: pyodideUrl,
    lockFileContents: lockText,
    packageBaseUrl: pyodideUrl,
    createPyodideModule: asm.default,
  };
  const entries = wheelsToLoad(lock);
  const getWheels = () => Promise.all(entries.map((entry) => withRetries(() => fetchWheel(pyodideUrl, entry))));

  let snapshotError = null;
  const stored = await storedPromise;
  if (stored && stored.url === snapshotUrl) {
    try {
      if (!stored.intact) throw new Error("the stored snapshot is incomplete");
      timings.snapshotRead = stored.ms;
      timings.snapshotBytes = stored.bytes.byteLength;
      const restoreStarted = performance.now();
      const pyodide = await withHeapFor(stored.bytes.byteLength, () =>
        loadPyodide({ ...options, _loadSnapshot: stored.bytes }),
      );
      timings.restore = since(restoreStarted);
      timings.runtime = since(started);
      const { browser, warm } = importChecker(pyodide, timings);
      if (!warm.ok) throw new Error(`modules missing after the restore: ${JSON.stringify(warm.modules)}`);
      // The file system is not in the snapshot: put the wheels' files back, off the critical path.
      const filesStarted = performance.now();
      const filesReady = getWheels().then((wheels) => {
        unpackWheels(pyodide, wheels);
        timings.filesRestored = since(filesStarted);
      });
      filesReady.catch(() => {}); // an analysis that needs a file reports the failure itself
      timings.wheels = 0;
      return { pyodide, browser, warm, mode: "snapshot", filesReady, afterReady: async () => null, snapshotError };
    } catch (error) {
      // Corrupt, or made by another runtime build: forget it and start the normal way.
      snapshotError = String((error && error.message) || error);
      await cache.delete(snapshotUrl).catch(() => {});
    }
  } else if (stored) {
    snapshotError = "stale"; // another deploy's snapshot: replaced below, once the new one is made
  }

  // The normal path. The wheels download while the runtime starts.
  const runtimeStarted = performance.now();
  const wheelsPromise = getWheels();
  wheelsPromise.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const pyodide = await withRetries(() => loadPyodide({ ...options, _makeSnapshot: Boolean(cache) }));
  timings.runtime = since(runtimeStarted);
  progress("wheels");
  const wheelsStarted = performance.now();
  unpackWheels(pyodide, await wheelsPromise);
  timings.wheels = since(wheelsStarted);
  progress("import");
  const { browser, warm } = importChecker(pyodide, timings);

  // Call once, right after "ready" and before the first analysis: it imports the rest (DEEP_WARM_UP),
  // then stores the snapshot, so the snapshot holds a fully imported, never used interpreter.
  let done = false;
  async function afterReady() {
    if (done) return null;
    done = true;
    const warmStarted = performance.now();
    const failed = pyodide.runPython(DEEP_WARM_UP);
    timings.deepWarmUp = since(warmStarted);
    if (failed) console.warn("analyzer: not imported ahead of use:", failed);
    if (!cache) return null;
    const snapshotStarted = performance.now();
    const bytes = pyodide.makeMemorySnapshot();
    timings.snapshotMade = since(snapshotStarted);
    await cache.put(
      snapshotUrl,
      new Response(bytes, {
        headers: {
          "Content-Type": "application/octet-stream",
          "X-Snapshot-Key": key,
          "X-Snapshot-Length": String(bytes.byteLength),
        },
      }),
    );
    // Only the current snapshot is kept: a deploy that changed any wheel or the runtime replaces it.
    for (const request of await cache.keys()) {
      if (request.url !== snapshotUrl) await cache.delete(request);
    }
    return { key, bytes: bytes.byteLength, deepWarmUp: timings.deepWarmUp, ms: since(snapshotStarted) };
  }
  return { pyodide, browser, warm, mode: "fresh", filesReady: Promise.resolve(), afterReady, snapshotError };
}
