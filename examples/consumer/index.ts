/**
 * Another team's stack: one Buildkite pipeline that builds `web` with Depot and pushes it to a new
 * ECR repository, using keyless AWS access (Buildkite OIDC). Everything comes from the
 * `depot-buildkite` package; this program only wires the components together.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  BuildkiteOidcProvider,
  BuildkiteOidcRole,
  DepotImagePipeline,
  EcrRepository,
  type ImageBuild,
  type PipelineModel,
} from "depot-buildkite";

const config = new pulumi.Config();
const organization = config.get("buildkiteOrganization") ?? "acme";
const depotProjectId = config.get("depotProjectId") ?? "abc123xyz";
const slug = "web";

const repo = new EcrRepository("web", { name: "acme/web" });
// One provider per AWS account: other stacks pass `existingProviderArn` instead.
const oidc = new BuildkiteOidcProvider("buildkite");
const role = new BuildkiteOidcRole("web-push", {
  providerArn: oidc.providerArn,
  organization,
  pipelineSlugs: [slug],
  branches: ["main"],
  pushRepositoryArns: [repo.repositoryArn],
});

/** One image: built for both platforms and pushed to the repository, tagged with the commit. */
function webImage(repository: string): ImageBuild {
  return {
    key: "web",
    context: ".",
    platforms: ["linux/amd64", "linux/arm64"],
    tags: ["{short_commit}", "latest"],
    destinations: [{ kind: "ecr", ref: "ecr:web", repository }],
    buildArgs: {},
    buildContexts: {},
    secrets: [],
    ssh: [],
    labels: {},
    annotations: [],
    load: false,
    save: false,
    saveTags: [],
    lint: false,
    noCache: false,
    pull: false,
    dependsOn: [],
    timeoutInMinutes: 30,
    env: {},
  };
}

const region = aws.getRegionOutput().region;
const model = pulumi
  .all([repo.repositoryUrl, repo.registryId, role.resolvedRoleArn, region])
  .apply(([url, accountId, roleArn, regionName]): PipelineModel => ({
    slug,
    organization,
    queue: "default",
    auth: "oidc",
    depotProjectId,
    secretsBackend: "buildkite",
    secretEnv: {},
    cli: { version: "2.102.12", install: "script" },
    debugOidc: false,
    ecr: { mode: "oidc", roleArn, sessionTags: [], region: regionName, accountIds: [accountId] },
    images: [webImage(url)],
  }));

const pipeline = new DepotImagePipeline("web", {
  slug,
  name: "Web",
  repository: "git@github.com:acme/web.git",
  model,
});

export const repositoryUrl = repo.repositoryUrl;
export const roleArn = role.resolvedRoleArn;
export const pipelineUrl = pipeline.url;
export const pipelineYaml = pipeline.pipelineYaml;
