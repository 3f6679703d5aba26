/**
 * The baseline: a hand-written Pulumi program that registers the same resources as the stack
 * program for a {@link BenchSpec} (same types, names, parents, options and inputs), directly with
 * `@pulumi/aws`, `@pulumiverse/buildkite`, bare `pulumi.ComponentResource`s for the component
 * parents, and `pulumi.dynamic.Resource`s with a trivial provider for the Depot resources.
 *
 * Every string input (pipeline YAML, IAM and lifecycle policies, access policies) is computed in
 * {@link prepareBaseline}, before the timed window; {@link registerBaseline} only calls `new`.
 * What the stack program pays on top of this is config validation, rendering, `Output` plumbing,
 * component argument checks and output resolution.
 *
 * `bench/child.ts` checks that both programs register identical resources (a fingerprint of
 * type, name, parent and plain inputs, without the dynamic provider's code).
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as buildkite from "@pulumiverse/buildkite";
import { buildLifecyclePolicy, buildkiteTrustPolicy, ecrPushPolicy } from "../components/aws";
import { ENV, clusterSecretKey } from "../components/naming";
import type { PipelineModel } from "../components/pipeline/model";
import { pipelineModelFromArgs, type ResolvedPipelineArgs } from "../components/pipeline/from-args";
import { toImageArgs } from "../src/pipeline-model";
import { renderPipelineYaml, renderStoredSteps } from "../components/pipeline/render";
import { secretAccessPolicy } from "../components/secrets/access-policy";
import { jobSecretEnv } from "../components/secrets/job-env";
import { imageSchema, DEFAULT_DEPOT_CLI_VERSION } from "../src/config-schema";
import { placeholderFor } from "../src/synth/run";
import { defaultState } from "../src/mock-recorder";
import {
  authOf,
  CLUSTER_ID,
  CLUSTER_UUID,
  DEFAULT_TEAM_ID,
  DEPOT_PROJECT_ID,
  DOCKERHUB_USER,
  ORGANIZATION,
  REGION,
  type BenchPipeline,
  type BenchSpec,
} from "./spec";

const TOKEN_CONFIG_KEY = "depot-buildkite:depotOrgToken";
const COMPONENT = {
  ecr: "depot-buildkite:index:EcrRepository",
  oidcProvider: "depot-buildkite:index:BuildkiteOidcProvider",
  oidcRole: "depot-buildkite:index:BuildkiteOidcRole",
  agentSecrets: "depot-buildkite:index:AgentSecrets",
  pipeline: "depot-buildkite:index:DepotImagePipeline",
} as const;

interface SecretPlan {
  env: string;
  key: string;
  description: string;
  /** A plain value, or `depot-token`: the project token resource's output. */
  value: string | "depot-token";
}

interface PipelinePlan {
  slug: string;
  name: string;
  repository: string;
  auth: "oidc" | "project-token";
  lifecyclePolicy: string;
  roleDescription: string;
  assumeRolePolicy: string;
  pushPolicy: string;
  secrets: SecretPlan[];
  accessPolicy: string;
  steps: string;
  teams: { name: string; teamId: string; accessLevel: "READ_ONLY" | "BUILD_AND_READ" | "MANAGE_BUILD_AND_READ" }[];
  schedules: { name: string; cronline: string; label: string }[];
}

export interface BaselinePlan {
  managed: boolean;
  dockerhubToken: string;
  depotToken: string;
  orgToken: string;
  pipelines: PipelinePlan[];
}

const mockArn = (type: string, name: string, inputs: Record<string, unknown> = {}): string => String(defaultState(type, name, inputs).arn);

