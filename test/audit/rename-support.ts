/**
 * Rename audits of one example stack, run by `test/audit/stack-<stack>.rename.test.ts`. Three
 * runs of the real synth in child processes (every secret set, so every code path runs):
 *
 * - the stack as it is;
 * - every pipeline's display `name` changed: nothing may change but the Pipeline `name` inputs
 *   (no resource renamed, no rendered step changed);
 * - every pipeline's `slug` changed with `previousSlugs: [old]`: every resource keyed by the slug
 *   must carry an alias to its old name (own, or inherited from its parent the way the engine
 *   derives child aliases), except the few whose physical identity is the slug (secret keys, S3
 *   keys, secret names), which are re-created on purpose; nothing else may disappear.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { inBatches, readStackConfig, synthInChild, withAllSecrets, type ChildSynth, type PlanResource } from "./child-synth";

const PROJECT = "depot-buildkite";
const PIPELINES_KEY = `${PROJECT}:pipelines`;

/** Resources whose physical identity embeds the slug: a new slug is a new object by design. */
export const RECREATED_ON_SLUG_CHANGE: readonly string[] = [
  "buildkite:Cluster/clusterSecret:ClusterSecret", // key DEPOT_TOKEN_<SLUG>, access policy on the slug
  "aws:secretsmanager/secret:Secret", // name <prefix><slug>/<ENV>
  "aws:secretsmanager/secretVersion:SecretVersion",
  "aws:s3/bucketObjectv2:BucketObjectv2", // key <slug>/env (the agent hook object is not slug-keyed)
];

interface Pipeline {
  slug: string;
  name: string;
  previousSlugs?: string[];
  [key: string]: unknown;
}

const key = (r: { type: string; name: string }) => `${r.type}::${r.name}`;

/** Alias names of a resource: its own, then those inherited from its parent (engine rules). */
export function effectiveAliasNames(r: PlanResource, all: Map<string, PlanResource>): string[] {
  const own = (r.aliases ?? []).map((a) => a.replace(/^name:/, "")).filter((a) => a !== "" && !a.startsWith("urn:"));
  const parent = r.parent ? all.get(r.parent) : undefined;
  if (!parent) return own;
  const inherited = effectiveAliasNames(parent, all).map((pa) => (r.name.startsWith(parent.name) ? pa + r.name.slice(parent.name.length) : r.name));
  return [...new Set([...own, ...inherited])];
}

function withoutPipelineNames(resources: PlanResource[]): PlanResource[] {
  return resources.map((r) => {
    if (r.type !== "buildkite:Pipeline/pipeline:Pipeline") return r;
    const { name: _name, ...inputs } = r.inputs;
    return { ...r, inputs };
  });
}

function renamed(config: Record<string, unknown>, edit: (p: Pipeline) => Pipeline): Record<string, unknown> {
  const pipelines = config[PIPELINES_KEY] as Pipeline[];
  return { ...config, [PIPELINES_KEY]: pipelines.map((p) => edit({ ...p })) };
}

export function auditRenames(stack: string): void {
  const base = withAllSecrets(readStackConfig(stack));
  const slugs = (base[PIPELINES_KEY] as Pipeline[]).map((p) => p.slug);
  const newSlug = (s: string) => `${s}-renamed`;
  let runs: { before: ChildSynth; names: ChildSynth; slugs: ChildSynth };

  beforeAll(async () => {
    const [before, names, slugRun] = await inBatches(
      [
        base,
        renamed(base, (p) => ({ ...p, name: `${p.name} (renamed)` })),
        renamed(base, (p) => ({ ...p, slug: newSlug(p.slug), previousSlugs: [...(p.previousSlugs ?? []), p.slug] })),
      ],
      2,
      (config) => synthInChild(stack, config, 60_000),
    );
    runs = { before, names, slugs: slugRun };
  });

  describe(`stack ${stack}: renames`, () => {
    it("synthesizes the stack and both renamed variants", () => {
      for (const [what, r] of Object.entries(runs)) {
        expect({ what, code: r.code, timedOut: r.timedOut, stderr: r.stderr }).toEqual({ what, code: 0, timedOut: false, stderr: "" });
        expect(r.plan, what).toBeDefined();
      }
    });

    it("changes nothing but the Pipeline name inputs when display names change (slug and resource names stay)", () => {
      const before = runs.before.plan?.resources ?? [];
      const after = runs.names.plan?.resources ?? [];
      expect(withoutPipelineNames(after)).toEqual(withoutPipelineNames(before));
      const names = after.filter((r) => r.type === "buildkite:Pipeline/pipeline:Pipeline").map((r) => [r.name, r.inputs.slug, r.inputs.name]);
      expect(names.length).toBe(slugs.length);
      for (const [name, slug, display] of names) {
        expect(name).toBe(slug);
        expect(String(display)).toMatch(/ \(renamed\)$/);
      }
      const rendered = (r: ChildSynth) => Object.fromEntries(Object.entries(r.files).filter(([f]) => f.startsWith("pipelines/") || f.startsWith("repositories/")));
      expect(rendered(runs.names)).toEqual(rendered(runs.before));
      expect(Object.keys(rendered(runs.before)).length).toBeGreaterThan(0);
    });

    it("keeps every slug-keyed resource through aliases when slugs change with previousSlugs", () => {
      const before = new Map((runs.before.plan?.resources ?? []).map((r) => [key(r), r]));
      const afterList = runs.slugs.plan?.resources ?? [];
      const after = new Map(afterList.map((r) => [key(r), r]));
      const claimed = new Set<string>();
      const orphans: string[] = [];
      for (const r of afterList) {
        if (before.has(key(r))) {
          claimed.add(key(r));
          continue;
        }
        const match = effectiveAliasNames(r, after).map((n) => `${r.type}::${n}`).find((k) => before.has(k));
        if (match) claimed.add(match);
        else if (!RECREATED_ON_SLUG_CHANGE.includes(r.type)) orphans.push(`${key(r)} (new, no alias to a resource of the stack before)`);
      }
      for (const k of before.keys()) {
        const r = before.get(k);
        if (!claimed.has(k) && r && !RECREATED_ON_SLUG_CHANGE.includes(r.type)) orphans.push(`${k} (would be deleted)`);
      }
      expect(orphans).toEqual([]);
      for (const s of slugs) expect(afterList.some((r) => r.type === "buildkite:Pipeline/pipeline:Pipeline" && r.inputs.slug === newSlug(s)), s).toBe(true);
    });

    it("re-creates on a slug change only what the slug physically names, new before old", () => {
      const recreated = (runs.slugs.plan?.resources ?? []).filter((r) => RECREATED_ON_SLUG_CHANGE.includes(r.type) && !(runs.before.plan?.resources ?? []).some((b) => key(b) === key(r)));
      for (const r of recreated) expect(slugs.some((s) => r.name.includes(newSlug(s))), key(r)).toBe(true);
      expect((runs.slugs.plan?.resources ?? []).filter((r) => r.deleteBeforeReplace).map(key)).toEqual([]);
    });
  });
}
