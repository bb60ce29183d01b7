"""Vehicle passes: whitelist checks, signed tokens, offline verification."""
