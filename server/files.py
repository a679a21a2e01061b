"""Every file the application writes under its var folder is readable by its own user only:
directories 0700, files 0600, whatever the process umask. Use these instead of ``write_bytes``,
``open(..., "wb")`` or ``mkdir`` (a test walks server/ for writes that bypass them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) owner-only; an existing directory is made owner-only too."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # made meanwhile by another process
            pass
        folder.chmod(DIR_MODE)
    if path.stat().st_mode & 0o777 != DIR_MODE:
        path.chmod(DIR_MODE)
    return path


def open_private(path: Path, mode: str = "wb", **kw) -> IO:
    """``open`` for writing, the file created (or truncated) with mode 0600 from the start: no
    moment where another user could open it; its folder made owner-only first."""
    if not any(c in mode for c in "wax"):
        raise ValueError("open_private is for writing")
    path = Path(path)
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    flags |= os.O_APPEND if "a" in mode else os.O_EXCL if "x" in mode else os.O_TRUNC
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # a file that existed before keeps its old mode otherwise
        return os.fdopen(fd, mode, **kw)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Write the whole file, owner-only."""
    if isinstance(data, str):
        data = data.encode(encoding)
    with open_private(path, "wb") as fh:
        fh.write(data)
    return Path(path)
