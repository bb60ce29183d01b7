"""Ed25519 signing keys for passes: a key ring on disk and public key sets.

Layout of a key-ring directory (kept outside the database, mode ``0o700``)::

    keyring.json      metadata: active kid; per kid the public key, created_at,
                      retired_at and not_after (mode 0o600)
    <kid>.pem         the PKCS#8 PEM private key of the *active* key (mode 0o600)

``kid`` is the first 11 characters of the RFC 7638 JWK thumbprint of the
public key (66 bits: short in every token header, unique among the handful of
keys a ring ever holds; creation checks for collisions).

Rotation (:meth:`KeyRing.rotate`) creates a new active key and retires the old
one: its private key file is deleted at once (a retired key never signs
again), its public key stays in ``keyring.json`` and in :meth:`KeyRing.jwks`
until ``not_after = retired_at + max_lifetime`` -- the longest a token it signed
can stay valid, because :func:`passes.token.sign_pass` refuses an expiry
beyond ``iat + max_lifetime``.  :meth:`KeyRing.prune` then drops it.

Private keys are never logged, never in a ``repr`` and never leave the ring
except to sign.  Several processes may load one ring; rotate from one place
(the admin CLI), then restart or :meth:`KeyRing.reload` the others.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from geo.errors import DeploymentError, InvalidInputError
from passes.crew import require_aware
from passes.policy import DEFAULT_POLICY

logger = logging.getLogger(__name__)

__all__ = ["KeyStoreError", "KeyInfo", "KeyRing", "PublicKeySet", "kid_for", "b64url", "b64url_decode"]

META_FILE = "keyring.json"
KID_LENGTH = 11


class KeyStoreError(DeploymentError):
    """The key-ring directory is unsafe, unreadable or damaged (a deployment fault, HTTP 500).

    The message names the file for the operator's log; a client is told only :attr:`fix`.
    """

    fix = (
        "the pass signing key ring (BAOTONG_KEYS_DIR) is unsafe, unreadable or damaged: the operator must make "
        "its folder mode 700 and its files mode 600, owned by the service's user, or restore it from a backup; "
        "the server log names the file"
    )
    fix_zh = (
        "通行证签名密钥环（BAOTONG_KEYS_DIR）不安全、无法读取或已损坏：运维人员须将其目录权限设为 700、文件权限设为 600，"
        "属主为服务运行用户，或从备份恢复；服务器日志写明了是哪个文件"
    )


def b64url(data: bytes) -> str:
    """Unpadded base64url (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict unpadded base64url decoding: only ``A-Za-z0-9-_``, canonical trailing bits.

    Raises
    ------
    ValueError
        If ``text`` is not the canonical unpadded base64url of some bytes.
    """
    if len(text) % 4 == 1 or not _B64URL_CHARS.issuperset(text):
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url(data) != text:  # non-zero unused bits: another spelling of the same bytes
        raise ValueError("non-canonical base64url")
    return data


_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def kid_for(public_key: Ed25519PublicKey) -> str:
    """The key id: the first 11 characters of the RFC 7638 JWK thumbprint."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": b64url(_raw_public(public_key))}, separators=(",", ":"), sort_keys=True
    )
    return b64url(hashlib.sha256(canonical.encode("ascii")).digest())[:KID_LENGTH]


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).isoformat()


def _parse_dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


