/**
 * The pure args -> model step behind DepotImagePipeline: defaults, normalisation, the checks on the
 * args' shape, and stand-ins for values that are not known yet.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import type { PipelineBuildArgs } from "../../components/pipeline/args";
import {
  DEFAULT_DEPOT_CLI_VERSION,
  IMAGE_DEFAULTS,
  STAND_INS,
  dockerhubRepository,
  pipelineArgsProblems,
  pipelineModelFromArgs,
  withStandIns,
  type ResolvedPipelineArgs,
} from "../../components/pipeline/from-args";
import type { PipelineModel } from "../../components/pipeline/model";
import { renderPipelineYaml } from "../../components/pipeline/render";
import { pipelineModelProblems } from "../../components/pipeline/validate";
import { imageSchema, topLevelSchema } from "../../src/config-schema";
import { argsFromModel, ROLE_ARN, SCENARIOS } from "./fixtures";

const MINIMAL: ResolvedPipelineArgs = { slug: "web", organization: "acme", depotProjectId: "abc123xyz", images: [{ key: "web" }] };

describe("pipelineModelFromArgs", () => {
  it("applies every default to minimal args", () => {
    expect(pipelineModelFromArgs(MINIMAL)).toEqual({
      slug: "web",
      organization: "acme",
      queue: "default",
      auth: "oidc",
      depotProjectId: "abc123xyz",
      secretsBackend: "buildkite",
      secretEnv: {},
      cli: { version: DEFAULT_DEPOT_CLI_VERSION, install: "script" },
      debugOidc: false,
      images: [
        {
          key: "web",
          context: ".",
          platforms: ["linux/amd64"],
          buildArgs: {},
          buildContexts: {},
          secrets: [],
          ssh: [],
          labels: {},
          annotations: [],
          tags: ["{short_commit}"],
          destinations: [],
          load: false,
          save: false,
          saveTags: [],
          lint: false,
          noCache: false,
          pull: false,
          dependsOn: [],
          timeoutInMinutes: 30,
          env: {},
        },
      ],
    } satisfies PipelineModel);
    expect(pipelineModelProblems(pipelineModelFromArgs(MINIMAL))).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))("%s: args that spell out the model give back the same model and YAML", (name) => {
    const m = SCENARIOS[name];
    // Account ids are de-duplicated and sorted; provenance is text (the renderer writes it as text).
    const expected: PipelineModel = {
      ...m,
      ecr: m.ecr && { ...m.ecr, accountIds: [...new Set(m.ecr.accountIds)].sort() },
      images: m.images.map((im) => ({ ...im, provenance: im.provenance === undefined ? undefined : String(im.provenance) })),
    };
    const built = pipelineModelFromArgs(argsFromModel(m));
    expect(built).toEqual(expected);
    expect(renderPipelineYaml(built)).toBe(renderPipelineYaml(expected));
  });

  it("never shares lists or maps with the args or the defaults", () => {
    const args: ResolvedPipelineArgs = { ...MINIMAL, images: [{ key: "a", tags: ["x"], env: { A: "1" } }, { key: "b" }] };
    const m = pipelineModelFromArgs(args);
    m.images[0].tags.push("y");
    m.images[0].env.B = "2";
    m.images[1].platforms.push("linux/arm64");
    expect(args.images[0].tags).toEqual(["x"]);
    expect(args.images[0].env).toEqual({ A: "1" });
    expect(IMAGE_DEFAULTS.platforms).toEqual(["linux/amd64"]);
  });

  it("de-duplicates and sorts ECR account ids, and defaults the session tags", () => {
    const m = pipelineModelFromArgs({
      ...MINIMAL,
      ecr: { mode: "oidc", roleArn: ROLE_ARN, region: "eu-west-1", accountIds: ["222222222222", "111111111111", "222222222222"] },
    });
    expect(m.ecr).toEqual({ mode: "oidc", roleArn: ROLE_ARN, sessionTags: [], region: "eu-west-1", accountIds: ["111111111111", "222222222222"] });
    const instance = pipelineModelFromArgs({ ...MINIMAL, ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["111111111111"] } });
    expect(instance.ecr).toEqual({ mode: "instance-role", region: "eu-west-1", accountIds: ["111111111111"] });
  });

  it("resolves destinations: docker.io for a Docker Hub NAMESPACE/REPO, ECR URLs as given, ref defaulted", () => {
    const m = pipelineModelFromArgs({
      ...MINIMAL,
      images: [
        {
          key: "web",
          destinations: [
            { kind: "dockerhub", repository: "acme/web" },
            { kind: "ecr", repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web", ref: "ecr:web" },
          ],
        },
      ],
    });
    expect(m.images[0].destinations).toEqual([
      { kind: "dockerhub", ref: "dockerhub:acme/web", repository: "docker.io/acme/web" },
      { kind: "ecr", ref: "ecr:web", repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web" },
    ]);
  });

  it.each([
    ["acme/web", "docker.io/acme/web"],
    ["docker.io/acme/web", "docker.io/acme/web"],
    ["registry-1.docker.io/acme/web", "registry-1.docker.io/acme/web"],
    ["localhost/acme/web", "localhost/acme/web"],
    ["localhost:5000/web", "localhost:5000/web"],
  ])("dockerhubRepository(%j) = %j", (input, expected) => {
    expect(dockerhubRepository(input)).toBe(expected);
  });

  it("maps the build secrets map to --secret pairs in the order given", () => {
    const m = pipelineModelFromArgs({ ...MINIMAL, images: [{ key: "web", secrets: { npm: "NPM_TOKEN", sentry: "SENTRY_AUTH_TOKEN" } }] });
    expect(m.images[0].secrets).toEqual([
      { id: "npm", env: "NPM_TOKEN" },
      { id: "sentry", env: "SENTRY_AUTH_TOKEN" },
    ]);
  });
});

describe("pipelineArgsProblems", () => {
  const late = pulumi.output(ROLE_ARN);
  it.each<[string, Partial<PipelineBuildArgs>, string[]]>([
    ["oidc with a role (even an Output)", { ecr: { mode: "oidc", roleArn: late, region: "r", accountIds: [] } }, []],
    ["instance role without one", { ecr: { mode: "instance-role", region: "r", accountIds: [] } }, []],
    ["oidc without a role", { ecr: { mode: "oidc", region: "r", accountIds: [] } }, ['[ecr.roleArn] is required with [ecr.mode] = "oidc" (pass BuildkiteOidcRole.resolvedRoleArn)']],
    [
      "instance role with a role and session tags",
      { ecr: { mode: "instance-role", roleArn: ROLE_ARN, sessionTags: ["organization_id"], region: "r", accountIds: [] } },
      ['[ecr.roleArn] is only used with [ecr.mode] = "oidc"; remove it for "instance-role"', '[ecr.sessionTags] are only used with [ecr.mode] = "oidc"'],
    ],
    // What a caller in another language could send: the schema types enums, but values are not checked.
    ["an unknown ecr mode", { ecr: { mode: "keys" as "oidc", region: "r", accountIds: [] } }, ['[ecr.mode] "keys" is not one of oidc, instance-role']],
    [
      "an unknown destination kind",
      { images: [{ key: "web", destinations: [{ kind: "ghcr" as "ecr", repository: "ghcr.io/acme/web" }] }] },
      ['[images[0].destinations[0].kind] "ghcr" is not one of dockerhub, ecr'],
    ],
  ])("%s", (_what, overrides, expected) => {
    expect(pipelineArgsProblems({ ...MINIMAL, ...overrides })).toEqual(expected);
  });
});

describe("withStandIns", () => {
  it("copies plain args unchanged", () => {
    const args = argsFromModel(SCENARIOS["all depot flags"]);
    expect(withStandIns(args)).toEqual(args);
  });

  it("replaces every Output and Promise with a valid stand-in, and keeps what is known", () => {
    const resolved = withStandIns({
      ...MINIMAL,
      depotProjectId: pulumi.output("p"),
      ecr: { mode: "oidc", roleArn: pulumi.output(ROLE_ARN), region: pulumi.output("eu-west-1"), accountIds: [Promise.resolve("1"), "123456789012"] },
      images: [{ key: "web", platforms: ["linux/arm64"], destinations: [{ kind: "ecr", repository: pulumi.output("u"), ref: "ecr:web" }] }],
    });
    expect(resolved.depotProjectId).toBe(STAND_INS.depotProjectId);
    expect(resolved.ecr).toEqual({ mode: "oidc", roleArn: STAND_INS.roleArn, region: STAND_INS.region, accountIds: [STAND_INS.accountId, "123456789012"], sessionTags: undefined });
    expect(resolved.images[0]).toEqual({ key: "web", platforms: ["linux/arm64"], destinations: [{ kind: "ecr", ref: "ecr:web", repository: STAND_INS.repository }] });
    expect(pipelineModelProblems(pipelineModelFromArgs(resolved))).toEqual([]);
  });
});

describe("one set of defaults", () => {
  it("the config layer's image and pipeline defaults are the library's", () => {
    const im = imageSchema.parse({ key: "web" });
    expect({ context: im.context, platforms: im.platforms, tags: im.tags, timeoutInMinutes: im.timeoutInMinutes }).toEqual({ ...IMAGE_DEFAULTS });
    const top = topLevelSchema.parse({ buildkite: { organization: "acme" }, pipelines: [{ slug: "web", name: "Web", repository: "r", images: [{ key: "web" }] }] });
    const lib = pipelineModelFromArgs(MINIMAL);
    expect({ queue: top.buildkite.defaultQueue, auth: top.depot.auth, backend: top.secrets.backend, cli: top.depot.cli, debugOidc: top.depot.debugOidc }).toEqual({
      queue: lib.queue,
      auth: lib.auth,
      backend: lib.secretsBackend,
      cli: lib.cli,
      debugOidc: lib.debugOidc,
    });
  });

  it("the TSDoc of cli and cli.version names the pinned default", () => {
    const doc = readFileSync(resolve(__dirname, "../../components/pipeline/args.ts"), "utf8");
    expect(doc).toContain(`@default "${DEFAULT_DEPOT_CLI_VERSION}" (DEFAULT_DEPOT_CLI_VERSION)`);
    expect(doc).toContain(`@default { version: "${DEFAULT_DEPOT_CLI_VERSION}", install: "script" }`);
  });
});
