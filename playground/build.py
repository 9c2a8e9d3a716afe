"""Build the playground: the static folder ``site/`` that any file server can serve as it is.

    python playground/build.py [--out site]

(``make site`` runs it.) What goes in:

- the page itself, from ``playground/``: ``index.html``, ``style.css``,
  ``app.js``, ``worker.js`` and ``lesson.py``;
- ``pyodide/``: the interpreter and the standard library, and ``viz/``:
  Graphviz for the browser, both from the npm registry as pinned by
  ``playground/package-lock.json`` (installed with ``npm ci``);
- ``wheels/``: chainrule's own wheel, built from this checkout, and the wheel
  of every requirement that applies in a browser (those whose environment
  markers hold under Pyodide: only ``graphviz``), which must be pure Python.
  ``wheels/manifest.json`` lists them for the worker;
- bytecode for what the page imports at start (``bytecode.mjs`` and
  ``bytecode.py`` say why and how), compiled by the site's own Pyodide under
  Node.js: ``wheels/bytecode.zip``, and the standard library's zip rewritten.

Nothing in the folder names any other origin, so the page makes no request
outside the server it came from.
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PAGE_FILES = ("index.html", "style.css", "app.js", "worker.js", "lesson.py")
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
VIZ_FILES = ("viz.js",)


def browser_environment(pyodide_folder):
    """The values of the environment markers under the Pyodide in ``pyodide_folder``, for packaging."""
    info = json.loads((pyodide_folder / "pyodide-lock.json").read_text(encoding="utf-8"))["info"]
    python = info["python"]  # such as "3.14.2"
    return {
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "implementation_version": python,
        "extra": "",
    }


def requirements_in_browser(wheel, environment):
    """The requirements of ``wheel`` whose markers hold in ``environment``, as ``Requirement``s."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        fields = Parser().parsestr(archive.read(metadata).decode("utf-8"))
    requirements = [Requirement(text) for text in fields.get_all("Requires-Dist") or []]
    return [r for r in requirements if r.marker is None or r.marker.evaluate(environment)]


def run(*command, cwd=None):
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(part) for part in command], check=True, cwd=cwd)


def build(out):
    node_modules = HERE / "node_modules"
    run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", cwd=HERE)
    pyodide_folder = node_modules / "pyodide"
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
        run(*pip, "wheel", "--no-deps", "--wheel-dir", scratch, REPO)
        (own,) = scratch.glob("chainrule-*.whl")
        needed = requirements_in_browser(own, browser_environment(pyodide_folder))
        for requirement in needed:
            # the version this checkout is tested with, so the page runs what the tests ran
            pinned = f"{requirement.name}=={version(requirement.name)}"
            run(*pip, "download", "--no-deps", "--only-binary=:all:", "--dest", scratch, pinned)
        wheels = sorted(scratch.glob("*.whl"))
        impure = [w.name for w in wheels if not w.name.endswith("-none-any.whl")]
        if impure:
            raise SystemExit(f"these wheels are not pure Python, so they cannot run under Pyodide: {impure}")

        if out.exists():
            shutil.rmtree(out)
        for folder in ("pyodide", "viz", "wheels"):
            (out / folder).mkdir(parents=True)
        for name in PAGE_FILES:
            shutil.copy2(HERE / name, out / name)
        for name in PYODIDE_FILES:
            shutil.copy2(pyodide_folder / name, out / "pyodide" / name)
        for name in VIZ_FILES:
            shutil.copy2(node_modules / "@viz-js" / "viz" / "dist" / name, out / "viz" / name)
        for wheel in wheels:
            shutil.copy2(wheel, out / "wheels" / wheel.name)
    shipped = sorted((out / "wheels").glob("*.whl"))
    manifest = {
        "pyodide": _package_version(pyodide_folder),
        "viz": _package_version(node_modules / "@viz-js" / "viz"),
        "wheels": [{"file": w.name, "bytes": w.stat().st_size} for w in shipped],
    }
    (out / "wheels" / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    _ship_no_pyodide_packages(out / "pyodide" / "pyodide-lock.json")
    run("node", HERE / "bytecode.mjs", out)  # writes wheels/bytecode.zip, rewrites python_stdlib.zip
    manifest["bytecode"] = "bytecode.zip"
    (out / "wheels" / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"built {out}: {total / 1e6:.1f} MB in all; wheels: {', '.join(w.name for w in shipped)}")


def _ship_no_pyodide_packages(lockfile):
    """Empty the lockfile's list of Pyodide's own packages: the site ships none of them.

    Pyodide reads the lockfile at start to learn which packages it could
    load; the npm package's lists some 300 that live on Pyodide's servers, not
    here (119 KB that every visitor fetched for nothing). The ``info`` part,
    which Pyodide checks against its own version, stays as it is.
    """
    contents = json.loads(lockfile.read_text(encoding="utf-8"))
    contents["packages"] = {}
    lockfile.write_text(json.dumps(contents), encoding="utf-8")


def _package_version(folder):
    return json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "site", help="the folder to build (default: site/)")
    build(parser.parse_args(argv).out.resolve())


if __name__ == "__main__":
    main()
