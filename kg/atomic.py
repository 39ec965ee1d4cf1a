"""Atomic writes: of one file (a temporary file beside the target, fsync, rename) and of a set
of files (`staged_set`: every file written into a staging directory beside the targets, then
moved in).

An interrupted write (crash, SIGKILL, full disk) leaves the previous file intact, never half of a
new one; an interrupted set leaves the previous set, never `c.ttl` with five articles beside
`c.entities.jsonl` with one.
"""

from __future__ import annotations

import os
import re
import shutil
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
    # the pid in the name tells a later start whether the writer is gone (see `clean_stale`)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
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


STAGE_PREFIX = ".kg-staging."
COMPLETE = ".complete"  # in a staging directory: the set is whole; from here on it is moved in, even after a crash


@contextmanager
def staged_set(out_dir: str | Path) -> Iterator[Path]:
    """A fresh directory beside `out_dir`'s files to write a whole set of files into. When the
    block ends without error, the set is marked complete and each file moved into `out_dir`
    (replacing the file of the same name); when it raises, the staging directory is removed and
    `out_dir` is as it was. A kill before the mark leaves the previous set; a kill during the
    moves (a few renames) is finished by `clean_stale` at the next start. Raises ExportError
    (one line) when `out_dir` cannot be written: a file, read-only, a full disk."""
    from kg.errors import ExportError

    out = Path(out_dir)
    check_out_dir(out)
    clean_stale(out)
    try:
        stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}.", dir=out))
    except OSError as e:
        raise ExportError(f"{out}: cannot write the exports there ({e.strerror or e})") from None
    try:
        yield stage
        names = sorted(p.name for p in stage.iterdir())
        atomic_write(stage / COMPLETE, "".join(f"{n}\n" for n in names).encode("utf-8"))
        _fsync_dir(stage)
    except BaseException as e:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(e, OSError):
            raise ExportError(f"{out}: the exports could not be written ({e.strerror or e}); the previous ones are unchanged") from None
        raise
    _move_in(stage, out)


def check_out_dir(out_dir: str | Path) -> None:
    """Raise ExportError unless `out_dir` is (or can be made) a directory kg can write into:
    checked before a build, so a long parse does not end in a traceback."""
    from kg.errors import ExportError

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise ExportError(f"{out}: exists and is not a directory; give another --out") from None
    except OSError as e:
        raise ExportError(f"{out}: cannot create the output directory ({e.strerror or e})") from None
    if not out.is_dir():
        raise ExportError(f"{out}: not a directory; give another --out")
    if not os.access(out, os.W_OK | os.X_OK):
        raise ExportError(f"{out}: the output directory is not writable; give another --out")


def clean_stale(out_dir: str | Path) -> None:
    """Finish or remove what a killed writer left in `out_dir`: a complete staging directory is
    moved in (its set was whole), an incomplete one removed, a temporary file of a dead process
    removed. Another live kg's files are left alone."""
    out = Path(out_dir)
    try:
        entries = list(out.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(STAGE_PREFIX) and entry.is_dir():
            pid = _pid(entry.name[len(STAGE_PREFIX):].split(".")[0])
            if pid is not None and pid != os.getpid() and _alive(pid):
                continue
            if (entry / COMPLETE).is_file():
                _move_in(entry, out)
            else:
                shutil.rmtree(entry, ignore_errors=True)
        elif entry.name.startswith(".") and entry.name.endswith(".tmp") and entry.is_file():
            m = re.fullmatch(r"\..+\.(\d+)\.[^.]+\.tmp", entry.name)
            pid = _pid(m.group(1)) if m else None
            if pid is not None and (pid == os.getpid() or _alive(pid)):
                continue
            entry.unlink(missing_ok=True)


def _move_in(stage: Path, out: Path) -> None:
    """Move a complete staging directory's files into `out` (idempotent: a file already moved is
    skipped), then remove the staging directory."""
    marker = stage / COMPLETE
    for name in marker.read_text(encoding="utf-8").splitlines():
        if (stage / name).exists():
            os.replace(stage / name, out / name)
    _fsync_dir(out)
    marker.unlink()
    shutil.rmtree(stage, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory
    finally:
        os.close(fd)


def _pid(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
