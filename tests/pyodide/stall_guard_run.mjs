// The analyzer worker's stall guard (overrides/assets/analyzer/stall-guard.mjs) with the checker's SIGINT
// handler (checker/frontends/interrupt.py), in real Pyodide under Node, the checker loaded from the
// analyzer page's own archives. Prints one line `STALL_GUARD {json}` with what each case did.
//
//   node tests/pyodide/stall_guard_run.mjs <limit ms>

import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const limitMs = Number(process.argv[2] || 400);
const runtimeDir = path.join(REPO, "node_modules", "pyodide");
const wheelDir = path.join(REPO, "dist", "wheels");
const { createStallGuard } = await import(path.join(REPO, "overrides", "assets", "analyzer", "stall-guard.mjs"));
const { startFromBundle } = await import(path.join(REPO, "tests", "pyodide", "bundle_runtime.mjs"));
const { pyodide, manifest } = await startFromBundle({ runtimeDir, wheelDir });

// As worker.mjs does it.
const browser = pyodide.pyimport(manifest.entry);
browser.stop_runaways(limitMs / 1000);
const guard = createStallGuard({ limitMs });
pyodide.setInterruptBuffer(guard.buffer);

// Code that runs as part of the checker (its module name is what the handler looks at) and never yields,
// the way a runaway parser would; and code of the test's own, outside the checker.
pyodide.runPython(`
import asyncio, json, re, time
from checker.frontends import browser

CHECKER_CODE = '''
import re, time
def spin():
    while True:
        pass
def backtrack():
    return re.match(r"(a|aa)+$", "a" * 60 + "b")
def busy_for(seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"
'''
probe = {"__name__": "checker.probe"}
exec(compile(CHECKER_CODE, "checker/probe.py", "exec"), probe)

async def analysis_of(work):
    async def analysis(request):
        return work()
    return json.loads(await browser._run("{}", request_where, analysis))

async def yielding(seconds, burst):
    # Longer than the limit in all, but it gives the thread back between short bursts, as DNS waits do.
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        probe["busy_for"](burst)
        await asyncio.sleep(0.02)
    return {"finished": True}
`);

async function timed(label, run) {
  const started = performance.now();
  let outcome;
  try {
    outcome = await run();
  } catch (error) {
    outcome = { thrown: `${error.type || error.name}: ${String(error.message).split("\n").slice(-2).join(" ")}` };
  }
  return [label, { ms: Math.round(performance.now() - started), ...outcome }];
}

// One analysis, armed as worker.mjs arms it; Python answers JSON text.
async function guarded(where, code) {
  const disarm = guard.arm();
  try {
    pyodide.globals.set("request_where", where);
    return JSON.parse(await pyodide.runPythonAsync(code));
  } finally {
    disarm();
  }
}

const stopped = (answer) => ({ ok: answer.ok, reason: answer.error && answer.error.reason, what: answer.error && answer.error.what });
const cases = [];
cases.push(await timed("spin", async () => stopped(await guarded("Bounce", "json.dumps(await analysis_of(probe['spin']))"))));
cases.push(await timed("backtrack", async () => stopped(await guarded("Headers", "json.dumps(await analysis_of(probe['backtrack']))"))));
cases.push(await timed("dns_kind", async () => stopped(await guarded("Domain", "json.dumps(await analysis_of(probe['spin']))"))));
cases.push(await timed("yielding", async () => {
  const seconds = (limitMs * 2.5) / 1000;
  return guarded("Domain", `json.dumps(await yielding(${seconds}, ${limitMs / 4000}))`);
}));
cases.push(await timed("after_stop", async () => {
  const answer = await guarded("Bounce", "json.dumps(await analysis_of(lambda: 'fine'))");
  return { ok: answer.ok, result: answer.result };
}));
cases.push(await timed("unarmed", async () => {
  // Not an analysis (start-up, imports): nothing is stopped, however long it takes.
  return { result: pyodide.runPython(`probe["busy_for"](${(limitMs * 2) / 1000})`) };
}));
cases.push(await timed("outside_checker", async () => {
  // Armed, but the busy code is not the checker's: the handler declines and nothing is raised.
  const disarm = guard.arm();
  try {
    return { result: pyodide.runPython(`
end = time.monotonic() + ${(limitMs * 2) / 1000}
while time.monotonic() < end:
    pass
"done"`) };
  } finally {
    disarm();
  }
}));
console.log(`STALL_GUARD ${JSON.stringify({ limitMs, signals: guard.signals(), cases: Object.fromEntries(cases) })}`);
process.exit(0);