function planPipeline(p: BenchPipeline, plan: Omit<BaselinePlan, "pipelines">): PipelinePlan {
  const auth = authOf(p);
  const slug = p.slug;
  const repoArn = mockArn("aws:ecr/repository:Repository", slug, { name: slug });
  const repoUrl = String(defaultState("aws:ecr/repository:Repository", slug, { name: slug }).repositoryUrl);
  const roleArn = mockArn("aws:iam/role:Role", `${slug}-ecr`);
  const providerArn = mockArn("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "buildkite-oidc");

  const secrets: SecretPlan[] = [];
  const describe = (env: string) => `${env} for Buildkite pipeline ${slug} (managed by depot-buildkite)`;
  if (auth !== "oidc") {
    secrets.push({ env: ENV.depotToken, key: clusterSecretKey(ENV.depotToken, slug), description: describe(ENV.depotToken), value: plan.managed ? "depot-token" : plan.depotToken });
  }
  secrets.push({ env: ENV.dockerhubUsername, key: clusterSecretKey(ENV.dockerhubUsername, slug), description: describe(ENV.dockerhubUsername), value: DOCKERHUB_USER });
  secrets.push({ env: ENV.dockerhubToken, key: clusterSecretKey(ENV.dockerhubToken, slug), description: describe(ENV.dockerhubToken), value: plan.dockerhubToken });

  // The same pure path the component takes (config image -> args -> model), run ahead of time.
  const model: PipelineModel = pipelineModelFromArgs({
    slug,
    organization: ORGANIZATION,
    queue: "default",
    auth,
    depotProjectId: DEPOT_PROJECT_ID,
    secretsBackend: "buildkite",
    secretEnv: jobSecretEnv("buildkite", slug, secrets.map((s) => s.env).sort()),
    cli: { version: DEFAULT_DEPOT_CLI_VERSION, install: "script" },
    debugOidc: false,
    dockerhub: { username: DOCKERHUB_USER, passwordEnv: ENV.dockerhubToken },
    ecr: { mode: "oidc", roleArn, sessionTags: [], region: REGION, accountIds: [String(defaultState("aws:ecr/repository:Repository", slug, {}).registryId)] },
    images: p.images.map((raw) => toImageArgs(imageSchema.parse(raw), { [slug]: repoUrl })) as ResolvedPipelineArgs["images"],
  });

  return {
    slug,
    name: p.name,
    repository: p.repository,
    auth,
    lifecyclePolicy: JSON.stringify(buildLifecyclePolicy({ untaggedExpireDays: 14, keepTagged: 100 })),
    roleDescription: `Assumed by Buildkite jobs (OIDC) of ${ORGANIZATION}/${slug}`,
    assumeRolePolicy: JSON.stringify(buildkiteTrustPolicy({ providerArn, organization: ORGANIZATION, pipelines: [slug] })),
    pushPolicy: JSON.stringify(ecrPushPolicy({ pushRepositoryArns: [repoArn], pullRepositoryArns: [] })),
    secrets,
    accessPolicy: secretAccessPolicy({ pipelineSlugs: [slug] }),
    steps: renderStoredSteps("managed", renderPipelineYaml(model)),
    teams: (p.teams ?? []).map((t) => ({
      name: `${slug}-team-${createHash("sha1").update(t.teamId).digest("hex").slice(0, 8)}`,
      teamId: t.teamId,
      accessLevel: t.accessLevel,
    })),
    schedules: (p.schedules ?? []).map((s) => ({ name: `${slug}-${s.key}`, cronline: s.cronline, label: s.label })),
  };
}

/** Everything computed ahead of the timed window. */
export function prepareBaseline(spec: BenchSpec): BaselinePlan {
  const base = {
    managed: spec.variant === "managed",
    dockerhubToken: placeholderFor("dockerhubToken"),
    depotToken: placeholderFor("depotToken"),
    orgToken: placeholderFor("depotOrgToken"),
  };
  return { ...base, pipelines: spec.pipelines.map((p) => planPipeline(p, base)) };
}

let handedOver: BaselinePlan | undefined;

/** Give the plan to `bench/baseline-program.ts`, which is imported next (a program takes no arguments). */
export function handOverPlan(plan: BaselinePlan): void {
  handedOver = plan;
}

/** The plan handed over by {@link handOverPlan}, once. */
export function takePlan(): BaselinePlan {
  const plan = handedOver;
  if (plan === undefined) throw new Error("bench/baseline-program.ts was imported without a plan: call handOverPlan first");
  handedOver = undefined;
  return plan;
}

/** A do-nothing dynamic provider: what any dynamic resource costs to register, minus our provider's code. */
const trivialProvider: pulumi.dynamic.ResourceProvider = {
  create: (inputs: Record<string, unknown>) => Promise.resolve({ id: "baseline", outs: inputs }),
};

class BaselineDynamic extends pulumi.dynamic.Resource {
  declare readonly token: pulumi.Output<string>;
  constructor(type: "TrustPolicy" | "ProjectToken", name: string, props: Record<string, pulumi.Input<unknown> | undefined>, opts?: pulumi.CustomResourceOptions) {
    super(trivialProvider, name, props, opts, "depot", type);
  }
}

/** Register every resource (the timed part). */
export function registerBaseline(plan: BaselinePlan): void {
  const orgToken = pulumi.secret(plan.orgToken);
  const repos: aws.ecr.Repository[] = [];
  for (const p of plan.pipelines) {
    const parent = new pulumi.ComponentResource(COMPONENT.ecr, `ecr-${p.slug}`, {});
    const repo = new aws.ecr.Repository(
      `ecr-${p.slug}`,
      {
        name: p.slug,
        imageTagMutability: "MUTABLE",
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        forceDelete: false,
      },
      { parent, retainOnDelete: false, protect: false },
    );
    new aws.ecr.LifecyclePolicy(`ecr-${p.slug}-lifecycle`, { repository: repo.name, policy: p.lifecyclePolicy }, { parent });
    repos.push(repo);
  }

  const providerParent = new pulumi.ComponentResource(COMPONENT.oidcProvider, "buildkite-oidc", {});
  new aws.iam.OpenIdConnectProvider("buildkite-oidc", { url: "https://agent.buildkite.com", clientIdLists: ["sts.amazonaws.com"] }, { parent: providerParent });
  for (const p of plan.pipelines) {
    const parent = new pulumi.ComponentResource(COMPONENT.oidcRole, `${p.slug}-ecr`, {});
    const role = new aws.iam.Role(
      `${p.slug}-ecr`,
      { description: p.roleDescription, assumeRolePolicy: p.assumeRolePolicy, maxSessionDuration: 3600 },
      { parent },
    );
    new aws.iam.RolePolicy(`${p.slug}-ecr-push`, { role: role.name, policy: p.pushPolicy }, { parent });
  }

  const depotTokens = new Map<string, pulumi.Output<string>>();
  if (plan.managed) {
    for (const p of plan.pipelines) {
      const api = { apiToken: orgToken, tokenConfigKey: TOKEN_CONFIG_KEY };
      if (p.auth === "oidc") {
        new BaselineDynamic("TrustPolicy", `${p.slug}-depot-trust`, { projectId: DEPOT_PROJECT_ID, organizationSlug: ORGANIZATION, pipelineSlug: p.slug, ...api, trustPolicyId: undefined, adopted: undefined });
      } else {
        const token = new BaselineDynamic(
          "ProjectToken",
          `${p.slug}-depot-token`,
          { projectId: DEPOT_PROJECT_ID, description: `Buildkite ${ORGANIZATION}/${p.slug}`, ...api, tokenId: undefined, token: undefined },
          { additionalSecretOutputs: ["token"] },
        );
        depotTokens.set(p.slug, pulumi.secret(token.token));
      }
    }
  }

  const secretsParent = new pulumi.ComponentResource(COMPONENT.agentSecrets, "agent-secrets-buildkite", {});
  for (const p of plan.pipelines) {
    for (const s of p.secrets) {
      const value = s.value === "depot-token" ? depotTokens.get(p.slug) : pulumi.secret(s.value);
      new buildkite.cluster.ClusterSecret(
        `agent-secrets-buildkite-${p.slug}-${s.env}`,
        { clusterId: CLUSTER_UUID, key: s.key, value: value ?? "", description: s.description, policy: p.accessPolicy },
        { parent: secretsParent },
      );
    }
  }

  for (const p of plan.pipelines) {
    const parent = new pulumi.ComponentResource(COMPONENT.pipeline, p.slug, {});
    const pipeline = new buildkite.pipeline.Pipeline(
      p.slug,
      {
        name: p.name,
        slug: p.slug,
        repository: p.repository,
        steps: p.steps,
        defaultBranch: "main",
        clusterId: CLUSTER_ID,
        defaultTeamId: DEFAULT_TEAM_ID,
        cancelIntermediateBuilds: true,
        skipIntermediateBuilds: true,
        providerSettings: {
          triggerMode: "code",
          buildPullRequests: true,
          buildPullRequestForks: false,
          skipPullRequestBuildsForExistingCommits: true,
          publishCommitStatus: true,
        },
      },
      { parent },
    );
    for (const t of p.teams) new buildkite.pipeline.Team(t.name, { pipelineId: pipeline.id, teamId: t.teamId, accessLevel: t.accessLevel }, { parent });
    for (const s of p.schedules) {
      new buildkite.pipeline.Schedule(s.name, { pipelineId: pipeline.id, cronline: s.cronline, branch: "main", label: s.label }, { parent });
    }
  }
}
