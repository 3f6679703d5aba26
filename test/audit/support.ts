/**
 * The audit of one example stack (`Pulumi.<stack>.yaml`), run by `test/audit/stack-<stack>.test.ts`:
 * the real program under mocks (foreign AWS partition, see ./partition.ts) with every secret set
 * to a canary, then every audit over what it registered, rendered, exported, wrote and printed.
 *
 * One stack per file: call {@link auditStack} once, at the top level of a test file that mocks
 * `src/mock-recorder` with `foreignPartition` (see stack-dev.test.ts; coverage.test.ts checks it).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Registration } from "../../src/mock-recorder";
import { REPO_ROOT, runStack, type SynthRun } from "../../src/synth/run";
import type { SecretKey } from "../../src/config-schema";
import { CANARIES, CANARY_MARKERS, leaksInRegistrations, leaksInSynthOutput } from "../helpers/canary";
import { schemaPath, validatePipelineYaml } from "../helpers/conformance";
import { captureOutput } from "./capture";
import { FOREIGN_PARTITION, PROJECT_TOKEN_CANARY, invokes } from "./partition";
import {
  foreignPartitionArns,
  policyDocuments,
  policyFindings,
  stepEnvKeys,
  storedStepFindings,
  supplyChainFindings,
  trustSubjects,
} from "./checks";

/** Every marker the audit looks for: the four configured secrets and the token Depot returns. */
export const MARKERS = [...CANARY_MARKERS, PROJECT_TOKEN_CANARY];
/** The part of the JWKS canary that survives JSON escaping. */
const JWKS_MARKER = "CANARY-jwks-9d2f7a4c";
export const ALL_SECRETS = Object.keys(CANARIES) as SecretKey[];

/**
 * `@pulumi/pulumi` 3.248 logs, at debug level, every RPC response (RegisterResource, Invoke, ...)
 * with secret values in clear text, and every invoke's serialized args (runtime/invoke.js: an
 * operator-precedence slip turns `"Invoke RPC prepared..." + excessiveDebugOutput ? obj : ""`
 * into an unconditional `, obj=...`). Upstream behaviour, shown only with `--debug` / `-v`:
 * SECURITY.md says never to use those in CI.
 */
export const SDK_RPC_TRACE = /^pulumi\.log\.debug: (?:(?:RegisterResource|ReadResource|RegisterResourceOutputs|getResource Invoke|Invoke) RPC finished|, obj=)/;

/** Production examples must keep their registries and Depot project (by stack name). */
export function isProductionStack(stack: string): boolean {
  return /^prod(uction)?(-|$)/.test(stack);
}

export interface AuditOptions {
  /** Names a variant of the stack (the test file is `variant-<name>.test.ts`). */
  variant?: string;
  /** Config entries (full keys) replaced for the variant. */
  configOverrides?: Record<string, string>;
  /** Secrets set to canaries. @default all four */
  secrets?: SecretKey[];
}

/** Where a canary may live, always as a Pulumi secret: type -> input. */
const ALLOWED_HOLDERS: readonly { type: RegExp; path: RegExp; markers: readonly string[] }[] = [
  { type: /^buildkite:Cluster\/clusterSecret:ClusterSecret$/, path: /^value$/, markers: MARKERS.filter((m) => m !== CANARIES.depotOrgToken) },
  { type: /^aws:secretsmanager\/secretVersion:SecretVersion$/, path: /^secretString$/, markers: MARKERS.filter((m) => m !== CANARIES.depotOrgToken) },
  { type: /^aws:s3\/bucketObjectv2:BucketObjectv2$/, path: /^content$/, markers: MARKERS.filter((m) => m !== CANARIES.depotOrgToken) },
  { type: /^pulumi-nodejs:dynamic\/depot:/, path: /^apiToken$/, markers: [CANARIES.depotOrgToken] },
];

function get(value: unknown, dotted: string): unknown {
  return dotted
    .split(/\.|\[|\]/)
    .filter(Boolean)
    .reduce<unknown>((acc, k) => (acc && typeof acc === "object" ? (acc as Record<string, unknown>)[k] : undefined), value);
}

const byType = (regs: Registration[], type: string) => regs.filter((r) => r.type === type);
const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v) ?? "");
const asStrings = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(v && typeof v === "object" ? v : {}).filter((e): e is [string, string] => typeof e[1] === "string"));

