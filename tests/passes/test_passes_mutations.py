"""Mutation suite in the spirit of the EU DCC test vectors: no altered token may pass, none may raise."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from collections import Counter
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from passes.keys import KeyRing, b64url, b64url_decode
from passes.token import sign_pass
from passes.verify import verify_offline
from tests.passes._helpers import CORRIDOR, T0, claims_for

N_MUTATIONS = 10_000
AT = T0 + timedelta(hours=2)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
ODD = "=+/. \n\t\x00é豫~!%"


def _b64(obj) -> str:
    return b64url(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from passes.crew import CrewMember

    ring = KeyRing.load_or_create(tmp_path_factory.mktemp("mut") / "keys", now=T0 - timedelta(days=3))
    old_kid = ring.active_kid
    ring.rotate(now=T0 - timedelta(days=1))
    crew = [
        CrewMember("张三", "123X", "driver", T0 - timedelta(hours=10)),
        CrewMember("李四", "4567", "loader", T0 - timedelta(hours=5), mobile_role=True),
    ]
    token = sign_pass(claims_for(crew), ring)
    return ring, ring.public_keys(), token, old_kid


def crafted(world) -> list[tuple[str, str]]:
    """Targeted attacks: alg swaps, key confusion, foreign keys, swapped kid, edited claims."""
    ring, keys, token, old_kid = world
    h, p, s = token.split(".")
    header = json.loads(b64url_decode(h))
    payload = json.loads(b64url_decode(p).decode("utf-8"))
    kid = header["kid"]
    raw_pub = keys.get(kid).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    pem_pub = keys.get(kid).public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    out = []
    for alg in ("none", "None", "NONE", "HS256", "HS512", "RS256", "ES256", "PS256", "EdDSA ", "ED25519", ""):
        hh = _b64({"alg": alg, "kid": kid})
        out += [(f"alg={alg!r} keep sig", f"{hh}.{p}.{s}"), (f"alg={alg!r} empty sig", f"{hh}.{p}.")]
    for name, secret in (("raw", raw_pub), ("pem", pem_pub), ("x", b64url(raw_pub).encode()), ("empty", b"")):
        for alg, digest in (("HS256", hashlib.sha256), ("HS512", hashlib.sha512)):
            hh = _b64({"alg": alg, "kid": kid, "typ": "JWT"})
            mac = hmac.new(secret, f"{hh}.{p}".encode(), digest).digest()
            out.append((f"key confusion {alg} {name}", f"{hh}.{p}.{b64url(mac)}"))
    foreign = Ed25519PrivateKey.generate()
    for hdr in (
        {"alg": "EdDSA", "kid": kid},
        {"alg": "EdDSA", "kid": old_kid},
        {"alg": "EdDSA", "kid": kid, "typ": "JWT"},
    ):
        hh = _b64(hdr)
        out.append((f"foreign key as {hdr['kid']}", f"{hh}.{p}.{b64url(foreign.sign(f'{hh}.{p}'.encode()))}"))
    out.append(("swapped kid", f"{_b64({'alg': 'EdDSA', 'kid': old_kid})}.{p}.{s}"))
    out.append(("embedded jwk", f"{_b64({'alg': 'EdDSA', 'kid': kid, 'jwk': {'kty': 'OKP'}})}.{p}.{s}"))
    out.append(("crit b64", f"{_b64({'alg': 'EdDSA', 'kid': kid, 'b64': False, 'crit': ['b64']})}.{p}.{s}"))
    for key, value in (
        ("exp", payload["exp"] + 86400 * 30),
        ("plt", "豫H·54321"),
        ("crew", [["driver", payload["iat"], 0]]),
        ("cor", "_p~iF~ps|U"),
        ("tol", 99999),
        ("pno", "410800000124"),
    ):
        out.append((f"edited {key}", f"{h}.{_b64(dict(payload, **{key: value}))}.{s}"))
    # re-encodings of the same bytes
    for i, part in enumerate((h, p, s)):
        raw = b64url_decode(part)
        for name, text in (
            ("padded", base64.urlsafe_b64encode(raw).decode()),
            ("std alphabet", base64.b64encode(raw).decode().rstrip("=")),
            ("std padded", base64.b64encode(raw).decode()),
        ):
            if text != part:
                parts = [h, p, s]
                parts[i] = text
                out.append((f"{name} part {i}", ".".join(parts)))
    out += [
        ("duplicate sig", f"{h}.{p}.{s}{s}"),
        ("json header", f"{json.dumps(header)}.{p}.{s}"),
        ("two tokens", f"{token}.{token}"),
        ("dots", f"{h}..{p}.{s}"),
        ("lower", token.lower()),
        ("upper", token.upper()),
        ("reversed", token[::-1]),
        ("prefix", "HC1:" + token),
        ("newline", token + "\n"),
        ("space", " " + token),
        ("no sig", f"{h}.{p}"),
        ("only dots", ".."),
    ]
    # last-character bit flips (the unused low bits of base64url): another spelling of the same bytes
    for i, part in enumerate((h, p, s)):
        for c in B64:
            if c != part[-1]:
                parts = [h, p, s]
                parts[i] = part[:-1] + c
                out.append((f"last char {i}", ".".join(parts)))
    return out


def random_mutation(rng: random.Random, token: str) -> tuple[str, str]:
    parts = token.split(".")
    kind = rng.choice(["sub", "sub", "sub", "ins", "del", "trunc", "swap", "dup", "case", "multi"])
    if kind == "trunc":
        n = rng.randrange(0, len(token))
        return kind, token[:n]
    which = rng.randrange(3)
    part = parts[which]
    alphabet = B64 if rng.random() < 0.85 else ODD
    if kind == "sub" and part:
        i = rng.randrange(len(part))
        part = part[:i] + rng.choice(alphabet) + part[i + 1 :]
    elif kind == "ins":
        i = rng.randrange(len(part) + 1)
        part = part[:i] + rng.choice(alphabet) + part[i:]
    elif kind == "del" and part:
        i = rng.randrange(len(part))
        part = part[:i] + part[i + 1 :]
    elif kind == "swap" and len(part) > 1:
        i = rng.randrange(len(part) - 1)
        part = part[:i] + part[i + 1] + part[i] + part[i + 2 :]
    elif kind == "dup" and part:
        i, j = sorted(rng.sample(range(len(part) + 1), 2))
        part = part[:j] + part[i:j] + part[j:]
    elif kind == "case" and part:
        i = rng.randrange(len(part))
        part = part[:i] + part[i].swapcase() + part[i + 1 :]
    elif kind == "multi":
        chars = list(part)
        for _ in range(rng.randint(2, 8)):
            if chars:
                chars[rng.randrange(len(chars))] = rng.choice(B64)
        part = "".join(chars)
    parts[which] = part
    return f"{kind} part {which}", ".".join(parts)


def test_original_passes(world):
    _, keys, token, _ = world
    assert verify_offline(token, keys, at=AT, checkpoint=CORRIDOR[10], plate="豫H12345").verdict == "pass"


def test_crafted_attacks_never_pass(world):
    _, keys, token, _ = world
    cases = crafted(world)
    assert len(cases) >= 200
    for name, mutated in cases:
        assert mutated != token, name
        v = verify_offline(mutated, keys, at=AT, checkpoint=CORRIDOR[10], plate="豫H12345")
        assert v.verdict == "stop", name
        assert v.codes and set(v.codes) <= {"malformed", "bad_signature", "unknown_kid"}, (name, v.codes)


def test_random_mutations_never_pass(world):
    _, keys, token, _ = world
    rng = random.Random(20220420)
    seen: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    done = 0
    start = time.perf_counter()
    while done < N_MUTATIONS:
        kind, mutated = random_mutation(rng, token)
        if mutated == token:
            continue
        done += 1
        seen[kind.split()[0]] += 1
        v = verify_offline(mutated, keys, at=AT, checkpoint=CORRIDOR[10], plate="豫H12345")  # must not raise
        assert v.verdict == "stop", (kind, mutated)
        codes.update(v.codes)
    elapsed = time.perf_counter() - start
    assert set(codes) <= {"malformed", "bad_signature", "unknown_kid"}, codes
    assert codes["bad_signature"] > 1000 and codes["malformed"] > 1000  # both paths are exercised
    assert elapsed < 30, elapsed
