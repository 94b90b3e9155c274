// Pyodide under Node started the way the analyzer page starts it (snapshot.mjs): on the bundle's compiled
// standard library, with the finder that imports the modules it leaves out from the runtime's full
// python_stdlib.zip, and with the checker unpacked from the bundle's archives (not the wheels).
// The page fetches the full zip on the first import that needs it; here it is written into place first.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { installStdlibRest } = await import(path.join(REPO, "overrides", "assets", "analyzer", "snapshot.mjs"));

/** {pyodide, manifest}: Pyodide from runtimeDir with the bundle in wheelDir (browser-bundle.json). */
export async function startFromBundle({ runtimeDir, wheelDir }) {
  const { loadPyodide } = await import(path.join(runtimeDir, "pyodide.mjs"));
  const manifest = JSON.parse(fs.readFileSync(path.join(wheelDir, "browser-bundle.json"), "utf8"));
  const stdlib = manifest.archives.find((archive) => archive.phase === "stdlib");
  const pyodide = await loadPyodide({
    indexURL: `${runtimeDir}/`,
    lockFileContents: JSON.stringify({ info: manifest.pyodide, packages: {} }),
    ...(stdlib ? { stdLibURL: path.join(wheelDir, stdlib.file_name) } : {}),
  });
  if (stdlib) {
    const restPath = pyodide.runPython("import sys; f'/lib/python{sys.version_info[0]}{sys.version_info[1]}-rest.zip'");
    pyodide.FS.writeFile(restPath, new Uint8Array(fs.readFileSync(path.join(runtimeDir, "python_stdlib.zip"))));
    installStdlibRest(pyodide, { url: "about:blank", names: stdlib.rest });
  }
  const extractDir = pyodide.runPython("import site; site.getsitepackages()[0]");
  for (const archive of manifest.archives.filter((entry) => entry.phase !== "stdlib")) {
    pyodide.unpackArchive(new Uint8Array(fs.readFileSync(path.join(wheelDir, archive.file_name))), "gztar", { extractDir });
  }
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
  return { pyodide, manifest };
}
