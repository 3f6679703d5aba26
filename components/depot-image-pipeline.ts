import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as buildkite from "@pulumiverse/buildkite";
import type { PipelineBuildArgs } from "./pipeline/args";
import { cronlineProblems } from "./pipeline/cron";
import { pipelineArgsProblems, pipelineModelFromArgs, withStandIns, type AllKeys } from "./pipeline/from-args";
import { DeliveryMode } from "./pipeline/model";
import { renderPipelineYaml, renderStoredSteps } from "./pipeline/render";
import { pipelineModelProblems } from "./pipeline/validate";

/** Team access levels a pipeline team can have. */
export const PipelineTeamAccessLevel = {
  /** See the pipeline and its builds. */
  ReadOnly: "READ_ONLY",
  /** Also create builds. */
  BuildAndRead: "BUILD_AND_READ",
  /** Also change the pipeline's settings. */
  ManageBuildAndRead: "MANAGE_BUILD_AND_READ",
} as const;
export type PipelineTeamAccessLevel = (typeof PipelineTeamAccessLevel)[keyof typeof PipelineTeamAccessLevel];

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
  /**
   * Cron line, e.g. `0 3 * * *`, `0 3 * * 1-5 Europe/Berlin` or `@daily` (Buildkite syntax, UTC
   * unless a zone is given); checked by `cronlineProblems`.
   */
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

/** Signing of the stored upload step (repository delivery only). */
export interface PipelineSigningArgs {
  /**
   * JWKS (private key set) that signs the step; treated as a secret and passed to no resource. Use
   * an EdDSA key: PS512/ES512 signatures change on every run.
   */
  jwks: pulumi.Input<string>;
  /**
   * Key id in the JWKS to sign with.
   * @default the JWKS's only key
   */
  keyId?: string;
}

/**
 * Arguments of `DepotImagePipeline`: the Buildkite pipeline settings below, plus the build args it
 * extends (`PipelineBuildArgs`: slug, organization, Depot project, auth, logins, images).
 */
export interface DepotImagePipelineArgs extends PipelineBuildArgs {
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
   * `buildkite.pipeline.getSignedStepsOutput`.
   * @default none (unsigned)
   */
  signing?: PipelineSigningArgs;
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

/**
 * The build half of the args, every field picked by name: the JWKS and the Buildkite settings never
 * reach the model's Output (a secret there would make the rendered YAML secret).
 */
export function pipelineBuildArgsOf(args: PipelineBuildArgs): PipelineBuildArgs {
  const build: AllKeys<PipelineBuildArgs> = {
    slug: args.slug,
    organization: args.organization,
    depotProjectId: args.depotProjectId,
    auth: args.auth,
    secretsBackend: args.secretsBackend,
    secretEnv: args.secretEnv,
    queue: args.queue,
    cli: args.cli,
    debugOidc: args.debugOidc,
    dockerhub: args.dockerhub,
    ecr: args.ecr,
    images: args.images,
  };
  return build;
}

/**
 * `fn` applied to `value` with every Output and Promise in it resolved: the same as
 * `pulumi.output(value).apply(fn)` (same value, secrecy, known-ness and resources), but with one
 * `pulumi.all` over the distinct Output/Promise leaves instead of an Output per nested object and
 * array. The plain parts are copied, as `pulumi.output` copies them.
 */
function applyResolved<T extends object, R>(value: T, fn: (resolved: pulumi.Unwrap<T>) => R): pulumi.Output<R> {
  const leaves: unknown[] = [];
  const indexOf = new Map<unknown, LeafRef>();
  const ancestors = new Set<object>();
  // A copy of the plain parts, taken now (as `pulumi.output` does), with each leaf as a LeafRef.
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== "object" || pulumi.Resource.isInstance(v)) return v;
    if (pulumi.Output.isInstance(v) || v instanceof Promise) {
      let ref = indexOf.get(v);
      if (ref === undefined) {
        ref = new LeafRef(leaves.push(v) - 1);
        indexOf.set(v, ref);
      }
      return ref;
    }
    if (ancestors.has(v)) throw new Error("Cannot create an Output from a circular structure");
    ancestors.add(v);
    let result: unknown;
    if (Array.isArray(v)) {
      result = v.map(copy);
    } else {
      const record: Record<string, unknown> = {};
      for (const k of Object.keys(v)) record[k] = copy((v as Record<string, unknown>)[k]);
      result = record;
    }
    ancestors.delete(v);
    return result;
  };
  const template = copy(value);
  return pulumi.all(leaves).apply((resolved) => {
    const fill = (v: unknown): unknown => {
      if (v instanceof LeafRef) return resolved[v.index];
      if (v === null || typeof v !== "object" || pulumi.Resource.isInstance(v)) return v;
      if (Array.isArray(v)) return v.map(fill);
      const record: Record<string, unknown> = {};
      for (const k of Object.keys(v)) record[k] = fill((v as Record<string, unknown>)[k]);
      return record;
    };
    return fn(fill(template) as pulumi.Unwrap<T>);
  });
}

/** The place of an Output or Promise leaf in {@link applyResolved}'s template. */
class LeafRef {
  constructor(readonly index: number) {}
}

/**
 * Problems with the arguments that are known at construction. Inputs that are not plain yet
 * (Outputs, Promises) are replaced by valid stand-ins, so everything else of the model is checked
 * now; the full model is checked again once they resolve, inside the render.
 */
