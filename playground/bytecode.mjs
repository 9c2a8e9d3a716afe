// Compile the playground's start-up Python to bytecode, inside Pyodide under Node.js.
//
//     node playground/bytecode.mjs SITE
//
// build.py runs this on a freshly built site/: it starts the site's own Pyodide,
// unpacks the site's wheels and imports lesson.py as the worker does, then lets
// bytecode.py (read its docstring for why) rewrite SITE/pyodide/python_stdlib.zip
// and write SITE/wheels/bytecode.zip.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Pyodide takes plain byte arrays, not Node's Buffer
const read = (file) => new Uint8Array(fs.readFileSync(file));

const site = path.resolve(process.argv[2] ?? "site");
const here = path.dirname(fileURLToPath(import.meta.url));
const { loadPyodide } = await import(path.join(site, "pyodide", "pyodide.mjs"));
const pyodide = await loadPyodide({ indexURL: path.join(site, "pyodide") + path.sep });

const manifest = JSON.parse(fs.readFileSync(path.join(site, "wheels", "manifest.json"), "utf8"));
for (const wheel of manifest.wheels) {
  pyodide.unpackArchive(read(path.join(site, "wheels", wheel.file)), "wheel");
}
pyodide.FS.mkdirTree("/playground");
pyodide.FS.writeFile("/playground/lesson.py", read(path.join(site, "lesson.py")));
pyodide.FS.mkdirTree("/build");
pyodide.FS.writeFile("/build/bytecode.py", read(path.join(here, "bytecode.py")));
pyodide.FS.writeFile("/build/stdlib.zip", read(path.join(site, "pyodide", "python_stdlib.zip")));

const counts = pyodide.runPython(`
import sys
sys.path.insert(0, "/playground")
import lesson  # what the worker imports: everything it pulls in is compiled below
sys.path.insert(0, "/build")
import bytecode
import autograd

started = bytecode.imported_files()
site_packages = autograd.__file__.rsplit("/autograd/", 1)[0]
(
    bytecode.compile_standard_library("/build/stdlib.zip", "/build/stdlib-compiled.zip", started),
    bytecode.compile_packages(site_packages, started, "/build/bytecode.zip"),
)
`).toJs();
fs.writeFileSync(path.join(site, "pyodide", "python_stdlib.zip"), pyodide.FS.readFile("/build/stdlib-compiled.zip"));
fs.writeFileSync(path.join(site, "wheels", "bytecode.zip"), pyodide.FS.readFile("/build/bytecode.zip"));
console.log(`bytecode: ${counts[0]} standard-library modules, ${counts[1]} of the wheels' and lesson's files`);
