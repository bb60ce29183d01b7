"""The pass signing key ring on disk: created once under a file lock, re-read after a rotation.

Worker processes that start together must create one first key, not one each: creation and
rotation take an exclusive ``fcntl`` lock on a file beside the key directory.  A running
process re-reads the ring when its ``keyring.json`` changes on disk, so ``baotong keys rotate``
takes effect in every worker at its next request.
"""

from __future__ import annotations

import fcntl
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from geo.errors import InvalidInputError
from passes.keys import META_FILE, KeyRing, PublicKeySet


@contextmanager
def _ring_lock(keys_dir: Path) -> Iterator[None]:
    keys_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(keys_dir.parent / f".{keys_dir.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def load_or_create(keys_dir: Path, *, max_lifetime: timedelta) -> KeyRing:
    """``KeyRing.load_or_create`` under the ring's file lock.

    Raises
    ------
    KeyStoreError
        If the directory or a key file is unsafe or damaged.
    """
    with _ring_lock(keys_dir):
        return KeyRing.load_or_create(keys_dir, max_lifetime=max_lifetime)


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: the key retired, the new active key, retired keys pruned, the kept public keys."""

    keys_dir: Path
    retired: str
    active: str
    pruned: list[str]
    public_keys: list[str]


def rotate(keys_dir: Path, *, max_lifetime: timedelta) -> Rotation:
    """Make a new signing key (the old one keeps verifying until its passes expire) and prune expired ones.

    Raises
    ------
    KeyStoreError
        If the directory or a key file is unsafe or damaged.
    """
    with _ring_lock(keys_dir):
        ring = KeyRing.load_or_create(keys_dir, max_lifetime=max_lifetime)
        old = ring.active_kid
        new = ring.rotate()
        pruned = ring.prune()
    return Rotation(keys_dir, old, new, pruned, [k.kid for k in ring.keys])


def local_public_keys(keys_dir: Path) -> PublicKeySet:
    """The public halves of the ring in ``keys_dir``, read from its metadata only (no private key).

    Raises
    ------
    InvalidInputError
        If the metadata cannot be read.
    """
    meta_path = Path(keys_dir) / META_FILE
    try:
        meta = json.loads(meta_path.read_text("utf-8"))
        jwks = {
            "keys": [{"kty": "OKP", "crv": "Ed25519", "x": item["x"], "kid": kid} for kid, item in meta["keys"].items()]
        }
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise InvalidInputError(
            f"cannot read the public keys of the key ring {meta_path}: {err}; pass --jwks FILE or URL",
            zh=f"无法读取密钥环 {meta_path} 的公钥：{err}；请传入 --jwks 文件或网址",
        ) from err
    return PublicKeySet.from_jwks(jwks)


class KeyStore:
    """The ring of one process: loaded (or created) on first use, re-read when it changes on disk."""

    def __init__(self, keys_dir: Path, *, max_lifetime: timedelta):
        self.keys_dir = Path(keys_dir)
        self.max_lifetime = max_lifetime
        self._lock = threading.Lock()
        self._ring: KeyRing | None = None
        self._mtime: int | None = None
        self._public: PublicKeySet | None = None

    def _meta_mtime(self) -> int | None:
        try:
            return (self.keys_dir / META_FILE).stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def ring(self) -> KeyRing:
        """The current ring.

        Raises
        ------
        KeyStoreError
            If the directory or a key file is unsafe or damaged.
        """
        with self._lock:
            mtime = self._meta_mtime()
            if self._ring is not None and mtime is not None and self._mtime == mtime:
                return self._ring
            if self._ring is None or mtime is None:
                ring = load_or_create(self.keys_dir, max_lifetime=self.max_lifetime)
            else:
                ring = self._ring
                ring.reload()
            self._ring, self._mtime, self._public = ring, self._meta_mtime(), ring.public_keys()
            return ring

    def public_keys(self) -> PublicKeySet:
        """The public keys that verify passes (every key kept, active first)."""
        self.ring()
        assert self._public is not None
        return self._public

    def jwks(self) -> dict[str, Any]:
        """The public keys as a JWKS (RFC 7517), active key first."""
        return self.ring().jwks()
