"""The playground's targets, measured in headless Chromium: cold load, bytes fetched, live training speed.

    make site && .venv/bin/python bench/playground.py [--runs 3] [--seconds 10]

Serves ``site/`` from 127.0.0.1 (every other host blocked, as in the tests)
and, for each run, opens the page in a fresh browser context (empty cache):

- **cold load**: from the start of navigation until the formula's graph,
  values and gradients are on the page and the sliders answer
  (``body[data-ready=formula]``), as ``performance.now()`` measures it;
- **bytes**: the sum of every response body the page fetched, before any
  compression (the test server sends none);
- **training**: XOR with the default network (hidden layers 4,4, tanh), trained
  live for ``--seconds`` with the picture (decision boundary, loss curve,
  network) redrawn after every burst; steps per second and pictures per second.

Targets (issue 14): cold load under 4 s, under 16 MB fetched, at least 20
steps per second with the picture updating. Timings on a shared 2-core
machine move a lot; the medians of the runs are printed, with the load
average, so a reader can judge.
"""

import argparse
import functools
import http.server
import os
import statistics
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

SITE = Path(__file__).resolve().parents[1] / "site"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
TARGETS = {"load seconds": 4.0, "megabytes": 16.0, "steps per second": 20.0}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def one_run(browser, origin, seconds):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    fetched = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
    page = context.new_page()
    page.on("requestfinished", lambda request: fetched.append(request))
    page.goto(origin + "/index.html")
    page.wait_for_selector("body[data-ready=formula]", timeout=300_000)
    timings = page.evaluate("window.playground.timings")
    load = timings["interactive"] / 1000  # performance.now() counts from the start of navigation
    total = sum(len(request.response().body()) for request in fetched if request.response())

    page.click("#tab-train")
    page.wait_for_function("document.querySelector('#train-status').dataset.steps === '0'")
    pictures = page.evaluate("""() => { window.pictures = 0;
      new MutationObserver(() => window.pictures++).observe(document.querySelector('#train-status'),
        { attributes: true, attributeFilter: ['data-steps'] }); }""")
    page.click("#play")
    started = time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    steps = int(page.locator("#train-status").get_attribute("data-steps"))
    elapsed = time.perf_counter() - started
    pictures = page.evaluate("window.pictures")
    accuracy = float(page.locator("#train-status").get_attribute("data-accuracy"))
    page.click("#play")
    context.close()
    return {
        "load": load,
        "python": timings["python"],
        "phases": timings["phases"],
        "bytes": total,
        "files": len(fetched),
        "steps per second": steps / elapsed,
        "pictures per second": pictures / elapsed,
        "accuracy": accuracy,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to train in each run")
    options = parser.parse_args()
    if not (SITE / "index.html").exists():
        raise SystemExit("site/ is not built: run `make site` first")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=SITE))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_port}"
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for i in range(options.runs):
            run = one_run(browser, origin, options.seconds)
            runs.append(run)
            phases = ", ".join(f"{k} {v:.2f} s" for k, v in run["phases"].items())
            print(f"run {i + 1}: load {run['load']:.2f} s ({phases}), {run['bytes'] / 1e6:.2f} MB in "
                  f"{run['files']} files, {run['steps per second']:.0f} steps/s, "
                  f"{run['pictures per second']:.1f} pictures/s, accuracy {run['accuracy']:.0%}")  # fmt: skip
        browser.close()
    server.shutdown()
    median = {key: statistics.median(run[key] for run in runs) for key in ("load", "bytes", "steps per second")}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"cold load     {median['load']:.2f} s   (target < {TARGETS['load seconds']} s)")
    print(f"fetched       {median['bytes'] / 1e6:.2f} MB (target < {TARGETS['megabytes']} MB)")
    print(f"training XOR  {median['steps per second']:.0f} steps/s (target >= {TARGETS['steps per second']:.0f})")


if __name__ == "__main__":
    main()
