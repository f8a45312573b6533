"""`make_ordinary` and `write_new_file`: map tools' files written whole or not at all, with ordinary permissions.

mkstemp and mkdtemp create 0600 files and 0700 folders; a map or import moved into place from them must get the
permissions any file the user makes would have (the umask's).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def make_ordinary(path: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)


def write_new_file(out: Path, data: bytes) -> None:
    """`out` written through a temporary file beside it and moved into place: never half a file under its name."""
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        make_ordinary(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
