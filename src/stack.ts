/**
 * Composes the components from validated settings. No config reading here: `index.ts` passes
 * the settings and the secret values in, and exports what this returns.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Settings, ResolvedPipeline } from "./config";
import { ENV } from "../components/naming";
import { DestinationKind } from "../components/pipeline/model";
import { ecrRepositoriesOf, pipelineBuildArgs, pushesTo, secretEnvNames } from "./pipeline-model";
import { DepotImagePipeline } from "../components/depot-image-pipeline";
import { AgentSecrets, type AgentSecretsArgs } from "../components/agent-secrets";
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

/** `record[key]` only when it is the record's own entry: a slug such as `constructor` is valid. */
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function aliasesFor(pl: ResolvedPipeline, suffix = ""): pulumi.Alias[] {
  return pl.config.previousSlugs.map((old) => ({ name: `${old}${suffix}` }));
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
  // The project id as the resources and pipelines take it: plain when configured (a plain input
  // costs less than an Output and registers the same value), the project's Output when managed.
  let depotProjectIdInput: pulumi.Input<string>;
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
    depotProjectIdInput = depotProjectId;
  } else {
    depotProjectIdInput = cfg.depot.projectId ?? "";
    depotProjectId = pulumi.output(depotProjectIdInput);
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
  const ecrPipelines = settings.pipelines.filter((pl) => pl.config.images.some((im) => pushesTo(im, DestinationKind.Ecr)));

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
            pushRepositoryArns: ecrRepositoriesOf(pl).map((n) => repos[n].arn),
            pullRepositoryArns: cfg.ecr.pullRepositoryArns.length > 0 ? cfg.ecr.pullRepositoryArns : undefined,
          },
          { aliases: aliasesFor(pl, "-ecr") },
        );
        roleArns[pl.config.slug] = role.resolvedRoleArn;
      }
    } else {
      const used = [...new Set(ecrPipelines.flatMap(ecrRepositoriesOf))].sort();
      new AgentRoleEcrAccess("agent-ecr-access", {
        roleName: cfg.ecr.agentRoleName ?? "",
        pushRepositoryArns: used.map((n) => repos[n].arn),
        pullRepositoryArns: cfg.ecr.pullRepositoryArns.length > 0 ? cfg.ecr.pullRepositoryArns : undefined,
      });
    }
  }

  // --- Depot trust policies and project tokens ---------------------------------------------------
  const trustRelationships: pulumi.Input<DepotTrustRelationship>[] = [];
  const depotTokens: Record<string, pulumi.Output<string>> = {};
  for (const pl of settings.pipelines) {
    const slug = pl.config.slug;
    if (pl.auth === "oidc") {
      if (settings.manageDepot && secrets.depotOrgToken) {
        new DepotTrustPolicy(
          `${slug}-depot-trust`,
          { projectId: depotProjectIdInput, organizationSlug: org, pipelineSlug: slug, apiToken: secrets.depotOrgToken, tokenConfigKey: DEPOT_ORG_TOKEN_KEY },
          { aliases: aliasesFor(pl, "-depot-trust") },
        );
      } else {
        trustRelationships.push(
          typeof depotProjectIdInput === "string"
            ? { projectId: depotProjectIdInput, organizationSlug: org, pipelineSlug: slug }
            : depotProjectId.apply((projectId) => ({ projectId, organizationSlug: org, pipelineSlug: slug })),
        );
      }
    } else if (pl.auth === "project-token" && settings.manageDepot && secrets.depotOrgToken) {
      const token = new DepotProjectToken(
        `${slug}-depot-token`,
        { projectId: depotProjectIdInput, description: `Buildkite ${org}/${slug}`, apiToken: secrets.depotOrgToken, tokenConfigKey: DEPOT_ORG_TOKEN_KEY },
        { aliases: aliasesFor(pl, "-depot-token") },
      );
      depotTokens[slug] = token.token;
    } else if (secrets.depotToken) {
      depotTokens[slug] = secrets.depotToken;
    }
  }

  // --- Agent secrets, one component per backend in use -------------------------------------------
  const secretPipelines = new Map<AgentSecretsArgs["backend"], AgentSecretsArgs["pipelines"]>();
  // One secret Output for the username, shared by every pipeline.
  const dockerhubUsername = cfg.dockerhub ? pulumi.secret(cfg.dockerhub.username) : undefined;
  for (const pl of settings.pipelines) {
    // Exactly the variables the rendered steps read (secretEnvNames), each from its source.
    const sources: Record<string, pulumi.Input<string> | undefined> = {
      [ENV.depotToken]: own(depotTokens, pl.config.slug),
      [ENV.dockerhubToken]: secrets.dockerhubToken,
      [ENV.dockerhubUsername]: dockerhubUsername,
    };
    const values: Record<string, pulumi.Input<string>> = {};
    for (const name of secretEnvNames(cfg, pl)) {
      const value = sources[name];
      if (value === undefined) throw new pulumi.RunError(`pipeline "${pl.config.slug}" needs ${name}, but nothing provides it`);
      values[name] = value;
    }
    if (Object.keys(values).length === 0) continue;
    const list = secretPipelines.get(pl.secretsBackend) ?? [];
    list.push({ slug: pl.config.slug, values, depotAuth: pl.auth });
    secretPipelines.set(pl.secretsBackend, list);
  }
  let agentHookScript: pulumi.Output<string> | undefined;
  for (const [backend, pipelines] of [...secretPipelines].sort(([a], [b]) => a.localeCompare(b))) {
    const args: AgentSecretsArgs = { backend, pipelines };
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
  const repoUrls = Object.fromEntries(Object.entries(repos).map(([n, r]) => [n, r.url]));
  const registryIds = Object.fromEntries(Object.entries(repos).map(([n, r]) => [n, r.registryId]));

  for (const pl of settings.pipelines) {
    const c = pl.config;
    const slug = c.slug;
    const pipeline = new DepotImagePipeline(
      slug,
      {
        // slug, organization, Depot project, auth, logins and images, with the resource Outputs in them
        ...pipelineBuildArgs(cfg, pl, { depotProjectId: depotProjectIdInput, repositoryUrls: repoUrls, registryIds, roleArn: own(roleArns, slug) ?? "" }),
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
      },
      { aliases: aliasesFor(pl) },
    );
    outputs.pipelines[slug] = { url: pipeline.url, webhookUrl: pipeline.webhookUrl, slug: pipeline.slug };
    outputs.pipelineYaml[slug] = pipeline.pipelineYaml;
    outputs.storedSteps[slug] = pipeline.storedSteps;
  }
  return outputs;
}
