/**
 * Runs the real offline synth (`tsx src/synth.ts`) in a child process against a stack file written
 * to a temporary project folder: the whole program, in a fresh process, once per stack variant.
 * Used where one test file needs more than one run of the program (one mock stack per process).
 */
import { runProcess, type RunResult } from "../helpers/process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../../src/synth/run";
import { SECRET_KEYS } from "../../src/config-schema";
import type { PlanResource } from "../../src/synth/write";

export type { PlanResource };

const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");

export interface ChildSynth extends RunResult {
  ms: number;
  /** `path relative to <out>/<stack>` -> content, for every written file. */
  files: Record<string, string>;
  plan?: { resources: PlanResource[]; outputs: Record<string, unknown> };
}

/** A stack file's `config:` block as a plain object. */
export type StackConfigBlock = Record<string, unknown>;

export function readStackConfig(stack: string): StackConfigBlock {
  const doc = parse(readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config?: StackConfigBlock } | null;
  return structuredClone(doc?.config ?? {});
}

/** Mark every secret key as set (`secure:`), so the synth fills each with a placeholder: every code path runs. */
export function withAllSecrets(config: StackConfigBlock, project = "depot-buildkite"): StackConfigBlock {
  const out = { ...config };
  for (const key of Object.keys(SECRET_KEYS)) out[`${project}:${key}`] = { secure: "AAABAAudit" };
  return out;
}

function filesUnder(dir: string, base = dir): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir)) {
    const full = path.join(dir, f);
    if (statSync(full).isDirectory()) Object.assign(out, filesUnder(full, base));
    else out[path.relative(base, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
  }
  return out;
}

/** Write `Pulumi.<stack>.yaml` with this config into a fresh project folder and run the synth there. */
export async function synthInChild(stack: string, config: StackConfigBlock, timeoutMs = 30_000): Promise<ChildSynth> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "audit-synth-"));
  copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
  const out = path.join(dir, "out");
  const started = Date.now();
  const run = await runProcess(TSX, [path.join(REPO_ROOT, "src", "synth.ts"), "--stack", stack, "--out", out], {
    cwd: dir,
    env: { ...process.env, NODE_OPTIONS: "" },
    timeoutMs,
  });
  const files = filesUnder(path.join(out, stack));
  rmSync(dir, { recursive: true, force: true });
  const planText = files["plan.json"];
  return {
    ...run,
    ms: Date.now() - started,
    files,
    plan: planText ? (JSON.parse(planText) as ChildSynth["plan"]) : undefined,
  };
}

/** Run tasks with at most `limit` at a time (the machine has two cores). */
export async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
