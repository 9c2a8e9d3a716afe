// The playground page: controls, pictures and the link that shares them.
//
// All computing happens in Python, in worker.js (see lesson.py for what each request
// returns); this file only asks and draws. What the page shows is kept in `state`, and
// `state` lives in the address (after the #), so a link reproduces exactly what its
// sender saw: the formula and its values, the points, the network and its settings.

"use strict";

const $ = (selector) => document.querySelector(selector);
const SVG = "http://www.w3.org/2000/svg";
const PLANE = 2; // the plane is [-PLANE, PLANE]², drawn 400 px wide
const CLASS_COLORS = ["#1f77b4", "#ff7f0e"]; // nn.plots' colours: class 0, class 1

const DEFAULTS = {
  tab: "formula",
  formula: "tanh(x*w + b)",
  values: { x: 2.0, w: -3.0, b: 6.88 },
  points: null, // null: the XOR data set
  layers: [4, 4],
  activation: "tanh",
  lr: 0.1,
  momentum: 0.9,
  batchSize: 10,
};

// -- talking to Python -------------------------------------------------------------

const worker = new Worker("./worker.js", { type: "module" });
const waiting = new Map();
let nextId = 1;

function ask(kind, request) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, kind, request });
  });
}

worker.onmessage = (event) => {
  const message = event.data;
  if (message.id) {
    const { resolve, reject } = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) resolve(message.result);
    else reject(new Error(message.error));
  } else if (message.kind === "snapshot") {
    showSnapshot(message.snapshot);
  } else if (message.kind === "ready") {
    timings.python = message.seconds;
    timings.phases = message.phases;
  } else if (message.kind === "failed") {
    setStatus("Python failed to start: " + message.error);
  } else if (message.kind === "log") {
    console.log("[python]", message.text);
  }
};

// -- state and the address -----------------------------------------------------------

const timings = { started: performance.now() };
window.playground = { timings, ask }; // for the tests and the curious

function number(text, fallback) {
  const x = Number(text);
  return text !== null && text !== "" && Number.isFinite(x) ? x : fallback;
}

function readAddress() {
  const p = new URLSearchParams(location.hash.slice(1));
  const state = structuredClone(DEFAULTS);
  if (p.get("tab") === "train") state.tab = "train";
  if (p.has("f")) state.formula = p.get("f");
  if (p.has("v")) {
    state.values = {};
    for (const pair of p.get("v").split(",").filter(Boolean)) {
      const [name, value] = pair.split(":");
      if (name && Number.isFinite(Number(value))) state.values[name] = Number(value);
    }
  }
  if (p.has("pts")) {
    state.points = p.get("pts").split(";").filter(Boolean).map((t) => t.split(",").map(Number))
      .filter((q) => q.length === 3 && q.every(Number.isFinite) && (q[2] === 0 || q[2] === 1));
  }
  if (p.has("layers")) state.layers = parseLayers(p.get("layers")) || DEFAULTS.layers;
  if (p.has("act")) state.activation = p.get("act");
  state.lr = number(p.get("lr"), DEFAULTS.lr);
  state.momentum = number(p.get("m"), DEFAULTS.momentum);
  state.batchSize = Math.max(1, Math.round(number(p.get("bs"), DEFAULTS.batchSize)));
  return state;
}

function writeAddress() {
  const p = new URLSearchParams();
  p.set("tab", state.tab);
  p.set("f", state.formula);
  p.set("v", Object.entries(state.values).map(([k, v]) => `${k}:${v}`).join(","));
  if (state.points) p.set("pts", state.points.map((q) => q.join(",")).join(";"));
  p.set("layers", state.layers.join(","));
  p.set("act", state.activation);
  p.set("lr", String(state.lr));
  p.set("m", String(state.momentum));
  p.set("bs", String(state.batchSize));
  history.replaceState(null, "", "#" + p.toString());
}

function parseLayers(text) {
  const parts = text.split(",").map((t) => t.trim()).filter(Boolean);
  const widths = parts.map(Number);
  return widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 16) && widths.length <= 6 ? widths : null;
}

const state = readAddress();

function setStatus(text) {
  $("#status").textContent = text;
}

// -- tabs ------------------------------------------------------------------------------

function showTab(tab) {
  state.tab = tab;
  for (const name of ["formula", "train"]) {
    $("#" + name).hidden = name !== tab;
    $("#tab-" + name).setAttribute("aria-selected", String(name === tab));
  }
  if (tab === "train" && !training.started) startTraining();
  writeAddress();
}

