/** Model builders for pipeline tests: one per scenario of Depot's Buildkite guide. */
import type { ResolvedPipelineArgs } from "../../components/pipeline/from-args";
import type { ImageBuild, PipelineModel, ResolvedDestination } from "../../components/pipeline/model";

export const DOCKERHUB: ResolvedDestination = { kind: "dockerhub", ref: "dockerhub:acme/api", repository: "docker.io/acme/api" };
export const ECR: ResolvedDestination = {
  kind: "ecr",
  ref: "ecr:api",
  repository: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/api",
};
export function ecr(name: string): ResolvedDestination {
  return { kind: "ecr", ref: `ecr:${name}`, repository: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}` };
}
export const ROLE_ARN = "arn:aws:iam::123456789012:role/buildkite-web-app";

export function image(overrides: Partial<ImageBuild> = {}): ImageBuild {
  return {
    key: "api",
    context: ".",
    platforms: [],
    buildArgs: {},
    buildContexts: {},
    secrets: [],
    ssh: [],
    labels: {},
    annotations: [],
    tags: [],
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
    ...overrides,
  };
}

export function model(overrides: Partial<PipelineModel> = {}): PipelineModel {
  return {
    slug: "web-app",
    organization: "acme",
    queue: "default",
    auth: "oidc",
    depotProjectId: "abc123xyz",
    secretsBackend: "hook",
    secretEnv: {},
    cli: { version: "2.102.12", install: "script" },
    debugOidc: false,
    images: [image()],
    ...overrides,
  };
}

/** A model whose single image is built from `imageOverrides`. */
export function single(imageOverrides: Partial<ImageBuild>, overrides: Partial<PipelineModel> = {}): PipelineModel {
  return model({ ...overrides, images: [image(imageOverrides)] });
}

/** Every image option set at once. */
export function allFlagsImage(overrides: Partial<ImageBuild> = {}): ImageBuild {
  return image({
    key: "all-flags",
    label: ":docker: Everything",
    context: "services/api",
    file: "services/api/Dockerfile.prod",
    target: "runtime",
    platforms: ["linux/amd64", "linux/arm64"],
    buildArgs: { VERSION: "1.2.3", NODE_ENV: "production", QUOTED: "it's a $HOME \\$x" },
    buildContexts: { shared: "../shared", base: "docker-image://alpine:3.20" },
    secrets: [
      { id: "npm", env: "NPM_TOKEN" },
      { id: "sentry", env: "SENTRY_AUTH_TOKEN" },
    ],
    ssh: ["default"],
    labels: { "org.opencontainers.image.source": "https://github.com/acme/api", team: "platform" },
    annotations: ["index:org.opencontainers.image.description=API"],
    tags: ["latest", "{short_commit}", "{commit}", "build-{build_number}", "br-{branch}"],
    destinations: [DOCKERHUB, ECR],
    load: true,
    save: true,
    saveTags: ["pr-{build_number}"],
    provenance: "mode=max",
    sbom: true,
    lint: true,
    lintFailOn: "warn",
    buildPlatform: "linux/arm64",
    noCache: true,
    pull: true,
    metadataFile: "depot-metadata.json",
    timeoutInMinutes: 45,
    concurrency: { limit: 1, group: "web-app/api-release" },
    branches: ["main", "release/*"],
    queue: "builders",
    env: { BUILDKIT_PROGRESS: "plain", DOCKER_BUILDKIT: "1" },
    ...overrides,
  });
}

/** The scenarios of Depot's Buildkite guide, plus the extras the brief asks for. */
export const SCENARIOS: Record<string, PipelineModel> = {
  "1a oidc": single({ tags: ["{short_commit}"], destinations: [ECR] }, {
    auth: "oidc",
    debugOidc: true,
    ecr: { mode: "oidc", roleArn: ROLE_ARN, sessionTags: [], region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "1b project token": single({}, { auth: "project-token", secretsBackend: "hook" }),
  "1c user token": single({}, { auth: "user-token", secretsBackend: "hook" }),
  "2a token from buildkite secrets": single({}, {
    auth: "project-token",
    secretsBackend: "buildkite",
    secretEnv: { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP" },
  }),
  "2b token from environment hook": single({}, { auth: "project-token", secretsBackend: "hook" }),
  "2c token from elastic stack secrets bucket": single({}, { auth: "project-token", secretsBackend: "elastic-stack" }),
  "3a pinned install": single({}, { cli: { version: "2.102.12", install: "script" } }),
  "3b preinstalled cli": single({}, { cli: { version: "2.102.12", install: "preinstalled" } }),
  "4 multi-platform": single({ platforms: ["linux/amd64", "linux/arm64"], tags: ["latest"], destinations: [ECR] }, {
    ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "5 docker hub push": single({ tags: ["latest", "{short_commit}"], destinations: [DOCKERHUB] }, {
    auth: "project-token",
    secretsBackend: "buildkite",
    secretEnv: { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP", DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP" },
    dockerhub: { username: "acme", passwordEnv: "DOCKERHUB_TOKEN" },
  }),
  "6a ecr push with oidc role": single({ tags: ["{commit}"], destinations: [ECR] }, {
    ecr: { mode: "oidc", roleArn: ROLE_ARN, sessionTags: ["organization_id", "pipeline_id"], region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "6b ecr push with instance role": single({ tags: ["{commit}"], destinations: [ECR] }, {
    ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "7 load": single({ load: true, tags: ["test"], localName: "api" }),
  "8 push and load": single({ load: true, tags: ["latest", "{short_commit}"], destinations: [DOCKERHUB, ECR] }, {
    dockerhub: { username: "acme", passwordEnv: "DOCKERHUB_TOKEN" },
    ecr: { mode: "oidc", roleArn: ROLE_ARN, sessionTags: [], region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "multi-image group": model({
    images: [
      image({ key: "base", context: "base", tags: ["{short_commit}"], destinations: [ecr("base")] }),
      image({ key: "api", context: "api", dependsOn: ["base"], tags: ["{short_commit}"], destinations: [ecr("api")] }),
      image({ key: "worker", context: "worker", dependsOn: ["base", "api"], tags: ["{short_commit}"], destinations: [ecr("worker")] }),
    ],
    ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] },
  }),
  "concurrency and branch filter": single({
    concurrency: { limit: 1, group: "web-app/release" },
    branches: ["main", "release/*"],
    tags: ["{tag}", "latest"],
    destinations: [ECR],
  }, { ecr: { mode: "instance-role", region: "eu-west-1", accountIds: ["123456789012"] } }),
  "all depot flags": model({
    images: [allFlagsImage()],
    dockerhub: { username: "acme", passwordEnv: "DOCKERHUB_TOKEN" },
    ecr: { mode: "oidc", roleArn: ROLE_ARN, sessionTags: ["organization_id"], region: "eu-west-1", accountIds: ["123456789012", "012345678901"] },
    auth: "project-token",
    secretsBackend: "buildkite",
    secretEnv: { DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP", DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP", NPM_TOKEN: "NPM_TOKEN_WEB_APP", SENTRY_AUTH_TOKEN: "SENTRY_AUTH_TOKEN_WEB_APP" },
  }),
};

/** The component args that say exactly what `image` says (every field explicit). */
export function imageArgsFromBuild(im: ImageBuild): ResolvedPipelineArgs["images"][number] {
  return {
    ...im,
    secrets: Object.fromEntries(im.secrets.map((x) => [x.id, x.env])),
    destinations: im.destinations.map((d) => ({ ...d })),
    provenance: im.provenance === undefined ? undefined : String(im.provenance),
  };
}

/** The component's build args that say exactly what `m` says (every field explicit). */
export function argsFromModel(m: PipelineModel): ResolvedPipelineArgs {
  return {
    slug: m.slug,
    organization: m.organization,
    depotProjectId: m.depotProjectId,
    auth: m.auth,
    secretsBackend: m.secretsBackend,
    secretEnv: m.secretEnv,
    queue: m.queue,
    cli: m.cli,
    debugOidc: m.debugOidc,
    dockerhub: m.dockerhub,
    ecr: m.ecr && (m.ecr.mode === "oidc" ? { ...m.ecr } : { mode: m.ecr.mode, region: m.ecr.region, accountIds: m.ecr.accountIds }),
    images: m.images.map(imageArgsFromBuild),
  };
}
