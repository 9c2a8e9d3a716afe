"""What a training loop shows and how it stops: a progress bar, and Ctrl-C as a request.

``progress_bar`` gives a tqdm bar counting steps (a widget in Jupyter when
ipywidgets is installed, text elsewhere), or, where tqdm is not installed (in
a browser under Pyodide, say), ``PlainProgress``: a line of text now and then. ``sigint_stops`` turns the first
Ctrl-C into a request that the loop checks after each step, so training ends
cleanly with the model and its history as they are.
"""

import contextlib
import importlib.util
import signal
import sys
import threading


@contextlib.contextmanager
def progress_bar(show, total):
    """A tqdm bar counting ``total`` steps, or None when ``show`` is false.

    In Jupyter with ipywidgets installed the bar is a widget; without them
    (``tqdm.auto`` would warn) and in a terminal it is text. Without tqdm it
    is a ``PlainProgress``.
    """
    if not show:
        yield None
        return
    if importlib.util.find_spec("tqdm") is None:
        bar = PlainProgress(total)
    else:
        if importlib.util.find_spec("ipywidgets") is not None:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        bar = tqdm(total=total, unit="step", leave=True, dynamic_ncols=True)
    try:
        yield bar
    finally:
        bar.close()


class PlainProgress:
    """The few methods of a tqdm bar that ``fit`` calls, printing plain lines to stderr instead.

    A line is printed when the summary after an epoch arrives and another
    tenth of the steps is done, so a long run prints about ten lines.
    """

    def __init__(self, total, file=None):
        self.total = total
        self.n = 0
        self.file = file if file is not None else sys.stderr
        self.description = ""
        self._tenths_shown = 0

    def update(self, n=1):
        self.n += n

    def set_description(self, text, refresh=True):
        self.description = text

    def set_postfix_str(self, text, refresh=True):
        tenths = self.n * 10 // self.total if self.total else 10
        if tenths > self._tenths_shown or self.n == self.total:
            self._tenths_shown = tenths
            self.write(f"{self.description}: {text} ({self.n}/{self.total} steps)")

    def write(self, text):
        print(text, file=self.file, flush=True)

    def close(self):
        pass


class StopRequest:
    """Set by the first Ctrl-C; the loop reads ``requested`` after every step."""

    requested = False


@contextlib.contextmanager
def sigint_stops():
    """While training, the first Ctrl-C asks the loop to stop after the current step.

    A second Ctrl-C raises ``KeyboardInterrupt`` at once, as usual. Signal
    handlers can only be set in the main thread; elsewhere Ctrl-C raises as
    usual and the loop still catches it.
    """
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def handler(signum, frame):
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    try:
        previous = signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # an embedded interpreter may refuse
        yield stop
        return
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
