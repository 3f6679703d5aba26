/**
 * The real program (src/index.ts, Pulumi.dev.yaml) started through @pulumi/pulumi's own `cmd/run`,
 * as `pulumi up` starts it (TypeScript type-checked with the project's tsconfig), against the local
 * resource monitor; compared with the same stack under the SDK's mocks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, formatLogs, readStackConfig, runViaCmdRun, type CmdRunResult } from "../helpers/cmd-run";
import { defaultState, type Registration as MockRegistration } from "../../src/mock-recorder";
import { runStack, type SynthRun } from "../../src/synth/run";
import { CANARIES } from "../helpers/canary";

const STACK = "dev";
const SECRETS = { dockerhubToken: CANARIES.dockerhubToken, depotToken: CANARIES.depotToken };

function mockTree(regs: MockRegistration[]): string[] {
  const byUrn = new Map(regs.map((r) => [r.urn, r]));
  return regs
    .filter((r) => r.type !== "pulumi:pulumi:Stack")
    .map((r) => {
      const p = byUrn.get(r.parentUrn);
      const parent = p && p.type !== "pulumi:pulumi:Stack" ? `${p.type}::${p.name}` : "(stack)";
      return `${r.type}::${r.name} <- ${parent}`;
    })
    .sort();
}

let viaCmdRun: CmdRunResult;
let underMocks: SynthRun;

beforeAll(async () => {
  const stack = readStackConfig(REPO_ROOT, STACK);
  const config = { ...stack.config };
  const secretKeys = [...stack.secretKeys];
  for (const [k, v] of Object.entries(SECRETS)) {
    config[`depot-buildkite:${k}`] = v;
    secretKeys.push(`depot-buildkite:${k}`);
  }
  viaCmdRun = await runViaCmdRun({
    projectDir: REPO_ROOT,
    stack: STACK,
    config,
    secretKeys,
    timeoutMs: 120_000,
    monitor: { onRegister: (q) => ({ outputs: defaultState(q.type, q.name, q.inputs as Record<string, unknown>) }) },
  });
  underMocks = await runStack({ stack: STACK, secretValues: SECRETS });
}, 180_000);

describe("src/index.ts through cmd/run (what `pulumi up` starts)", () => {
  it("compiles with the project's tsconfig and runs to completion", () => {
    expect(viaCmdRun.exitCode, formatLogs(viaCmdRun.logs.filter((l) => l.severity !== "debug"))).toBe(0);
    expect(viaCmdRun.shutdownSignaled).toBe(true);
    expect(viaCmdRun.errors).toEqual([]);
  });

  it("registers exactly the resources it registers under mocks (type, name, parent)", () => {
    const real = viaCmdRun.registrations
      .filter((r) => r.type !== "pulumi:pulumi:Stack")
      .map((r) => `${r.type}::${r.name} <- ${r.parent && r.parent.type !== "pulumi:pulumi:Stack" ? `${r.parent.type}::${r.parent.name}` : "(stack)"}`)
      .sort();
    expect(real).toEqual(mockTree(underMocks.registrations));
    expect(real.length).toBeGreaterThan(15);
  });

  it("stores the same pipeline YAML as the mocked run", () => {
    const steps = (regs: { type: string; name: string; plain?: Record<string, unknown>; inputs: unknown }[]) =>
      Object.fromEntries(
        regs
          .filter((r) => r.type === "buildkite:Pipeline/pipeline:Pipeline")
          .map((r) => [r.name, ((r.plain ?? r.inputs) as Record<string, unknown>).steps]),
      );
    const real = steps(viaCmdRun.registrations as unknown as { type: string; name: string; plain: Record<string, unknown>; inputs: unknown }[]);
    expect(Object.keys(real).sort()).toEqual(["api", "worker"]);
    expect(real).toEqual(steps(underMocks.registrations));
  });

  it("keeps secret config secret on the wire", () => {
    const secrets = viaCmdRun.registrations.filter((r) => r.type === "buildkite:Cluster/clusterSecret:ClusterSecret");
    expect(secrets.length).toBe(3);
    for (const s of secrets) expect(s.secretProperties).toContain("value");
  });

  it("exports the stack outputs", () => {
    expect(Object.keys(viaCmdRun.stackOutputs).sort()).toEqual(
      ["depotProjectId", "depotTrustRelationships", "ecrRepositories", "ecrRoleArns", "pipelineYaml", "pipelines", "storedSteps", "warnings"].sort(),
    );
    expect(viaCmdRun.stackOutputs.depotTrustRelationships).toEqual([{ projectId: "abc123def0", organizationSlug: "acme", pipelineSlug: "api" }]);
  });
});

describe("bad config through cmd/run", () => {
  it("fails with every problem and no stack trace", async () => {
    const stack = readStackConfig(REPO_ROOT, STACK);
    const r = await runViaCmdRun({ projectDir: REPO_ROOT, stack: STACK, config: stack.config, secretKeys: stack.secretKeys, transpileOnly: true, timeoutMs: 60_000 });
    expect(r.exitCode).not.toBe(0);
    const message = r.errors.join("\n");
    expect(message).toContain('Stack "dev" is missing 2 secrets; set them with:');
    expect(message).toContain("pulumi config set --secret dockerhubToken --stack dev");
    expect(message).not.toMatch(/\n\s+at /);
  });
});
