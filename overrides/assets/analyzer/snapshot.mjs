// Start Python for the analyzer's worker, from a memory snapshot when this browser has one.
//
// Python starts on the bundle's compiled standard library (STDLIB_REST below). The checker comes as two
// .tar.gz archives listed in browser-bundle.json (scripts/browser_bundle.py):
// only the modules the browser runs, without docstrings. "startup" holds what the page imports before
// it is ready; "deferred" what the analyses import on first use and the Public Suffix List, fetched
// right after "ready". Each archive is checked against its sha256 in the manifest and its files are
// written into site-packages (not loadPackage'd: a package loaded that way cannot go into a snapshot).
// No Pyodide package is loaded, so the runtime gets an empty package index instead of the 120 KB
// pyodide-lock.json.
//
// First visit ("fresh"): the runtime starts while the startup archive downloads; the checker's browser
// module is imported and warmed up, and the page is told it is ready. Right after that, afterReady()
// fetches and unpacks the deferred archive, imports every bundled module, parses the Public Suffix
// List, and copies the interpreter's memory (about 31 MB) into this origin's Cache Storage.
//
// Return visit ("snapshot"): the runtime starts from that copy, with every module already imported,
// which skips Python's start-up and the imports (well over a second). The snapshot holds memory only,
// not the file system, so after "ready" both archives are unpacked again (from the HTTP cache) for any
// file a later import or analysis reads; filesReady() resolves once they are.
//
// A snapshot only fits the exact runtime and bundle that made it, so its key is a hash of the Pyodide
// version and the manifest (which names every archive by its sha256). A new deploy therefore gets a new
// key: the old snapshot is deleted when the new one is stored. A snapshot that does not restore (stale,
// corrupt, or from another runtime build) is deleted, Python starts the normal way, and a new snapshot
// replaces it. Without Cache Storage (some private modes) everything simply takes the normal path.

export const CACHE_NAME = "smtp-analyzer-python";
const SNAPSHOT_DIR = "__snapshot__/";
const MANIFEST = "browser-bundle.json";
const PHASES = ["startup", "deferred"];
// Imports every module of both archives (the page imported only the startup ones it needs), so the
// snapshot has them all in memory, then parses the Public Suffix List once (the checker caches it in
// default_public_suffixes(), wherever that lives in the package). Failures only leave a module to be
// imported on first use; their names come back for the console.
const DEEP_WARM_UP = `
def _deep_warm_up(names_json, package):
    import importlib, json, sys
    failed = []
    for name in json.loads(names_json):
        try:
            importlib.import_module(name)
        except Exception:
            failed.append(name)
    for name, module in list(sys.modules.items()):
        load_list = getattr(module, "default_public_suffixes", None)
        if name.split(".")[0] == package and callable(load_list):
            try:
                load_list()
            except Exception:
                failed.append(name + ".default_public_suffixes")
            break
    return ",".join(failed)
_deep_warm_up
`;

