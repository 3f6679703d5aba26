import { describe, expect, it } from "vitest";
import { didYouMean, formatProblems, levenshtein, parseStackConfig, type ParseResult } from "../../src/config";
import { readStackFile, parseStackFile } from "../../src/stack-file";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");
const P = "depot-buildkite";

function cfg(obj: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) out[k.includes(":") ? k : `${P}:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

const base = {
  buildkite: { organization: "acme", clusterId: "Q2x1c3Rlci0tLTAxOTBhYmNkLTEyMzQtNGFiYy04ZGVmLTAxMjM0NTY3ODlhYg==", clusterUuid: "0190abcd-1234-4abc-8def-0123456789ab" },
  depot: { projectId: "abc123def0" },
  pipelines: [{ slug: "api", name: "API", repository: "git@github.com:acme/api.git", images: [{ key: "api" }] }],
};

function parse(obj: Record<string, unknown>, secrets: Record<string, string> = {}): ParseResult {
  const config = { ...cfg(obj), ...cfg(secrets) };
  return parseStackConfig({ config, secretKeys: Object.keys(secrets).map((k) => `${P}:${k}`) });
}

function problems(r: ParseResult): string[] {
  if (r.ok) throw new Error("expected a failure");
  return r.problems.map((p) => `${p.path}: ${p.message}`);
}

describe("parseStackConfig", () => {
  it("accepts a minimal config and applies documented defaults", () => {
    const r = parse(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.settings;
    expect(s.config.buildkite.defaultQueue).toBe("default");
    expect(s.config.depot.auth).toBe("oidc");
    expect(s.config.depot.cli).toEqual({ version: "2.102.12", install: "script" });
    expect(s.config.secrets.backend).toBe("buildkite");
    const im = s.config.pipelines[0].images[0];
    expect(im).toMatchObject({ context: ".", platforms: ["linux/amd64"], tags: ["{short_commit}"], destinations: [], load: false, timeoutInMinutes: 30 });
    expect(s.pipelines[0]).toMatchObject({ auth: "oidc", secretsBackend: "buildkite", queue: "default", index: 0 });
    expect(s.manageDepot).toBe(false);
    expect(s.warnings).toEqual([
      "pipelines[0].images[0] (api/api) neither pushes, loads nor saves: the result stays in Depot's build cache only.",
    ]);
  });

  it("reports an unknown key, an invalid platform and a missing required field at once, each with its path", () => {
    const r = parse({
      ...base,
      pipelines: [{ slug: "api", repository: "git@github.com:acme/api.git", images: [{ key: "api", platforms: ["linux/386"], dockerFile: "x" }] }],
    });
    expect(problems(r)).toEqual([
      'depot-buildkite:pipelines[0].name: is required (expected string).',
      'depot-buildkite:pipelines[0].images[0].platforms[0]: "linux/386" is not allowed; expected one of "linux/amd64", "linux/arm64".',
      expect.stringMatching(/^depot-buildkite:pipelines\[0\]\.images\[0\]\.dockerFile: unknown key\. Did you mean "dockerfile"\? Allowed keys: key, label, context, dockerfile,/),
    ]);
  });

  it("hints at the closest top-level key, including secret keys", () => {
    expect(problems(parse({ ...base, pipeline: [] }))).toEqual([
      `depot-buildkite:pipeline: unknown key. Did you mean "pipelines"? Allowed keys: buildkite, depot, secrets, dockerhub, ecr, pipelines, dockerhubToken, depotToken, depotOrgToken, signingJwks.`,
    ]);
  });

  it("refuses a secret stored in plain text without echoing its value", () => {
    const r = parseStackConfig({ config: { ...cfg(base), [`${P}:dockerhubToken`]: "dckr-plain-value" }, secretKeys: [] });
    const msgs = problems(r);
    expect(msgs).toEqual(["depot-buildkite:dockerhubToken: is stored in plain text; remove it and run `pulumi config set --secret dockerhubToken`."]);
    expect(msgs.join("\n")).not.toContain("dckr-plain-value");
  });

  it("lists the exact commands for missing secrets", () => {
    const r = parse({
      ...base,
      dockerhub: { username: "acmebot" },
      pipelines: [{ ...base.pipelines[0], auth: "project-token", images: [{ key: "api", destinations: ["dockerhub:acme/api"] }] }],
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([]);
    expect(formatProblems(r, "dev").split("\n")).toEqual([
      'Stack "dev" is missing 2 secrets; set them with:',
      '  pulumi config set --secret depotToken --stack dev    # pipeline "api" uses a project token and no organization token is set to create one',
      '  pulumi config set --secret dockerhubToken --stack dev    # image "api" of pipeline "api" pushes to Docker Hub',
    ]);
  });

  it("does not ask for a depotToken when the organization token can create project tokens", () => {
    const r = parse({ ...base, pipelines: [{ ...base.pipelines[0], auth: "project-token" }] }, { depotOrgToken: "x" });
    expect(r.ok).toBe(true);
  });

  it("warns about user tokens and multi-platform --load", () => {
    const r = parse(
      { ...base, pipelines: [{ ...base.pipelines[0], auth: "user-token", images: [{ key: "api", load: true, platforms: ["linux/amd64", "linux/arm64"] }] }] },
      { depotToken: "t" },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.settings.warnings).toEqual([
      'pipelines[0] (api) uses a Depot user token: user tokens are meant for local use; prefer "oidc" or "project-token".',
      "pipelines[0].images[0] (api/api) loads a 2-platform image: --load brings back only the agent's platform.",
    ]);
  });

  it.each([
    [
      "a cron line Buildkite would refuse",
      { pipelines: [{ ...base.pipelines[0], schedules: [{ key: "nightly", cronline: "0 25 * * *" }, { key: "weekly", cronline: "@nightly" }] }] },
      [
        'depot-buildkite:pipelines[0].schedules[0].cronline: "0 25 * * *": hour "25" must use values 0-23.',
        'depot-buildkite:pipelines[0].schedules[1].cronline: "@nightly" is not a predefined interval; expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly.',
      ],
    ],
    [
      "duplicate slugs",
      { pipelines: [base.pipelines[0], { ...base.pipelines[0], name: "API 2" }] },
      ['depot-buildkite:pipelines[1].slug: "api" is already used by pipelines[0]; slugs must be unique.'],
    ],
    [
      "duplicate image keys",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a" }, { key: "a" }] }] },
      ['depot-buildkite:pipelines[0].images[1].key: "a" is already used by images[0] of this pipeline; image keys must be unique.'],
    ],
    [
      "an unconfigured ECR repository",
      { ecr: { region: "eu-west-1", repositories: { api: {} } }, pipelines: [{ ...base.pipelines[0], images: [{ key: "a", destinations: ["ecr:apl"] }] }] },
      ['depot-buildkite:pipelines[0].images[0].destinations[0]: "ecr:apl" names an ECR repository that is not configured under ecr.repositories. Did you mean "api"? Configured: api.'],
    ],
    [
      "a Docker Hub destination without dockerhub config",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a", destinations: ["dockerhub:acme/api"] }] }] },
      ['depot-buildkite:pipelines[0].images[0].destinations[0]: "dockerhub:acme/api" pushes to Docker Hub, but "dockerhub" is not configured (set dockerhub.username).'],
    ],
    [
      "a duplicate destination and an unknown registry",
      { dockerhub: { username: "u" }, pipelines: [{ ...base.pipelines[0], images: [{ key: "a", destinations: ["dockerhub:acme/api", "dockerhub:acme/api", "ghcr:acme/api"] }] }] },
      [
        'depot-buildkite:pipelines[0].images[0].destinations[1]: "dockerhub:acme/api" is listed twice.',
        'depot-buildkite:pipelines[0].images[0].destinations[2]: "ghcr:acme/api" is not a destination; expected "dockerhub:NAMESPACE/REPO" or "ecr:NAME".',
      ],
    ],
    [
      "push without destinations",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a", push: true }] }] },
      ["depot-buildkite:pipelines[0].images[0].push: push is true but the image has no destinations; add one (dockerhub:... or ecr:...)."],
    ],
    [
      "save tags without save",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a", saveTags: ["x"], load: true }] }] },
      ['depot-buildkite:pipelines[0].images[0].saveTags: save tags need "save: true".'],
    ],
    [
      "invalid tag characters and unknown tag variables",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a", load: true, tags: ["-bad", "v{sha}"] }] }] },
      [
        'depot-buildkite:pipelines[0].images[0].tags[0]: tag "-bad": must start with a letter, digit or "_" (e.g. "-bad").',
        'depot-buildkite:pipelines[0].images[0].tags[1]: tag "v{sha}": unknown variable {sha} (known: {commit}, {short_commit}, {branch}, {build_number}, {tag}).',
      ],
    ],
    [
      "a moving tag pushed to an immutable repository",
      { ecr: { region: "eu-west-1", repositories: { api: { imageTagMutability: "IMMUTABLE" } } }, pipelines: [{ ...base.pipelines[0], images: [{ key: "a", tags: ["{short_commit}", "latest"], destinations: ["ecr:api"] }] }] },
      ['depot-buildkite:pipelines[0].images[0].tags: "latest" is a moving tag and "ecr:api" is IMMUTABLE; use a per-build tag such as {short_commit} or make the repository MUTABLE.'],
    ],
    [
      "a dependency on an unknown image",
      { pipelines: [{ ...base.pipelines[0], images: [{ key: "a", load: true, dependsOn: ["b"] }] }] },
      ['depot-buildkite:pipelines[0].images[0].dependsOn[0]: "b" is not an image key of this pipeline; keys: a.'],
    ],
    [
      "both projectId and project",
      { depot: { projectId: "abc123def0", project: { name: "x" } } },
      ['depot-buildkite:depot: set either "projectId" (an existing project) or "project" (create one), not both.'],
    ],
    [
      "signing without repository delivery",
      { pipelines: [{ ...base.pipelines[0], sign: true }] },
      ['depot-buildkite:pipelines[0].sign: signing applies to the stored upload step; set "delivery: repository" or remove "sign".'],
    ],
    [
      "instance-role access without a role",
      { ecr: { region: "eu-west-1", access: "instance-role" } },
      ['depot-buildkite:ecr.agentRoleName: is required with "access: instance-role" (the agents\' existing IAM role name).'],
    ],
  ])("reports %s", (_name, patch, expected) => {
    const r = parse({ ...base, ...patch }, { signingJwks: "j", depotOrgToken: "o", dockerhubToken: "d" });
    expect(problems(r)).toEqual(expected);
  });

  it("rejects, before any resource, what the renderer could not render (a token in step env, a dependency cycle)", () => {
    const r = parse({
      ...base,
      pipelines: [{ ...base.pipelines[0], images: [{ key: "a", load: true, env: { DEPOT_TOKEN: "x" }, dependsOn: ["b"] }, { key: "b", load: true, dependsOn: ["a"] }] }],
    });
    const msgs = problems(r);
    expect(msgs.some((m) => m.startsWith("depot-buildkite:pipelines[0].images[0].env: ") && m.includes("DEPOT_TOKEN"))).toBe(true);
    expect(msgs.some((m) => m.startsWith("depot-buildkite:pipelines[0].") && /cycle/i.test(m))).toBe(true);
  });

  it("requires the cluster UUID and ID when Buildkite secrets deliver a token", () => {
    const r = parse({ ...base, buildkite: { organization: "acme" }, pipelines: [{ ...base.pipelines[0], auth: "project-token" }] }, { depotToken: "t" });
    expect(problems(r)).toEqual([
      'depot-buildkite:buildkite.clusterUuid: is required: pipeline "api" reads its secrets from Buildkite secrets, which live in a cluster (give the cluster UUID).',
      'depot-buildkite:buildkite.clusterId: is required: pipeline "api" reads Buildkite secrets, which only jobs of pipelines in their cluster can read (give the cluster\'s GraphQL ID).',
    ]);
  });

  it("refuses a cluster GraphQL ID and UUID of two different clusters", () => {
    const other = Buffer.from("Cluster---0190ffff-0000-4abc-8def-0123456789ab").toString("base64");
    const r = parse({ ...base, buildkite: { ...base.buildkite, clusterId: other } });
    expect(problems(r)).toEqual([
      `depot-buildkite:buildkite.clusterId: "${other}" is the GraphQL ID of cluster 0190ffff-0000-4abc-8def-0123456789ab, but clusterUuid is 0190abcd-1234-4abc-8def-0123456789ab; give the ID and UUID of the same cluster.`,
    ]);
    // An ID that does not decode to a cluster is not second-guessed.
    expect(parse({ ...base, buildkite: { ...base.buildkite, clusterId: "not-base64!" } }).ok).toBe(true);
  });
});

describe("helpers", () => {
  it("levenshtein and didYouMean", () => {
    expect(levenshtein("pipelnes", "pipelines")).toBe(1);
    expect(didYouMean("zzzzzz", ["a", "b"])).toBe(" Allowed keys: a, b.");
  });
});

describe("ecr.branches and the builds that push to ECR", () => {
  const withEcr = (pipelineExtra: Record<string, unknown>, imageExtra: Record<string, unknown> = {}) =>
    parse({
      ...base,
      ecr: { region: "eu-west-1", branches: ["main"], repositories: { api: {} } },
      pipelines: [{ ...base.pipelines[0], ...pipelineExtra, images: [{ key: "api", destinations: ["ecr:api"], ...imageExtra }] }],
    });
  const ecrWarnings = (r: ParseResult) => {
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.settings.warnings.filter((w) => w.includes("ecr.branches"));
  };

  it("warns when an image that pushes to ECR also builds other branches and pull requests", () => {
    expect(ecrWarnings(withEcr({}))).toEqual([
      'pipelines[0].images[0] (api/api) pushes to ECR, but ecr.branches trusts only main: its builds of other branches and of pull requests will fail to assume the role. Limit the image with "branches: [main]".',
    ]);
    expect(ecrWarnings(withEcr({ buildPullRequests: false }))[0]).toContain("its builds of other branches will fail to assume the role");
    expect(ecrWarnings(withEcr({ branchConfiguration: "main release/*", buildPullRequests: false }))).toHaveLength(1);
    // The pipeline's branch filter does not stop pull request builds, nor a schedule on another branch.
    expect(ecrWarnings(withEcr({ branchConfiguration: "main" }))).toHaveLength(1);
    expect(ecrWarnings(withEcr({ branchConfiguration: "main", buildPullRequests: false, schedules: [{ key: "nightly", cronline: "@daily", branch: "release" }] }))).toHaveLength(1);
  });

  it("is quiet when the image, or a pipeline without pull request builds, builds only trusted branches", () => {
    expect(ecrWarnings(withEcr({}, { branches: ["main"] }))).toEqual([]);
    expect(ecrWarnings(withEcr({ branchConfiguration: "main", buildPullRequests: false, schedules: [{ key: "nightly", cronline: "@daily" }] }))).toEqual([]);
  });
});

describe("a typo in the project namespace", () => {
  it("is reported with the key it was meant to be, not skipped as a provider's config", () => {
    const r = parseStackConfig({ config: { ...cfg(base), "depot-buildkit:ecr": JSON.stringify({ region: "eu-west-1" }), "aws:region": "eu-west-1" }, secretKeys: [] });
    expect(problems(r)).toEqual(['depot-buildkit:ecr: unknown namespace "depot-buildkit". Did you mean "depot-buildkite:ecr"?']);
  });
});

describe("a secret put in plain config under a section", () => {
  it.each([
    ["dockerhub", { username: "acmebot", token: "s3cret-canary" }, "dockerhub.token", "dockerhubToken"],
    ["depot", { projectId: "abc123def0", orgToken: "s3cret-canary" }, "depot.orgToken", "depotOrgToken"],
    ["depot", { projectId: "abc123def0", token: "s3cret-canary" }, "depot.token", "depotToken"],
    ["buildkite", { ...base.buildkite, apiToken: "s3cret-canary" }, "buildkite.apiToken", "buildkite:apiToken"],
  ])("%s: says which secret to set instead, without echoing the value", (section, value, at, key) => {
    const r = parse({ ...base, [section]: value });
    const found = problems(r);
    expect(found).toEqual([`depot-buildkite:${at}: unknown key. Secrets are not stored in plain config: remove it and run \`pulumi config set --secret ${key}\`.`]);
    expect(found.join("\n")).not.toContain("s3cret-canary");
  });
});

