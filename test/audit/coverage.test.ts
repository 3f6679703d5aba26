/**
 * Every example stack is audited: a `Pulumi.<stack>.yaml` at the repository root without its audit
 * files fails here, with the files to add. Plus the static parts of the audits: no hard-coded
 * `arn:aws:` in the library, and the Depot providers never ask to delete before replacing.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/synth/run";
import { projectTokenProvider, trustPolicyProvider } from "../../components/depot/provider";
import type { ProjectTokenInputs, ProjectTokenOutputs, TrustPolicyInputs, TrustPolicyOutputs } from "../../components/depot/provider";
import { hardCodedPartitions } from "./checks";

const AUDIT_DIR = __dirname;
const MOCK_LINE = `vi.mock("../../src/mock-recorder", async (importOriginal) =>`;

/** The example stacks, discovered by glob. */
export function exampleStacks(): string[] {
  return readdirSync(REPO_ROOT)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** What each stack's audit files must contain. */
function expectedAuditFiles(stack: string): Record<string, string[]> {
  return {
    [`stack-${stack}.test.ts`]: [MOCK_LINE, `auditStack(${JSON.stringify(stack)})`],
    [`stack-${stack}.rename.test.ts`]: [`auditRenames(${JSON.stringify(stack)})`],
  };
}

function template(stack: string): string {
  return [
    `// test/audit/stack-${stack}.test.ts`,
    `/** Audit of the example stack Pulumi.${stack}.yaml. */`,
    `import { vi } from "vitest";`,
    `import { auditStack } from "./support";`,
    ``,
    `${MOCK_LINE}`,
    `  (await import("./partition.js")).foreignPartition(await importOriginal<typeof import("../../src/mock-recorder")>()),`,
    `);`,
    ``,
    `auditStack(${JSON.stringify(stack)});`,
    ``,
    `// test/audit/stack-${stack}.rename.test.ts`,
    `import { auditRenames } from "./rename-support";`,
    ``,
    `auditRenames(${JSON.stringify(stack)});`,
  ].join("\n");
}

describe("every example stack is audited", () => {
  const stacks = exampleStacks();

  it("finds the example stacks at the repository root", () => {
    expect(stacks).toContain("dev");
    expect(stacks.length).toBeGreaterThan(1);
  });

  it.each(stacks)("Pulumi.%s.yaml has its audit files", (stack) => {
    const problems: string[] = [];
    for (const [file, needles] of Object.entries(expectedAuditFiles(stack))) {
      const full = path.join(AUDIT_DIR, file);
      if (!existsSync(full)) {
        problems.push(`missing test/audit/${file}`);
        continue;
      }
      const text = readFileSync(full, "utf8");
      for (const n of needles) if (!text.includes(n)) problems.push(`test/audit/${file} does not contain ${n}`);
    }
    expect(problems, `add these files for stack ${stack}:\n\n${template(stack)}\n`).toEqual([]);
  });

  it("has no audit file for a stack that no longer exists", () => {
    const audited = readdirSync(AUDIT_DIR)
      .map((f) => /^stack-(.+?)(?:\.rename)?\.test\.ts$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    expect([...new Set(audited)].filter((s) => !stacks.includes(s))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourcesUnder(full);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [full] : [];
  });
}

/** Files in src/ allowed to spell a partition, and why. */
const PARTITION_ALLOWED: Readonly<Record<string, string>> = {
  "src/mock-recorder.ts": "fake resource state for the offline mocks (the audits rewrite it to another partition)",
  "src/pipeline-model.ts": "stand-in values for validating a config before any resource exists; never deployed",
};

describe("no hard-coded AWS partition", () => {
  it("has no arn:aws: literal in the component library (components/), outside comments", () => {
    const findings = sourcesUnder(path.join(REPO_ROOT, "components")).flatMap((f) =>
      hardCodedPartitions(readFileSync(f, "utf8")).map((h) => `${path.relative(REPO_ROOT, f)}:${h.line}: ${h.text}`),
    );
    expect(findings).toEqual([]);
  });

  it("has no arn:aws: literal in the program (src/) except in the mocks and stand-ins", () => {
    const findings = sourcesUnder(path.join(REPO_ROOT, "src")).flatMap((f) => {
      const rel = path.relative(REPO_ROOT, f).split(path.sep).join("/");
      if (PARTITION_ALLOWED[rel]) return [];
      return hardCodedPartitions(readFileSync(f, "utf8")).map((h) => `${rel}:${h.line}: ${h.text}`);
    });
    expect(findings).toEqual([]);
  });
});

describe("Depot replacements are create-before-delete", () => {
  const trustOld: TrustPolicyOutputs = {
    trustPolicyId: "tp1",
    projectId: "proj000001",
    organizationSlug: "acme",
    pipelineSlug: "api",
    adopted: false,
    tokenConfigKey: "depot-buildkite:depotOrgToken",
  };
  const trustNew = (o: Partial<TrustPolicyInputs>): TrustPolicyInputs => ({
    projectId: trustOld.projectId,
    organizationSlug: trustOld.organizationSlug,
    pipelineSlug: trustOld.pipelineSlug,
    apiToken: "depot_org_not_used",
    tokenConfigKey: "depot-buildkite:depotOrgToken",
    ...o,
  });

  it.each([
    ["projectId", { projectId: "proj000002" }],
    ["organizationSlug", { organizationSlug: "acme-2" }],
    ["pipelineSlug", { pipelineSlug: "api-renamed" }],
  ] as const)("replaces a trust policy whose %s changed new-first", async (field, change) => {
    const d = await trustPolicyProvider.diff("tp1", trustOld, trustNew(change));
    expect(d.replaces).toEqual([field]);
    expect(d.deleteBeforeReplace ?? false).toBe(false);
  });

  it("asks for delete-first only for a forced replacement of an unchanged policy (create would adopt the old one)", async () => {
    const d = await trustPolicyProvider.diff("tp1", trustOld, trustNew({}));
    expect(d.replaces).toEqual([]);
    expect(d.changes).toBe(false);
    // Only `pulumi up --replace` replaces it then; create-first would adopt the old policy and the old
    // one's delete would remove it. Delete-first is the safe order for that one case.
    expect(d.deleteBeforeReplace).toBe(true);
  });

  const tokenOld: ProjectTokenOutputs = {
    tokenId: "tk1",
    token: "secret",
    projectId: "proj000001",
    description: "Buildkite acme/worker",
    tokenConfigKey: "depot-buildkite:depotOrgToken",
  };
  const tokenNew = (o: Partial<ProjectTokenInputs>): ProjectTokenInputs => ({
    projectId: tokenOld.projectId,
    description: tokenOld.description,
    apiToken: "depot_org_not_used",
    tokenConfigKey: "depot-buildkite:depotOrgToken",
    ...o,
  });

  it.each([
    ["projectId", { projectId: "proj000002" }],
    ["rotationKey", { rotationKey: "2026-01" }],
  ] as const)("rotates a project token whose %s changed new-first", async (field, change) => {
    const d = await projectTokenProvider.diff("tk1", tokenOld, tokenNew(change));
    expect(d.replaces).toEqual([field]);
    expect(d.deleteBeforeReplace ?? false).toBe(false);
  });

  it("renames a project token in place (the token stays valid)", async () => {
    const d = await projectTokenProvider.diff("tk1", tokenOld, tokenNew({ description: "Buildkite acme/worker-renamed" }));
    expect(d.replaces).toEqual([]);
    expect(d.changes).toBe(true);
  });
});