// The standard library: browser-bundle.json's "stdlib" archive (scripts/stdlib_zip.mjs) holds, compiled
// ahead of time, the modules Pyodide's own start and the checker import, so neither compiles Python
// source on the way to "ready" (Pyodide's python_stdlib.zip holds source only: compiling it was about
// half of the runtime's start). Any other standard-library module (a rarely used codec, say) is read from
// the runtime's full python_stdlib.zip, fetched from this site once, synchronously, the first time one
// is imported. The finder below does that: it lives in Python's memory (and so in a snapshot); each start
// tells it again where the full zip is.
const STDLIB_REST = `
def _install_stdlib_rest(url, names_json):
    import json, os, sys, zipimport
    names = frozenset(json.loads(names_json))
    for finder in sys.meta_path:
        if getattr(finder, "stdlib_rest", False):
            finder.url, finder.names = url, names
            return finder.path

    class StdlibRest:
        stdlib_rest = True

        def __init__(self, url, names, path):
            self.url, self.names, self.path, self.asked = url, names, path, []

        def find_spec(self, fullname, path=None, target=None):
            if fullname not in self.names:
                return None
            self.asked.append(fullname)
            if not self.fetched():
                return None
            package = "/".join(fullname.split(".")[:-1])
            return zipimport.zipimporter(f"{self.path}/{package}/" if package else self.path).find_spec(fullname)

        def fetched(self):
            if os.path.exists(self.path):
                return True
            try:
                from js import XMLHttpRequest
                request = XMLHttpRequest.new()
                request.open("GET", self.url, False)
                request.responseType = "arraybuffer"
                request.send(None)
                if request.status != 200:
                    return False
                data = request.response.to_bytes()
            except Exception:
                return False  # offline: the import fails as it would without the module; the next one retries
            with open(self.path, "wb") as file:
                file.write(data)
            return True

    path = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}-rest.zip"
    sys.meta_path.append(StdlibRest(url, names, path))
    return path
_install_stdlib_rest
`;

/**
 * Let Python import the standard-library modules the stdlib archive leaves out (``names``) from ``url``.
 * Returns where in Python's file system the full zip goes (fetched there on first use).
 */
export function installStdlibRest(pyodide, { url, names }) {
  const install = pyodide.runPython(STDLIB_REST);
  try {
    return install(url, JSON.stringify(names || []));
  } finally {
    install.destroy();
  }
}

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

function archiveOf(manifest, phase) {
  const entry = (manifest.archives || []).find((archive) => archive.phase === phase);
  if (!entry) throw new Error(`${MANIFEST} lists no "${phase}" archive`);
  return entry;
}