describe("schema problems and cross-field problems in one run", () => {
  const pipeline = (slug: string, extra: Record<string, unknown> = {}) => ({
    slug,
    name: slug,
    repository: `git@github.com:acme/${slug}.git`,
    images: [{ key: "app" }],
    ...extra,
  });

  it("also cross-checks the pipelines the schema accepted, at their own indices, after dropping unknown keys", () => {
    const r = parse({
      ...base,
      buildkite: { ...base.buildkite, notes: "x" },
      ecr: { region: "eu-west-1", repositories: { api: {} } },
      pipelines: [
        pipeline("api", { images: [{ key: "app", platforms: ["linux/arm/v7"] }] }),
        pipeline("web"),
        pipeline("web", { images: [{ key: "app", destinations: ["ecr:billing"], tags: ["build+{build_number}"] }] }),
      ],
    });
    expect(problems(r)).toEqual([
      expect.stringMatching(/^depot-buildkite:buildkite\.notes: unknown key\. Allowed keys:/),
      'depot-buildkite:pipelines[0].images[0].platforms[0]: "linux/arm/v7" is not allowed; expected one of "linux/amd64", "linux/arm64".',
      'depot-buildkite:pipelines[2].slug: "web" is already used by pipelines[1]; slugs must be unique.',
      'depot-buildkite:pipelines[2].images[0].destinations[0]: "ecr:billing" names an ECR repository that is not configured under ecr.repositories. Configured: api.',
      'depot-buildkite:pipelines[2].images[0].tags[0]: tag "build+{build_number}": characters "+" are not allowed in a Docker tag ([A-Za-z0-9_.-]).',
    ]);
  });

  it("reports no consequence of a misspelt key as a problem of its own", () => {
    const pipelines = [pipeline("api", { images: [{ key: "app", destinations: ["ecr:api"] }] })];
    // ecr.repos for ecr.repositories: not "ecr:api names an ECR repository that is not configured".
    expect(problems(parse({ ...base, ecr: { region: "eu-west-1", repos: { api: {} } }, pipelines }))).toEqual([
      expect.stringMatching(/^depot-buildkite:ecr\.repos: unknown key\. Allowed keys: .*repositories/),
    ]);
    // images[].sav for save: the pipeline is set aside, so no "save tags need save: true".
    const sav = parse({ ...base, pipelines: [pipeline("api", { images: [{ key: "app", sav: true, saveTags: ["x"] }] }), pipeline("web"), pipeline("web")] });
    expect(problems(sav)).toEqual([
      expect.stringMatching(/^depot-buildkite:pipelines\[0\]\.images\[0\]\.sav: unknown key\./),
      'depot-buildkite:pipelines[2].slug: "web" is already used by pipelines[1]; slugs must be unique.',
    ]);
    // A misspelt namespace: its keys are missing, so nothing is cross-checked against their absence.
    const ns = parseStackConfig({ config: { ...cfg({ ...base, pipelines }), "depot-buildkit:ecr": JSON.stringify({ region: "eu-west-1", repositories: { api: {} } }) }, secretKeys: [] });
    expect(problems(ns)).toEqual(['depot-buildkit:ecr: unknown namespace "depot-buildkit". Did you mean "depot-buildkite:ecr"?']);
  });

  it("lists the secrets still missing next to the problems", () => {
    const r = parse({ ...base, pipelines: [pipeline("api", { auth: "project-token" }), pipeline("web", { nmae: "x" })] });
    expect(problems(r)).toEqual([expect.stringMatching(/^depot-buildkite:pipelines\[1\]\.nmae: unknown key\. Did you mean "name"\?/)]);
    if (!r.ok) expect(r.missingSecrets.map((m) => m.key)).toEqual(["depotToken"]);
  });

  it("reports only the schema's problems when a top-level value is wrong (nothing sound to cross-check against)", () => {
    const r = parse({ ...base, depot: { projectId: "abc123def0", auth: "password" }, pipelines: [pipeline("web"), pipeline("web")] });
    expect(problems(r)).toEqual(['depot-buildkite:depot.auth: "password" is not allowed; expected one of "oidc", "project-token", "user-token".']);
  });
});

describe("example stacks", () => {
  it.each(["dev", "prod"])("Pulumi.%s.yaml is valid once its secrets are set", (stack) => {
    const f = readStackFile(ROOT, stack);
    const secrets = { dockerhubToken: "d", depotToken: "t", depotOrgToken: "o", signingJwks: "j" };
    const r = parseStackConfig({ config: { ...f.config, ...cfg(secrets) }, secretKeys: Object.keys(secrets).map((k) => `${P}:${k}`) });
    if (!r.ok) throw new Error(formatProblems(r, stack));
    expect(r.settings.pipelines.length).toBeGreaterThanOrEqual(2);
  });

  it("reads secure values as encrypted keys", () => {
    const f = parseStackFile("config:\n  depot-buildkite:dockerhubToken:\n    secure: v1:abc\n  plain: 1\n", "x", "x.yaml");
    expect(f.encryptedKeys).toEqual(["depot-buildkite:dockerhubToken"]);
    expect(f.config).toEqual({ "depot-buildkite:plain": "1" });
  });
});
