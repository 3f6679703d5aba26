/**
 * The whole program on fuzzed configs: a sample of generated configs that the config layer accepts
 * is written as `Pulumi.fuzz-N.yaml` and synthesized in child processes (`tsx src/synth.ts`, one
 * fresh process and one mock stack per config). Every run must exit 0 in time, and what it writes
 * must be schema-valid, escaped, and free of name collisions a deploy would hit.
 */
import fc from "fast-check";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { SECRET_KEYS } from "../../src/config-schema";
import { schemaPath, validatePipelineYaml } from "../helpers/conformance";
import { storedStepFindings } from "./checks";
import { inBatches, synthInChild, type ChildSynth, type StackConfigBlock } from "./child-synth";
import { FUZZ_SEED, PROJECT } from "./fuzz-arbitraries";
import { acceptedConfigArb, type AcceptedConfig } from "./fuzz-render";

const SAMPLE = 8;

/** The raw config as a stack file's `config:` block; secrets become `secure:` (placeholders offline). */
function stackFileConfig(a: AcceptedConfig): StackConfigBlock {
  const out: StackConfigBlock = {};
  const secret = new Set(Object.keys(SECRET_KEYS).map((k) => `${PROJECT}:${k}`));
  for (const [k, v] of Object.entries(a.raw.config)) {
    if (secret.has(k)) out[k] = { secure: "AAABAFuzz" };
    else if (k.startsWith(`${PROJECT}:`)) out[k] = JSON.parse(v) as unknown;
    else out[k] = v;
  }
  return out;
}

/** Physical names a deploy needs unique (two resources with one of these fail or overwrite each other). */
function collisions(run: ChildSynth): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const r of run.plan?.resources ?? []) {
    const i = r.inputs;
    const ids: string[] = [];
    if (r.type === "buildkite:Cluster/clusterSecret:ClusterSecret") ids.push(`cluster secret ${String(i.clusterId)}/${String(i.key)}`);
    if (r.type === "aws:s3/bucketObjectv2:BucketObjectv2") ids.push(`s3 object ${String(i.bucket)}/${String(i.key)}`);
    if (r.type === "aws:secretsmanager/secret:Secret") ids.push(`secret ${String(i.name)}`);
    if (r.type === "buildkite:Pipeline/pipeline:Pipeline") ids.push(`pipeline slug ${String(i.slug)}`);
    if (r.type === "aws:ecr/repository:Repository") ids.push(`repository ${String(i.name)}`);
    for (const id of ids) {
      const prev = seen.get(id);
      if (prev !== undefined) out.push(`${id}: ${prev} and ${r.type}::${r.name}`);
      else seen.set(id, `${r.type}::${r.name}`);
    }
  }
  return out;
}

describe("the whole program on fuzzed configs (child processes)", () => {
  const sample = fc.sample(acceptedConfigArb, { seed: FUZZ_SEED, numRuns: SAMPLE });
  let runs: ChildSynth[] = [];
  let ms = 0;

  beforeAll(async () => {
    const started = Date.now();
    runs = await inBatches(sample, 2, (a, i) => synthInChild(`fuzz-${i}`, stackFileConfig(a), 25_000));
    ms = Date.now() - started;
    console.info(`program fuzz: ${SAMPLE} configs synthesized in child processes in ${ms} ms (slowest ${Math.max(...runs.map((r) => r.ms))} ms)`);
  }, 240_000);

  it.each(sample.map((a, i) => [i, a] as const))("fuzz-%i: exits 0 in time and writes valid, escaped, collision-free output", (i, a) => {
    const r = runs[i];
    const context = `config: ${JSON.stringify(stackFileConfig(a))}`;
    expect({ code: r.code, timedOut: r.timedOut, stderr: r.stderr.split("\n").slice(0, 8).join("\n") }, context).toEqual({ code: 0, timedOut: false, stderr: "" });
    const findings: string[] = [...collisions(r)];
    for (const [file, text] of Object.entries(r.files)) {
      if (!file.endsWith(".yml")) continue;
      if (schemaPath()) findings.push(...validatePipelineYaml(text).map((p) => `${file}: ${p}`));
      findings.push(...storedStepFindings(file, text, file.startsWith("repositories/") ? false : isUploadOnly(text)));
    }
    const written = Object.keys(r.files).filter((f) => f.startsWith("pipelines/"));
    expect(written.length, context).toBe(a.settings.pipelines.length);
    expect(findings, context).toEqual([]);
  });
});

function isUploadOnly(yaml: string): boolean {
  const doc = parse(yaml) as { steps?: { command?: unknown }[] } | null;
  return doc?.steps?.length === 1 && doc.steps[0].command === "buildkite-agent pipeline upload";
}
