import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as buildkite from "@pulumiverse/buildkite";
import type { DeliveryMode, PipelineModel } from "./pipeline/model";
import { renderPipelineYaml, renderStoredSteps } from "./pipeline/render";
import { pipelineModelProblems } from "./pipeline/validate";

/** Team access levels a pipeline team can have. */
export type PipelineTeamAccessLevel = "READ_ONLY" | "BUILD_AND_READ" | "MANAGE_BUILD_AND_READ";

/** A team given access to the pipeline. */
export interface PipelineTeamInputs {
  /**
   * Stable key for the child resource name (`<name>-team-<key>`). Required when `teamId` is not a
   * plain string.
   * @default the first 8 hex characters of the SHA-1 of `teamId`
   */
  key?: string;
  /** The team's GraphQL ID. */
  teamId: pulumi.Input<string>;
  /** Access level for the team. */
  accessLevel: PipelineTeamAccessLevel;
}

/** A scheduled build, e.g. a nightly rebuild to pick up base image updates. */
export interface PipelineScheduleInputs {
  /** Stable key; the child is named `<name>-<key>`. Lower-case letters, digits and `-`. */
  key: string;
  /** Cron line, e.g. `0 3 * * *` or `@daily` (Buildkite syntax, UTC unless a zone is given). */
  cronline: string;
  /**
   * Branch to build.
   * @default the pipeline's `defaultBranch`
   */
  branch?: string;
  /**
   * Label shown in Buildkite.
   * @default `key`
   */
  label?: string;
  /**
   * Build environment. Omitted from the resource when empty (an empty map drifts forever with
   * provider 3.4.0).
   * @default none
   */
  env?: Record<string, string>;
}

/** Arguments of {@link DepotImagePipeline}. */
export interface DepotImagePipelineArgs {
  /**
   * The pipeline slug, set explicitly. It is a key elsewhere (Depot trust policy, secret access
   * policies, AWS OIDC `sub`), so renaming the pipeline must never change it silently. Must equal
   * `model.slug`.
   */
  slug: string;
  /** Display name of the pipeline. */
  name: pulumi.Input<string>;
  /** Repository URL the pipeline builds (also part of a signed step's signature). */
  repository: pulumi.Input<string>;
  /**
   * Default branch.
   * @default "main"
   */
  defaultBranch?: string;
  /**
   * Pipeline description.
   * @default none
   */
  description?: pulumi.Input<string>;
  /**
   * Cluster GraphQL ID (not the UUID that cluster secrets use).
   * @default none (unclustered)
   */
  clusterId?: pulumi.Input<string>;
  /**
   * GraphQL ID of the team that gets `MANAGE_BUILD_AND_READ` at creation; required by the
   * Buildkite API unless the token belongs to an organization admin.
   * @default none
   */
  defaultTeamId?: pulumi.Input<string>;
  /**
   * Further teams with access, one `buildkite:Pipeline/team:Team` each.
   * @default none
   */
  teams?: PipelineTeamInputs[];
  /**
   * Buildkite branch filter for which pushes create builds, e.g. `main release/*`.
   * @default none (every branch)
   */
  branchConfiguration?: string;
  /**
   * Cancel running builds when a newer commit is pushed to the same branch.
   * @default true
   */
  cancelIntermediateBuilds?: boolean;
  /**
   * Skip queued builds when a newer commit is pushed to the same branch.
   * @default true
   */
  skipIntermediateBuilds?: boolean;
  /**
   * Build pull requests.
   * @default true
   */
  buildPullRequests?: boolean;
  /**
   * Build pull requests from forks. Off by default: a build of a fork runs the fork's code with
   * this pipeline's secrets, OIDC identity (Depot trust relationship, AWS role) and agents.
   * @default false
   */
  buildPullRequestForks?: boolean;
  /**
   * Scheduled builds, one `buildkite:Pipeline/schedule:Schedule` each.
   * @default none
   */
  schedules?: PipelineScheduleInputs[];
  /**
   * `managed`: the full rendered YAML is stored in the pipeline settings. `repository`: only a
   * `buildkite-agent pipeline upload` step is stored; commit `pipelineYaml` to
   * `.buildkite/pipeline.yml` in the application repository.
   * @default "managed"
   */
  delivery?: DeliveryMode;
  /**
   * Sign the stored upload step (repository delivery only) with
   * `buildkite.pipeline.getSignedStepsOutput`. Use an EdDSA key: PS512/ES512 signatures change on
   * every run. `jwks` is treated as a secret.
   * @default none (unsigned)
   */
  signing?: { jwks: pulumi.Input<string>; keyId?: string };
  /** The resolved pipeline model; rendered inside `apply`. */
  model: pulumi.Input<PipelineModel>;
}

