"""Pass tokens: offline verifications per second and token sizes, in one run.

* ``offline verifications per second`` -- :func:`passes.verify.verify_offline`
  in-process on one thread, on a token for a ~45 km Andorra route, with the
  checkpoint-on-corridor and plate checks (what a checkpoint asks) and without
  them (signature, window and crew only).  Baseline: the bare
  ``cryptography`` Ed25519 verify of the same signing input, so ``ratio``
  (baseline / value) is the cost of the whole check as a multiple of the
  signature check alone.  Target (reported, not asserted): >= 2,000/s.
* ``token size`` for a short (~1 km) and a long (~45 km) Andorra route, with
  the QR version and module size at 80 mm print width in the notes.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta

NAME = "passes"
ENGINE = "jws-eddsa"
SHORT = ([1.5218, 42.5063], [1.5343, 42.5102])  # Andorra la Vella, ~1 km
LONG = ([1.4440, 42.4600], [1.7300, 42.5350])  # Sant Julia de Loria -> Pas de la Casa, ~45 km


def _figure(**kw) -> dict:
    try:
        from bench.common import figure
    except ImportError:  # bench/common.py not there: the same dict by hand
        ratio = None
        if kw.get("value") and kw.get("baseline"):
            ratio = kw["baseline"] / kw["value"]
        base = kw.get("baseline")
        return {
            "benchmark": NAME,
            "graph": kw["graph"],
            "engine": ENGINE,
            "metric": kw["metric"],
            "unit": kw["unit"],
            "value": float(kw["value"]),
            "baseline": base,
            "baseline_engine": kw.get("baseline_engine") if base is not None else None,
            "ratio": ratio,
            "n": kw["n"],
            "notes": kw.get("notes", ""),
        }
    return figure(
        NAME,
        kw["graph"],
        ENGINE,
        kw["metric"],
        kw["unit"],
        kw["value"],
        baseline=kw.get("baseline"),
        baseline_engine=kw.get("baseline_engine") or "-",
        n=kw["n"],
        notes=kw.get("notes", ""),
    )


def _router():
    from bench.common import NETWORK_CACHE, SHARED_DATA
    from routing.network import load_or_build
    from routing.router import Router

    net, folder = load_or_build(str(SHARED_DATA / "andorra.osm.pbf"), NETWORK_CACHE, progress=lambda m: None)
    return Router(net, engine="cch", cache_dir=folder)


def _rate(fn, n: int, repeats: int = 3) -> float:
    """Best-of-``repeats`` calls per second of ``fn()`` over ``n`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def run(quick: bool = False) -> list[dict]:
    from passes.crew import CrewMember
    from passes.keys import KeyRing, b64url_decode
    from passes.qr import qr_info
    from passes.token import make_claims, sign_pass
    from passes.verify import verify_offline

    t0 = datetime(2022, 4, 20, 8, 0, tzinfo=UTC)
    at = t0 + timedelta(hours=2)
    router = _router()
    crew = [
        CrewMember("张三", "123X", "driver", t0 - timedelta(hours=10)),
        CrewMember("李四", "4567", "co-driver", t0 - timedelta(hours=5), mobile_role=True),
    ]
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        ring = KeyRing.load_or_create(f"{tmp}/keys")
        keys = ring.public_keys()
        tokens = {}
        for label, (o, d) in (("short", SHORT), ("long", LONG)):
            plan = router.route(o, d)
            claims = make_claims(
                pass_no="410800000123",
                plate="豫H12345",
                enterprise_id="ent-42",
                route_id=f"andorra-{label}",
                corridor=plan.coordinates,
                crew=crew,
                valid_from=t0,
                valid_until=t0 + timedelta(days=2),
                issued_at=t0,
            )
            token = sign_pass(claims, ring)
            tokens[label] = (token, plan)
            q = qr_info(token)
            figures.append(
                _figure(
                    graph="andorra",
                    metric=f"token size, {label} route",
                    unit="chars",
                    value=len(token),
                    n=1,
                    notes=(
                        f"{plan.length_m / 1000:.1f} km, {len(plan.coordinates)} vertices -> {len(claims.corridor)} "
                        f"at {claims.tolerance_m:g} m tolerance, polyline {len(claims.corridor_polyline)} chars, "
                        f"2 crew; QR version {q.version}-{q.error}, {q.modules} modules, {q.module_mm:.2f} mm/module "
                        f"at {q.print_width_mm:g} mm"
                    ),
                )
            )

        token, plan = tokens["long"]
        checkpoint = plan.coordinates[len(plan.coordinates) // 3].tolist()
        header_payload, _, sig = token.rpartition(".")
        signature, signing_input = b64url_decode(sig), header_payload.encode("ascii")
        public_key = keys.get(ring.active_kid)
        assert public_key is not None, "the ring's active key is in its own JWKS"
        n = 500 if quick else 5000
        assert verify_offline(token, keys, at=at, checkpoint=checkpoint, plate="豫H·12345").verdict == "pass"
        raw = _rate(lambda: public_key.verify(signature, signing_input), n)
        full = _rate(lambda: verify_offline(token, keys, at=at, checkpoint=checkpoint, plate="豫H·12345"), n)
        bare = _rate(lambda: verify_offline(token, keys, at=at), n)
        for metric, value, what in (
            (
                "offline verifications per second (checkpoint + plate)",
                full,
                "signature, window, crew, corridor buffer in aeqd metres, plate",
            ),
            ("offline verifications per second (no checkpoint)", bare, "signature, window, crew"),
        ):
            figures.append(
                _figure(
                    graph="andorra",
                    metric=metric,
                    unit="1/s",
                    value=value,
                    baseline=raw,
                    baseline_engine="cryptography-ed25519-verify",
                    n=n,
                    notes=f"{what}; one thread; {len(token)}-char token; ratio = bare verify rate / ours "
                    "(cost as a multiple of the signature check); target >= 2000/s",
                )
            )
    return figures


if __name__ == "__main__":
    for f in run(quick=True):
        print(f)
