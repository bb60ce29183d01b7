// Runs api/static/checkpoint/verify.js in Node over the cases the Python test wrote; prints the verdicts.
"use strict";
const fs = require("fs");
const path = require("path");
const root = path.resolve(__dirname, "..", "..");
module.paths.unshift(path.join(root, "node_modules"));
globalThis.geodesic = require("geographiclib-geodesic");
const V = require(path.join(root, "api", "static", "checkpoint", "verify.js"));
V.nobleUrl = path.join(root, "node_modules", "@noble", "ed25519", "index.js");

(async () => {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf-8"));
  const out = [];
  for (const c of spec.cases) {
    const v = await V.verify(c.token, {jwks: spec.jwks, at: c.at_ms, checkpoint: c.checkpoint, plate: c.plate,
                                       revoked: c.revoked, fused: c.fused, policy: spec.policy,
                                       messages: spec.messages});
    out.push({verdict: v.verdict, codes: v.codes, reasons: v.reasons});
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e && e.stack || e); process.exit(1); });
