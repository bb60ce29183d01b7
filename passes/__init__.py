"""Vehicle passes: whitelist checks, signed tokens, offline verification.

Pure domain code (no FastAPI, no database); the API layer calls:

* :mod:`passes.plates` -- ``normalise_plate``, ``province_of``, ``is_out_of_province``;
* :mod:`passes.crew` -- ``RegisteredVehicle``, ``CrewMember``, ``test_fresh``, ``stale_reasons``;
* :mod:`passes.issue` -- ``check_issuance``, ``issuance_warnings``, ``pass_number``, ``parse_pass_number``;
* :mod:`passes.keys` -- ``KeyRing`` (Ed25519 keys on disk, rotation, JWKS), ``PublicKeySet``;
* :mod:`passes.token` -- ``make_claims``, ``sign_pass``, ``decode_pass`` (JWS compact, EdDSA);
* :mod:`passes.verify` -- ``verify_offline``, ``verify_online``, ``Verdict``, ``PassStatus``;
* :mod:`passes.qr` -- ``qr_svg``, ``qr_png``, ``qr_info``;
* :mod:`passes.policy` -- ``PassPolicy`` (admin code, test validity, window limits).
"""
