"""The signed pass token: a JWS (RFC 7515) in compact serialization, EdDSA/Ed25519 (RFC 8037).

Why JWS compact and not CBOR/COSE (the EU Digital COVID Certificate's choice)
--------------------------------------------------------------------------
* It is a standard that every JOSE library reads (PyJWT signs it here; jose /
  nimbus / jose4j on a phone or in a mini-program), so any checkpoint app can verify a
  pass offline against ``/.well-known/jwks.json`` with no Baotong code.
* It is plain text in the URL- and filename-safe base64url alphabet: no
  padding, no escaping, safe to type, print, put in a URL or a QR code.  In a
  QR code it is stored in byte mode (8 bits a character; QR's alphanumeric mode
  has no lower case, which is why the EU certificate uses Base45 over
  compressed CBOR).
* CBOR/COSE + zlib + Base45 would be roughly 30 % smaller in modules, but needs
  less common tooling on the verifying side; with a simplified corridor our
  tokens stay well inside what a QR code printed 8 cm wide scans reliably
  (see :mod:`passes.qr`).

Header ``{"alg":"EdDSA","kid":...}``; claims (all short names to keep the QR small):

====  =====================================================================
pno   pass number, 12 digits (issuer admin code + serial)
plt   plate, canonical (``豫H·12345``)
ent   enterprise id
org   origin ``[lon, lat]`` rounded to 5 decimals (~1 m)
dst   destination ``[lon, lat]``
cor   corridor: Google encoded polyline (precision 5, Douglas-Peucker simplified)
tol   the simplification tolerance in metres (checks widen the buffer by it)
rid   the stored route id
chs   SHA-256 of the full corridor (truncated to 96 bits, base64url)
nbf   valid from, ``exp`` valid until, ``iat`` issued at (epoch seconds)
crew  ``[[role, tested_at epoch, mobile 0/1], ...]`` -- no names, no ID digits
====  =====================================================================

Decoding is strict: exactly three canonical unpadded base64url parts (another
spelling of the same bytes is refused, so a token has one valid form), a
header with only ``alg``/``kid`` (and ``typ: JWT``), ``alg`` exactly ``EdDSA``,
a known ``kid`` whose key alone is tried, and the Ed25519 signature (64 bytes)
over the ASCII signing input ``header.payload`` (RFC 7515, 5.2), checked with
``cryptography`` once the header has passed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property

from jwt.api_jws import PyJWS

from geo.errors import BaotongError, InvalidInputError
from geo.i18n import format_duration, zh_time
from geo.projection import check_lon_lat
from passes.corridor import check_corridor, corridor_hash, simplify_corridor
from passes.crew import CrewMember, require_aware
from passes.issue import parse_pass_number
from passes.keys import KeyRing, PublicKeySet, b64url_decode
from passes.plates import normalise_plate
from passes.polyline import decode_lonlat, encode_lonlat
from passes.reasons import reason

__all__ = [
    "MAX_TOKEN_CHARS",
    "MAX_CREW",
    "CrewClaim",
    "PassClaims",
    "make_claims",
    "sign_pass",
    "read_pass",
    "decode_pass",
    "PassTokenError",
    "MalformedPass",
    "UnknownKid",
    "BadSignature",
    "PassExpired",
    "PassNotYetValid",
]

#: Longer inputs are refused before any parsing.
MAX_TOKEN_CHARS = 4096
MAX_CREW = 9
_ALLOWED_HEADER = {"alg", "kid", "typ"}
_JWS = PyJWS(options={"verify_signature": True})


# -- errors ----------------------------------------------------------------------------------
class PassTokenError(BaotongError):
    """A pass token does not verify; ``code`` is the reason code, ``reasons`` one bilingual reason.

    A verification failure, not a refused issuance (:class:`~geo.errors.PassRejected`): a checkpoint
    answers it with a ``stop`` verdict; only a caller that decodes a token itself sees it (HTTP 422).
    """

    status = 422
    code = "malformed"
    reasons: list[str]

    def __init__(
        self,
        detail: str | None = None,
        *,
        en: str | None = None,
        zh: str | None = None,
        values: Mapping[str, object] | None = None,
    ):
        self.detail = detail
        self.reasons = [reason(self.code, detail, en=en, zh=zh, values=values)]
        super().__init__(self.reasons[0])


class MalformedPass(PassTokenError):
    code = "malformed"


class UnknownKid(PassTokenError):
    code = "unknown_kid"


class BadSignature(PassTokenError):
    code = "bad_signature"


class PassExpired(PassTokenError):
    code = "expired"


class PassNotYetValid(PassTokenError):
    code = "not_yet_valid"


# -- claims ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CrewClaim:
    """What the token says of one crew member: role, test time, mobile flag."""

    role: str
    tested_at: datetime
    mobile_role: bool


@dataclass(frozen=True)
class PassClaims:
    """The claims of a pass token (see the module docstring for the wire names)."""

    pass_no: str
    plate: str
    enterprise_id: str
    origin: tuple[float, float]
    destination: tuple[float, float]
    corridor_polyline: str
    tolerance_m: float
    route_id: str
    corridor_hash: str
    not_before: datetime
    expires: datetime
    issued_at: datetime
    crew: tuple[CrewClaim, ...]
    kid: str | None = None

    @cached_property
    def corridor(self) -> list[list[float]]:
        """The simplified corridor ``[[lon, lat], ...]`` decoded from the polyline (do not mutate)."""
        return decode_lonlat(self.corridor_polyline)

    def to_payload(self) -> dict:
        return {
            "pno": self.pass_no,
            "plt": self.plate,
            "ent": self.enterprise_id,
            "org": list(self.origin),
            "dst": list(self.destination),
            "cor": self.corridor_polyline,
            "tol": int(self.tolerance_m) if float(self.tolerance_m).is_integer() else self.tolerance_m,
            "rid": self.route_id,
            "chs": self.corridor_hash,
            "nbf": _epoch(self.not_before),
            "exp": _epoch(self.expires),
            "iat": _epoch(self.issued_at),
            "crew": [[c.role, _epoch(c.tested_at), int(c.mobile_role)] for c in self.crew],
        }

    @classmethod
    def from_payload(cls, payload: object, *, kid: str | None = None) -> PassClaims:
        """Parse decoded claims; raises :class:`MalformedPass` naming the first bad claim."""
        if not isinstance(payload, dict):
            raise MalformedPass("payload is not a JSON object")
        try:
            crew = payload["crew"]
            if not isinstance(crew, list) or not 1 <= len(crew) <= MAX_CREW:
                raise ValueError("crew")
            crew_claims = []
            for item in crew:
                if not (
                    isinstance(item, list)
                    and len(item) == 3
                    and isinstance(item[0], str)
                    and 0 < len(item[0]) <= 64
                    and type(item[2]) is int
                    and item[2] in (0, 1)
                ):
                    raise ValueError("crew")
                crew_claims.append(CrewClaim(item[0], _from_epoch(item[1], "crew"), bool(item[2])))
            tol = payload["tol"]
            if isinstance(tol, bool) or not isinstance(tol, int | float) or not (math.isfinite(tol) and tol >= 0):
                raise ValueError("tol")
            claims = cls(
                pass_no=_pass_no(payload["pno"]),
                plate=_claim_plate(payload["plt"]),
                enterprise_id=_short_str(payload["ent"], "ent"),
                origin=_point(payload["org"], "org"),
                destination=_point(payload["dst"], "dst"),
                corridor_polyline=_short_str(payload["cor"], "cor", 3000),
                tolerance_m=float(tol),
                route_id=_short_str(payload["rid"], "rid"),
                corridor_hash=_short_str(payload["chs"], "chs"),
                not_before=_from_epoch(payload["nbf"], "nbf"),
                expires=_from_epoch(payload["exp"], "exp"),
                issued_at=_from_epoch(payload["iat"], "iat"),
                crew=tuple(crew_claims),
                kid=kid,
            )
            if len(claims.corridor) < 2:
                raise ValueError("cor")
        except KeyError as err:
            raise MalformedPass(f"claim {err.args[0]!r} is missing") from None
        except (ValueError, TypeError, InvalidInputError) as err:
            name = err.args[0] if isinstance(err, ValueError) and err.args and len(str(err.args[0])) <= 4 else None
            raise MalformedPass(f"claim {name!r} is invalid" if name else "a claim is invalid") from None
        return claims


def _epoch(dt: datetime) -> int:
    return int(math.floor(dt.timestamp()))


def _from_epoch(value: object, name: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**33:
        raise ValueError(name)
    return datetime.fromtimestamp(value, UTC)


def _short_str(value: object, name: str, limit: int = 64) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise ValueError(name)
    return value


def _pass_no(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("pno")
    parse_pass_number(value)
    return value


def _claim_plate(value: object) -> str:
    if not isinstance(value, str) or normalise_plate(value) != value:
        raise ValueError("plt")
    return value


def _point(value: object, name: str) -> tuple[float, float]:
    if not (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        raise ValueError(name)
    return check_lon_lat(value[0], value[1], field_name=name)


def make_claims(
    *,
    pass_no: str,
    plate: str,
    enterprise_id: str,
    route_id: str,
    corridor: Sequence[Sequence[float]],
    crew: Sequence[CrewMember],
    valid_from: datetime,
    valid_until: datetime,
    issued_at: datetime | None = None,
    origin: Sequence[float] | None = None,
    destination: Sequence[float] | None = None,
    tolerance_m: float | None = None,
) -> PassClaims:
    """Build the claims of a pass from the stored objects.

    ``corridor`` is the full route geometry ``[[lon, lat], ...]`` (e.g.
    ``RoutePlan.coordinates``); it is hashed as is and simplified for the
    token (see :func:`passes.corridor.simplify_corridor`).  ``origin`` and
    ``destination`` default to the corridor's ends.

    Raises
    ------
    InvalidInputError
        If a value is invalid (pass number, plate, corridor, crew, times).
    """
    full = check_corridor(corridor)
    simple, tol = simplify_corridor(full, tolerance_m=tolerance_m)
    if not crew or len(crew) > MAX_CREW:
        raise InvalidInputError(
            f"`crew` has {len(crew)} members; expected 1..{MAX_CREW}",
            zh=f"`crew` 有 {len(crew)} 人；应为 1..{MAX_CREW} 人",
        )
    for member in crew:
        if not isinstance(member, CrewMember):
            raise InvalidInputError(
                f"`crew` holds {member!r}; expected CrewMember objects",
                zh=f"`crew` 中有 {member!r}；应为 CrewMember 对象",
            )
    valid_from, valid_until = require_aware(valid_from, "valid_from"), require_aware(valid_until, "valid_until")
    if valid_until <= valid_from:
        raise InvalidInputError(
            f"`valid_until` was {valid_until.isoformat()}; expected after valid_from {valid_from.isoformat()}",
            zh=f"`valid_until` 为 {zh_time(valid_until)}；应晚于 valid_from {zh_time(valid_from)}",
        )
    issued_at = require_aware(issued_at, "issued_at") if issued_at is not None else datetime.now(UTC)
    ends = []
    for name, value, default in (("origin", origin, full[0]), ("destination", destination, full[-1])):
        value = default if value is None else value
        if not isinstance(value, Sequence) or len(value) != 2:
            raise InvalidInputError(
                f"`{name}` was {value!r}; expected [lon, lat]", zh=f"`{name}` 为 {value!r}；应为 [经度, 纬度]"
            )
        lon, lat = check_lon_lat(value[0], value[1], field_name=name)
        ends.append((round(lon, 5), round(lat, 5)))
    parse_pass_number(pass_no)
    for name, ident in (("enterprise_id", enterprise_id), ("route_id", route_id)):
        if not isinstance(ident, str) or not 0 < len(ident) <= 64:
            raise InvalidInputError(
                f"`{name}` was {ident!r}; expected a string of 1..64 characters",
                zh=f"`{name}` 为 {ident!r}；应为 1..64 个字符的字符串",
            )
    return PassClaims(
        pass_no=pass_no,
        plate=normalise_plate(plate),
        enterprise_id=enterprise_id,
        origin=ends[0],
        destination=ends[1],
        corridor_polyline=encode_lonlat(simple),
        tolerance_m=tol,
        route_id=route_id,
        corridor_hash=corridor_hash(full),
        not_before=valid_from,
        expires=valid_until,
        issued_at=issued_at,
        crew=tuple(CrewClaim(m.role, m.tested_at, m.mobile_role) for m in crew),
    )


# -- signing and decoding --------------------------------------------------------------------
def sign_pass(claims: PassClaims, keyring: KeyRing) -> str:
    """Sign ``claims`` with the ring's active key; returns the compact JWS.

    Raises
    ------
    InvalidInputError
        If the validity window is empty or ends later than ``iat`` plus the
        ring's ``max_lifetime`` (old keys verify only that long after rotation).
    """
    if _epoch(claims.expires) <= _epoch(claims.not_before):
        raise InvalidInputError(
            f"pass {claims.pass_no}: `expires` {claims.expires.isoformat()} is not after "
            f"`not_before` {claims.not_before.isoformat()}",
            zh=f"通行证 {claims.pass_no}：`expires` {zh_time(claims.expires)} 不晚于 `not_before` {zh_time(claims.not_before)}",
        )
    if claims.expires - claims.issued_at > keyring.max_lifetime:
        raise InvalidInputError(
            f"pass {claims.pass_no}: expires {claims.expires - claims.issued_at} after issue; the key ring allows "
            f"at most {keyring.max_lifetime} (issue it closer to its start)",
            zh=f"通行证 {claims.pass_no}：签发后 {format_duration((claims.expires - claims.issued_at).total_seconds(), 'zh')} 才过期；密钥环至多允许 {format_duration(keyring.max_lifetime.total_seconds(), 'zh')}（请在更接近生效时签发）",
        )
    kid, key = keyring.signing_key()
    body = json.dumps(claims.to_payload(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    token = _JWS.encode(body, key, algorithm="EdDSA", headers={"kid": kid, "typ": None})
    if len(token) > MAX_TOKEN_CHARS:
        raise InvalidInputError(
            f"pass {claims.pass_no}: token has {len(token)} characters; at most "
            f"{MAX_TOKEN_CHARS} (fewer crew or a coarser corridor)",
            zh=f"通行证 {claims.pass_no}：令牌有 {len(token)} 个字符；至多 {MAX_TOKEN_CHARS} 个（减少司乘人员或使用更粗略的路线）",
        )
    return token


def _unique_object(pairs: list[tuple[str, object]]) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}")
        out[key] = value
    return out


def _json_object(data: bytes, what: str) -> dict:
    try:
        value = json.loads(data.decode("utf-8"), object_pairs_hook=_unique_object)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise MalformedPass(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise MalformedPass(f"{what} is not a JSON object")
    return value


def read_pass(token: object, public_keys: PublicKeySet) -> PassClaims:
    """Check a token's form, algorithm, kid and signature and return its claims.

    Does not look at the validity window (see :func:`decode_pass`).

    Raises
    ------
    MalformedPass, UnknownKid, BadSignature
        Subclasses of :class:`PassTokenError`, each with one reason.
    """
    if not isinstance(token, str):
        raise MalformedPass(f"expected text, got {type(token).__name__}")
    if not token:
        raise MalformedPass("empty")
    if len(token) > MAX_TOKEN_CHARS:
        raise MalformedPass(f"{len(token)} characters; at most {MAX_TOKEN_CHARS}")
    parts = token.split(".")
    if len(parts) != 3:
        raise MalformedPass(f"expected 3 dot-separated parts, got {len(parts)}")
    try:
        header_b, payload_b, signature = (b64url_decode(p) for p in parts)
    except ValueError:
        raise MalformedPass("a part is not canonical unpadded base64url") from None
    header = _json_object(header_b, "header")
    if not set(header) <= _ALLOWED_HEADER or header.get("typ", "JWT") != "JWT":
        raise MalformedPass(f"header has unexpected fields {sorted(set(header) - {'alg', 'kid'})}")
    alg = header.get("alg")
    if alg != "EdDSA":
        raise BadSignature(f"algorithm {alg!r} is not accepted; only EdDSA")
    kid = header.get("kid")
    if not isinstance(kid, str) or not 0 < len(kid) <= 64:
        raise MalformedPass("header has no kid")
    if public_keys.get(kid) is None:
        raise UnknownKid(f"kid {kid!r}")
    if len(signature) != 64:
        raise BadSignature("an Ed25519 signature has 64 bytes")
    # The header is checked above (only alg, kid, typ; alg EdDSA), so what is left of JWS
    # verification (RFC 7515, 5.2) is the signature over the ASCII signing input "header.payload".
    if not public_keys.verify(kid, signature, f"{parts[0]}.{parts[1]}".encode("ascii")):
        raise BadSignature()
    return PassClaims.from_payload(_json_object(payload_b, "payload"), kid=kid)


def check_window(claims: PassClaims, at: datetime) -> PassTokenError | None:
    """The window error at ``at`` (``at < nbf``: not yet valid; ``at >= exp``: expired), or None."""
    if at < claims.not_before:
        return PassNotYetValid(
            f"valid from {claims.not_before.isoformat()}, checked at {at.isoformat()}",
            en="valid from {since}, checked at {at}",
            zh="自 {since} 起有效，核验于 {at}",
            values={"since": claims.not_before, "at": at},
        )
    if at >= claims.expires:
        return PassExpired(
            f"valid until {claims.expires.isoformat()}, checked at {at.isoformat()}",
            en="valid until {until}, checked at {at}",
            zh="有效期至 {until}，核验于 {at}",
            values={"until": claims.expires, "at": at},
        )
    return None


def decode_pass(token: object, public_keys: PublicKeySet, *, at: datetime) -> PassClaims:
    """Verify a token and its validity window at ``at``; return its claims.

    Raises
    ------
    MalformedPass, UnknownKid, BadSignature, PassExpired, PassNotYetValid
        Subclasses of :class:`PassTokenError` with a bilingual reason.
    InvalidInputError
        If ``at`` is not a timezone-aware datetime.
    """
    require_aware(at, "at")
    claims = read_pass(token, public_keys)
    err = check_window(claims, at)
    if err is not None:
        raise err
    return claims
