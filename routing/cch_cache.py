"""The contraction hierarchy and customised metrics of a network, cached beside its network files.

A network's cache folder (see :func:`routing.network.save_network`) gets a ``cch/`` folder:

* ``cch/order.npy`` -- the nested-dissection order (:mod:`routing.ordering`);
* ``cch/hierarchy/`` -- the hierarchy built from it (:meth:`routing._cch.CCH.to_arrays`): one
  ``.npy`` per array and a ``manifest.json`` with their checksums and the digest of the arcs and
  order they were built from, so a start reads the hierarchy instead of building it (tens of
  seconds at three million nodes);
* ``cch/metrics/<weights digest>/`` -- the two customised vectors of a metric (forward and
  backward, :meth:`routing._cch.CCHMetric.customized`) for weight vectors worth keeping (the
  network's base weights and the truck weights), so a start takes them instead of customising
  (a minute each at three million nodes).  At most :data:`MAX_SAVED_METRICS` are kept.

Everything is written into a temporary folder that is then renamed into place, so a reader sees
a whole entry or none; every file is checked against its manifest when read (size, dtype, shape,
SHA-256), and the binding checks the hierarchy's arrays for consistency before using them.  A
damaged or foreign entry is logged and ignored (then rebuilt and written again).  Nothing here is
unpickled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import numpy as np

from routing import _cch as rk
from routing.network import digest_file

logger = logging.getLogger(__name__)

#: Bump when what is written changes meaning (a reader ignores entries of another version).
CACHE_VERSION = 1
#: Customised metrics kept on disk per network (the least recently written go first).
MAX_SAVED_METRICS = 6


def digest_arrays(*arrays: np.ndarray) -> str:
    """A SHA-256 digest of arrays' dtypes, shapes and bytes (distinct weight vectors must never share one)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape};".encode())
        h.update(a.reshape(-1).view(np.uint8).data)
    return h.hexdigest()


def weights_digest(weights: np.ndarray) -> str:
    """The digest under which a metric of these weights is kept (their values as uint32)."""
    return digest_arrays(np.asarray(weights, dtype=np.uint32))


def _digest_file(path: Path) -> str:
    return digest_file(path, "sha256")  # the fastest of hashlib's here (SHA instructions): 1 GB/s, blake2b 0.5


