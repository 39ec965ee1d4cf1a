"""Atomic file writes: write to a temporary file beside the target, fsync, then rename.

An interrupted write (crash, SIGKILL, full disk) leaves the previous file intact, never half of a new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, data: bytes | Callable[[Path], None], durable: bool = True) -> Path:
    """Write bytes (or let `data(tmp_path)` write the file) to `path` atomically; return `path`.
    `durable=False` skips the fsync, for files whose loss a reader detects and redoes (a cache
    entry): still never half-written by a crash of kg, but not flushed for a crash of the machine.
    The fsync cost more than writing the entry itself, per extracted article."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp_path = Path(tmp)
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                if durable:
                    os.fsync(f.fileno())
        else:
            os.close(fd)
            data(tmp_path)
            if durable:
                with open(tmp_path, "rb+") as f:
                    os.fsync(f.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