@dataclass(frozen=True)
class KeyInfo:
    """Public facts about one key of a ring."""

    kid: str
    public_key: Ed25519PublicKey = field(repr=False, compare=False)
    created_at: datetime
    retired_at: datetime | None = None
    not_after: datetime | None = None

    @property
    def x(self) -> str:
        return b64url(_raw_public(self.public_key))

    def jwk(self) -> dict:
        return {"kty": "OKP", "crv": "Ed25519", "x": self.x, "kid": self.kid, "use": "sig", "alg": "EdDSA"}


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file created with mode 0o600 (atomic via a temp file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fd = -1
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        tmp.unlink(missing_ok=True)
        raise


def _check_private_mode(path: Path) -> None:
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        raise KeyStoreError(f"key file {path} is not a regular file; refusing to use it")
    if st.st_mode & 0o077:
        raise KeyStoreError(
            f"key file {path} has mode {oct(st.st_mode & 0o777)}; expected 0o600 (run `chmod 600 {path}`)"
        )


class KeyRing:
    """The issuer's signing keys, stored in a directory; one active key signs.

    Build with :meth:`load_or_create`.  ``max_lifetime`` is the longest a
    signed token may stay valid after signing (default: the policy's
    ``max_lead + max_window``, 14 days).
    """

    def __init__(self, path: Path, *, max_lifetime: timedelta):
        self.path = Path(path)
        self.max_lifetime = max_lifetime
        self._keys: dict[str, KeyInfo] = {}
        self._active_kid: str | None = None
        self._signing_key: Ed25519PrivateKey | None = None

    def __repr__(self) -> str:  # never shows key material
        return f"KeyRing(path={str(self.path)!r}, active_kid={self._active_kid!r}, keys={len(self._keys)})"

    # -- loading -------------------------------------------------------------------------
    @classmethod
    def load_or_create(
        cls, path: Path | str, *, max_lifetime: timedelta | None = None, now: datetime | None = None
    ) -> KeyRing:
        """Load the ring in ``path``, creating the directory and a first key if there is none.

        Raises
        ------
        KeyStoreError
            If the directory or a key file is readable by others, or the
            metadata is damaged.
        """
        ring = cls(Path(path), max_lifetime=max_lifetime or DEFAULT_POLICY.max_lifetime)
        ring.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = ring.path.stat()
        if st.st_mode & 0o077:
            if st.st_uid != os.getuid():
                raise KeyStoreError(
                    f"key-ring directory {ring.path} has mode {oct(st.st_mode & 0o777)} and "
                    "another owner; expected 0o700"
                )
            os.chmod(ring.path, 0o700)
            logger.warning("tightened key-ring directory %s to mode 0o700", ring.path)
        if (ring.path / META_FILE).exists():
            ring.reload()
        else:
            ring._add_key(now or datetime.now(UTC))
            ring._save()
            logger.info("created key ring %s with key %s", ring.path, ring._active_kid)
        return ring

    def reload(self) -> None:
        """Re-read the metadata and the active private key from disk.

        Raises
        ------
        KeyStoreError
            If the files are damaged, missing or not owner-only.
        """
        meta_path = self.path / META_FILE
        _check_private_mode(meta_path)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            keys = {}
            for kid, item in meta["keys"].items():
                pub = Ed25519PublicKey.from_public_bytes(b64url_decode(item["x"]))
                if kid_for(pub) != kid:
                    raise ValueError(f"kid {kid} does not match its public key")
                keys[kid] = KeyInfo(
                    kid,
                    pub,
                    datetime.fromisoformat(item["created_at"]),
                    _parse_dt(item.get("retired_at")),
                    _parse_dt(item.get("not_after")),
                )
            active = meta["active"]
            key_path = self.path / f"{active}.pem"
            _check_private_mode(key_path)
            private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        except KeyStoreError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise KeyStoreError(f"key ring {self.path} is damaged: {type(err).__name__}: {err}") from None
        if not isinstance(private, Ed25519PrivateKey) or kid_for(private.public_key()) != active or active not in keys:
            raise KeyStoreError(f"key ring {self.path}: {active}.pem does not hold the active Ed25519 key {active}")
        self._keys, self._active_kid, self._signing_key = keys, active, private
        logger.info("loaded key ring %s: active key %s, %d public keys", self.path, active, len(keys))

    def _add_key(self, now: datetime) -> str:
        while True:
            private = Ed25519PrivateKey.generate()
            kid = kid_for(private.public_key())
            if kid not in self._keys:
                break
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_private(self.path / f"{kid}.pem", pem)
        self._keys[kid] = KeyInfo(kid, private.public_key(), now)
        self._active_kid, self._signing_key = kid, private
        return kid

    def _save(self) -> None:
        meta = {
            "active": self._active_kid,
            "keys": {
                k.kid: {
                    "x": k.x,
                    "created_at": _iso(k.created_at),
                    "retired_at": _iso(k.retired_at),
                    "not_after": _iso(k.not_after),
                }
                for k in self._keys.values()
            },
        }
        _write_private(self.path / META_FILE, json.dumps(meta, indent=1, sort_keys=True).encode("utf-8"))

    # -- use -----------------------------------------------------------------------------
    @property
    def active_kid(self) -> str:
        assert self._active_kid is not None
        return self._active_kid

    @property
    def keys(self) -> list[KeyInfo]:
        """Every key whose public half is kept (active first, then newest retired first)."""
        return sorted(self._keys.values(), key=lambda k: (k.retired_at is not None, -(k.created_at.timestamp())))

    def sign(self, data: bytes) -> bytes:
        """Sign ``data`` with the active key (raw Ed25519 signature)."""
        assert self._signing_key is not None
        return self._signing_key.sign(data)

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """``(kid, private key)`` of the active key, for a JWS library; do not store or log it."""
        assert self._signing_key is not None and self._active_kid is not None
        return self._active_kid, self._signing_key

    def rotate(self, *, now: datetime | None = None) -> str:
        """Make a new active key, retire the old one and delete its private file; returns the new kid."""
        now = require_aware(now, "now") if now is not None else datetime.now(UTC)
        old = self.active_kid
        info = self._keys[old]
        self._keys[old] = KeyInfo(old, info.public_key, info.created_at, now, now + self.max_lifetime)
        new = self._add_key(now)
        self._save()
        (self.path / f"{old}.pem").unlink(missing_ok=True)
        logger.info(
            "rotated key ring %s: %s -> %s; %s verifies until %s",
            self.path,
            old,
            new,
            old,
            _iso(now + self.max_lifetime),
        )
        return new

    def prune(self, now: datetime | None = None) -> list[str]:
        """Drop retired public keys whose ``not_after`` has passed; returns the dropped kids."""
        now = require_aware(now, "now") if now is not None else datetime.now(UTC)
        gone = [k.kid for k in self._keys.values() if k.not_after is not None and k.not_after < now]
        if gone:
            for kid in gone:
                del self._keys[kid]
                (self.path / f"{kid}.pem").unlink(missing_ok=True)
            self._save()
            logger.info("pruned %d retired keys from %s: %s", len(gone), self.path, ", ".join(gone))
        return gone

    def jwks(self) -> dict:
        """The public keys as a JWKS (RFC 7517), active key first."""
        return {"keys": [k.jwk() for k in self.keys]}

    def public_keys(self) -> PublicKeySet:
        """The public keys for in-process verification."""
        return PublicKeySet({k.kid: k.public_key for k in self.keys})


class PublicKeySet:
    """Ed25519 public keys by kid, for offline verification (built from a JWKS)."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]):
        self._keys = dict(keys)

    def __repr__(self) -> str:
        return f"PublicKeySet(kids={sorted(self._keys)!r})"

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def kids(self) -> list[str]:
        return list(self._keys)

    def get(self, kid: str) -> Ed25519PublicKey | None:
        return self._keys.get(kid)

    def verify(self, kid: str, signature: bytes, data: bytes) -> bool:
        """True when ``signature`` over ``data`` verifies with key ``kid`` (False for an unknown kid)."""
        key = self._keys.get(kid)
        if key is None:
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_jwks(cls, jwks: Mapping | str | bytes) -> PublicKeySet:
        """Read the ``OKP``/``Ed25519`` signing keys of a JWKS (a dict or JSON text).

        Keys of another type or curve, or marked ``use`` other than ``sig`` or
        ``alg`` other than ``EdDSA``, are skipped as JOSE libraries do.

        Raises
        ------
        InvalidInputError
            If the JWKS is not an object with a ``keys`` list, an Ed25519 key
            has no ``kid`` or a malformed ``x``, or a kid repeats.
        """
        if isinstance(jwks, str | bytes):
            try:
                jwks = json.loads(jwks)
            except ValueError as err:
                raise InvalidInputError(f"JWKS is not JSON: {err}", zh=f"JWKS 不是有效的 JSON：{err}") from err
        if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
            raise InvalidInputError(
                'JWKS was not an object with a "keys" list; expected {"keys": [...]}',
                zh='JWKS 不是带有 "keys" 列表的对象；应为 {"keys": [...]}',
            )
        keys: dict[str, Ed25519PublicKey] = {}
        for i, jwk in enumerate(jwks["keys"]):
            if not isinstance(jwk, Mapping):
                raise InvalidInputError(
                    f"JWKS keys[{i}] was {jwk!r}; expected an object", zh=f"JWKS keys[{i}] 为 {jwk!r}；应为一个对象"
                )
            if (
                jwk.get("kty") != "OKP"
                or jwk.get("crv") != "Ed25519"
                or jwk.get("use", "sig") != "sig"
                or jwk.get("alg", "EdDSA") != "EdDSA"
            ):
                continue
            kid = jwk.get("kid")
            if not isinstance(kid, str) or not kid:
                raise InvalidInputError(
                    f"JWKS keys[{i}] has kid {kid!r}; expected a non-empty string",
                    zh=f"JWKS keys[{i}] 的 kid 为 {kid!r}；应为非空字符串",
                )
            if kid in keys:
                raise InvalidInputError(f"JWKS kid {kid!r} appears twice", zh=f"JWKS 中 kid {kid!r} 出现了两次")
            try:
                x = jwk.get("x")
                raw = b64url_decode(x) if isinstance(x, str) else b""
                keys[kid] = Ed25519PublicKey.from_public_bytes(raw)
            except ValueError as err:
                raise InvalidInputError(
                    f"JWKS keys[{i}] (kid {kid!r}) has x {jwk.get('x')!r}; expected the "
                    "base64url of a 32-byte Ed25519 public key",
                    zh=f"JWKS keys[{i}]（kid {kid!r}）的 x 为 {jwk.get('x')!r}；应为 32 字节 Ed25519 公钥的 base64url 编码",
                ) from err
        return cls(keys)

    @classmethod
    def of(cls, keys: Iterable[KeyInfo]) -> PublicKeySet:
        return cls({k.kid: k.public_key for k in keys})
