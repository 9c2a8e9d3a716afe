"""Saving and loading models: checked state dicts and JSON files.

A state dict maps each parameter's name to its value, as plain floats. A
saved model is a JSON file that also records the architecture, so it can be
rebuilt without knowing in advance what it was::

    model.save("model.json")
    model = MLP.load("model.json")

JSON, never pickle: a model file is data that anyone can read, and loading
one cannot run code.
"""

import json
import math
import numbers
import os
from typing import Any

from autograd import Value
from autograd.viz.files import write_atomically

from .hints import FilePath

FORMAT = "chainrule.nn"
VERSION = 1


def check_state(state, names):
    """The values of ``state`` in the order of ``names``, once all of it is valid.

    Raises ``TypeError`` for a value that is not a real number (a bool, a
    string, None, a Value ...) and ``ValueError`` for NaN or infinity and for
    names that are missing or unexpected.
    """
    if not hasattr(state, "keys") or not hasattr(state, "__getitem__"):
        raise TypeError(f"a state dict must be a mapping of name -> number, not {type(state).__name__}")
    missing = [name for name in names if name not in state]
    expected = set(names)
    unexpected = [key for key in state.keys() if key not in expected]
    if missing or unexpected:
        problems = []
        if missing:
            problems.append(f"missing {len(missing)} parameter(s): {_some(missing)}")
        if unexpected:
            problems.append(f"unexpected {len(unexpected)} key(s): {_some(unexpected)}")
        hint = ""
        if len(state) != len(names):
            hint = f" (the state has {len(state)} entries, the model {len(names)} parameters:"
            hint += " a different architecture?)"
        raise ValueError("state dict does not fit the model: " + "; ".join(problems) + hint)
    values = []
    for name in names:
        number = state[name]
        if isinstance(number, Value):
            raise TypeError(f"state[{name!r}] is a Value; store its .data, a float")
        if isinstance(number, bool) or not isinstance(number, numbers.Real):
            raise TypeError(f"state[{name!r}] must be a real number, not {type(number).__name__}")
        try:
            number = float(number)
        except OverflowError:
            raise ValueError(f"state[{name!r}] is a number too large for a float") from None
        if not math.isfinite(number):
            raise ValueError(f"state[{name!r}] is {number}; parameters must be finite")
        values.append(number)
    return values


def _some(names, limit=5):
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


# The model classes a file can name, filled in by ``rebuildable``: this module
# needs no import of the models, so the models can import it.
MODEL_CLASSES: dict[str, type] = {}


def rebuildable(cls):
    """Class decorator: ``save_model`` may write ``cls`` and ``load_model`` rebuild it.

    The class needs ``config()``, returning its constructor arguments, and a
    constructor that also takes ``seed=``. A class method
    ``parameter_count(config)`` lets ``load_model`` refuse a file whose config
    declares more parameters than the file holds before building anything, so
    a tiny file cannot make it allocate a huge model.
    """
    MODEL_CLASSES[cls.__name__] = cls
    return cls


def save_model(model: Any, path: FilePath) -> None:
    """Write ``model``'s architecture and weights to ``path`` as JSON."""
    cls = type(model)
    kind = cls.__name__
    if MODEL_CLASSES.get(kind) is not cls:
        known = ", ".join(MODEL_CLASSES)
        raise TypeError(f"save_model() knows how to rebuild {known}, not {kind}; save its state_dict() instead")
    state = model.state_dict()
    for name, number in state.items():
        if not math.isfinite(number):
            raise ValueError(f"cannot save: parameter {name!r} is {number} (did training diverge?)")
    document = {"format": FORMAT, "version": VERSION, "model": kind, "config": model.config(), "parameters": state}
    write_atomically(path, json.dumps(document, indent=1, allow_nan=False) + "\n")  # never a half-written model


def load_model(path: FilePath, expected: type | None = None) -> Any:
    """Rebuild the model saved at ``path``; ``expected`` is the class it must be."""
    where = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        try:
            document = json.load(f)
        except RecursionError:
            raise ValueError(f"{where} is not a valid model file (its JSON is nested too deeply)") from None
        except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError, or an integer of thousands of digits
            raise ValueError(f"{where} is not a valid model file (not JSON: {error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{where} is not a chainrule model file (no "format": {FORMAT!r})')
    if document.get("version") != VERSION:
        raise ValueError(f"{where} has format version {document.get('version')!r}; this code reads version {VERSION}")
    for key, kind in (("model", str), ("config", dict), ("parameters", dict)):
        if not isinstance(document.get(key), kind):
            raise ValueError(f"{where}: {key!r} is missing or is not a {kind.__name__}")
    cls = MODEL_CLASSES.get(document["model"])
    if cls is None:
        raise ValueError(f"{where}: unknown model type {document['model']!r}; known: {', '.join(MODEL_CLASSES)}")
    if expected is not None and not issubclass(cls, expected):
        raise ValueError(f"{where} holds a {cls.__name__}, not a {expected.__name__}")
    config, parameters = document["config"], document["parameters"]
    try:
        declared = cls.parameter_count(config) if hasattr(cls, "parameter_count") else None
        if declared is not None and declared != len(parameters):
            raise ValueError(
                f"it declares {_how_many(declared)} parameters but the file holds {len(parameters):,}; "
                "refused before building it"
            )
        model = cls(**config, seed=0)  # seeded, so loading leaves the global random state alone
    except KeyError as missing:
        raise ValueError(f"{where}: the {cls.__name__} config has no {missing}") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: the {cls.__name__} config is incomplete or wrong: {error}") from None
    try:
        model.load_state_dict(parameters)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _how_many(n):
    return f"{n:,}" if n < 10**15 else f"about 10**{len(str(n)) - 1}"
