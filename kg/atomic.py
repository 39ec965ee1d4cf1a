"""Atomic file writes: write to a temporary file beside the target, fsync, then rename.

An interrupted write (crash, SIGKILL, full disk) leaves the previous file intact, never half of a new one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_open(path: str | Path, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write `path` through, streamed: it replaces `path` when the block ends
    without error, and is removed (leaving `path` as it was) when the block raises. Several can be
    open at once, so one pass over a large graph writes several files."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp_path = Path(tmp)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            if durable:
                os.fsync(f.fileno())
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write(path: str | Path, data: bytes | Callable[[BinaryIO], None], durable: bool = True) -> Path:
    """Write bytes (or let `data(file)` write them) to `path` atomically; return `path`.
    `durable=False` skips the fsync, for files whose loss a reader detects and redoes (a cache
    entry): still never half-written by a crash of kg, but not flushed for a crash of the machine.
    The fsync cost more than writing the entry itself, per extracted article."""
    with atomic_open(path, durable) as f:
        if isinstance(data, bytes):
            f.write(data)
        else:
            data(f)
    return Path(path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
