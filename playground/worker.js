// The playground's Python, in a Web Worker so that the page never freezes while it computes.
//
// On start the worker loads Pyodide (CPython compiled to WebAssembly) and viz.js
// (Graphviz compiled to WebAssembly) from this site, unpacks chainrule's own wheel
// and the pure wheels it needs (listed in wheels/manifest.json by `make site`) with
// their bytecode, and imports lesson.py. Nothing is fetched from any other origin.
//
// Messages from the page are {id, kind, request}; each gets one answer {id, ok, result}
// or {id, ok: false, error}. `kind` names a function of lesson.py, called with the
// request as JSON text. Training runs as a loop of short bursts ("play"), each
// followed by a {kind: "snapshot"} message, and yields to the event loop between
// bursts, so "pause" and every other message are answered at once.

import { loadPyodide } from "./pyodide/pyodide.mjs";
import { instance as vizInstance } from "./viz/viz.js";

const BURST_SECONDS = 0.06; // training time between two pictures

const started = performance.now();
const log = (text) => postMessage({ kind: "log", text });

const phases = {}; // seconds since the worker started, when each part of the start was done
const mark = (name) => (phases[name] = (performance.now() - started) / 1000);

async function boot() {
  const site = new URL("./", import.meta.url);
  const fetchBuffer = (name) => fetch(new URL("wheels/" + name, site)).then((r) => r.arrayBuffer());
  // everything is fetched while Pyodide starts; the wheels wait for it only to be unpacked
  const files = fetch(new URL("wheels/manifest.json", site))
    .then((r) => r.json())
    .then((manifest) => Promise.all([manifest.bytecode, ...manifest.wheels.map((w) => w.file)].map(fetchBuffer)));
  const lessonSource = fetch(new URL("lesson.py", site)).then((r) => r.text());
  const [pyodide, viz, [bytecode, ...wheels], lesson] = await Promise.all([
    loadPyodide({ indexURL: new URL("pyodide/", site).href, stdout: log, stderr: log }).then((p) => {
      mark("pyodide");
      return p;
    }),
    vizInstance().then((v) => {
      mark("viz");
      return v;
    }),
    files,
    lessonSource,
  ]);
  globalThis.chainruleGraphviz = viz; // autograd/viz/browser.py draws with it
  wheels.forEach((buffer) => pyodide.unpackArchive(buffer, "wheel"));
  // compiled at build time (playground/bytecode.py), so that importing lesson compiles nothing
  pyodide.unpackArchive(bytecode, "zip", { extractDir: "/" });
  mark("wheels");
  pyodide.FS.mkdirTree("/playground");
  pyodide.FS.writeFile("/playground/lesson.py", lesson);
  pyodide.runPython("import sys; sys.path.insert(0, '/playground'); import lesson");
  mark("lesson");
  return { pyodide, lesson: pyodide.pyimport("lesson") };
}

const ready = boot();
ready.then(
  () => postMessage({ kind: "ready", seconds: (performance.now() - started) / 1000, phases }),
  (error) => postMessage({ kind: "failed", error: String(error) }),
);

let playing = false;

async function play(lesson) {
  while (playing) {
    const snapshot = JSON.parse(lesson.train(JSON.stringify({ seconds: BURST_SECONDS })));
    postMessage({ kind: "snapshot", snapshot });
    if (!snapshot.ok) playing = false;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let messages in
  }
}

const HANDLERS = {
  choices: (py) => JSON.parse(py.lesson.choices()),
  formula: (py, request) => JSON.parse(py.lesson.formula(JSON.stringify(request))),
  steps_page: (py, request) => JSON.parse(py.lesson.steps_page(JSON.stringify(request))),
  dataset: (py, request) => JSON.parse(py.lesson.dataset(JSON.stringify(request))),
  start_training: (py, request) => {
    playing = false;
    return JSON.parse(py.lesson.start_training(JSON.stringify(request)));
  },
  adjust_training: (py, request) => JSON.parse(py.lesson.adjust_training(JSON.stringify(request))),
  step: (py, request) => {
    playing = false;
    return JSON.parse(py.lesson.train(JSON.stringify({ steps: request.steps || 1 })));
  },
  play: (py) => {
    if (!playing) {
      playing = true;
      setTimeout(() => play(py.lesson), 0);
    }
    return true;
  },
  pause: () => {
    playing = false;
    return true;
  },
  model_json: (py) => py.lesson.model_json(),
  // Runs Python and answers with str() of its last expression: for the tests, and the curious.
  python: (py, request) => String(py.pyodide.runPython(request.code)),
};

onmessage = async (event) => {
  const { id, kind, request } = event.data;
  try {
    const py = await ready;
    if (!(kind in HANDLERS)) throw new Error(`unknown request ${kind}`);
    postMessage({ id, ok: true, result: HANDLERS[kind](py, request || {}) });
  } catch (error) {
    postMessage({ id, ok: false, error: String(error && error.message ? error.message : error) });
  }
};
