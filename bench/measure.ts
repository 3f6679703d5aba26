/**
 * What a benchmark child measures and reports (shared by bench/child.ts and bench/run.ts).
 */
import { createHash } from "node:crypto";
import type { Registration } from "../src/mock-recorder";
import type { Variant } from "./spec";
import { sortKeys } from "../src/synth/write";

export const MODES = ["ours", "baseline"] as const;
export type Mode = (typeof MODES)[number];

export interface ChildResult {
  mode: Mode;
  variant: Variant;
  n: number;
  /** Timed window: from after the shared SDK imports to every registration settled. */
  wallMs: number;
  /** user + system CPU time in the window (all threads of the process). */
  cpuMs: number;
  cpuUserMs: number;
  cpuSystemMs: number;
  /** Peak resident set size of the whole process (`process.resourceUsage().maxRSS`). */
  maxRssMiB: number;
  /** V8 heap in use right after the window (before the fingerprint is computed). */
  heapUsedMiB: number;
  /** Process start to the start of the window: tsx, SDK module loading, baseline precompute. */
  startupMs: number;
  /** Process start to the end of the window, and the CPU time of the same span. */
  processWallMs: number;
  processCpuMs: number;
  /** Named sub-spans of the window, in ms. */
  phases: Record<string, number>;
  resources: number;
  byType: Record<string, number>;
  /** sha256 over every registration's type, name, parent and plain inputs (dynamic provider code excluded). */
  fingerprint: string;
}

/** One line per registration, sorted: what must be identical between ours and the baseline. */
export function registrationLines(registrations: Registration[]): string[] {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  return registrations
    .map((r) => {
      const parent = byUrn.get(r.parentUrn);
      const plain: Record<string, unknown> = { ...r.plain };
      delete plain.__provider;
      const parentKey = parent ? `${parent.type}::${parent.name}` : "";
      return JSON.stringify([r.type, r.name, parentKey, r.custom, r.secretPaths.slice().sort(), r.additionalSecretOutputs, sortKeys(plain)]);
    })
    .sort();
}

export function fingerprintOf(lines: string[]): string {
  const h = createHash("sha256");
  for (const l of lines) h.update(l).update("\n");
  return h.digest("hex");
}

export function countByType(registrations: Registration[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of registrations) out[r.type] = (out[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
