/**
 * Composes the components from validated settings. No config reading here: `index.ts` passes
 * the settings and the secret values in, and exports what this returns.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Settings, ResolvedPipeline } from "./config";
import type { ImageConfig } from "./config-schema";
import { ENV } from "../components/naming";
import type { EcrAccess, ImageBuild, PipelineModel, ResolvedDestination } from "../components/pipeline/model";
import { DepotImagePipeline } from "../components/depot-image-pipeline";
import { AgentSecrets, type AgentSecretsArgs } from "../components/agent-secrets";
import { jobSecretEnv } from "../components/secrets/job-env";
import { AgentRoleEcrAccess, BuildkiteOidcProvider, BuildkiteOidcRole, EcrRepository } from "../components/aws";
import { DepotProject, DepotProjectToken, DepotTrustPolicy, type DepotTrustRelationship } from "../components/depot";

/** Secret config values, each a Pulumi secret Output when set. */
export interface StackSecrets {
  dockerhubToken?: pulumi.Output<string>;
  depotToken?: pulumi.Output<string>;
  depotOrgToken?: pulumi.Output<string>;
  signingJwks?: pulumi.Output<string>;
}

export interface StackOutputs {
  pipelines: Record<string, { url: pulumi.Output<string>; webhookUrl: pulumi.Output<string>; slug: pulumi.Output<string> }>;
  pipelineYaml: Record<string, pulumi.Output<string>>;
  storedSteps: Record<string, pulumi.Output<string>>;
  depotProjectId: pulumi.Output<string>;
  depotTrustRelationships: pulumi.Output<DepotTrustRelationship[]>;
  ecrRepositories: Record<string, pulumi.Output<string>>;
  ecrRoleArns: Record<string, pulumi.Output<string>>;
  agentHookScript?: pulumi.Output<string>;
  warnings: string[];
}

/** The org token's config key, named in Depot errors. */
export const DEPOT_ORG_TOKEN_KEY = "depot-buildkite:depotOrgToken";

function aliasesFor(pl: ResolvedPipeline, suffix = ""): pulumi.Alias[] {
  return pl.config.previousSlugs.map((old) => ({ name: `${old}${suffix}` }));
}

function pushesTo(im: ImageConfig, kind: "dockerhub" | "ecr"): boolean {
  return im.destinations.some((d) => d.startsWith(`${kind}:`));
}

interface EcrRepo {
  url: pulumi.Output<string>;
  arn: pulumi.Output<string>;
  registryId: pulumi.Output<string>;
}