$("#tab-formula").addEventListener("click", () => showTab("formula"));
$("#tab-train").addEventListener("click", () => showTab("train"));

// -- the formula lesson ------------------------------------------------------------

let formulaBusy = false;
let formulaAgain = false; // a change arrived while Python was busy: ask again when it is done
let lastFormula = null;

async function updateFormula() {
  if (formulaBusy) {
    formulaAgain = true;
    return;
  }
  formulaBusy = true;
  try {
    const answer = await ask("formula", { text: state.formula, values: state.values });
    showFormula(answer);
  } catch (error) {
    $("#formula-error").hidden = false;
    $("#formula-error").textContent = String(error.message || error);
  } finally {
    formulaBusy = false;
  }
  if (formulaAgain) {
    formulaAgain = false;
    updateFormula();
  }
}

function showFormula(answer) {
  const error = $("#formula-error");
  error.hidden = answer.ok;
  error.textContent = answer.ok ? "" : answer.error;
  makeSliders(answer.names);
  if (!answer.ok) return;
  lastFormula = answer;
  $("#graph").innerHTML = answer.svg; // Graphviz's SVG; the parser allows names only, no markup
  const rows = [`<tr class="output" data-name="y" data-value="${answer.output[1]}"><th scope="row">y</th>` +
    `<td class="num">${answer.output[0]}</td><td class="num">1</td></tr>`];
  for (const name of answer.names) {
    const [shown, exact] = answer.grads[name];
    rows.push(`<tr data-name="${name}" data-grad="${exact}"><th scope="row">${name}</th>` +
      `<td class="num">${answer.values[name]}</td><td class="num grad">${shown}</td></tr>`);
  }
  $("#readout tbody").innerHTML = rows.join("");
  $("#readout").dataset.text = answer.text; // what the table shows, for tests
  $("#readout").dataset.values = JSON.stringify(answer.values);
  if (!document.body.dataset.ready) {
    timings.interactive = performance.now();
    document.body.dataset.ready = "formula";
    setStatus("Python is ready.");
  }
}

function makeSliders(names) {
  const box = $("#sliders");
  const have = [...box.querySelectorAll("input[type=range]")].map((input) => input.dataset.name);
  if (have.join(",") === names.join(",")) return;
  box.textContent = "";
  for (const name of names) {
    if (!(name in state.values)) state.values[name] = 1.0;
    const label = document.createElement("label");
    label.textContent = name;
    label.htmlFor = "slider-" + name;
    const slider = Object.assign(document.createElement("input"), {
      type: "range", id: "slider-" + name, step: 0.01,
    });
    slider.dataset.name = name;
    const exact = Object.assign(document.createElement("input"), {
      type: "number", id: "value-" + name, step: "any", title: "type any value",
    });
    exact.setAttribute("aria-label", name);
    const set = (value, from) => {
      const reach = Math.max(5, Math.ceil(Math.abs(value)));
      if (Number(slider.max) < reach) Object.assign(slider, { min: -reach, max: reach });
      if (from !== slider) slider.value = value;
      if (from !== exact) exact.value = String(value);
      state.values[name] = value;
    };
    set(state.values[name], null);
    slider.addEventListener("input", () => {
      set(Number(slider.value), slider);
      writeAddress();
      updateFormula();
    });
    slider.addEventListener("change", () => updateSteps());
    exact.addEventListener("change", () => {
      const value = Number(exact.value);
      if (exact.value === "" || !Number.isFinite(value)) {
        exact.value = String(state.values[name]);
        return;
      }
      set(value, exact);
      writeAddress();
      updateFormula();
      updateSteps();
    });
    box.append(label, slider, exact);
  }
  for (const name of Object.keys(state.values)) if (!names.includes(name)) delete state.values[name];
  writeAddress();
}

let stepsTimer = null;

function updateSteps() {
  clearTimeout(stepsTimer);
  stepsTimer = setTimeout(async () => {
    const request = { text: state.formula, values: { ...state.values } };
    const answer = await ask("steps_page", request);
    const frame = $("#steps");
    const note = document.createElement("p"); // the reason there are no steps, escaped by the DOM
    note.textContent = answer.ok ? "" : "No steps to show: " + answer.error;
    frame.srcdoc = answer.ok ? answer.html : `<body style="font-family: sans-serif">${note.outerHTML}</body>`;
    frame.dataset.steps = answer.ok ? answer.steps : "";
    frame.dataset.text = request.text; // what the page shows, for tests
    frame.dataset.values = JSON.stringify(request.values);
  }, 150);
}

