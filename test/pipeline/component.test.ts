import * as pulumi from "@pulumi/pulumi";
import * as buildkite from "@pulumiverse/buildkite";
import { beforeAll, describe, expect, it } from "vitest";
import { DepotImagePipeline, depotImagePipelineArgsProblems } from "../../components/depot-image-pipeline";
import { renderPipelineYaml, renderStoredSteps } from "../../components/pipeline/render";
import { byType, find, installMocks, settle, valueOf, type Registration } from "../helpers/mocks";
import { argsFromModel, model, ROLE_ARN, SCENARIOS } from "./fixtures";

const SIGNED_TOKEN = "buildkite:Pipeline/getSignedSteps:getSignedSteps";
const JWKS_CANARY = '{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k1","d":"JWKS-PRIVATE-CANARY","x":"pub"}]}';

const created: Registration[] = [];
const calls: { token: string; inputs: Record<string, unknown> }[] = [];
const ofComponent = (name: string): string[] =>
  created
    .filter((r) => r.name === name || r.name.startsWith(`${name}-`))
    .map((r) => `${r.type}::${r.name}`)
    .sort();
const isSecret = (o: pulumi.Output<unknown>): Promise<boolean> => (o as unknown as { isSecret: Promise<boolean> }).isSecret;

let managed: DepotImagePipeline;
let repo: DepotImagePipeline;
let signed: DepotImagePipeline;
let fromOutput: DepotImagePipeline;
let minimal: DepotImagePipeline;

beforeAll(async () => {
  // Mocks first: constructing a resource before this would run without a monitor.
  await installMocks(created, {
    call: (token, inputs) => {
      calls.push({ token, inputs });
      if (token === SIGNED_TOKEN) return { ...inputs, id: "signed", steps: `signed:${String(inputs.unsignedSteps)}` };
      return undefined;
    },
  });
  managed = new DepotImagePipeline("web-app", {
    ...argsFromModel(SCENARIOS["8 push and load"]),
    slug: "web-app",
    name: "Web App",
    repository: "git@github.com:acme/web-app.git",
    description: "Builds the web app images",
    clusterId: "Q2x1c3Rlci0tLWNsdXN0ZXI=",
    defaultTeamId: "VGVhbS0tLXBsYXRmb3Jt",
    teams: [
      { key: "devs", teamId: "VGVhbS0tLWRldnM=", accessLevel: "BUILD_AND_READ" },
      { teamId: "VGVhbS0tLXJlYWRlcnM=", accessLevel: "READ_ONLY" },
    ],
    branchConfiguration: "main release/*",
    schedules: [
      { key: "nightly", cronline: "0 3 * * *", label: "Nightly rebuild", env: { NIGHTLY: "1" } },
      { key: "weekly", cronline: "@weekly", branch: "release", env: {} },
    ],
  });
  repo = new DepotImagePipeline("api", {
    ...argsFromModel(model({ slug: "api" })),
    slug: "api",
    name: "API",
    repository: "git@github.com:acme/api.git",
    defaultBranch: "trunk",
    cancelIntermediateBuilds: false,
    skipIntermediateBuilds: false,
    buildPullRequests: false,
    buildPullRequestForks: true,
    delivery: "repository",
  });
  signed = new DepotImagePipeline("signed", {
    ...argsFromModel(model({ slug: "signed" })),
    slug: "signed",
    name: "Signed",
    repository: "git@github.com:acme/signed.git",
    delivery: "repository",
    signing: { jwks: JWKS_CANARY, keyId: "k1" },
  });
  // Every Input the args allow is an Output here: the steps render once they resolve.
  fromOutput = new DepotImagePipeline("late", {
    slug: "late",
    name: pulumi.output("Late"),
    repository: pulumi.output("git@github.com:acme/late.git"),
    organization: "other-org",
    depotProjectId: pulumi.output("abc123xyz"),
    ecr: {
      mode: "oidc",
      roleArn: pulumi.output(ROLE_ARN),
      region: pulumi.output("eu-west-1"),
      accountIds: [pulumi.output("123456789012"), Promise.resolve("123456789012")],
    },
    images: [{ key: "late", destinations: [{ kind: "ecr", repository: pulumi.output("123456789012.dkr.ecr.eu-west-1.amazonaws.com/late") }] }],
  });
  // Only what is required: every default applies.
  minimal = new DepotImagePipeline("min", {
    slug: "min",
    name: "Min",
    repository: "git@github.com:acme/min.git",
    organization: "acme",
    depotProjectId: "abc123xyz",
    images: [{ key: "min" }],
  });
  for (const c of [managed, repo, signed, fromOutput, minimal]) {
    await valueOf(c.url);
    await valueOf(c.storedSteps);
  }
  await settle();
});

