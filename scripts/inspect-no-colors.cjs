"use strict";
/**
 * Preload for programs started through @pulumi/pulumi's `cmd/run` on Node 20.
 *
 * `cmd/run` formats every uncaught error with `util.inspect(err, { colors: true })`
 * (cmd/run/error.js, defaultErrorMessage). On Node 20 with the SDK's source maps that call can spin
 * for 30 to 50 s, allocate gigabytes and end in a RangeError, so a failing program takes most of
 * a minute to report a one-line error. Without colors the same call returns at once.
 *
 * This module wraps `util.inspect` so that inspecting an Error never asks for colors. Everything
 * else is passed through untouched. Load it with `NODE_OPTIONS="--require <this file>"`, not with
 * `-r` on the node command line: `cmd/run` turns off its automatic ESM (ts-node/esm) mode when it
 * sees `--require` in `process.execArgv`, and NODE_OPTIONS does not show up there.
 *
 * It must run before `cmd/run` loads: the SDK's compiled `__importStar(require("util"))` copies
 * `inspect` into its own object when error.js is first required.
 */
const util = require("node:util");

const MARK = Symbol.for("depot-buildkite.inspect-no-colors");

function isErrorLike(value) {
  return (
    value instanceof Error ||
    (typeof value === "object" && value !== null && typeof value.stack === "string" && typeof value.message === "string")
  );
}

if (!util.inspect[MARK]) {
  const original = util.inspect;

  const inspect = function inspect(value, ...rest) {
    if (isErrorLike(value)) {
      const [opts] = rest;
      if (typeof opts === "object" && opts !== null) {
        if (opts.colors) rest[0] = { ...opts, colors: false };
      } else if (rest.length >= 3 && rest[2]) {
        // Legacy signature: inspect(value, showHidden, depth, colors).
        rest[2] = false;
      }
    }
    return original.call(this, value, ...rest);
  };

  // Keep util.inspect.custom, .defaultOptions (an accessor), .colors and .styles working.
  for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(original))) {
    if (key === "length" || key === "name" || key === "prototype") continue;
    Object.defineProperty(inspect, key, descriptor);
  }
  Object.defineProperty(inspect, MARK, { value: true });

  util.inspect = inspect;
}