let typingTimer = null;
$("#formula-text").addEventListener("input", (event) => {
  state.formula = event.target.value;
  writeAddress();
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    updateFormula();
    updateSteps();
  }, 250);
});

// -- the training lesson -----------------------------------------------------------

const training = { started: false, playing: false, losses: [], steps: 0, lastSnapshot: null, rate: null };

function settings() {
  return {
    layers: state.layers, activation: state.activation, lr: state.lr,
    momentum: state.momentum, batch_size: state.batchSize, seed: 0,
  };
}

async function startTraining() {
  training.started = true;
  if (!state.points) {
    state.points = (await ask("dataset", { name: "xor", n: 200, seed: 0 })).points;
  }
  drawPoints();
  writeAddress();
  const answer = await ask("start_training", { points: state.points, settings: settings() });
  training.losses = [];
  training.rate = null;
  $("#train-error").hidden = answer.ok;
  $("#train-error").textContent = answer.ok ? "" : answer.error;
  if (answer.ok) showSnapshot(answer);
  else clearPicture();
  if (training.playing && answer.ok) ask("play");
  else setPlaying(false);
  writeAddress();
}

function setPlaying(playing) {
  training.playing = playing;
  $("#play").innerHTML = playing ? "&#10074;&#10074; Pause" : "&#9654; Train";
  $("#play").dataset.playing = String(playing);
}

$("#play").addEventListener("click", async () => {
  if (training.playing) {
    setPlaying(false);
    await ask("pause");
  } else {
    setPlaying(true);
    training.rate = { steps: training.steps, since: performance.now() };
    await ask("play");
  }
});

$("#step").addEventListener("click", async () => {
  setPlaying(false);
  showSnapshot(await ask("step", { steps: 1 }));
});

$("#reset").addEventListener("click", () => startTraining());

for (const button of document.querySelectorAll("[data-dataset]")) {
  button.addEventListener("click", async () => {
    state.points = (await ask("dataset", { name: button.dataset.dataset, n: 200, seed: 0 })).points;
    startTraining();
  });
}

$("#clear-points").addEventListener("click", () => {
  state.points = [];
  setPlaying(false);
  ask("pause");
  drawPoints();
  clearPicture();
  startTraining();
});

$("#plane").addEventListener("pointerdown", (event) => {
  const box = $("#plane").getBoundingClientRect();
  const x = -PLANE + (2 * PLANE * (event.clientX - box.left)) / box.width;
  const y = PLANE - (2 * PLANE * (event.clientY - box.top)) / box.height;
  let c = Number(document.querySelector("input[name=click-class]:checked").value);
  if (event.shiftKey) c = 1 - c;
  state.points = (state.points || []).concat([[round2(x), round2(y), c]]);
  startTraining();
});

function round2(x) {
  return Math.round(x * 100) / 100;
}

$("#layers").addEventListener("change", (event) => {
  const widths = event.target.value.trim() === "" ? [] : parseLayers(event.target.value);
  if (widths === null) {
    $("#train-error").hidden = false;
    $("#train-error").textContent = "hidden layers: up to 6 widths from 1 to 16, separated by commas, such as 4,4";
    return;
  }
  state.layers = widths;
  startTraining();
});
$("#activation").addEventListener("change", (event) => {
  state.activation = event.target.value;
  startTraining();
});
for (const [selector, key, low, high] of [["#lr", "lr", 1e-6, 10], ["#momentum", "momentum", 0, 0.999],
  ["#batch-size", "batchSize", 1, 1000]]) {
  $(selector).addEventListener("change", (event) => {
    const value = Number(event.target.value);
    if (!Number.isFinite(value) || value < low || value > high) {
      event.target.value = state[key];
      return;
    }
    state[key] = key === "batchSize" ? Math.round(value) : value;
    writeAddress();
    // The run goes on with the new setting, weights kept: turn the learning rate down mid-training.
    ask("adjust_training", { settings: settings() }).then((answer) => {
      if (!answer.ok) startTraining();
    });
  });
}

// -- drawing the training ------------------------------------------------------------

function toPixel(x, y) {
  return [((x + PLANE) / (2 * PLANE)) * 400, ((PLANE - y) / (2 * PLANE)) * 400];
}

