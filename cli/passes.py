"""``baotong pass verify`` (offline, public keys only) and ``baotong keys rotate``.

Offline verification needs nothing but the published keys::

    curl -s https://baotong.example/.well-known/jwks.json > jwks.json
    baotong pass verify "$TOKEN" --jwks jwks.json --checkpoint 113.2418,35.2156 --plate 豫H·12345

It checks the signature and ``kid``, the validity window at ``--at`` (default now), every crew
test's freshness, the checkpoint against the token's corridor (widened by its simplification
tolerance) and the typed plate; revocation and the whitelist fuse need the online check
(``POST /passes/verify``).  A west longitude is fine: ``--checkpoint -76.55,39.28``.  Exit
status: 0 pass, 1 stop, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys

from cli.common import iso_time, lon_lat, settings_from
from services import passes


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("pass", help="vehicle passes").add_subparsers(dest="pass_command", required=True)
    v = p.add_parser("verify", help="verify a pass token offline with the public keys only (exit 0 pass, 1 stop)")
    v.add_argument("token", help="the token (the QR code's text), or - to read it from stdin")
    v.add_argument("--at", type=iso_time, help="check time, ISO with a time zone (default now)")
    v.add_argument("--checkpoint", type=lon_lat, metavar="LON,LAT", help="where the vehicle is checked")
    v.add_argument("--plate", help="the plate read on the vehicle")
    v.add_argument(
        "--jwks",
        metavar="FILE_OR_URL",
        help="a JWKS file or URL (…/.well-known/jwks.json); default: the local key ring's public keys",
    )
    v.set_defaults(func=verify)

    k = subparsers.add_parser("keys", help="pass signing keys").add_subparsers(dest="keys_command", required=True)
    r = k.add_parser("rotate", help="make a new signing key; the old one keeps verifying until its passes expire")
    r.set_defaults(func=rotate)


def verify(args: argparse.Namespace) -> int:
    token = sys.stdin.read().strip() if args.token == "-" else args.token.strip()
    verdict = passes.verify_pass_offline(
        settings_from(), token, jwks_source=args.jwks, at=args.at, checkpoint=args.checkpoint, plate=args.plate
    )
    print(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
    return 0 if verdict.ok else 1


def rotate(args: argparse.Namespace) -> int:
    done = passes.rotate_keys(settings_from())
    print(
        json.dumps(
            {
                "keys_dir": str(done.keys_dir),
                "retired": done.retired,
                "active": done.active,
                "pruned": done.pruned,
                "public_keys": done.public_keys,
            },
            indent=2,
        )
    )
    return 0
