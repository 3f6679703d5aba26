/**
 * Another team's stack: one Buildkite pipeline that builds `web` with Depot and pushes it to a new
 * ECR repository, using keyless AWS access (Buildkite OIDC). Everything comes from the
 * `depot-buildkite` package; this program only wires the components together.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BuildkiteOidcProvider, BuildkiteOidcRole, DepotImagePipeline, EcrRepository } from "depot-buildkite";

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

// Outputs go straight into the args: the component renders once they resolve.
const pipeline = new DepotImagePipeline("web", {
  slug,
  name: "Web",
  repository: "git@github.com:acme/web.git",
  organization,
  depotProjectId,
  ecr: { mode: "oidc", roleArn: role.resolvedRoleArn, region: aws.getRegionOutput().region, accountIds: [repo.registryId] },
  images: [
    {
      key: "web",
      platforms: ["linux/amd64", "linux/arm64"],
      tags: ["{short_commit}", "latest"],
      destinations: [{ kind: "ecr", repository: repo.repositoryUrl }],
    },
  ],
});

export const repositoryUrl = repo.repositoryUrl;
export const roleArn = role.resolvedRoleArn;
export const pipelineUrl = pipeline.url;
export const pipelineYaml = pipeline.pipelineYaml;