function drawPoints() {
  const group = $("#plane-points");
  group.textContent = "";
  for (const [x, y, c] of state.points || []) {
    const [px, py] = toPixel(x, y);
    const dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", px.toFixed(1));
    dot.setAttribute("cy", py.toFixed(1));
    dot.setAttribute("r", "4");
    dot.setAttribute("fill", CLASS_COLORS[c]);
    dot.setAttribute("stroke", "#111");
    dot.setAttribute("stroke-width", "0.8");
    dot.setAttribute("class", "point c" + c);
    group.append(dot);
  }
  const axes = $("#plane-axes");
  if (!axes.childNodes.length) {
    axes.innerHTML = '<line x1="200" y1="0" x2="200" y2="400" stroke="#00000030"/>' +
      '<line x1="0" y1="200" x2="400" y2="200" stroke="#00000030"/>';
  }
}

function clearPicture() {
  $("#plane-grid").textContent = "";
  $("#loss").textContent = "";
  $("#network").textContent = "";
  $("#train-status").textContent = "No network yet.";
}

// A score (a logit) as a colour: class 1's colour above 0, class 0's below, paler near 0.
function scoreColor(score) {
  const t = Math.tanh(score);
  const [r, g, b] = hex(t > 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]);
  const a = 0.15 + 0.55 * Math.abs(t);
  const mix = (c) => Math.round(255 + (c - 255) * a);
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`;
}

function hex(color) {
  return [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
}

function showSnapshot(snapshot) {
  if (!snapshot.ok) {
    setPlaying(false);
    $("#train-error").hidden = false;
    $("#train-error").textContent = snapshot.error;
    return;
  }
  training.lastSnapshot = snapshot;
  training.steps = snapshot.steps;
  training.losses.push(...snapshot.losses);
  drawGrid(snapshot);
  drawLoss();
  drawNetwork(snapshot);
  const loss = training.losses.length ? training.losses[training.losses.length - 1] : null;
  let rate = "";
  if (training.playing && training.rate) {
    const seconds = (performance.now() - training.rate.since) / 1000;
    if (seconds > 0.5) rate = `, ${((snapshot.steps - training.rate.steps) / seconds).toFixed(0)} steps/s`;
  }
  const status = $("#train-status");
  status.dataset.steps = snapshot.steps;
  status.dataset.accuracy = snapshot.accuracy;
  status.dataset.loss = loss === null ? "" : loss;
  status.textContent = `step ${snapshot.steps}` + (loss === null ? "" : `, loss ${loss.toFixed(4)}`) +
    `, accuracy ${(100 * snapshot.accuracy).toFixed(1)}% on ${state.points.length} points${rate}`;
}

function drawGrid(snapshot) {
  const n = snapshot.resolution;
  const group = $("#plane-grid");
  if (group.childNodes.length !== n * n) {
    group.textContent = "";
    const size = 400 / n;
    for (let k = 0; k < n * n; k++) {
      const cell = document.createElementNS(SVG, "rect");
      cell.setAttribute("x", ((k % n) * size).toFixed(2));
      cell.setAttribute("y", (Math.floor(k / n) * size).toFixed(2));
      cell.setAttribute("width", (size + 0.3).toFixed(2)); // overlap a little: no hairlines between cells
      cell.setAttribute("height", (size + 0.3).toFixed(2));
      group.append(cell);
    }
  }
  const cells = group.childNodes;
  snapshot.grid.forEach((score, k) => cells[k].setAttribute("fill", scoreColor(score)));
}

function drawLoss() {
  const svg = $("#loss");
  const losses = training.losses;
  if (!losses.length) {
    svg.textContent = "";
    return;
  }
  const stride = Math.max(1, Math.ceil(losses.length / 300)); // at most 300 points: means of `stride` steps
  const ys = [];
  for (let i = 0; i < losses.length; i += stride) {
    const part = losses.slice(i, i + stride);
    ys.push(part.reduce((a, b) => a + b, 0) / part.length);
  }
  const top = Math.max(...ys, 1e-9);
  const w = 300, h = 125, left = 10, base = 135;
  const points = ys.map((y, i) => `${(left + (w * i) / Math.max(1, ys.length - 1)).toFixed(1)},` +
    `${(base - (h * Math.min(y, top)) / top).toFixed(1)}`);
  svg.innerHTML = `<line x1="${left}" y1="${base}" x2="${left + w}" y2="${base}" stroke="#9ca3af"/>` +
    `<text x="${left + 2}" y="12" font-size="11" fill="#6b7280">${top.toFixed(3)}</text>` +
    `<text x="${left + w}" y="148" font-size="11" fill="#6b7280" text-anchor="end">${losses.length} steps</text>` +
    `<polyline fill="none" stroke="#4f46e5" stroke-width="1.6" points="${points.join(" ")}"/>`;
}

function drawNetwork(snapshot) {
  const sizes = [2, ...snapshot.layers.map((layer) => layer.length)];
  const w = 320, h = 220, pad = 24;
  const xs = sizes.map((_, i) => pad + ((w - 2 * pad) * i) / (sizes.length - 1));
  const ys = sizes.map((n) => Array.from({ length: n }, (_, j) => (h * (j + 1)) / (n + 1)));
  const largest = Math.max(1e-9, ...snapshot.layers.flat().flatMap(([weights]) => weights.map(Math.abs)));
  const parts = [];
  snapshot.layers.forEach((layer, i) => {
    layer.forEach(([weights], j) => {
      weights.forEach((weight, k) => {
        const width = 0.4 + (3.6 * Math.abs(weight)) / largest;
        const color = weight >= 0 ? CLASS_COLORS[0] : CLASS_COLORS[1];
        parts.push(`<line x1="${xs[i]}" y1="${ys[i][k].toFixed(1)}" x2="${xs[i + 1]}" y2="${ys[i + 1][j].toFixed(1)}" ` +
          `stroke="${color}" stroke-width="${width.toFixed(2)}" stroke-opacity="0.8"><title>w = ${weight.toFixed(3)}</title></line>`);
      });
    });
  });
  sizes.forEach((n, i) => {
    for (let j = 0; j < n; j++) {
      const label = i === 0 ? `x${j + 1}` : i === sizes.length - 1 ? "out" : "";
      parts.push(`<circle cx="${xs[i]}" cy="${ys[i][j].toFixed(1)}" r="9" fill="#fff" stroke="#374151" stroke-width="1.4"/>`);
      if (label) {
        parts.push(`<text x="${xs[i]}" y="${(ys[i][j] + 4).toFixed(1)}" font-size="9" text-anchor="middle">${label}</text>`);
      }
    }
  });
  $("#network").innerHTML = parts.join("");
}

// -- exports ---------------------------------------------------------------------------

function download(name, text, type) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

function trainingSvg() {
  const parts = [["plane", 0, 0], ["loss", 420, 0], ["network", 420, 170]].map(([id, x, y]) => {
    const svg = $("#" + id).cloneNode(true);
    svg.removeAttribute("id");
    svg.setAttribute("x", x);
    svg.setAttribute("y", y);
    return svg.outerHTML;
  });
  return `<svg xmlns="${SVG}" width="760" height="400" viewBox="0 0 760 400">` +
    `<rect width="760" height="400" fill="#fff"/>${parts.join("")}</svg>`;
}

$("#export-svg").addEventListener("click", () => {
  if (state.tab === "formula" && lastFormula) {
    download("graph.svg", lastFormula.svg, "image/svg+xml");
  } else if (state.tab === "train" && training.lastSnapshot) {
    download("training.svg", trainingSvg(), "image/svg+xml");
  }
});

$("#export-model").addEventListener("click", async () => {
  const text = await ask("model_json");
  if (text) download("model.json", text, "application/json");
});

$("#share").addEventListener("click", async () => {
  writeAddress();
  try {
    await navigator.clipboard.writeText(location.href);
    setStatus("Link copied: it opens exactly this.");
  } catch {
    setStatus("Copy the address bar: it holds everything on this page.");
  }
});

// -- start -------------------------------------------------------------------------------

async function start() {
  $("#formula-text").value = state.formula;
  $("#layers").value = state.layers.join(",");
  $("#lr").value = state.lr;
  $("#momentum").value = state.momentum;
  $("#batch-size").value = state.batchSize;
  const choices = await ask("choices");
  $("#function-list").textContent = choices.functions.join(" ");
  for (const name of choices.activations) {
    $("#activation").append(new Option(name, name, false, name === state.activation));
  }
  if (!choices.activations.includes(state.activation)) state.activation = choices.activations[0];
  updateFormula();
  updateSteps();
  showTab(state.tab);
}

start();