const KEY = /^[a-z0-9][a-z0-9-]*$/;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;

function teamKey(team: PipelineTeamInputs): string {
  if (team.key !== undefined) return team.key;
  if (typeof team.teamId !== "string") {
    throw new Error("[teams[].key] is required when [teams[].teamId] is not a plain string");
  }
  return createHash("sha1").update(team.teamId).digest("hex").slice(0, 8);
}

/** The model when it is a plain value (not an Output or Promise), so it can be checked at once. */
function plainModel(m: pulumi.Input<PipelineModel>): PipelineModel | undefined {
  if (pulumi.Output.isInstance(m) || m instanceof Promise) return undefined;
  return m as PipelineModel;
}

/**
 * Problems with the plain (construction-time) arguments. A plain `model` is checked here too; a
 * model that is an Output is checked when it resolves, inside the render.
 */
export function depotImagePipelineArgsProblems(args: DepotImagePipelineArgs): string[] {
  const p: string[] = [];
  if (!SLUG.test(args.slug)) p.push(`[slug] ${JSON.stringify(args.slug)} must be lower-case letters, digits and "-"`);
  const m = plainModel(args.model);
  if (m) {
    if (m.slug !== args.slug) p.push(`[model.slug] ${JSON.stringify(m.slug)} must equal [slug] ${JSON.stringify(args.slug)}`);
    p.push(...pipelineModelProblems(m).map((x) => `[model] ${x}`));
  }
  if (args.signing && (args.delivery ?? "managed") !== "repository") {
    p.push('[signing] needs [delivery] = "repository": signing forbids "$" in stored steps, and the full pipeline has runtime variables');
  }
  const teamKeys = new Set<string>();
  for (const t of args.teams ?? []) {
    let k: string;
    try {
      k = teamKey(t);
    } catch (e) {
      p.push((e as Error).message);
      continue;
    }
    if (!KEY.test(k)) p.push(`[teams[].key] ${JSON.stringify(k)} must be lower-case letters, digits and "-"`);
    if (teamKeys.has(k)) p.push(`[teams] key ${JSON.stringify(k)} is used twice`);
    teamKeys.add(k);
  }
  const scheduleKeys = new Set<string>();
  for (const s of args.schedules ?? []) {
    if (!KEY.test(s.key)) p.push(`[schedules[].key] ${JSON.stringify(s.key)} must be lower-case letters, digits and "-"`);
    if (s.key.startsWith("team-")) p.push(`[schedules[].key] ${JSON.stringify(s.key)} must not start with "team-"`);
    if (scheduleKeys.has(s.key)) p.push(`[schedules] key ${JSON.stringify(s.key)} is used twice`);
    scheduleKeys.add(s.key);
    if (s.cronline.trim() === "") p.push(`[schedules.${s.key}.cronline] must not be empty`);
  }
  return p;
}

/**
 * A Buildkite pipeline whose steps build container images with `depot build`.
 *
 * Children (all parented to this component):
 * - `buildkite:Pipeline/pipeline:Pipeline` named `<name>`, with the explicit `slug` and the stored
 *   steps (the full YAML, or a possibly signed upload step);
 * - one `buildkite:Pipeline/team:Team` per team, named `<name>-team-<key>`;
 * - one `buildkite:Pipeline/schedule:Schedule` per schedule, named `<name>-<key>`.
 */
