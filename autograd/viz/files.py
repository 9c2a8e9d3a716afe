"""Writing a file so that it is never half-written: ``write_atomically``.

Every file chainrule writes (pictures, pages, models, histories) goes through
here. The bytes go to a temporary file beside the destination, which is
renamed over it only once complete, so a reader, a full disk or a Ctrl-C
finds the old file or the new one, never a truncated one. A destination that
is a device or a pipe (``/dev/stdout``, a FIFO) cannot be replaced and is
written directly; a symbolic link is followed, so the file it points to is
replaced and the link stays.

Any ``OSError`` names the file, even where the operating system gives no name
(a full disk reports only "No space left on device").
"""

import os
import secrets
import stat


def write_atomically(path, content):
    """Write ``content`` to ``path``: text (as UTF-8), bytes, or a function ``content(file)``
    that writes to an open binary file."""
    path = os.fspath(path)
    target = os.path.realpath(path)  # the file behind a symbolic link
    try:
        special = not stat.S_ISREG(os.stat(target).st_mode)
    except FileNotFoundError:
        special = False
    try:
        if special:  # a device or a pipe: there is nothing to rename over
            with open(target, "wb") as file:
                _write(file, content)
            return
        temporary = _create_beside(target)
        try:
            with open(temporary, "wb") as file:
                _write(file, content)
            os.replace(temporary, target)
        except BaseException:  # a failure or a Ctrl-C: the destination is as it was
            os.remove(temporary)
            raise
    except OSError as error:
        if error.filename:
            raise
        raise OSError(error.errno, error.strerror, path) from error


def _write(file, content):
    if callable(content):
        content(file)
    else:
        file.write(content.encode("utf-8") if isinstance(content, str) else content)


def _create_beside(target):
    """A new, empty file next to ``target``, with the permissions a new file gets (the umask applies)."""
    directory, name = os.path.split(target)
    while True:
        temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return temporary
