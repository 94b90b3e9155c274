// Run the DNS layer inside Pyodide (Python 3.14, WebAssembly) under Node against a live DoH server:
//   node tests/dns/pyodide_doh_smoke.mjs http://127.0.0.1:PORT
// Loads the checker *source* (not the built wheel) plus its dependencies from dist/wheels, then
// queries the server with pyodide_fetch in wire GET, wire POST and JSON, and audits acme.example.
// Prints one line: PYODIDE_DOH {...json...}.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const base = process.argv[2];
const runtimeDir = path.join(REPO, "node_modules", "pyodide");
const wheelDir = path.join(REPO, "dist", "wheels");
const { loadPyodide } = await import(path.join(runtimeDir, "pyodide.mjs"));
const pyodide = await loadPyodide({
  indexURL: `${runtimeDir}/`,
  lockFileURL: path.join(wheelDir, "pyodide-lock.json"),
  packageBaseUrl: `${wheelDir}/`,
});
await pyodide.loadPackage("smtp-checker", { messageCallback: () => {} }); // brings dnspython & co

function copyTree(hostDir, guestDir) {
  pyodide.FS.mkdirTree(guestDir);
  for (const entry of fs.readdirSync(hostDir, { withFileTypes: true })) {
    if (entry.name === "__pycache__") continue;
    const hostPath = path.join(hostDir, entry.name);
    if (entry.isDirectory()) copyTree(hostPath, `${guestDir}/${entry.name}`);
    else pyodide.FS.writeFile(`${guestDir}/${entry.name}`, fs.readFileSync(hostPath));
  }
}
copyTree(path.join(REPO, "checker"), "/src/checker");
pyodide.globals.set("base", base);
const result = await pyodide.runPythonAsync(`
import json, sys
sys.path.insert(0, "/src")
for name in [m for m in sys.modules if m == "checker" or m.startswith("checker.")]:
    del sys.modules[name]
from checker.shared.dns.doh_json import DohJsonResolver
from checker.shared.dns.doh_wire import DohWireResolver
from checker.shared.dns.fetch import pyodide_fetch
from checker.analyses.domain.audit import audit_domain

answers = {}
for label, resolver in [
    ("wire-get", DohWireResolver(pyodide_fetch, base + "/dns-query")),
    ("wire-post", DohWireResolver(pyodide_fetch, base + "/dns-query", "POST")),
    ("json", DohJsonResolver(pyodide_fetch, base + "/resolve")),
]:
    mx = await resolver.query("acme.example", "MX")
    missing = await resolver.query("missing.example", "TXT")
    answers[label] = [mx.status.value, sorted(mx.records), missing.status.value]
audit = await audit_domain("acme.example", resolver=DohWireResolver(pyodide_fetch, base + "/dns-query"))
refused = await DohWireResolver(pyodide_fetch, "http://127.0.0.1:9/dns-query").query("acme.example", "A")
json.dumps({
    "python": sys.version.split()[0],
    "platform": sys.platform,
    "answers": answers,
    "verdicts": sorted({check.verdict.value for check in audit.checks}),
    "checks": len(audit.checks),
    "unreachable": refused.status.value,
})
`);
console.log(`PYODIDE_DOH ${result}`);
