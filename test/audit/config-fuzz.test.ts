/**
 * Fuzzed stack configs against the config layer: `parseStackConfig` must either accept a config or
 * explain every problem under the `depot-buildkite:` namespace, and never throw or hang, whatever
 * the engine hands it. Fixed seed (reproducible), fast-check's shrinking on, 1,500 configs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatProblems, parseStackConfig, type ParseResult } from "../../src/config";
import { SECRET_KEYS } from "../../src/config-schema";
import { FUZZ_SEED, PROJECT, stackConfigArb, type GeneratedConfig } from "./fuzz-arbitraries";
const RUNS = 1_500;
/** A parse slower than this counts as a hang (the slowest sane parse, a 3,000-item list, takes ~100 ms). */
const MAX_PARSE_MS = 2_000;

function contractViolations(result: ParseResult): string[] {
  if (result.ok) return [];
  const out: string[] = [];
  if (result.problems.length === 0 && result.missingSecrets.length === 0) out.push("rejected without a problem or a missing secret");
  for (const p of result.problems) {
    if (typeof p.path !== "string" || !p.path.startsWith(`${PROJECT}:`)) out.push(`path ${JSON.stringify(p.path)} is outside ${PROJECT}:`);
    if (typeof p.message !== "string" || p.message.trim() === "") out.push(`empty message at ${p.path}`);
    if (/undefined|\[object Object\]|NaN/.test(p.message)) out.push(`message leaks a JS artefact at ${p.path}: ${p.message}`);
  }
  for (const m of result.missingSecrets) {
    if (!(m.key in SECRET_KEYS)) out.push(`missing secret ${JSON.stringify(m.key)} is not a secret key`);
    if (m.why.trim() === "") out.push(`missing secret ${m.key} without a reason`);
  }
  return out;
}

describe("fuzzed stack configs", () => {
  it(`parses ${RUNS} generated configs without throwing or hanging, and explains every rejection`, () => {
    const started = Date.now();
    const stats = { ok: 0, rejected: 0, slowestMs: 0 };
    const check = (g: GeneratedConfig): void => {
      const t0 = performance.now();
      let result: ParseResult;
      try {
        result = parseStackConfig(g.raw);
      } catch (e) {
        throw new Error(`parseStackConfig threw ${(e as Error).name}: ${(e as Error).message}\n  origin: ${g.origin}`);
      }
      const ms = performance.now() - t0;
      stats.slowestMs = Math.max(stats.slowestMs, ms);
      if (ms > MAX_PARSE_MS) throw new Error(`parseStackConfig took ${Math.round(ms)} ms (origin: ${g.origin})`);
      const violations = contractViolations(result);
      if (violations.length > 0) throw new Error(`${violations.join("\n")}\n  origin: ${g.origin}`);
      if (!result.ok) expect(() => formatProblems(result as Extract<ParseResult, { ok: false }>, "fuzz")).not.toThrow();
      if (result.ok) stats.ok++;
      else stats.rejected++;
    };
    fc.assert(fc.property(stackConfigArb, check), { seed: FUZZ_SEED, numRuns: RUNS, endOnFailure: false });
    const ms = Date.now() - started;
    console.info(`config fuzz: ${RUNS} configs (${stats.ok} accepted, ${stats.rejected} rejected) in ${ms} ms; slowest parse ${Math.round(stats.slowestMs)} ms`);
    // Both halves must be exercised: a generator that only produces rejects proves nothing.
    expect(stats.ok).toBeGreaterThan(RUNS / 20);
    expect(stats.rejected).toBeGreaterThan(RUNS / 4);
  });
});
