"""CLI: ``baotong pass verify`` (offline, public keys only) and ``baotong keys rotate``.

Offline verification needs nothing but the published keys::

    curl -s https://baotong.example/.well-known/jwks.json > jwks.json
    baotong pass verify "$TOKEN" --jwks jwks.json --checkpoint 113.2418,35.2156 --plate 豫H·12345

It checks the signature and ``kid``, the validity window at ``--at`` (default now), every crew
test's freshness, the checkpoint against the token's corridor (widened by its simplification
tolerance) and the typed plate; revocation and the whitelist fuse need the online check
(``POST /passes/verify``).  Exit status: 0 pass, 1 stop, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path


def _lonlat(text: str) -> list[float]:
    try:
        lon, lat = (float(p) for p in text.split(","))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not LON,LAT (e.g. 1.5218,42.5063)") from err
    return [lon, lat]


def _at(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time such as 2022-04-20T08:00+08:00") from err
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add one, e.g. +08:00 or Z")
    return value


def _settings():
    from api.config import get_settings

    return get_settings()


def _policy(settings):
    from passes.policy import PassPolicy

    return PassPolicy(admin_code=settings.admin_code, test_validity=timedelta(hours=settings.test_validity_h),
                      mobile_test_validity=timedelta(hours=settings.mobile_test_validity_h),
                      max_window=timedelta(days=settings.max_pass_days),
                      max_lead=timedelta(days=settings.max_pass_lead_days))


def load_public_keys(source: str | None, keys_dir: Path):
    """A :class:`PublicKeySet` from a JWKS file, an http(s) URL, or (default) the local ring's public halves.

    Raises
    ------
    InvalidInputError
        If the JWKS cannot be read or parsed.
    """
    from geo.errors import InvalidInputError
    from passes.keys import META_FILE, PublicKeySet

    if source is None:
        meta_path = Path(keys_dir) / META_FILE
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            jwks = {"keys": [{"kty": "OKP", "crv": "Ed25519", "x": item["x"], "kid": kid}
                             for kid, item in meta["keys"].items()]}
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise InvalidInputError(f"cannot read the public keys of the key ring {meta_path}: {err}; "
                                    "pass --jwks FILE or URL") from err
        return PublicKeySet.from_jwks(jwks)
    if source.startswith(("http://", "https://")):
        import httpx

        try:
            response = httpx.get(source, timeout=10)
            response.raise_for_status()
        except httpx.HTTPError as err:
            raise InvalidInputError(f"cannot fetch the JWKS from {source}: {err}") from err
        return PublicKeySet.from_jwks(response.text)
    try:
        text = Path(source).read_text("utf-8")
    except OSError as err:
        raise InvalidInputError(f"`--jwks` was {source!r}; cannot read it: {err}") from err
    return PublicKeySet.from_jwks(text)


def cmd_pass_verify(args) -> int:
    from passes.verify import verify_offline

    settings = _settings()
    token = sys.stdin.read().strip() if args.token == "-" else args.token.strip()
    keys = load_public_keys(args.jwks, settings.keys_dir)
    verdict = verify_offline(token, keys, at=args.at or datetime.now(UTC), checkpoint=args.checkpoint,
                             plate=args.plate, corridor_buffer_m=settings.corridor_buffer_m,
                             policy=_policy(settings))
    print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    return 0 if verdict.ok else 1


def cmd_keys_rotate(args) -> int:
    from passes.keys import KeyRing

    settings = _settings()
    ring = KeyRing.load_or_create(settings.keys_dir, max_lifetime=_policy(settings).max_lifetime)
    old = ring.active_kid
    new = ring.rotate()
    pruned = ring.prune()
    print(json.dumps({"keys_dir": str(settings.keys_dir), "retired": old, "active": new, "pruned": pruned,
                      "public_keys": [k.kid for k in ring.keys]}, indent=2))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("pass", help="vehicle passes").add_subparsers(dest="pass_command", required=True)
    v = p.add_parser("verify", help="verify a pass token offline with the public keys only (exit 0 pass, 1 stop)")
    v.add_argument("token", help="the token (the QR code's text), or - to read it from stdin")
    v.add_argument("--at", type=_at, help="check time, ISO with a time zone (default now)")
    v.add_argument("--checkpoint", type=_lonlat, metavar="LON,LAT", help="where the vehicle is checked")
    v.add_argument("--plate", help="the plate read on the vehicle")
    v.add_argument("--jwks", metavar="FILE_OR_URL",
                   help="a JWKS file or URL (…/.well-known/jwks.json); default: the local key ring's public keys")
    v.set_defaults(func=cmd_pass_verify)

    k = subparsers.add_parser("keys", help="pass signing keys").add_subparsers(dest="keys_command", required=True)
    r = k.add_parser("rotate", help="make a new signing key; the old one keeps verifying until its passes expire")
    r.set_defaults(func=cmd_keys_rotate)