export function defineStack(settings: Settings, secrets: StackSecrets): StackOutputs {
  const cfg = settings.config;
  const org = cfg.buildkite.organization;

  // --- Depot project ---------------------------------------------------------------------------
  let depotProjectId: pulumi.Output<string>;
  if (cfg.depot.project) {
    if (!secrets.depotOrgToken) throw new pulumi.RunError("depot.project needs the secret depotOrgToken");
    const project = new DepotProject(
      "depot-project",
      {
        name: cfg.depot.project.name,
        regionId: cfg.depot.project.region,
        cachePolicy: cfg.depot.project.cache,
        hardware: cfg.depot.project.hardware,
        apiToken: secrets.depotOrgToken,
        tokenConfigKey: DEPOT_ORG_TOKEN_KEY,
      },
      { protect: cfg.depot.project.protect, retainOnDelete: cfg.depot.project.protect },
    );
    depotProjectId = project.projectId;
  } else {
    depotProjectId = pulumi.output(cfg.depot.projectId ?? "");
  }

  // --- ECR repositories and AWS access ---------------------------------------------------------
  const repos: Record<string, EcrRepo> = {};
  for (const [name, r] of Object.entries(cfg.ecr?.repositories ?? {})) {
    const protect = cfg.ecr?.protect ?? false;
    const repo = new EcrRepository(`ecr-${name}`, {
      name,
      scanOnPush: r.scanOnPush,
      imageTagMutability: r.imageTagMutability,
      encryptionType: r.encryption,
      kmsKeyArn: r.kmsKeyArn,
      lifecycle: { untaggedExpireDays: r.untaggedExpireDays, keepTagged: r.keepTagged },
      pullAccountIds: r.pullAccountIds.length > 0 ? r.pullAccountIds : undefined,
      forceDelete: cfg.ecr?.forceDelete ?? false,
      protect,
      retainOnDelete: protect,
    });
    repos[name] = { url: repo.repositoryUrl, arn: repo.repositoryArn, registryId: repo.registryId };
  }
  const ecrPipelines = settings.pipelines.filter((pl) => pl.config.images.some((im) => pushesTo(im, "ecr")));
  const ecrReposOf = (pl: ResolvedPipeline): string[] =>
    [...new Set(pl.config.images.flatMap((im) => im.destinations.filter((d) => d.startsWith("ecr:")).map((d) => d.slice(4))))].sort();

  const roleArns: Record<string, pulumi.Output<string>> = {};
  if (cfg.ecr && ecrPipelines.length > 0) {
    if (cfg.ecr.access === "oidc") {
      const provider = new BuildkiteOidcProvider("buildkite-oidc", { existingProviderArn: cfg.ecr.oidcProvider.existingArn });
      for (const pl of ecrPipelines) {
        const role = new BuildkiteOidcRole(
          `${pl.config.slug}-ecr`,
          {
            providerArn: provider.providerArn,
            organization: org,
            pipelineSlugs: [pl.config.slug],
            branches: cfg.ecr.branches,
            sessionTags: cfg.ecr.organizationId ? { organizationId: cfg.ecr.organizationId } : undefined,
            pushRepositoryArns: ecrReposOf(pl).map((n) => repos[n].arn),
            pullRepositoryArns: cfg.ecr.pullRepositoryArns.length > 0 ? cfg.ecr.pullRepositoryArns : undefined,
          },
          { aliases: aliasesFor(pl, "-ecr") },
        );
        roleArns[pl.config.slug] = role.resolvedRoleArn;
      }
    } else {
      const used = [...new Set(ecrPipelines.flatMap(ecrReposOf))].sort();
      new AgentRoleEcrAccess("agent-ecr-access", {
        roleName: cfg.ecr.agentRoleName ?? "",
        pushRepositoryArns: used.map((n) => repos[n].arn),
        pullRepositoryArns: cfg.ecr.pullRepositoryArns.length > 0 ? cfg.ecr.pullRepositoryArns : undefined,
      });
    }
  }

  // --- Depot trust policies and project tokens ---------------------------------------------------
  const trustRelationships: pulumi.Output<DepotTrustRelationship>[] = [];
  const depotTokens: Record<string, pulumi.Output<string>> = {};
  for (const pl of settings.pipelines) {
    const slug = pl.config.slug;
    if (pl.auth === "oidc") {
      if (settings.manageDepot && secrets.depotOrgToken) {
        new DepotTrustPolicy(
          `${slug}-depot-trust`,
          { projectId: depotProjectId, organizationSlug: org, pipelineSlug: slug, apiToken: secrets.depotOrgToken, tokenConfigKey: DEPOT_ORG_TOKEN_KEY },
          { aliases: aliasesFor(pl, "-depot-trust") },
        );
      } else {
        trustRelationships.push(depotProjectId.apply((projectId) => ({ projectId, organizationSlug: org, pipelineSlug: slug })));
      }
    } else if (pl.auth === "project-token" && settings.manageDepot && secrets.depotOrgToken) {
      const token = new DepotProjectToken(
        `${slug}-depot-token`,
        { projectId: depotProjectId, description: `Buildkite ${org}/${slug}`, apiToken: secrets.depotOrgToken, tokenConfigKey: DEPOT_ORG_TOKEN_KEY },
        { aliases: aliasesFor(pl, "-depot-token") },
      );
      depotTokens[slug] = token.token;
    } else if (secrets.depotToken) {
      depotTokens[slug] = secrets.depotToken;
    }
  }

  // --- Agent secrets, one component per backend in use -------------------------------------------
  const secretPipelines = new Map<string, AgentSecretsArgs["pipelines"]>();
  const envNamesBySlug: Record<string, string[]> = {};
  for (const pl of settings.pipelines) {
    const values: Record<string, pulumi.Input<string>> = {};
    if (pl.auth !== "oidc" && depotTokens[pl.config.slug]) values[ENV.depotToken] = depotTokens[pl.config.slug];
    if (cfg.dockerhub && secrets.dockerhubToken && pl.config.images.some((im) => pushesTo(im, "dockerhub"))) {
      values[ENV.dockerhubUsername] = pulumi.secret(cfg.dockerhub.username);
      values[ENV.dockerhubToken] = secrets.dockerhubToken;
    }
    if (Object.keys(values).length === 0) continue;
    envNamesBySlug[pl.config.slug] = Object.keys(values).sort();
    const list = secretPipelines.get(pl.secretsBackend) ?? [];
    list.push({ slug: pl.config.slug, values, depotAuth: pl.auth });
    secretPipelines.set(pl.secretsBackend, list);
  }
  let agentHookScript: pulumi.Output<string> | undefined;
  for (const [backend, pipelines] of [...secretPipelines].sort(([a], [b]) => a.localeCompare(b))) {
    const args: AgentSecretsArgs = { backend: backend as AgentSecretsArgs["backend"], pipelines };
    if (backend === "buildkite") args.buildkite = { clusterUuid: cfg.buildkite.clusterUuid ?? "" };
    if (backend === "hook") args.hook = { ...cfg.secrets.hook, region: cfg.ecr?.region };
    if (backend === "elastic-stack" && cfg.secrets.elasticStack) args.elasticStack = cfg.secrets.elasticStack;
    const agentSecrets = new AgentSecrets(`agent-secrets-${backend}`, args);
    if (backend === "hook") agentHookScript = agentSecrets.hookScript;
  }

  // --- Pipelines --------------------------------------------------------------------------------
  const outputs: StackOutputs = {
    pipelines: {},
    pipelineYaml: {},
    storedSteps: {},
    depotProjectId,
    depotTrustRelationships: pulumi.all(trustRelationships),
    ecrRepositories: Object.fromEntries(Object.entries(repos).map(([n, r]) => [n, r.url])),
    ecrRoleArns: roleArns,
    agentHookScript,
    warnings: settings.warnings,
  };
  const repoUrls = pulumi.all(Object.fromEntries(Object.entries(repos).map(([n, r]) => [n, r.url])));
  const registryIds = pulumi.all(Object.fromEntries(Object.entries(repos).map(([n, r]) => [n, r.registryId])));

  for (const pl of settings.pipelines) {
    const c = pl.config;
    const slug = c.slug;
    const envNames = envNamesBySlug[slug] ?? [];
    const roleArn = roleArns[slug] ?? pulumi.output("");
    const model: pulumi.Output<PipelineModel> = pulumi
      .all([depotProjectId, repoUrls, registryIds, roleArn])
      .apply(([projectId, urls, ids, role]) => {
        const images: ImageBuild[] = c.images.map((im) => toImageBuild(im, urls));
        const ecrNames = [...new Set(c.images.flatMap((im) => im.destinations.filter((d) => d.startsWith("ecr:")).map((d) => d.slice(4))))];
        let ecr: EcrAccess | undefined;
        if (cfg.ecr && ecrNames.length > 0) {
          const accountIds = [...new Set(ecrNames.map((n) => ids[n]))].sort();
          ecr =
            cfg.ecr.access === "oidc"
              ? { mode: "oidc", roleArn: role, sessionTags: cfg.ecr.organizationId ? ["organization_id"] : [], region: cfg.ecr.region, accountIds }
              : { mode: "instance-role", region: cfg.ecr.region, accountIds };
        }
        const pushesDockerhub = c.images.some((im) => pushesTo(im, "dockerhub"));
        return {
          slug,
          organization: org,
          queue: pl.queue,
          auth: pl.auth,
          depotProjectId: projectId,
          secretsBackend: pl.secretsBackend,
          secretEnv: jobSecretEnv(pl.secretsBackend, slug, envNames),
          cli: cfg.depot.cli,
          debugOidc: cfg.depot.debugOidc,
          // The Elastic CI Stack logs in to Docker Hub itself (DOCKER_LOGIN_USER / _PASSWORD).
          dockerhub:
            pushesDockerhub && cfg.dockerhub && pl.secretsBackend !== "elastic-stack"
              ? { username: cfg.dockerhub.username, passwordEnv: ENV.dockerhubToken }
              : undefined,
          ecr,
          images,
        };
      });
    const pipeline = new DepotImagePipeline(
      slug,
      {
        slug,
        name: c.name,
        repository: c.repository,
        description: c.description,
        defaultBranch: c.defaultBranch,
        clusterId: cfg.buildkite.clusterId,
        defaultTeamId: cfg.buildkite.defaultTeamId,
        teams: c.teams.length > 0 ? c.teams : undefined,
        branchConfiguration: c.branchConfiguration,
        cancelIntermediateBuilds: c.cancelIntermediateBuilds,
        skipIntermediateBuilds: c.skipIntermediateBuilds,
        buildPullRequests: c.buildPullRequests,
        buildPullRequestForks: c.buildPullRequestForks,
        schedules: c.schedules.length > 0 ? c.schedules : undefined,
        delivery: c.delivery,
        signing: c.sign && secrets.signingJwks ? { jwks: secrets.signingJwks } : undefined,
        model,
      },
      { aliases: aliasesFor(pl) },
    );
    outputs.pipelines[slug] = { url: pipeline.url, webhookUrl: pipeline.webhookUrl, slug: pipeline.slug };
    outputs.pipelineYaml[slug] = pipeline.pipelineYaml;
    outputs.storedSteps[slug] = pipeline.storedSteps;
  }
  return outputs;
}