export function auditStack(stack: string, options: AuditOptions = {}): void {
  const secrets = options.secrets ?? ALL_SECRETS;
  const title = options.variant ? `stack ${stack} (variant: ${options.variant})` : `stack ${stack}`;
  const configText = readFileSync(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8") + JSON.stringify(options.configOverrides ?? {});
  let run: SynthRun;
  let printed: string[] = [];

  beforeAll(async () => {
    const secretValues = Object.fromEntries(secrets.map((k) => [k, CANARIES[k]]));
    const captured = await captureOutput(() => runStack({ stack, configOverrides: options.configOverrides, secretValues }));
    run = captured.value;
    printed = captured.lines;
  });

  const regs = () => run.registrations;
  const pipelines = () => byType(regs(), "buildkite:Pipeline/pipeline:Pipeline");
  const fullYaml = () => asStrings(run.outputs.pipelineYaml);
  const cfg = () => run.settings.config;

  describe(`${title}: secret canaries`, () => {
    it("runs with every chosen secret set (no placeholder stands in for one)", () => {
      expect(run.placeholders.filter((p) => secrets.includes(p.key as SecretKey))).toEqual([]);
      expect(run.settings.secretsSet).toEqual([...secrets].sort());
    });

    it("keeps every canary out of every non-secret resource input (including dynamic providers)", () => {
      expect(leaksInRegistrations(regs(), MARKERS)).toEqual([]);
    });

    it("holds canaries only in secret inputs of secret-carrying resources", () => {
      const wrong: string[] = [];
      for (const r of regs()) {
        for (const p of r.secretPaths) {
          const value = JSON.stringify(get(r.plain, p) ?? "");
          const present = MARKERS.filter((m) => value.includes(m));
          if (present.length === 0) continue;
          const allowed = ALLOWED_HOLDERS.some((h) => h.type.test(r.type) && h.path.test(p) && present.every((m) => h.markers.includes(m)));
          if (!allowed) wrong.push(`${r.type}::${r.name}.${p}: ${present.join(", ")}`);
        }
      }
      expect(wrong).toEqual([]);
    });

    it("delivers each secret the stack needs (the audit is not vacuous)", () => {
      const s = run.settings;
      const holders = JSON.stringify(regs().map((r) => r.secretPaths.map((p) => get(r.plain, p))));
      const expectHeld = (marker: string, why: string) => expect(holders.includes(marker), `${why}: ${marker} held by no secret input`).toBe(true);
      const pushesDockerhub = s.pipelines.some((pl) => pl.config.images.some((im) => im.destinations.some((d) => d.startsWith("dockerhub:"))));
      if (pushesDockerhub && secrets.includes("dockerhubToken")) expectHeld(CANARIES.dockerhubToken, "Docker Hub destinations");
      if (s.manageDepot) expectHeld(CANARIES.depotOrgToken, "Depot resources managed");
      if (s.pipelines.some((pl) => pl.auth === "project-token") && s.manageDepot) expectHeld(PROJECT_TOKEN_CANARY, "created project token");
      const needsConfiguredToken = s.pipelines.some((pl) => pl.auth === "user-token" || (pl.auth === "project-token" && !s.manageDepot));
      if (needsConfiguredToken && secrets.includes("depotToken")) expectHeld(CANARIES.depotToken, "token-mode pipelines");
    });

    it("passes the signing JWKS to getSignedSteps only, and nothing derived from it keeps the key", () => {
      const signed = run.settings.pipelines.filter((pl) => pl.config.sign).map((pl) => pl.config.slug);
      const withJwks = invokes.filter((i) => JSON.stringify(i.plain).includes(JWKS_MARKER));
      const expected = secrets.includes("signingJwks") ? signed.map(() => "buildkite:Pipeline/getSignedSteps:getSignedSteps") : [];
      expect(withJwks.map((i) => i.token)).toEqual(expected);
      for (const slug of signed) {
        const stored = str(pipelines().find((p) => p.plain.slug === slug)?.plain.steps);
        expect(stored, slug).not.toContain(JWKS_MARKER);
        expect(stored, slug).toContain("buildkite-agent pipeline upload");
      }
    });

    it("serializes no canary and no token into the dynamic providers (__provider)", () => {
      const dynamic = regs().filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/"));
      if (run.settings.manageDepot) expect(dynamic.length).toBeGreaterThan(0);
      for (const r of dynamic) {
        const code = str(r.plain.__provider);
        expect(code.length, `${r.name} has a serialized provider`).toBeGreaterThan(0);
        expect(MARKERS.filter((m) => code.includes(m)), r.name).toEqual([]);
        expect(code, r.name).not.toMatch(/depot_org_[A-Za-z0-9]/);
        expect(r.secretPaths, `${r.name}: apiToken is a secret input`).toContain("apiToken");
      }
    });

    it("renders no canary into pipeline YAML or stored steps, even inside secret outputs", () => {
      const texts: Record<string, string> = { ...fullYaml() };
      for (const p of pipelines()) texts[`Pipeline ${p.name} steps`] = str(p.plain.steps);
      for (const [where, text] of Object.entries(texts)) expect(MARKERS.filter((m) => text.includes(m)), where).toEqual([]);
    });

    it("puts no canary into the agent hook script", () => {
      const hooks = [str(run.outputs.agentHookScript), ...byType(regs(), "aws:s3/bucketObjectv2:BucketObjectv2").filter((r) => !r.name.endsWith("-env")).map((r) => str(r.plain.content))];
      for (const h of hooks) expect(MARKERS.filter((m) => h.includes(m))).toEqual([]);
    });

    it("writes and prints no canary (outputs, pipelines/*.yml, plan.json, summary.md, warnings, logs)", () => {
      const ours = printed.filter((l) => !SDK_RPC_TRACE.test(l));
      expect(leaksInSynthOutput(run, ours.join("\n"), MARKERS)).toEqual([]);
    });

    it("logs a canary nowhere but in @pulumi/pulumi's own debug-level RPC traces (upstream; see SECURITY.md)", () => {
      const leaking = printed.filter((l) => MARKERS.some((m) => l.includes(m)));
      expect(leaking.filter((l) => !SDK_RPC_TRACE.test(l))).toEqual([]);
    });

    it("never sets a Depot token in step env, and gives OIDC pipelines no Depot token from any backend", () => {
      for (const [slug, yaml] of Object.entries(fullYaml())) {
        expect(stepEnvKeys(yaml).filter((k) => /TOKEN|PASSWORD|SECRET/i.test(k)), slug).toEqual([]);
      }
      for (const pl of run.settings.pipelines.filter((p) => p.auth === "oidc")) {
        const named = regs().filter((r) => new RegExp(`-${pl.config.slug}-DEPOT_TOKEN`).test(r.name));
        expect(named.map((r) => r.name), pl.config.slug).toEqual([]);
        const envFile = regs().find((r) => r.name.endsWith(`-${pl.config.slug}-env`));
        expect(str(envFile?.plain.content), pl.config.slug).not.toMatch(/DEPOT_TOKEN=/);
      }
    });
  });

  describe(`${title}: interpolation`, () => {
    it("stores steps with every $ escaped as $$, and no $ at all in repository or signed steps", () => {
      expect(pipelines().length).toBe(run.settings.pipelines.length);
      const findings = pipelines().flatMap((p) => {
        const pl = run.settings.pipelines.find((x) => x.config.slug === p.plain.slug);
        const strict = pl?.config.delivery === "repository" || pl?.config.sign === true;
        return storedStepFindings(`Pipeline ${p.name}`, str(p.plain.steps), strict);
      });
      for (const [slug, stored] of Object.entries(asStrings(run.outputs.storedSteps))) {
        const pl = run.settings.pipelines.find((x) => x.config.slug === slug);
        findings.push(...storedStepFindings(`storedSteps output ${slug}`, stored, pl?.config.delivery === "repository" || pl?.config.sign === true));
      }
      expect(findings).toEqual([]);
      expect(Object.keys(asStrings(run.outputs.storedSteps)).sort()).toEqual(run.settings.pipelines.map((p) => p.config.slug).sort());
    });

    it("escapes the full pipeline YAML too (buildkite-agent pipeline upload interpolates it)", () => {
      const findings = Object.entries(fullYaml()).flatMap(([slug, yaml]) => storedStepFindings(`pipelineYaml ${slug}`, yaml, false));
      expect(findings).toEqual([]);
    });

    it.skipIf(!schemaPath())("stores and renders schema-valid pipelines", () => {
      for (const p of pipelines()) expect(validatePipelineYaml(str(p.plain.steps).replace(/^# signed\n/, "")), p.name).toEqual([]);
      for (const [slug, yaml] of Object.entries(fullYaml())) expect(validatePipelineYaml(yaml), slug).toEqual([]);
    });
  });

  describe(`${title}: IAM`, () => {
    it("passes every IAM document through the least-privilege validators", () => {
      const { policies, findings } = policyDocuments(regs());
      expect([...findings, ...policyFindings(policies)]).toEqual([]);
      const ecrPipelines = run.settings.pipelines.filter((pl) => pl.config.images.some((im) => im.destinations.some((d) => d.startsWith("ecr:"))));
      if (ecrPipelines.length > 0) expect(policies.filter((p) => p.kind === "identity").length).toBeGreaterThan(0);
    });

    it("trusts only this organization and the pipelines that push, and grants each role only its repositories", () => {
      const org = cfg().buildkite.organization;
      for (const role of byType(regs(), "aws:iam/role:Role")) {
        const slug = role.name.replace(/-ecr$/, "");
        const subjects = trustSubjects(JSON.parse(str(role.plain.assumeRolePolicy)));
        expect(subjects.length, role.name).toBeGreaterThan(0);
        for (const s of subjects) expect(s.startsWith(`organization:${org}:pipeline:${slug}:ref:`), `${role.name}: ${s}`).toBe(true);
        const pl = run.settings.pipelines.find((p) => p.config.slug === slug);
        expect(pl, `role ${role.name} belongs to a configured pipeline`).toBeDefined();
        const repos = [...new Set(pl?.config.images.flatMap((im) => im.destinations.filter((d) => d.startsWith("ecr:")).map((d) => d.slice(4))))].sort();
        const push = regs().find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `${role.name}-push`);
        const doc = JSON.parse(str(push?.plain.policy)) as { Statement: { Sid?: string; Resource: string[] }[] };
        const pushed = doc.Statement.find((s) => s.Sid === "EcrPush")?.Resource.map((arn) => arn.split("repository/")[1]).sort();
        expect(pushed, role.name).toEqual(repos);
      }
    });

    it("attaches no AWS managed policy", () => {
      const attached = regs().flatMap((r) => (/rolePolicyAttachment|policyAttachment/.test(r.type) ? [str(r.plain.policyArn)] : []));
      expect(attached.filter((a) => /:iam::aws:policy\//.test(a))).toEqual([]);
    });

    it(`builds every ARN from the partition lookup (runs under ${FOREIGN_PARTITION})`, () => {
      const texts: Record<string, string> = {};
      for (const r of regs()) {
        const { __provider: _code, ...inputs } = r.plain;
        texts[`${r.type}::${r.name}`] = JSON.stringify(inputs);
      }
      texts.outputs = JSON.stringify(run.outputs);
      expect(foreignPartitionArns(texts, FOREIGN_PARTITION, configText)).toEqual([]);
      if (byType(regs(), "aws:iam/role:Role").length > 0) expect(JSON.stringify(texts)).toContain(`arn:${FOREIGN_PARTITION}:`);
    });
  });

  describe(`${title}: data-loss guards`, () => {
    it("never force-deletes an ECR repository", () => {
      for (const r of byType(regs(), "aws:ecr/repository:Repository")) expect(r.plain.forceDelete, r.name).toBe(false);
    });

    it("protects and retains registries and the Depot project where the config (or a production stack) asks", () => {
      const production = isProductionStack(stack);
      const repos = byType(regs(), "aws:ecr/repository:Repository");
      for (const r of repos) {
        const want = production || (cfg().ecr?.protect ?? false);
        expect({ name: r.name, protect: r.protect, retainOnDelete: r.retainOnDelete }).toEqual({ name: r.name, protect: want, retainOnDelete: want });
      }
      for (const p of byType(regs(), "pulumi-nodejs:dynamic/depot:Project")) {
        const want = production || (cfg().depot.project?.protect ?? false);
        expect({ name: p.name, protect: p.protect, retainOnDelete: p.retainOnDelete }).toEqual({ name: p.name, protect: want, retainOnDelete: want });
      }
    });

    it("replaces nothing delete-first (trust policies and tokens are created before the old ones go)", () => {
      expect(regs().filter((r) => r.deleteBeforeReplace).map((r) => `${r.type}::${r.name}`)).toEqual([]);
    });

    it("derives resource names from slugs (and fixed names), never from display names", () => {
      const names = run.settings.pipelines.map((pl) => pl.config.name);
      for (const r of regs()) {
        for (const n of names) {
          if (!/^[a-z0-9-]+$/.test(n)) expect(r.name.includes(n), `${r.type}::${r.name} contains display name ${n}`).toBe(false);
        }
      }
      for (const p of pipelines()) expect(p.name).toBe(p.plain.slug);
    });

    it("builds no pull request from forks (a fork would run with this pipeline's secrets and identities)", () => {
      for (const p of pipelines()) expect(get(p.plain, "providerSettings.buildPullRequestForks"), p.name).toBe(false);
    });
  });

  describe(`${title}: supply chain`, () => {
    it("pins every plugin and the depot CLI to exact versions, with no latest and no unversioned curl | sh", () => {
      const version = cfg().depot.cli.version;
      const findings = Object.entries(fullYaml()).flatMap(([slug, yaml]) => supplyChainFindings(slug, yaml, version));
      for (const p of pipelines()) findings.push(...supplyChainFindings(`stored ${p.name}`, str(p.plain.steps), version));
      expect(findings).toEqual([]);
      expect(Object.keys(fullYaml()).length).toBe(run.settings.pipelines.length);
    });
  });
}
