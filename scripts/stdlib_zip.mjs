// The analyzer's standard library, compiled ahead of time (called by scripts/browser_bundle.py).
//
//   node scripts/stdlib_zip.mjs <job.json>
//
// Pyodide ships its standard library as Python source (python_stdlib.zip), so every start compiles each
// module it imports, in WebAssembly: about half of the runtime's start, and the checker's own
// standard-library imports on top. This script starts the very runtime the page loads (so the bytecode
// matches it), lets the checker import everything the page imports before and right after "ready"
// and run each analysis once, and writes a zip of those standard-library modules as unchecked-hash .pyc files (no source, no
// timestamps: the same input gives the same bytes). The page passes it to loadPyodide as its stdlib;
// every other module of the full python_stdlib.zip is listed as "rest" and imported from that file on
// first use (snapshot.mjs installs the finder that does it).
//
// Before it writes anything, it starts the runtime again on the new zip and does the same again: none
// of it may need the rest. Prints one line, `STDLIB_ZIP {json}` (the rest's module names and
// counts); exits 1 with a message on any failure.
//
// job.json: {"runtime": folder of pyodide.mjs, "archives": [the bundle's .tar.gz paths], "entry":
// the checker's browser module, "modules": [every module of the archives], "out": the zip to write}

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
// The page's own steps (snapshot.mjs), so this sees exactly the imports the page makes.
const { deepWarmUp, importChecker, installStdlibRest, unpackArchives } = await import(
  path.join(HERE, "..", "overrides", "assets", "analyzer", "snapshot.mjs")
);

const job = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const { loadPyodide } = await import(path.join(job.runtime, "pyodide.mjs"));
const CORE_ZIP = path.join(job.runtime, "python_stdlib.zip");

function fail(message) {
  console.error(`stdlib_zip: ${message}`);
  process.exit(1);
}

// Then what the analyses themselves import on the way (the standard library imports much inside
// functions: the email parser, its policies, header registry...): each tab once, through the page's own
// entry points, on messages with the usual MIME shapes. DNS goes to a resolver that refuses
// connections, so the lookups fail fast, as they would offline.
const NO_RESOLVER = { url: "http://127.0.0.1:9/dns-query", format: "wire" };
const MESSAGE = [
  "Received: from mail.example.net (mail.example.net [192.0.2.10]) by mx.example.org with ESMTPS id 1; Mon, 2 Nov 2026 10:00:02 +0000",
  "Received: from [198.51.100.7] by mail.example.net with ESMTPSA id 2; Mon, 2 Nov 2026 10:00:00 +0000",
  "ARC-Seal: i=1; a=rsa-sha256; d=example.org; s=arc; cv=none; b=AAAA",
  "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=arc; h=from:to:subject; bh=AAAA; b=AAAA",
  "ARC-Authentication-Results: i=1; mx.example.org; spf=pass smtp.mailfrom=example.net; dkim=pass header.d=example.net",
  "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=bounce@example.net; dkim=pass header.d=example.net header.s=s1; dmarc=pass header.from=example.net",
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.net; s=s1; t=1793613600; h=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA",
  "From: =?utf-8?q?J=C3=B6rg?= <jorg@example.net>",
  "To: =?iso-8859-1?q?Ana=EFs?= <anais@example.org>",
  "Subject: =?utf-8?b?w4RuZGVydW5n?=",
  "Date: Mon, 2 Nov 2026 10:00:00 +0000",
  "Message-ID: <1@example.net>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/alternative; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=utf-8",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Gr=C3=BC=C3=9Fe",
  "--b1",
  "Content-Type: text/html; charset=iso-8859-1",
  "Content-Transfer-Encoding: base64",
  "",
  "PHA+R3L832U8L3A+",
  "--b1--",
  "",
].join("\r\n");
const BOUNCE = [
  "From: MAILER-DAEMON@mx.example.org",
  "To: jorg@example.net",
  "Subject: Undelivered Mail Returned to Sender",
  "MIME-Version: 1.0",
  'Content-Type: multipart/report; report-type=delivery-status; boundary="r1"',
  "",
  "--r1",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "550 5.7.26 Unauthenticated email from example.net is not accepted due to domain's DMARC policy.",
  "--r1",
  "Content-Type: message/delivery-status",
  "",
  "Reporting-MTA: dns; mx.example.org",
  "",
  "Final-Recipient: rfc822; anais@example.org",
  "Action: failed",
  "Status: 5.7.26",
  "Diagnostic-Code: smtp; 550 5.7.26 Unauthenticated email is not accepted",
  "--r1",
  "Content-Type: text/rfc822-headers",
  "",
  "From: jorg@example.net",
  "Subject: test",
  "--r1--",
  "",
].join("\r\n");
const CATALOG = JSON.stringify({ entries: [] });
// Charsets a pasted message or bounce commonly declares (Western, Central and Eastern European, Cyrillic,
// Greek, Turkish, Baltic, Japanese, Chinese, Korean, Thai): their codecs are compiled in too, so reading
// one does not wait for the full zip. Rarer ones come from it.
const MAIL_CHARSETS = [
  "latin-1", "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7",
  "iso-8859-8", "iso-8859-9", "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
  "windows-1250", "windows-1251", "windows-1252", "windows-1253", "windows-1254", "windows-1255",
  "windows-1256", "windows-1257", "windows-1258", "koi8-r", "koi8-u", "utf-16", "utf-16-le", "utf-16-be",
  "utf-32", "utf-7", "ascii", "iso-2022-jp", "shift_jis", "euc-jp", "cp932", "gb2312", "gbk", "gb18030",
  "big5", "euc-kr", "cp949", "tis-620", "cp437", "cp850", "cp866",
];

