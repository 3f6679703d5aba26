/**
 * Turns a synth run into files: the YAML each pipeline stores, the full repository YAML for
 * `delivery: repository`, a masked resource plan and a Markdown summary.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { maskSecrets, type Registration } from "../mock-recorder";
import type { SynthRun } from "./run";
import { renderSummary } from "./summary";

export interface PlanResource {
  type: string;
  name: string;
  /** `type::name` of the parent, or null for top-level resources. */
  parent: string | null;
  custom: boolean;
  protect?: true;
  retainOnDelete?: true;
  deleteBeforeReplace?: true;
  aliases?: string[];
  inputs: Record<string, unknown>;
}

const DYNAMIC_PROVIDER_KEY = "__provider";

/** A copy of `value` with object keys sorted, for stable JSON. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Every resource, in a stable order, with secrets masked as "[secret]". */
export function planOf(registrations: Registration[]): PlanResource[] {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  return registrations
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => {
      const parent = byUrn.get(r.parentUrn);
      const inputs = maskSecrets(r.inputs) as Record<string, unknown>;
      if (DYNAMIC_PROVIDER_KEY in inputs) inputs[DYNAMIC_PROVIDER_KEY] = "[dynamic provider code]";
      const res: PlanResource = {
        type: r.type,
        name: r.name,
        parent: parent && parent.type !== "pulumi:pulumi:Stack" ? `${parent.type}::${parent.name}` : null,
        custom: r.custom,
        inputs: sortKeys(inputs) as Record<string, unknown>,
      };
      if (r.protect) res.protect = true;
      if (r.retainOnDelete) res.retainOnDelete = true;
      if (r.deleteBeforeReplace) res.deleteBeforeReplace = true;
      if (r.aliases.length > 0) res.aliases = [...r.aliases].sort();
      return res;
    })
    .sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type.localeCompare(b.type)));
}

function asStringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === "object") {
    for (const [k, s] of Object.entries(v)) if (typeof s === "string") out[k] = s;
  }
  return out;
}

export interface WrittenFiles {
  dir: string;
  files: string[];
  summary: string;
}

/** Write `<outDir>/<stack>/...`; the stack folder is replaced as a whole so removed pipelines vanish. */
export function writeSynth(run: SynthRun, outDir: string): WrittenFiles {
  const dir = path.join(outDir, run.stack);
  rmSync(dir, { recursive: true, force: true });
  const files: string[] = [];
  const write = (rel: string, content: string) => {
    const full = path.join(dir, rel);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, content.endsWith("\n") ? content : `${content}\n`);
    files.push(rel);
  };
  const stored = asStringMap(run.outputs.storedSteps);
  const full = asStringMap(run.outputs.pipelineYaml);
  for (const pl of run.settings.pipelines) {
    const slug = pl.config.slug;
    if (stored[slug] !== undefined) write(path.join("pipelines", `${slug}.yml`), stored[slug]);
    if (pl.config.delivery === "repository" && full[slug] !== undefined) {
      write(path.join("repositories", slug, ".buildkite", "pipeline.yml"), full[slug]);
    }
  }
  write("plan.json", JSON.stringify({ stack: run.stack, resources: planOf(run.registrations), outputs: run.outputs }, null, 2));
  const summary = renderSummary(run);
  write("summary.md", summary);
  return { dir, files: files.sort(), summary };
}
