/**
 * Every config the config layer accepts must render: generated configs that `parseStackConfig`
 * accepts go through the program's own model builder and the pure renderer, and the result must be
 * schema-valid, escaped for interpolation and pinned. Fixed seed, shrinking on.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_SEED } from "./fuzz-arbitraries";
import { acceptedConfigArb, renderFindings, type AcceptedConfig } from "./fuzz-render";

const RUNS = 100;

describe("fuzzed accepted configs render", () => {
  it(`renders ${RUNS} accepted configs without an exception, schema-valid, escaped and pinned`, () => {
    const started = Date.now();
    let pipelines = 0;
    fc.assert(
      fc.property(acceptedConfigArb, (a: AcceptedConfig) => {
        pipelines += a.settings.pipelines.length;
        const findings = renderFindings(a);
        if (findings.length > 0) throw new Error(`${findings.join("\n")}\n  config: ${JSON.stringify(a.raw.config)}`);
      }),
      { seed: FUZZ_SEED, numRuns: RUNS, endOnFailure: false },
    );
    console.info(`render fuzz: ${RUNS} accepted configs, ${pipelines} pipelines rendered in ${Date.now() - started} ms`);
    expect(pipelines).toBeGreaterThanOrEqual(RUNS);
  });
});