export function depotImagePipelineArgsProblems(args: DepotImagePipelineArgs): string[] {
  const p: string[] = [];
  if (!SLUG.test(args.slug)) p.push(`[slug] ${JSON.stringify(args.slug)} must be lower-case letters, digits and "-"`);
  const argProblems = pipelineArgsProblems(args);
  p.push(...argProblems);
  // The model check would repeat a shape problem in its own words: report the args' first.
  if (argProblems.length === 0) {
    p.push(...pipelineModelProblems(pipelineModelFromArgs(withStandIns(pipelineBuildArgsOf(args)))).filter((m) => !m.startsWith("[slug]")));
  }
  if (args.signing && (args.delivery ?? DeliveryMode.Managed) !== DeliveryMode.Repository) {
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
    for (const problem of cronlineProblems(s.cronline)) p.push(`[schedules.${s.key}.cronline] ${problem}`);
  }
  return p;
}

/**
 * The Buildkite pipeline child of each component. Kept outside the instance: every class property
 * would be read as a schema output, and only `@pulumi/*` resources can be schema references.
 */
const pipelineChildren = new WeakMap<DepotImagePipeline, buildkite.pipeline.Pipeline>();

/**
 * A Buildkite pipeline whose steps build container images with `depot build`. The steps are
 * rendered from the args by a pure, deterministic renderer once every Input has resolved.
 *
 * Children (all parented to this component):
 * - `buildkite:Pipeline/pipeline:Pipeline` named `<name>`, with the explicit `slug` and the stored
 *   steps (the full YAML, or a possibly signed upload step);
 * - one `buildkite:Pipeline/team:Team` per team, named `<name>-team-<key>`;
 * - one `buildkite:Pipeline/schedule:Schedule` per schedule, named `<name>-<key>`.
 */
export class DepotImagePipeline extends pulumi.ComponentResource {
  /** The Buildkite pipeline's id (GraphQL ID). */
  public readonly pipelineId: pulumi.Output<string>;
  /** The pipeline slug. */
  public readonly slug: pulumi.Output<string>;
  /** `https://buildkite.com/<organization>/<slug>`. */
  public readonly url: pulumi.Output<string>;
  /** Webhook URL for repository providers without the Buildkite app. */
  public readonly webhookUrl: pulumi.Output<string>;
  /** The full rendered pipeline YAML (`.buildkite/pipeline.yml` in repository delivery). */
  public readonly pipelineYaml: pulumi.Output<string>;
  /** What is stored in the pipeline settings: the full YAML, or the (possibly signed) upload step. */
  public readonly storedSteps: pulumi.Output<string>;

  /**
   * The Buildkite pipeline resource, for TypeScript callers (e.g. `dependsOn`). Not part of the
   * cross-language schema: use `pipelineId` there.
   */
  public get pipeline(): buildkite.pipeline.Pipeline {
    const child = pipelineChildren.get(this);
    if (!child) throw new Error("DepotImagePipeline: the pipeline child is not created yet");
    return child;
  }

  constructor(name: string, args: DepotImagePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:DepotImagePipeline", name, {}, opts);
    const problems = depotImagePipelineArgsProblems(args);
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`Invalid DepotImagePipeline ${JSON.stringify(name)}:\n  - ${problems.join("\n  - ")}`, this);
    }
    const delivery = args.delivery ?? DeliveryMode.Managed;
    const defaultBranch = args.defaultBranch ?? "main";

    // The model is built from the resolved build args only; the renderer checks it once more.
    this.pipelineYaml = applyResolved(pipelineBuildArgsOf(args), (resolved) => {
      // The renderer checks the model itself and lists every problem; tie its error to this component.
      try {
        return renderPipelineYaml(pipelineModelFromArgs(resolved));
      } catch (e) {
        throw new pulumi.ResourceError(`Invalid DepotImagePipeline ${JSON.stringify(name)}: ${(e as Error).message}`, this);
      }
    });
    // Managed delivery stores the full YAML as it is (`renderStoredSteps` returns it unchanged):
    // the same Output, without another `apply`.
    const unsigned =
      delivery === DeliveryMode.Managed ? this.pipelineYaml : this.pipelineYaml.apply((yaml) => renderStoredSteps(delivery, yaml));
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

    const pipeline = new buildkite.pipeline.Pipeline(
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
    pipelineChildren.set(this, pipeline);

    for (const team of args.teams ?? []) {
      new buildkite.pipeline.Team(
        `${name}-team-${teamKey(team)}`,
        { pipelineId: pipeline.id, teamId: team.teamId, accessLevel: team.accessLevel },
        { parent: this },
      );
    }
    for (const s of args.schedules ?? []) {
      new buildkite.pipeline.Schedule(
        `${name}-${s.key}`,
        {
          pipelineId: pipeline.id,
          cronline: s.cronline,
          branch: s.branch ?? defaultBranch,
          label: s.label ?? s.key,
          ...(s.env !== undefined && Object.keys(s.env).length > 0 ? { env: s.env } : {}),
        },
        { parent: this },
      );
    }

    this.pipelineId = pipeline.id;
    this.slug = pipeline.slug;
    // One `apply` on the slug when the organization is plain (it is typed `string`); `interpolate` otherwise.
    const organization: unknown = args.organization;
    this.url =
      typeof organization === "string"
        ? pipeline.slug.apply((slug) => `https://buildkite.com/${organization}/${slug}`)
        : pulumi.interpolate`https://buildkite.com/${args.organization}/${pipeline.slug}`;
    this.webhookUrl = pipeline.webhookUrl;

    this.registerOutputs({
      pipelineId: this.pipelineId,
      slug: this.slug,
      url: this.url,
      webhookUrl: this.webhookUrl,
      pipelineYaml: this.pipelineYaml,
      storedSteps: this.storedSteps,
    });
  }
}