async function analyseLikeAReader(pyodide) {
  const lookUp = pyodide.runPython("import codecs, json\nlambda names: [codecs.lookup(name).name for name in json.loads(names)]");
  lookUp(JSON.stringify(MAIL_CHARSETS)).destroy();
  lookUp.destroy();
  const browser = pyodide.pyimport(job.entry);
  const runs = [
    ["analyze_headers_json", { text: MESSAGE, doh: NO_RESOLVER }],
    ["analyze_bounce_json", { text: BOUNCE }, CATALOG],
    ["audit_domain_json", { domain: "example.net", selectors: ["s1"], doh: NO_RESOLVER }],
    ["check_ip_json", { address: "192.0.2.10", doh: NO_RESOLVER }],
  ];
  try {
    for (const [name, request, extra] of runs) {
      const entryPoint = browser[name];
      const answer = extra === undefined ? entryPoint(JSON.stringify(request)) : entryPoint(JSON.stringify(request), extra);
      const text = String(await answer);
      entryPoint.destroy();
      if (!text.startsWith("{")) throw new Error(`${name} answered ${text.slice(0, 200)}`);
    }
  } finally {
    browser.destroy();
  }
}

function startRuntime(options) {
  return loadPyodide({ indexURL: `${job.runtime}/`, ...options });
}

// What the page does before and right after "ready": unpack the archives, import the entry and warm up,
// import every bundled module and parse the Public Suffix List. Returns what failed to import.
function unpackAndImport(pyodide) {
  unpackArchives(pyodide, job.archives.map((archive) => ({ bytes: new Uint8Array(fs.readFileSync(archive)) })));
  const { browser, warm } = importChecker(pyodide, job.entry);
  browser.destroy();
  const failed = Object.entries(warm.modules || {}).filter(([, error]) => error).map(([name, error]) => `${name}: ${error}`);
  const deep = deepWarmUp(pyodide, job.modules, job.entry);
  return [...failed, ...(deep ? deep.split(",") : [])];
}

// Compile the standard-library modules this interpreter imported from the full zip; the rest by name.
const COMPILE = `
def _compile_used(core_zip, out):
    import importlib.util, io, json, marshal, sys, zipfile
    prefix = f"/lib/python{sys.version_info[0]}{sys.version_info[1]}.zip/"
    used = set()
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None) or ""
        loader = type(getattr(module, "__loader__", None)).__name__
        if file.startswith(prefix) and file.endswith(".py") and loader != "FrozenImporter":
            used.add(file[len(prefix):])
    core = zipfile.ZipFile(core_zip)
    sources = {name: core.read(name) for name in core.namelist() if name.endswith(".py")}
    missing = sorted(used - set(sources))
    if missing:
        raise RuntimeError(f"imported from the stdlib zip but not in it: {missing}")

    def module_name(file):
        parts = file[:-3].split("/")
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for file in sorted(used):
            source = sources[file]
            code = compile(source, prefix + file, "exec", dont_inherit=True)
            # flags 0b01: checked by hash, never against a source (there is none in this zip).
            header = importlib.util.MAGIC_NUMBER + (1).to_bytes(4, "little") + importlib.util.source_hash(source)
            info = zipfile.ZipInfo(file + "c", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, header + marshal.dumps(code))
    with open(out, "wb") as file:
        file.write(buffer.getvalue())
    rest = sorted({module_name(file) for file in sources} - {module_name(file) for file in used})
    return json.dumps({"compiled": len(used), "rest": rest})
_compile_used
`;

const first = await startRuntime({});
const failedFirst = unpackAndImport(first);
if (failedFirst.length) fail(`bundled modules do not import: ${failedFirst.join("; ")}`);
await analyseLikeAReader(first);
first.FS.writeFile("/tmp/core.zip", new Uint8Array(fs.readFileSync(CORE_ZIP)));
const compile = first.runPython(COMPILE);
let made;
try {
  made = JSON.parse(compile("/tmp/core.zip", "/tmp/stdlib.zip"));
} catch (error) {
  fail(String(error.message || error));
} finally {
  compile.destroy();
}
const zipBytes = first.FS.readFile("/tmp/stdlib.zip");

// The check: the runtime on the new zip alone, the finder refusing to fetch, the same imports.
const checkZip = path.join(path.dirname(job.out), `.${path.basename(job.out)}.check`);
fs.writeFileSync(checkZip, zipBytes);
try {
  const second = await startRuntime({ stdLibURL: checkZip });
  installStdlibRest(second, { url: "about:blank", names: made.rest });
  const failedSecond = unpackAndImport(second);
  await analyseLikeAReader(second);
  const asked = JSON.parse(second.runPython(`
import json, sys
json.dumps([name for finder in sys.meta_path if getattr(finder, "stdlib_rest", False) for name in finder.asked])
`));
  if (asked.length) fail(`imported on the way to a first result but left out of the zip: ${asked.join(", ")}`);
  if (failedSecond.length) fail(`bundled modules do not import on the compiled stdlib: ${failedSecond.join("; ")}`);
} finally {
  fs.rmSync(checkZip, { force: true });
}
fs.writeFileSync(job.out, zipBytes);
console.log(`STDLIB_ZIP ${JSON.stringify({ ...made, bytes: zipBytes.length })}`);
// Timers the failed DNS lookups left (their time-outs) would keep Node waiting for nothing.
process.exit(0);