async function fetchArchive(baseUrl, entry) {
  const url = new URL(entry.file_name, baseUrl).href;
  // A copy that does not match its hash may come from a cache gone wrong (sw.js, a proxy): ask the
  // server itself once more ("reload" also makes sw.js replace its copy) before giving up.
  for (const cache of ["default", "reload"]) {
    const response = await fetch(url, { cache });
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    if ((await sha256(bytes)) === entry.sha256) return { entry, bytes };
  }
  throw new Error(`${entry.file_name} does not match its sha256 in ${MANIFEST}`);
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

// The archives are gzip'd ustar files of regular files (scripts/browser_bundle.py). The browser's own
// gzip decoder runs while the runtime starts, and writing the files into Python's file system takes a
// few milliseconds; Python's tarfile (WebAssembly) would spend far longer on the way to "ready". Where
// DecompressionStream is missing, Pyodide's unpackArchive does it all.
async function gunzip(archive) {
  if (typeof DecompressionStream !== "function") return archive;
  const stream = new Blob([archive.bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return { ...archive, tar: new Uint8Array(await new Response(stream).arrayBuffer()) };
}

function writeTar(pyodide, tar, folder) {
  const decoder = new TextDecoder();
  const text = (offset, length) => decoder.decode(tar.subarray(offset, offset + length)).split("\0")[0];
  let offset = 0;
  while (offset + 512 <= tar.length && tar[offset] !== 0) {
    const name = [text(offset + 345, 155), text(offset + 0, 100)].filter(Boolean).join("/");
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = tar[offset + 156];
    if (!name || name.startsWith("/") || name.split("/").includes("..") || Number.isNaN(size)) {
      throw new Error(`unexpected entry "${name}" in the checker's archive`);
    }
    offset += 512;
    if (type === 0x30 || type === 0) {
      const path = `${folder}/${name}`;
      pyodide.FS.mkdirTree(path.slice(0, path.lastIndexOf("/")));
      pyodide.FS.writeFile(path, tar.subarray(offset, offset + size));
    }
    offset += Math.ceil(size / 512) * 512;
  }
}

// Write the archives' files into site-packages: each {tar} (gunzipped already) or {bytes} (.tar.gz).
export function unpackArchives(pyodide, archives) {
  const extractDir = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const archive of archives) {
    if (archive.tar) writeTar(pyodide, archive.tar, extractDir);
    else pyodide.unpackArchive(archive.bytes, "gztar", { extractDir });
  }
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}

// Import the checker's browser module, then its analysis modules (now, while the reader is still
// pasting, not on the first click); times them as "import" and "warmup".
export function importChecker(pyodide, entry, timings = {}) {
  const started = performance.now();
  const browser = pyodide.pyimport(entry);
  const imported = performance.now();
  const warm = JSON.parse(browser.warm_up());
  timings.import = Math.round(imported - started);
  timings.warmup = Math.round(performance.now() - imported);
  return { browser, warm };
}

/**
 * Import every one of ``modules`` and parse the Public Suffix List (DEEP_WARM_UP); returns the names that
 * failed, comma-separated ("" when none did).
 */
export function deepWarmUp(pyodide, modules, entry) {
  const warmUp = pyodide.runPython(DEEP_WARM_UP);
  try {
    return warmUp(JSON.stringify(modules), entry.split(".")[0]);
  } finally {
    warmUp.destroy();
  }
}

/**
 * Start Python with the checker imported. Returns
 * {pyodide, browser, warm, mode: "snapshot" | "fresh", filesReady, afterReady, snapshotError}.
 * Call afterReady() once the page has been told it is ready: it fetches what the page did not need
 * yet (and, on a first visit, stores the snapshot). filesReady() resolves once every bundled file is
 * in place; an analysis waits for it.
 *
 * options: pyodideUrl (folder of pyodide.mjs, the manifest and the archives), withRetries (wraps a
 * download), timings (filled with phase times in ms), progress(phase) (called as each phase starts).
 */
export async function bootPython({ pyodideUrl, withRetries = (work) => work(), timings = {}, progress = () => {} }) {
  const started = performance.now();
  const since = (mark) => Math.round(performance.now() - mark);
  progress("runtime");
  const cache = await openCache();
  // The stored snapshot (there is at most one) is read while the runtime's scripts and the manifest
  // download; whether it fits this deploy is known once the manifest is in.
  const storedPromise = cache ? readStoredSnapshot(cache) : Promise.resolve(null);
  // pyodide.asm.mjs too, instead of after pyodide.mjs: one round trip less before the runtime starts.
  const [module, asm, manifestText] = await Promise.all([
    import(`${pyodideUrl}pyodide.mjs`),
    import(`${pyodideUrl}pyodide.asm.mjs`),
    withRetries(async () => {
      // Revalidated on every visit: it names the current archives by their content hash.
      const response = await fetch(`${pyodideUrl}${MANIFEST}`, { cache: "no-cache" });
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${pyodideUrl}${MANIFEST}`);
      return response.text();
    }),
  ]);
  const { loadPyodide, version } = module;
  const manifest = JSON.parse(manifestText);
  const key = (await sha256(`${version}\n${manifestText}`)).slice(0, 32);
  const snapshotUrl = new URL(`${SNAPSHOT_DIR}${key}`, pyodideUrl).href;
  const options = {
    indexURL: pyodideUrl,
    lockFileContents: JSON.stringify({ info: manifest.pyodide, packages: {} }),
    packageBaseUrl: pyodideUrl,
    createPyodideModule: asm.default,
  };
  // A manifest without one (built before it existed) leaves the runtime's own python_stdlib.zip.
  const stdlib = (manifest.archives || []).find((archive) => archive.phase === "stdlib");
  if (stdlib) options.stdLibURL = new URL(stdlib.file_name, pyodideUrl).href;
  const afterStart = (pyodide) => {
    if (stdlib) installStdlibRest(pyodide, { url: new URL("python_stdlib.zip", pyodideUrl).href, names: stdlib.rest });
    return pyodide;
  };
  const [startup, deferred] = PHASES.map((phase) => archiveOf(manifest, phase));
  const download = (entry) => withRetries(() => fetchArchive(pyodideUrl, entry)).then(gunzip);
  const modules = PHASES.flatMap((phase) => archiveOf(manifest, phase).modules || []);
  // Started by afterReady() or by the first analysis, whichever comes first; started again after a
  // failure (a flaky connection), so the next analysis retries the download.
  const once = (work) => {
    let promise = null;
    return () =>
      (promise ??= work().catch((error) => {
        promise = null;
        throw error;
      }));
  };

  let snapshotError = null;
  const stored = await storedPromise;
  if (stored && stored.url === snapshotUrl) {
    try {
      if (!stored.intact) throw new Error("the stored snapshot is incomplete");
      timings.snapshotRead = stored.ms;
      timings.snapshotBytes = stored.bytes.byteLength;
      const restoreStarted = performance.now();
      const pyodide = afterStart(await withHeapFor(stored.bytes.byteLength, () =>
        loadPyodide({ ...options, _loadSnapshot: stored.bytes }),
      ));
      timings.restore = since(restoreStarted);
      timings.runtime = since(started);
      const { browser, warm } = importChecker(pyodide, manifest.entry, timings);
      if (!warm.ok) throw new Error(`modules missing after the restore: ${JSON.stringify(warm.modules)}`);
      // The file system is not in the snapshot: put the archives' files back, after "ready". Every
      // module is in memory already, so an analysis need not wait for a failed download.
      const filesReady = once(async () => {
        const filesStarted = performance.now();
        try {
          unpackArchives(pyodide, await Promise.all([download(startup), download(deferred)]));
          timings.filesRestored = since(filesStarted);
        } catch (error) {
          timings.filesError = String((error && error.message) || error);
        }
      });
      const afterReady = async () => {
        await filesReady();
        return null;
      };
      timings.wheels = 0;
      return { pyodide, browser, warm, mode: "snapshot", filesReady, afterReady, snapshotError };
    } catch (error) {
      // Corrupt, or made by another runtime build: forget it and start the normal way.
      snapshotError = String((error && error.message) || error);
      await cache.delete(snapshotUrl).catch(() => {});
    }
  } else if (stored) {
    snapshotError = "stale"; // another deploy's snapshot: replaced below, once the new one is made
  }

  // The normal path. The startup archive downloads while the runtime starts.
  const runtimeStarted = performance.now();
  const startupPromise = download(startup);
  startupPromise.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
  const pyodide = afterStart(await withRetries(() => loadPyodide({ ...options, _makeSnapshot: Boolean(cache) })));
  timings.runtime = since(runtimeStarted);
  progress("wheels");
  const wheelsStarted = performance.now();
  unpackArchives(pyodide, [await startupPromise]);
  timings.wheels = since(wheelsStarted);
  progress("import");
  const { browser, warm } = importChecker(pyodide, manifest.entry, timings);
  const filesReady = once(async () => {
    const deferredStarted = performance.now();
    unpackArchives(pyodide, [await download(deferred)]);
    timings.deferred = since(deferredStarted);
  });

  // Call once, right after "ready" and before the first analysis: it brings in the deferred archive,
  // imports the rest (DEEP_WARM_UP), then stores the snapshot, so the snapshot holds a fully imported,
  // never used interpreter.
  let done = false;
  async function afterReady() {
    if (done) return null;
    done = true;
    await filesReady();
    const warmStarted = performance.now();
    const failed = deepWarmUp(pyodide, modules, manifest.entry);
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
    // Only the current snapshot is kept: a deploy that changed any archive or the runtime replaces it.
    for (const request of await cache.keys()) {
      if (request.url !== snapshotUrl) await cache.delete(request);
    }
    return { key, bytes: bytes.byteLength, deepWarmUp: timings.deepWarmUp, ms: since(snapshotStarted) };
  }
  return { pyodide, browser, warm, mode: "fresh", filesReady, afterReady, snapshotError };
}
