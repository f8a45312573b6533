"""`make_ordinary`: ordinary permissions for what was written through a private temporary file or folder.

mkstemp and mkdtemp create 0600 files and 0700 folders; a map or import moved into place from them must get the
permissions any file the user makes would have (the umask's).
"""

from __future__ import annotations

import os
from pathlib import Path


def make_ordinary(path: Path) -> None:
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)
