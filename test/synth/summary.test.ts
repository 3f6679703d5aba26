/**
 * summary.md's "To do by hand": what a person must still do, and nothing the stack already does.
 */
import { describe, expect, it } from "vitest";
import { parseStackConfig, PROJECT, type Settings } from "../../src/config";
import { renderSummary } from "../../src/synth/summary";
import type { Placeholder, SynthRun } from "../../src/synth/run";

const CLUSTER_UUID = "0190abcd-1234-4abc-8def-0123456789ab";
const CLUSTER_ID = Buffer.from(`Cluster---${CLUSTER_UUID}`).toString("base64");

function settingsWith(images: Record<string, unknown>[], auth = "oidc", secrets: Record<string, unknown> = { backend: "buildkite" }): Settings {
  const config = {
    [`${PROJECT}:secrets`]: JSON.stringify(secrets),
    [`${PROJECT}:buildkite`]: JSON.stringify({ organization: "acme", clusterId: CLUSTER_ID, clusterUuid: CLUSTER_UUID }),
    [`${PROJECT}:depot`]: JSON.stringify({ projectId: "abc123def0", auth }),
    [`${PROJECT}:dockerhub`]: JSON.stringify({ username: "acmebot" }),
    [`${PROJECT}:pipelines`]: JSON.stringify([{ slug: "web", name: "Web", repository: "git@github.com:acme/web.git", images }]),
    [`${PROJECT}:dockerhubToken`]: "x",
    [`${PROJECT}:depotToken`]: "y",
  };
  const r = parseStackConfig({ config, secretKeys: [`${PROJECT}:dockerhubToken`, `${PROJECT}:depotToken`] });
  if (!r.ok) throw new Error(JSON.stringify(r));
  return r.settings;
}

function summary(settings: Settings, placeholders: Placeholder[] = []): string {
  const run: SynthRun = { stack: "t", settings, registrations: [], outputs: {}, placeholders, warnings: [] };
  return renderSummary(run);
}

const todo = (s: string) => s.slice(s.indexOf("## To do by hand")).split("\n").filter((l) => l.startsWith("- "));

describe("summary.md: build secrets", () => {
  it("asks for a job variable a build secret reads when the step does not receive it", () => {
    const s = summary(settingsWith([{ key: "app", secrets: { npm: "NPM_TOKEN", dh: "DOCKERHUB_TOKEN", dt: "DEPOT_TOKEN" } }]));
    expect(todo(s)).toEqual([
      "- Provide `NPM_TOKEN` to the jobs of pipeline `web` (build secret `npm` of image `app` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.",
      // Docker Hub credentials go only to steps that push there; OIDC steps unset DEPOT_TOKEN.
      "- Provide `DOCKERHUB_TOKEN` to the jobs of pipeline `web` (build secret `dh` of image `app` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.",
      "- Provide `DEPOT_TOKEN` to the jobs of pipeline `web` (build secret `dt` of image `app` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.",
    ]);
  });

  it("does not ask for what the step receives: Docker Hub credentials when it pushes there, the token in token mode, its own env", () => {
    const s = summary(
      settingsWith([{ key: "app", destinations: ["dockerhub:acme/web"], env: { NPM_TOKEN: "public-mirror" }, secrets: { npm: "NPM_TOKEN", dh: "DOCKERHUB_TOKEN", dt: "DEPOT_TOKEN" } }], "project-token"),
    );
    expect(todo(s)).toEqual([]);
    expect(s).toContain("Nothing: `pulumi up` does everything.");
  });
});

describe("summary.md: build secrets under the other backends", () => {
  const pushes = { key: "app", destinations: ["dockerhub:acme/web"] };

  it("hook: every job of the pipeline gets its secrets, so a step that does not push still has DOCKERHUB_TOKEN", () => {
    const s = summary(settingsWith([pushes, { key: "test", secrets: { dh: "DOCKERHUB_TOKEN", p: "DEPOT_PROJECT_ID" } }], "oidc", { backend: "hook", hook: {} }));
    expect(todo(s).filter((l) => l.startsWith("- Provide"))).toEqual([]);
  });

  it("elastic-stack: the token reaches jobs only as DOCKER_LOGIN_PASSWORD", () => {
    const s = summary(
      settingsWith([pushes, { key: "test", secrets: { dh: "DOCKERHUB_TOKEN", pw: "DOCKER_LOGIN_PASSWORD", u: "DOCKERHUB_USERNAME" } }], "oidc", { backend: "elastic-stack", elasticStack: { bucket: "ci-secrets" } }),
    );
    expect(todo(s).filter((l) => l.startsWith("- Provide"))).toEqual([
      "- Provide `DOCKERHUB_TOKEN` to the jobs of pipeline `web` (build secret `dh` of image `test` reads it; this stack does not deliver it), e.g. from the agent environment hook or a Buildkite secret.",
    ]);
  });
});

describe("summary.md: encrypted secrets", () => {
  it("get their own section after the to-do list, and no 'set the secret' line", () => {
    const s = summary(settingsWith([{ key: "app" }]), [{ key: "dockerhubToken", why: "encrypted in the stack file", encrypted: true }]);
    expect(s.trimEnd().split("\n").slice(-3)).toEqual([
      "## Encrypted secrets",
      "",
      "Set and encrypted in the stack file, rendered here with placeholders (only the Pulumi CLI can decrypt them): `dockerhubToken`.",
    ]);
    expect(todo(s).filter((l) => l.includes("dockerhubToken"))).toEqual([]);
  });
});
