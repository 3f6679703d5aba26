/**
 * Pure: resolved {@link PipelineBuildArgs} -> the renderer's {@link PipelineModel}, with every
 * default in one place. `DepotImagePipeline` calls it inside `apply` once its Inputs resolve; the
 * stack program's config layer calls it with plain values to prove that a config renders. Creates
 * no resources and reads no config.
 */
import type * as pulumi from "@pulumi/pulumi";
import { ENV } from "../naming";
import type { ImageArgs, ImageDestinationArgs, PipelineBuildArgs } from "./args";
import {
  CliInstallMode,
  DESTINATION_KINDS,
  DepotAuthMode,
  DestinationKind,
  ECR_ACCESS_MODES,
  EcrAccessMode,
  Platform,
  SecretsBackend,
  type EcrAccess,
  type ImageBuild,
  type PipelineModel,
  type ResolvedDestination,
} from "./model";

/** The pinned depot CLI version rendered into install steps. */
export const DEFAULT_DEPOT_CLI_VERSION = "2.102.12";

/** Defaults of the pipeline-level build args (see the `@default` tags in args.ts). */
export const PIPELINE_DEFAULTS = {
  auth: DepotAuthMode.Oidc,
  secretsBackend: SecretsBackend.Buildkite,
  queue: "default",
  cliVersion: DEFAULT_DEPOT_CLI_VERSION,
  cliInstall: CliInstallMode.Script,
  debugOidc: false,
  dockerhubPasswordEnv: ENV.dockerhubToken,
} as const;

const DEFAULT_PLATFORMS: readonly Platform[] = [Platform.LinuxAmd64];
const DEFAULT_TAGS: readonly string[] = ["{short_commit}"];

/** Defaults of an image (see the `@default` tags of `ImageArgs`). Lists are copied, never shared. */
export const IMAGE_DEFAULTS = {
  context: ".",
  platforms: DEFAULT_PLATFORMS,
  tags: DEFAULT_TAGS,
  timeoutInMinutes: 30,
} as const;

/** Build args with every Input resolved: what `pipelineModelFromArgs` takes. */
export type ResolvedPipelineArgs = pulumi.Unwrap<PipelineBuildArgs>;
type ResolvedImageArgs = pulumi.Unwrap<ImageArgs>;
type ResolvedDestinationArgs = pulumi.Unwrap<ImageDestinationArgs>;

/** `T` with every key spelled out (values may be undefined): a new field cannot be forgotten. */
export type AllKeys<T> = { [K in keyof Required<T>]: T[K] };

/** A Docker Hub repository with its registry: `acme/api` -> `docker.io/acme/api`. */
export function dockerhubRepository(repository: string): string {
  const first = repository.split("/")[0];
  const hasRegistry = repository.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  return hasRegistry ? repository : `docker.io/${repository}`;
}

function destinationOf(d: ResolvedDestinationArgs): ResolvedDestination {
  const repository = d.kind === DestinationKind.Dockerhub ? dockerhubRepository(d.repository) : d.repository;
  return { kind: d.kind, ref: d.ref ?? `${d.kind}:${d.repository}`, repository };
}

function imageOf(im: ResolvedImageArgs): ImageBuild {
  const image: AllKeys<ImageBuild> = {
    key: im.key,
    label: im.label,
    context: im.context ?? IMAGE_DEFAULTS.context,
    file: im.file,
    target: im.target,
    platforms: [...(im.platforms ?? IMAGE_DEFAULTS.platforms)],
    buildArgs: { ...im.buildArgs },
    buildContexts: { ...im.buildContexts },
    secrets: Object.entries(im.secrets ?? {}).map(([id, env]) => ({ id, env })),
    ssh: [...(im.ssh ?? [])],
    labels: { ...im.labels },
    annotations: [...(im.annotations ?? [])],
    tags: [...(im.tags ?? IMAGE_DEFAULTS.tags)],
    destinations: (im.destinations ?? []).map(destinationOf),
    localName: im.localName,
    commands: im.commands && im.commands.length > 0 ? [...im.commands] : undefined,
    load: im.load ?? false,
    save: im.save ?? false,
    saveTags: [...(im.saveTags ?? [])],
    provenance: im.provenance,
    sbom: im.sbom,
    lint: im.lint ?? false,
    lintFailOn: im.lintFailOn,
    buildPlatform: im.buildPlatform,
    noCache: im.noCache ?? false,
    pull: im.pull ?? false,
    metadataFile: im.metadataFile,
    dependsOn: [...(im.dependsOn ?? [])],
    timeoutInMinutes: im.timeoutInMinutes ?? IMAGE_DEFAULTS.timeoutInMinutes,
    concurrency: im.concurrency ? { limit: im.concurrency.limit, group: im.concurrency.group } : undefined,
    branches: im.branches ? [...im.branches] : undefined,
    queue: im.queue,
    env: { ...im.env },
  };
  return image;
}