def _write_entry(target: Path, arrays: dict[str, np.ndarray], meta: dict) -> bool:
    """Write ``arrays`` (``.npy``) and ``manifest.json`` into a temporary folder renamed to ``target``.

    Returns ``False`` when another process wrote ``target`` first (its entry is kept)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}-{os.getpid()}-{time.monotonic_ns()}.tmp"
    tmp.mkdir()
    try:
        files = {}
        for name, arr in arrays.items():
            path = tmp / f"{name}.npy"
            np.save(path, np.ascontiguousarray(arr), allow_pickle=False)
            files[name] = {
                "dtype": arr.dtype.str,
                "shape": list(arr.shape),
                "bytes": path.stat().st_size,
                "sha256": _digest_file(path),
            }
        with (tmp / "manifest.json").open("w", encoding="utf-8") as fh:
            json.dump({**meta, "version": CACHE_VERSION, "arrays": files}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        old = target.parent / f".{target.name}-old-{os.getpid()}-{time.monotonic_ns()}"
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
        return True
    except OSError as err:
        if target.exists():
            return False
        raise err
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_entry(folder: Path, expect: dict) -> dict[str, np.ndarray] | None:
    """The arrays of an entry written by :func:`_write_entry` (read-only memory maps), or ``None`` when
    it is missing, of another version, made for something else (``expect``'s keys differ) or damaged."""
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    try:
        meta = json.loads(manifest.read_text(encoding="utf-8"))
        if meta.get("version") != CACHE_VERSION or any(meta.get(k) != v for k, v in expect.items()):
            logger.info("ignoring %s: made for another network or version", folder)
            return None
        out = {}
        for name, spec in meta["arrays"].items():
            path = folder / f"{name}.npy"
            if path.stat().st_size != spec["bytes"] or _digest_file(path) != spec["sha256"]:
                raise ValueError(f"{path} does not match its checksum")
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
            if arr.dtype.str != spec["dtype"] or list(arr.shape) != spec["shape"]:
                raise ValueError(f"{path} holds {arr.dtype.str} {arr.shape}, not what its manifest says")
            out[name] = arr
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        logger.warning("CCH cache entry %s is damaged (%s); it will be rebuilt", folder, err)
        return None


def load_hierarchy(topology_dir: Path | str, key: str):
    """The hierarchy saved for ``key`` (:func:`digest_arrays` of the arcs and the order), or ``None``."""
    arrays = _read_entry(Path(topology_dir) / "cch" / "hierarchy", {"key": key})
    if arrays is None:
        return None
    try:
        return rk.CCH.from_arrays(arrays)
    except ValueError as err:
        logger.warning("CCH hierarchy cache rejected (%s); rebuilding", err)
        return None


def save_hierarchy(topology_dir: Path | str, cch, key: str) -> None:
    """Keep ``cch`` for :func:`load_hierarchy` (errors are logged: a cache is never required)."""
    try:
        _write_entry(Path(topology_dir) / "cch" / "hierarchy", cch.to_arrays(), {"key": key})
    except OSError as err:
        logger.warning("could not write the CCH hierarchy cache (%s)", err)


class MetricStore:
    """Customised metrics of one hierarchy by weights digest: in memory (read-only maps of the files,
    which processes share through the page cache) and, with a folder, on disk.

    Only the digests in :attr:`kept` are written (:meth:`keep` adds one); any entry found on disk is
    used.
    """

    def __init__(self, topology_dir: Path | str | None, key: str):
        self.folder = Path(topology_dir) / "cch" / "metrics" if topology_dir is not None else None
        self.key = key
        self.kept: set[str] = set()
        self._loaded: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def keep(self, weights: np.ndarray) -> str:
        """Mark these weights' metric worth saving (the next customisation of them writes it)."""
        digest = weights_digest(weights)
        with self._lock:
            self.kept.add(digest)
        return digest

    def get(self, digest: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The customised ``(forward, backward)`` of the metric of ``digest``, or ``None``."""
        with self._lock:
            hit = self._loaded.get(digest)
            if hit is not None or self.folder is None:
                return hit
            arrays = _read_entry(self.folder / digest, {"key": self.key, "weights": digest})
            if arrays is None or set(arrays) != {"forward", "backward"}:
                return None
            pair = (arrays["forward"], arrays["backward"])
            self._loaded[digest] = pair
            return pair

    def put(self, digest: str, metric) -> None:
        """Save ``metric`` (a customised :class:`routing._cch.CCHMetric`) when ``digest`` is kept."""
        with self._lock:
            if digest not in self.kept or digest in self._loaded:
                return
        forward, backward = metric.customized()
        if self.folder is None:
            with self._lock:
                self._loaded[digest] = (forward, backward)
            return
        entry = self.folder / digest
        try:
            _write_entry(entry, {"forward": forward, "backward": backward}, {"key": self.key, "weights": digest})
            self._prune()
            # the files just written, mapped: pages the processes of this network share, not a private copy
            forward, backward = (
                np.load(entry / f"{n}.npy", mmap_mode="r", allow_pickle=False) for n in ("forward", "backward")
            )
        except OSError as err:
            logger.warning("could not write a customised CCH metric to %s (%s)", self.folder, err)
        with self._lock:
            self._loaded[digest] = (forward, backward)

    def _prune(self) -> None:
        assert self.folder is not None
        entries = [p for p in self.folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[MAX_SAVED_METRICS:]:
            shutil.rmtree(old, ignore_errors=True)