function destinationOf(ref: string, urls: Record<string, string>): ResolvedDestination {
  const [kind, ...rest] = ref.split(":");
  const name = rest.join(":");
  if (kind === "dockerhub") return { kind: "dockerhub", ref, repository: `docker.io/${name}` };
  return { kind: "ecr", ref, repository: urls[name] };
}

function toImageBuild(im: ImageConfig, urls: Record<string, string>): ImageBuild {
  return {
    key: im.key,
    label: im.label,
    context: im.context,
    file: im.dockerfile,
    target: im.target,
    platforms: im.platforms,
    buildArgs: im.buildArgs,
    buildContexts: im.buildContexts,
    secrets: Object.entries(im.secrets).map(([id, env]) => ({ id, env })),
    ssh: im.ssh,
    labels: im.labels,
    annotations: im.annotations,
    tags: im.tags,
    destinations: im.destinations.map((d) => destinationOf(d, urls)),
    load: im.load,
    save: im.save,
    saveTags: im.saveTags,
    provenance: im.provenance,
    sbom: im.sbom,
    lint: im.lint,
    lintFailOn: im.lintFailOn,
    buildPlatform: im.buildPlatform,
    noCache: im.noCache,
    pull: im.pull,
    metadataFile: im.metadataFile,
    dependsOn: im.dependsOn,
    timeoutInMinutes: im.timeoutInMinutes,
    concurrency: im.concurrency,
    branches: im.branches,
    queue: im.queue,
    env: im.env,
  };
}
