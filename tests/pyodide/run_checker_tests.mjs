// Run the checker's core test suites inside Pyodide (Python 3.14, WebAssembly) under Node.
//
//   node tests/pyodide/run_checker_tests.mjs [suite ...] [-- pytest args]
//
// The checker comes from our wheel in dist/wheels (loaded through the pyodide-lock.json the site
// ships), not from the source tree, so this proves the published wheel works; with CHECKER_FROM=bundle
// it comes from the analyzer page's archives instead. pytest and its deps
// come from build/pyodide-test-wheels (scripts/pyodide_test_wheels.py). The last line printed is
// `PYODIDE_SUMMARY {json}` with the outcome counts; build/pyodide-test-results.json adds the passed test ids.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CORE_SUITES = ["spf", "dkim", "arc", "dmarc", "authres", "psl", "bounce", "message", "headers"];
const argv = process.argv.slice(2);
const split = argv.indexOf("--");
const suiteArgs = split === -1 ? argv : argv.slice(0, split);
const pytestArgs = split === -1 ? [] : argv.slice(split + 1);
// pyodide/inside holds the checks that only matter in Pyodide (event loop, ed25519, entry points).
const suites = [...(suiteArgs.length ? suiteArgs : CORE_SUITES), "pyodide/inside"].filter((suite) =>
  fs.existsSync(path.join(REPO, "tests", suite)),
);

function fail(message) {
  console.error(`run_checker_tests: ${message}`);
  process.exit(2);
}

const runtimeDir = path.join(REPO, "node_modules", "pyodide");
const wheelDir = path.join(REPO, "dist", "wheels");
const testWheelDir = path.join(REPO, "build", "pyodide-test-wheels");
const fromBundle = process.env.CHECKER_FROM === "bundle";
// Every outcome, incl. passed test ids.
const RESULTS_FILE = path.join(REPO, "build", `pyodide-test-results${fromBundle ? "-bundle" : ""}.json`);
if (!fs.existsSync(path.join(runtimeDir, "pyodide.mjs"))) fail("node_modules/pyodide is missing: run `npm ci`.");
if (!fs.existsSync(path.join(wheelDir, "pyodide-lock.json"))) fail("dist/wheels is empty: run scripts/build_wheels.py.");
if (!fs.existsSync(testWheelDir)) fail("build/pyodide-test-wheels is missing: run scripts/pyodide_test_wheels.py.");
if (!suites.length) fail("none of the requested test folders exist.");

const { loadPyodide } = await import(path.join(runtimeDir, "pyodide.mjs"));
const started = performance.now();
// CHECKER_FROM=bundle: the checker comes from the analyzer page's archives (browser-bundle.json, made by
// scripts/browser_bundle.py: only the modules the browser runs, docstrings stripped), unpacked the way
// the page does, instead of from the wheels, and Python runs on the bundle's compiled standard library
// (bundle_runtime.mjs). The same suites then prove the stripped code and that library behave alike.
let pyodide;
if (fromBundle) {
  const { startFromBundle } = await import(path.join(REPO, "tests", "pyodide", "bundle_runtime.mjs"));
  ({ pyodide } = await startFromBundle({ runtimeDir, wheelDir }));
} else {
  pyodide = await loadPyodide({
    indexURL: `${runtimeDir}/`,
    lockFileURL: path.join(wheelDir, "pyodide-lock.json"),
    packageBaseUrl: `${wheelDir}/`,
  });
  await pyodide.loadPackage("smtp-checker", { messageCallback: () => {} });
}
const source = fromBundle ? "the browser bundle" : "smtp-checker";
console.log(`Pyodide ${pyodide.version} ready with ${source} in ${Math.round(performance.now() - started)} ms`);

// Copy a host folder into the in-memory file system (skipping caches) so tests see their data.
function copyTree(hostDir, guestDir) {
  pyodide.FS.mkdirTree(guestDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name === ".pytest_cache") continue;
    const hostPath = path.join(hostDir, entry.name);
    const guestPath = `${guestDir}/${entry.name}`;
    if (entry.isDirectory()) copyTree(hostPath, guestPath);
    else if (entry.isFile()) pyodide.FS.writeFile(guestPath, fs.readFileSync(hostPath));
  }
}

