"""Stand-ins for storage that fails, behind the fsspec URLs the archive is given.

``fulldisk://<folder>`` is the real local disk under ``<folder>`` with a capacity, as a small partition
would be: a write that does not fit stores what fits and returns the short count, and a write with no
room left raises ``OSError(ENOSPC)``, as write(2) does; freeing space (deleting a file) makes room again.
Files are real local files opened by fsspec's own local file class (truncate, fsync and tell are the real
ones), buffered as fsspec's are: with ``buffered=True`` by the usual 8 KiB, so that the error may surface at
a later write or at ``flush()`` with part of the data left in the buffer; else by one byte, so that each
write reaches the disk at once and the error surfaces in the write that hit it.

``flakystore://`` and ``shystore://`` are object stores held in memory, with a byte quota: a write past
the quota stores what fits and raises ``OSError(EDQUOT)``. A ``flakystore`` file can be read while it is
being written; a ``shystore`` file appears only when it is closed, as on S3.
"""

from __future__ import annotations

import errno
import io
import os
from pathlib import Path
from typing import Any, ClassVar

import fsspec
from fsspec.implementations.local import LocalFileOpener, LocalFileSystem
from fsspec.implementations.memory import MemoryFile, MemoryFileSystem


class Disk:
    """A partition of ``capacity`` bytes: what the files under ``root`` take is used, the rest free."""

    def __init__(self, root: Path, capacity: int, *, buffered: bool = False) -> None:
        self.root = root
        self.capacity = capacity
        self.buffered = buffered
        self.full_errors = 0

    def room(self) -> int:
        used = sum(path.stat().st_size for path in self.root.rglob("*") if path.is_file())
        return self.capacity - used

    def fill(self, leave: int) -> Path:
        """Fill the disk with a file, leaving ``leave`` bytes free; delete the file to free the space."""
        filler = self.root / "filler.bin"
        filler.write_bytes(b"\0" * max(0, self.room() - leave))
        return filler


_DISKS: dict[str, Disk] = {}


def full_disk(root: Path, capacity: int, *, buffered: bool = False) -> tuple[Disk, str]:
    """A :class:`Disk` of ``capacity`` bytes at ``root`` and the ``fulldisk://`` URL of the folder."""
    root.mkdir(parents=True, exist_ok=True)
    disk = Disk(root, capacity, buffered=buffered)
    _DISKS[root.as_posix()] = disk
    fsspec.register_implementation("fulldisk", FullDiskFileSystem, clobber=True)
    return disk, f"fulldisk://{root.as_posix()}"


class _FileOnDisk(io.FileIO):
    """A real local file whose writes stop where the :class:`Disk` is full, like write(2)."""

    def __init__(self, path: str, mode: str, disk: Disk) -> None:
        super().__init__(path, mode)
        self.disk = disk

    def write(self, data: Any) -> int:
        room = self.disk.room()
        if room <= 0:
            self.disk.full_errors += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
        return super().write(memoryview(data)[:room])


class _OpenerOnDisk(LocalFileOpener):  # type: ignore[misc]
    """fsspec's local file, opening a :class:`_FileOnDisk` where it would call :func:`open`."""

    def __init__(self, path: str, mode: str, disk: Disk, **kwargs: Any) -> None:
        self.disk = disk
        super().__init__(path, mode, **kwargs)

    def _open(self) -> None:
        if self.f is None or self.f.closed:
            raw = _FileOnDisk(self.path, self.mode.replace("b", ""), self.disk)
            # fsspec's local file is always a buffered one; a 1-byte buffer passes each write straight on.
            self.f = io.BufferedWriter(raw, io.DEFAULT_BUFFER_SIZE if self.disk.buffered else 1)
            if "w" not in self.mode:  # as LocalFileOpener does: an append-mode file says it is at byte 0
                self.size = self.f.seek(0, 2)
                self.f.seek(0)


class FullDiskFileSystem(LocalFileSystem):  # type: ignore[misc]
    """The local file system, with the :class:`Disk` limits on files under a registered folder."""

    protocol = ("fulldisk",)

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, str) and path.startswith("fulldisk://"):
            path = path[len("fulldisk://") :]
        return super()._strip_protocol(path)

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, **kwargs: Any) -> Any:
        path = self._strip_protocol(path)
        disk = next((disk for root, disk in _DISKS.items() if path.startswith(root + "/")), None)
        if disk is None or "r" in mode:
            return super()._open(path, mode, block_size, **kwargs)
        return _OpenerOnDisk(path, mode, disk, fs=self, **kwargs)


class _Upload(MemoryFile):  # type: ignore[misc]
    """A file being written to a :class:`FlakyStore`, refused past the store's quota."""

    def __init__(self, fs: FlakyStore, path: str, *, publish_on_close: bool) -> None:
        super().__init__(fs, path)
        self.publish_on_close = publish_on_close
        self.published = not publish_on_close
        if not publish_on_close:
            self.commit()

    def write(self, data: Any) -> int:
        store = self.fs
        room = store.quota - store.written if store.quota is not None else len(data)
        if room < len(data):
            stored = super().write(bytes(data)[: max(room, 0)])
            store.written += stored
            raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT), self.path)
        store.written += len(data)
        return int(super().write(data))

    def close(self) -> None:
        if not self.published:  # once, as an upload completes once (a later close is a no-op)
            self.published = True
            self.commit()


class FlakyStore(MemoryFileSystem):  # type: ignore[misc]
    """An object store in memory whose files are readable while written, with a byte quota."""

    protocol = "flakystore"
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]
    publish_on_close = False
    #: Bytes the store still takes in all (None: no limit); ``written`` counts what it took.
    quota: int | None = None
    written = 0

    @classmethod
    def _strip_protocol(cls, path: Any) -> Any:
        if isinstance(path, str) and path.startswith(f"{cls.protocol}://"):
            path = path[len(cls.protocol) + 3 :]
        return super()._strip_protocol(path)

    def _open(self, path: str, mode: str = "rb", block_size: Any = None, **kwargs: Any) -> Any:
        path = self._strip_protocol(path)
        if mode != "wb":
            return super()._open(path, mode, block_size, **kwargs)
        return _Upload(self, path, publish_on_close=self.publish_on_close)


class ShyStore(FlakyStore):
    """Like :class:`FlakyStore`, but a file appears only once it is closed (as on S3)."""

    protocol = "shystore"
    store: ClassVar[dict[str, Any]] = {}
    pseudo_dirs: ClassVar[list[str]] = [""]
    publish_on_close = True


def store(cls: type[FlakyStore], quota: int | None) -> str:
    """Empty ``cls``'s store, set its quota, and return a fresh root URL on it."""
    fsspec.register_implementation(cls.protocol, cls, clobber=True)
    cls.store.clear()
    cls.pseudo_dirs[:] = [""]
    cls.quota, cls.written = quota, 0
    return f"{cls.protocol}://bucket/archive"