export class DepotImagePipeline extends pulumi.ComponentResource {
  /** The pipeline slug. */
  public readonly slug: pulumi.Output<string>;
  /** `https://buildkite.com/<organization>/<slug>`. */
  public readonly url: pulumi.Output<string>;
  /** Webhook URL for repository providers without the Buildkite app. */
  public readonly webhookUrl: pulumi.Output<string>;
  /** The full rendered pipeline YAML (`.buildkite/pipeline.yml` in repository delivery). */
  public readonly pipelineYaml: pulumi.Output<string>;
  /** What is stored in the pipeline settings. Secret when signed (derived from the JWKS). */
  public readonly storedSteps: pulumi.Output<string>;
  /** The Buildkite pipeline resource. */
  public readonly pipeline: buildkite.pipeline.Pipeline;

  constructor(name: string, args: DepotImagePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:DepotImagePipeline", name, {}, opts);
    const problems = depotImagePipelineArgsProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`Invalid DepotImagePipeline ${JSON.stringify(name)}:\n  - ${problems.join("\n  - ")}`, this);
    }
    const delivery = args.delivery ?? "managed";
    const defaultBranch = args.defaultBranch ?? "main";
    const model = pulumi.output(args.model);

    this.pipelineYaml = model.apply((m) => {
      if (m.slug !== args.slug) {
        throw new pulumi.ResourceError(`[model.slug] ${JSON.stringify(m.slug)} must equal [slug] ${JSON.stringify(args.slug)}`, this);
      }
      return renderPipelineYaml(m);
    });
    const unsigned = this.pipelineYaml.apply((yaml) => renderStoredSteps(delivery, yaml));
    // Signed steps carry a signature, not the key: they are no secret, and keeping them plain lets
    // `pulumi preview` show what changes in the stored step.
    this.storedSteps = args.signing
      ? pulumi.unsecret(buildkite.pipeline.getSignedStepsOutput(
          {
            repository: args.repository,
            unsignedSteps: unsigned,
            jwks: pulumi.secret(args.signing.jwks),
            ...(args.signing.keyId !== undefined ? { jwksKeyId: args.signing.keyId } : {}),
          },
          { parent: this },
        ).steps)
      : unsigned;

    this.pipeline = new buildkite.pipeline.Pipeline(
      name,
      {
        name: args.name,
        slug: args.slug,
        repository: args.repository,
        steps: this.storedSteps,
        defaultBranch,
        ...(args.description !== undefined ? { description: args.description } : {}),
        ...(args.clusterId !== undefined ? { clusterId: args.clusterId } : {}),
        ...(args.defaultTeamId !== undefined ? { defaultTeamId: args.defaultTeamId } : {}),
        ...(args.branchConfiguration !== undefined ? { branchConfiguration: args.branchConfiguration } : {}),
        cancelIntermediateBuilds: args.cancelIntermediateBuilds ?? true,
        skipIntermediateBuilds: args.skipIntermediateBuilds ?? true,
        providerSettings: {
          triggerMode: "code",
          buildPullRequests: args.buildPullRequests ?? true,
          buildPullRequestForks: args.buildPullRequestForks ?? false,
          skipPullRequestBuildsForExistingCommits: true,
          publishCommitStatus: true,
        },
      },
      { parent: this },
    );

    for (const team of args.teams ?? []) {
      new buildkite.pipeline.Team(
        `${name}-team-${teamKey(team)}`,
        { pipelineId: this.pipeline.id, teamId: team.teamId, accessLevel: team.accessLevel },
        { parent: this },
      );
    }
    for (const s of args.schedules ?? []) {
      new buildkite.pipeline.Schedule(
        `${name}-${s.key}`,
        {
          pipelineId: this.pipeline.id,
          cronline: s.cronline,
          branch: s.branch ?? defaultBranch,
          label: s.label ?? s.key,
          ...(s.env !== undefined && Object.keys(s.env).length > 0 ? { env: s.env } : {}),
        },
        { parent: this },
      );
    }

    this.slug = this.pipeline.slug;
    this.url = pulumi.interpolate`https://buildkite.com/${model.organization}/${this.pipeline.slug}`;
    this.webhookUrl = this.pipeline.webhookUrl;

    this.registerOutputs({
      slug: this.slug,
      url: this.url,
      webhookUrl: this.webhookUrl,
      pipelineYaml: this.pipelineYaml,
      storedSteps: this.storedSteps,
      pipeline: this.pipeline,
    });
  }
}
