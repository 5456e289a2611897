// Loaded by `jco run|serve --jco-import` before the component: gives the
// guest exactly the arguments, environment and preopens of the JSON in
// WEFT_JCO_CONFIG (`{ "args": [...], "env": {...}, "preopens": { GUEST: HOST } }`),
// so the jco run sees what the Weft run is granted and nothing else.
import process from "node:process";

// Imported by a specifier made at run time, so that the repository's
// `deno check .` leaves these Node-only imports alone (Node resolves them).
const load = (name) => import(name);
const { _setArgs, _setCwd, _setEnv } = await load(
  "@bytecodealliance/preview2-shim/cli",
);
const { _setPreopens } = await load(
  "@bytecodealliance/preview2-shim/filesystem",
);

const config = JSON.parse(process.env.WEFT_JCO_CONFIG ?? "{}");
_setArgs(config.args ?? []);
_setEnv(config.env ?? {});
_setCwd(undefined);
_setPreopens(config.preopens ?? {});
