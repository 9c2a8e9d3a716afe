"""Compile, inside Pyodide, the Python that the playground imports at start.

Run by ``bytecode.mjs`` (which ``build.py`` runs under Node.js), never by
the CPython of the checkout: bytecode belongs to one Python version, and only
Pyodide's own compiler writes what Pyodide 3.14 reads.

Why: Pyodide's standard library ships as source, and a page cannot keep
bytecode between visits, so every cold load used to compile each module it
imported before it could run it (most of the cold load, measured with
``bench/playground.py``). Here the modules that start-up and ``lesson.py``
import are compiled once, at build time:

- in the standard library's zip, their source is replaced by bytecode
  compiled as ``python -OO`` would (no docstrings, no asserts): source and
  bytecode together, or bytecode with docstrings, would take the site over
  its 16 MB budget. A traceback through these modules shows no source
  lines; the modules nobody imports at start stay source only;
- chainrule's, graphviz's and lesson's go to ``bytecode.zip`` as
  ``__pycache__`` files beside their source, which the worker unpacks after
  the wheels (so a student's traceback through the library shows its lines).

Every file is an *unchecked* hash-based ``.pyc`` (PEP 552): the importer uses
it without comparing it against the source, which is right here because the
site is built as one piece and never edited in place.
"""

import importlib.util
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

LESSON = "/playground/lesson.py"  # where the worker puts the page's Python


def bytecode(source, path, optimize=0):
    """The ``.pyc`` bytes of ``source`` (bytes), compiled as the file at ``path``."""
    code = compile(source, path, "exec", dont_inherit=True, optimize=optimize)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def imported_files():
    """The source file of every module imported so far."""
    files = set()
    for module in list(sys.modules.values()):
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.has_location and spec.origin and spec.origin.endswith(".py"):
            files.add(spec.origin)
    return files


def compile_standard_library(original, rewritten, files):
    """Copy the zip ``original`` to ``rewritten``, with bytecode instead of source for each of ``files``."""
    prefix = next(p for p in sys.path if p.endswith(".zip")) + "/"  # where Pyodide mounts the zip
    count = 0
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(rewritten, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if prefix + info.filename in files:
                target.writestr(info.filename + "c", bytecode(data, prefix + info.filename, optimize=2))
                count += 1
            else:
                target.writestr(info, data)
    return count


def compile_packages(site_packages, files, archive):
    """Write ``__pycache__`` bytecode for each of ``files`` outside the standard library into the zip ``archive``.

    That is every started file under ``site_packages`` (chainrule's and
    graphviz's), and lesson.py. The zip's paths are relative to ``/``, so the
    worker unpacks it there.
    """
    count = 0
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for path in sorted(files):
            if path.startswith(site_packages + "/") or path == LESSON:
                with open(path, "rb") as file:
                    target.writestr(importlib.util.cache_from_source(path).lstrip("/"), bytecode(file.read(), path))
                count += 1
    return count
