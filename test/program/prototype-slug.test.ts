/**
 * Slugs are plain strings that may collide with Object.prototype names (`constructor` is a valid
 * Buildkite slug): the program must treat them as data, here in the prod stack's instance-role mode
 * where no OIDC role exists for the pipeline.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runStack, type SynthRun } from "../../src/synth/run";
import { find } from "../helpers/mocks";

let run: SynthRun;

beforeAll(async () => {
  const stack = parse(readFileSync(path.resolve(__dirname, "..", "..", "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, unknown> };
  const pipelines = stack.config["depot-buildkite:pipelines"] as { slug: string }[];
  const renamed = pipelines.map((p) => (p.slug === "billing" ? { ...p, slug: "constructor" } : p));
  run = await runStack({
    stack: "prod",
    configOverrides: { "depot-buildkite:pipelines": JSON.stringify(renamed) },
    secretValues: { depotOrgToken: "depot_org_test", dockerhubToken: "d", signingJwks: "{}" },
  });
});

describe("a pipeline slugged `constructor`", () => {
  it("renders with the agent's instance role and no role ARN", () => {
    const p = find(run.registrations, "buildkite:Pipeline/pipeline:Pipeline", "constructor");
    const steps = String(p.plain.steps);
    expect(steps).toContain("ecr#v2.12.0");
    expect(steps).not.toContain("aws-assume-role-with-web-identity");
    expect((run.outputs.storedSteps as Record<string, string>).constructor).toBe(steps);
  });
});