function ecrOf(ecr: NonNullable<ResolvedPipelineArgs["ecr"]>): EcrAccess {
  const accountIds = [...new Set(ecr.accountIds)].sort();
  return ecr.mode === EcrAccessMode.InstanceRole
    ? { mode: ecr.mode, region: ecr.region, accountIds }
    : // A missing role ARN is reported by pipelineArgsProblems; "" keeps this function total.
      { mode: EcrAccessMode.Oidc, roleArn: ecr.roleArn ?? "", sessionTags: [...(ecr.sessionTags ?? [])], region: ecr.region, accountIds };
}

/**
 * The renderer's model for resolved build args, with every default applied. Pure and total: check
 * the args with {@link pipelineArgsProblems} and the result with `pipelineModelProblems`.
 */
export function pipelineModelFromArgs(args: ResolvedPipelineArgs): PipelineModel {
  const model: AllKeys<PipelineModel> = {
    slug: args.slug,
    organization: args.organization,
    queue: args.queue ?? PIPELINE_DEFAULTS.queue,
    auth: args.auth ?? PIPELINE_DEFAULTS.auth,
    depotProjectId: args.depotProjectId,
    secretsBackend: args.secretsBackend ?? PIPELINE_DEFAULTS.secretsBackend,
    secretEnv: { ...args.secretEnv },
    cli: { version: args.cli?.version ?? PIPELINE_DEFAULTS.cliVersion, install: args.cli?.install ?? PIPELINE_DEFAULTS.cliInstall },
    debugOidc: args.debugOidc ?? PIPELINE_DEFAULTS.debugOidc,
    dockerhub: args.dockerhub
      ? { username: args.dockerhub.username, passwordEnv: args.dockerhub.passwordEnv ?? PIPELINE_DEFAULTS.dockerhubPasswordEnv }
      : undefined,
    ecr: args.ecr ? ecrOf(args.ecr) : undefined,
    images: args.images.map(imageOf),
  };
  return model;
}

/**
 * Problems the model cannot express, found from the args' shape alone (no Input needs to be
 * resolved): the role ARN per ECR access mode, and enum values a caller in another language could
 * get wrong. Each names its arg in brackets.
 */
export function pipelineArgsProblems(args: PipelineBuildArgs): string[] {
  const p: string[] = [];
  if (args.ecr) {
    const { mode, roleArn, sessionTags } = args.ecr;
    if (!(ECR_ACCESS_MODES as readonly string[]).includes(mode)) {
      p.push(`[ecr.mode] ${JSON.stringify(mode)} is not one of ${ECR_ACCESS_MODES.join(", ")}`);
    } else if (mode === EcrAccessMode.Oidc && roleArn === undefined) {
      p.push('[ecr.roleArn] is required with [ecr.mode] = "oidc" (pass BuildkiteOidcRole.resolvedRoleArn)');
    } else if (mode === EcrAccessMode.InstanceRole) {
      if (roleArn !== undefined) p.push('[ecr.roleArn] is only used with [ecr.mode] = "oidc"; remove it for "instance-role"');
      if (sessionTags !== undefined && sessionTags.length > 0) p.push('[ecr.sessionTags] are only used with [ecr.mode] = "oidc"');
    }
  }
  args.images.forEach((im, i) => {
    (im.destinations ?? []).forEach((d, j) => {
      if (!(DESTINATION_KINDS as readonly string[]).includes(d.kind)) {
        p.push(`[images[${i}].destinations[${j}].kind] ${JSON.stringify(d.kind)} is not one of ${DESTINATION_KINDS.join(", ")}`);
      }
    });
  });
  return p;
}

/** Stand-ins for values not known at construction: valid by construction, so they hide no problem. */
export const STAND_INS = {
  depotProjectId: "standin0000",
  region: "us-east-1",
  accountId: "000000000000",
  roleArn: "arn:stand-in:iam::000000000000:role/stand-in",
  repository: "registry.invalid/stand-in",
} as const;

/**
 * The args with every value that is not yet a plain string (an Output or a Promise) replaced by a
 * valid stand-in, so that everything known can be checked before any Input resolves. With plain
 * args this is a copy.
 */
export function withStandIns(args: PipelineBuildArgs): ResolvedPipelineArgs {
  const known = (v: pulumi.Input<string>, standIn: string): string => (typeof v === "string" ? v : standIn);
  const resolved: AllKeys<ResolvedPipelineArgs> = {
    slug: args.slug,
    organization: args.organization,
    depotProjectId: known(args.depotProjectId, STAND_INS.depotProjectId),
    auth: args.auth,
    secretsBackend: args.secretsBackend,
    secretEnv: args.secretEnv,
    queue: args.queue,
    cli: args.cli,
    debugOidc: args.debugOidc,
    dockerhub: args.dockerhub,
    ecr: args.ecr && {
      mode: args.ecr.mode,
      region: known(args.ecr.region, STAND_INS.region),
      accountIds: args.ecr.accountIds.map((a) => known(a, STAND_INS.accountId)),
      roleArn: args.ecr.roleArn === undefined ? undefined : known(args.ecr.roleArn, STAND_INS.roleArn),
      sessionTags: args.ecr.sessionTags,
    },
    images: args.images.map((im) => ({
      ...im,
      destinations: im.destinations?.map((d) => ({ kind: d.kind, ref: d.ref, repository: known(d.repository, STAND_INS.repository) })),
    })),
  };
  return resolved;
}
