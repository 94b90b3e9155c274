// Pyodide under Node started the way the analyzer page starts it (snapshot.mjs): on the bundle's compiled
// standard library, with the finder that imports the modules it leaves out from the runtime's full
// python_stdlib.zip, and with the checker unpacked from the bundle's archives (not the wheels).
// The page fetches the full zip on the first import that needs it; here it is written into place first.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const { installStdlibRest, unpackArchives } = await import(
  path.join(REPO, "overrides", "assets", "analyzer", "snapshot.mjs")
);

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
    const restPath = installStdlibRest(pyodide, { url: "about:blank", names: stdlib.rest });
    pyodide.FS.writeFile(restPath, new Uint8Array(fs.readFileSync(path.join(runtimeDir, "python_stdlib.zip"))));
  }
  const archives = manifest.archives.filter((entry) => entry.phase !== "stdlib");
  unpackArchives(
    pyodide,
    archives.map((entry) => ({ bytes: new Uint8Array(fs.readFileSync(path.join(wheelDir, entry.file_name))) })),
  );
  return { pyodide, manifest };
}