describe("DepotImagePipeline (managed delivery)", () => {
  it("creates exactly the component, the pipeline, two teams and two schedules", () => {
    expect(ofComponent("web-app")).toEqual([
      "buildkite:Pipeline/pipeline:Pipeline::web-app",
      "buildkite:Pipeline/schedule:Schedule::web-app-nightly",
      "buildkite:Pipeline/schedule:Schedule::web-app-weekly",
      "buildkite:Pipeline/team:Team::web-app-team-602151e3",
      "buildkite:Pipeline/team:Team::web-app-team-devs",
      "depot-buildkite:index:DepotImagePipeline::web-app",
    ]);
  });

  it("passes exactly these inputs to the Buildkite pipeline", () => {
    const p = find(created, "buildkite:Pipeline/pipeline:Pipeline", "web-app");
    expect(p.plain).toEqual({
      name: "Web App",
      slug: "web-app",
      repository: "git@github.com:acme/web-app.git",
      steps: renderPipelineYaml(SCENARIOS["8 push and load"]),
      defaultBranch: "main",
      description: "Builds the web app images",
      clusterId: "Q2x1c3Rlci0tLWNsdXN0ZXI=",
      defaultTeamId: "VGVhbS0tLXBsYXRmb3Jt",
      branchConfiguration: "main release/*",
      cancelIntermediateBuilds: true,
      skipIntermediateBuilds: true,
      providerSettings: {
        triggerMode: "code",
        buildPullRequests: true,
        buildPullRequestForks: false,
        skipPullRequestBuildsForExistingCommits: true,
        publishCommitStatus: true,
      },
    });
    expect(p.secretPaths).toEqual([]);
  });

  it("teams are keyed by their key or a hash of the team id, never an index", () => {
    expect(find(created, "buildkite:Pipeline/team:Team", "web-app-team-devs").plain).toEqual({
      pipelineId: "web-app-id",
      teamId: "VGVhbS0tLWRldnM=",
      accessLevel: "BUILD_AND_READ",
    });
    expect(find(created, "buildkite:Pipeline/team:Team", "web-app-team-602151e3").plain).toEqual({
      pipelineId: "web-app-id",
      teamId: "VGVhbS0tLXJlYWRlcnM=",
      accessLevel: "READ_ONLY",
    });
  });

  it("schedules default branch and label, and omit an empty env", () => {
    expect(find(created, "buildkite:Pipeline/schedule:Schedule", "web-app-nightly").plain).toEqual({
      pipelineId: "web-app-id",
      cronline: "0 3 * * *",
      branch: "main",
      label: "Nightly rebuild",
      env: { NIGHTLY: "1" },
    });
    expect(find(created, "buildkite:Pipeline/schedule:Schedule", "web-app-weekly").plain).toEqual({
      pipelineId: "web-app-id",
      cronline: "@weekly",
      branch: "release",
      label: "weekly",
    });
  });

  it("exposes the pipeline id, slug, url, webhook, the full YAML and the stored steps", async () => {
    const yaml = renderPipelineYaml(SCENARIOS["8 push and load"]);
    expect(await valueOf(managed.pipelineId)).toBe("web-app-id");
    expect(await valueOf(managed.slug)).toBe("web-app");
    expect(await valueOf(managed.url)).toBe("https://buildkite.com/acme/web-app");
    expect(await valueOf(managed.webhookUrl)).toBe("https://webhook.buildkite.com/deliver/web-app");
    expect(await valueOf(managed.pipelineYaml)).toBe(yaml);
    expect(await valueOf(managed.storedSteps)).toBe(yaml);
  });

  it("reaches the Buildkite pipeline child through a getter (not a property: the schema reads every property as an output)", async () => {
    expect(managed.pipeline).toBeInstanceOf(buildkite.pipeline.Pipeline);
    expect(await valueOf(managed.pipeline.id)).toBe("web-app-id");
    expect(Object.keys(managed)).not.toContain("pipeline");
  });

  it("renders inside apply when the args hold Outputs and Promises", async () => {
    expect(await valueOf(fromOutput.url)).toBe("https://buildkite.com/other-org/late");
    expect(find(created, "buildkite:Pipeline/pipeline:Pipeline", "late").plain.name).toBe("Late");
    const expected = renderPipelineYaml(
      model({
        slug: "late",
        organization: "other-org",
        secretsBackend: "buildkite",
        ecr: { mode: "oidc", roleArn: ROLE_ARN, sessionTags: [], region: "eu-west-1", accountIds: ["123456789012"] },
        images: [
          {
            ...model().images[0],
            key: "late",
            platforms: ["linux/amd64"],
            tags: ["{short_commit}"],
            destinations: [{ kind: "ecr", ref: "ecr:123456789012.dkr.ecr.eu-west-1.amazonaws.com/late", repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/late" }],
          },
        ],
      }),
    );
    expect(await valueOf(fromOutput.pipelineYaml)).toBe(expected);
  });

  it("applies every default to minimal args", async () => {
    const yaml = await valueOf(minimal.pipelineYaml);
    expect(yaml).toBe(
      renderPipelineYaml(
        model({
          slug: "min",
          secretsBackend: "buildkite",
          images: [{ ...model().images[0], key: "min", platforms: ["linux/amd64"], tags: ["{short_commit}"] }],
        }),
      ),
    );
    expect(yaml).toContain("queue: default");
    expect(find(created, "buildkite:Pipeline/pipeline:Pipeline", "min").plain.steps).toBe(yaml);
  });
});

describe("DepotImagePipeline (repository delivery)", () => {
  it("stores only the upload step and applies every non-default setting", async () => {
    const p = find(created, "buildkite:Pipeline/pipeline:Pipeline", "api");
    expect(p.plain).toEqual({
      name: "API",
      slug: "api",
      repository: "git@github.com:acme/api.git",
      steps: 'steps:\n  - label: ":pipeline: Upload"\n    command: buildkite-agent pipeline upload\n',
      defaultBranch: "trunk",
      cancelIntermediateBuilds: false,
      skipIntermediateBuilds: false,
      providerSettings: {
        triggerMode: "code",
        buildPullRequests: false,
        buildPullRequestForks: true,
        skipPullRequestBuildsForExistingCommits: true,
        publishCommitStatus: true,
      },
    });
    expect(await valueOf(repo.pipelineYaml)).toBe(renderPipelineYaml(model({ slug: "api" })));
    expect(ofComponent("api")).toEqual(["buildkite:Pipeline/pipeline:Pipeline::api", "depot-buildkite:index:DepotImagePipeline::api"]);
  });
});

describe("DepotImagePipeline (signed)", () => {
  const upload = renderStoredSteps("repository", "");

  it("signs the upload step with getSignedSteps (repository, key id, JWKS)", () => {
    const signing = calls.filter((c) => c.token === SIGNED_TOKEN);
    expect(signing).toHaveLength(1);
    expect(signing[0].inputs).toEqual({
      repository: "git@github.com:acme/signed.git",
      unsignedSteps: upload,
      jwks: JWKS_CANARY,
      jwksKeyId: "k1",
    });
  });

  it("the JWKS stays secret and reaches no resource input; the signed steps (a signature, not the key) stay readable", async () => {
    const p = find(created, "buildkite:Pipeline/pipeline:Pipeline", "signed");
    expect(p.plain.steps).toBe(`signed:${upload}`);
    expect(p.secretPaths).toEqual([]);
    expect(await isSecret(signed.storedSteps)).toBe(false);
    expect(await isSecret(signed.pipelineYaml)).toBe(false);
    for (const r of created) expect(JSON.stringify(r.plain)).not.toContain("JWKS-PRIVATE-CANARY");
  });

  it("unsigned pipelines make no signing call", () => {
    expect(calls.filter((c) => c.token === SIGNED_TOKEN).map((c) => c.inputs.repository)).toEqual(["git@github.com:acme/signed.git"]);
    expect(byType(created, "buildkite:Pipeline/pipeline:Pipeline")).toHaveLength(5);
  });
});

describe("DepotImagePipeline argument checks", () => {
  const base = { ...argsFromModel(model({ slug: "x" })), name: "X", repository: "r" };
  const late = pulumi.output("123456789012.dkr.ecr.eu-west-1.amazonaws.com/x");
  const ecrImage = { key: "x", destinations: [{ kind: "ecr" as const, repository: late }] };

  it.each([
    [{ ...base, signing: { jwks: "{}" } }, '[signing] needs [delivery] = "repository"'],
    [{ ...base, slug: "Not A Slug" }, '[slug] "Not A Slug" must be lower-case letters'],
    [{ ...base, teams: [{ teamId: pulumi.output("T"), accessLevel: "READ_ONLY" as const }] }, "[teams[].key] is required when [teams[].teamId] is not a plain string"],
    [{ ...base, teams: [{ key: "a", teamId: "T1", accessLevel: "READ_ONLY" as const }, { key: "a", teamId: "T2", accessLevel: "READ_ONLY" as const }] }, '[teams] key "a" is used twice'],
    [{ ...base, schedules: [{ key: "n", cronline: "@daily" }, { key: "n", cronline: "@daily" }] }, '[schedules] key "n" is used twice'],
    [{ ...base, schedules: [{ key: "Nightly", cronline: "@daily" }] }, '[schedules[].key] "Nightly" must be lower-case'],
    [{ ...base, schedules: [{ key: "team-x", cronline: "@daily" }] }, 'must not start with "team-"'],
    [{ ...base, schedules: [{ key: "n", cronline: "0 25 * * *" }] }, '[schedules.n.cronline] "0 25 * * *": hour "25" must use values 0-23'],
    [{ ...base, images: [ecrImage], ecr: { mode: "oidc" as const, region: "eu-west-1", accountIds: [late] } }, '[ecr.roleArn] is required with [ecr.mode] = "oidc"'],
    [{ ...base, images: [ecrImage], ecr: { mode: "instance-role" as const, region: "eu-west-1", accountIds: ["123456789012"], roleArn: ROLE_ARN } }, '[ecr.roleArn] is only used with [ecr.mode] = "oidc"'],
    // Known values are checked at once even when others are Outputs (stood in until they resolve).
    [{ ...base, images: [{ ...ecrImage, platforms: ["linux/s390x" as "linux/amd64"] }] }, '[images[0].platforms] "linux/s390x" is not one of linux/amd64, linux/arm64'],
    [{ ...base, images: [ecrImage], ecr: { mode: "oidc" as const, roleArn: late, region: "eu-west-1", accountIds: ["12345"] } }, '[ecr.accountIds] "12345" is not a 12-digit AWS account id'],
    [{ ...base, images: [] }, "[images] must contain at least one image"],
  ])("%#: %s", (args, message) => {
    expect(depotImagePipelineArgsProblems(args).join("\n")).toContain(message);
    expect(() => new DepotImagePipeline(`bad-${Math.random().toString(36).slice(2)}`, args)).toThrow(message);
  });

  it("Outputs are stood in with valid values: args whose only unknowns are Outputs pass", () => {
    expect(
      depotImagePipelineArgsProblems({
        ...base,
        depotProjectId: pulumi.output("abc123xyz"),
        images: [ecrImage],
        ecr: { mode: "oidc", roleArn: pulumi.output("not-known-yet"), region: pulumi.output("eu-west-1"), accountIds: [pulumi.output("x")] },
      }),
    ).toEqual([]);
  });
});