pyodide.FS.mkdirTree("/wheels");
for (const name of fs.readdirSync(testWheelDir).filter((n) => n.endsWith(".whl"))) {
  pyodide.FS.writeFile(`/wheels/${name}`, fs.readFileSync(path.join(testWheelDir, name)));
}
pyodide.FS.mkdirTree("/repo/tests");
pyodide.FS.writeFile("/repo/pyproject.toml", fs.readFileSync(path.join(REPO, "pyproject.toml")));
pyodide.FS.writeFile("/repo/tests/conftest.py", fs.readFileSync(path.join(REPO, "tests", "conftest.py")));
for (const helper of fs.readdirSync(path.join(REPO, "tests")).filter((n) => n.endsWith(".py"))) {
  pyodide.FS.writeFile(`/repo/tests/${helper}`, fs.readFileSync(path.join(REPO, "tests", helper)));
}
// Some suites read the catalog's YAML (errors/), as they do in CPython.
copyTree(path.join(REPO, "errors"), "/repo/errors");
for (const folder of new Set([...suites, "corpora", "fixtures"])) {
  if (fs.existsSync(path.join(REPO, "tests", folder))) copyTree(path.join(REPO, "tests", folder), `/repo/tests/${folder}`);
}

pyodide.globals.set("suites", pyodide.toPy(suites.map((suite) => `tests/${suite}`)));
pyodide.globals.set("extra_args", pyodide.toPy(pytestArgs));
const RUN_TESTS = `
import asyncio, json, os, site, sys, time, warnings, zipfile
from asyncio import events
from pathlib import Path

# Pure wheels unpack whole; PyYAML's wheel carries a CPython extension, so only its Python files.
target = site.getsitepackages()[0]
for wheel in sorted(Path("/wheels").glob("*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        pure = wheel.name.endswith("-none-any.whl")
        archive.extractall(target, members=[m for m in archive.namelist() if pure or not m.endswith(".so")])

# Pyodide's WebLoop cannot block (run_until_complete needs JSPI, which Node 20 lacks), so the
# test run drives coroutines with a plain asyncio loop whose "selector" only sleeps until the next
# timer: the tests use no sockets. The browser itself keeps the WebLoop.
class _TimerOnlySelector:
    def select(self, timeout=None):
        if timeout:
            time.sleep(min(timeout, 0.05))
        return []

    def close(self):
        pass


class TimerLoop(asyncio.BaseEventLoop):
    def __init__(self):
        super().__init__()
        self._selector = _TimerOnlySelector()

    def _process_events(self, event_list):
        pass

    def _write_to_self(self):
        pass


with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)

    class TimerLoopPolicy(asyncio.DefaultEventLoopPolicy):
        def new_event_loop(self):
            return TimerLoop()

    asyncio.set_event_loop_policy(TimerLoopPolicy())

os.chdir("/repo")
import pytest

class Outcomes:
    def __init__(self):
        self.counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0, "xfailed": 0, "xpassed": 0}
        self.passed_ids = []
    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            if hasattr(report, "wasxfail"):
                key = "xfailed" if report.skipped else "xpassed"
            elif report.when != "call" and report.failed:
                key = "error"
            else:
                key = report.outcome
            self.counts[key] += 1
            if key == "passed":
                self.passed_ids.append(report.nodeid)

outcomes = Outcomes()
print("suites:", " ".join(suites))
web_loop = events._get_running_loop()
events._set_running_loop(None)
try:
    exit_code = int(pytest.main(["-q", "-rsx", "-p", "no:cacheprovider", "-W", "ignore::DeprecationWarning",
                                 *suites, *extra_args], plugins=[outcomes]))
finally:
    events._set_running_loop(web_loop)
json.dumps({"exit_code": exit_code, "python": sys.version.split()[0], "platform": sys.platform,
            "suites": suites, **outcomes.counts, "passed_ids": outcomes.passed_ids})
`;
let results;
try {
  results = JSON.parse(pyodide.runPython(RUN_TESTS));
} catch (error) {
  // Print the Python traceback only: Node's default report would dump the minified runtime source.
  fail(`the test run itself failed:\n${error.message}`);
}
fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
fs.writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 1));
const { passed_ids: _ids, ...summary } = results;
console.log(`PYODIDE_SUMMARY ${JSON.stringify(summary)}`);
process.exit(results.exit_code);
