/**
 * Pure: turns validated settings into `DepotImagePipeline`'s build args. The stack program passes
 * the args (with resource Outputs in them) to the component, which builds the render model with
 * the library's `pipelineModelFromArgs`. The config layer builds the same args with stand-in
 * values and calls the same function, to prove before any resource exists that every accepted
 * config renders. One code path, one set of defaults.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ImageConfig, StackConfig } from "./config-schema";
import type { ResolvedPipeline } from "./config";
import { ENV } from "../components/naming";
import { jobSecretEnv } from "../components/secrets/job-env";
import type { EcrLoginArgs, ImageArgs, ImageDestinationArgs, PipelineBuildArgs } from "../components/pipeline/args";
import { pipelineModelFromArgs, withStandIns } from "../components/pipeline/from-args";
import { DestinationKind, EcrAccessMode, type PipelineModel } from "../components/pipeline/model";

/** Resource values a pipeline needs (known only after the resources exist). */
export interface PipelineRefs {
  depotProjectId: pulumi.Input<string>;
  /** ECR repository URL by configured name. */
  repositoryUrls: Record<string, pulumi.Input<string>>;
  /** ECR registry (account) id by configured name. */
  registryIds: Record<string, pulumi.Input<string>>;
  /** The pipeline's OIDC role ARN (`ecr.access: oidc`), else "". */
  roleArn: pulumi.Input<string>;
}

/** {@link PipelineRefs} with plain values: what validation and the offline tools use. */
export interface ResolvedRefs extends PipelineRefs {
  depotProjectId: string;
  repositoryUrls: Record<string, string>;
  registryIds: Record<string, string>;
  roleArn: string;
}

export function pushesTo(im: ImageConfig, kind: DestinationKind): boolean {
  return im.destinations.some((d) => d.startsWith(`${kind}:`));
}

/** Names of the configured ECR repositories a pipeline pushes to, sorted. */
export function ecrRepositoriesOf(pl: ResolvedPipeline): string[] {
  return [...new Set(pl.config.images.flatMap((im) => im.destinations.filter((d) => d.startsWith("ecr:")).map((d) => d.slice(4))))].sort();
}

/** The job environment variables a pipeline receives from its secrets backend. */
export function secretEnvNames(cfg: StackConfig, pl: ResolvedPipeline): string[] {
  const names: string[] = [];
  if (pl.auth !== "oidc") names.push(ENV.depotToken);
  if (cfg.dockerhub && pl.config.images.some((im) => pushesTo(im, DestinationKind.Dockerhub))) names.push(ENV.dockerhubToken, ENV.dockerhubUsername);
  return names.sort();
}

/** A configured destination (`dockerhub:NAMESPACE/REPO` or `ecr:NAME`) as component args. */
function destinationOf(ref: string, urls: Record<string, pulumi.Input<string>>): ImageDestinationArgs {
  const [kind, ...rest] = ref.split(":");
  const name = rest.join(":");
  // The library prefixes `docker.io/` to a Docker Hub NAMESPACE/REPO.
  if (kind === DestinationKind.Dockerhub) return { kind: DestinationKind.Dockerhub, ref, repository: name };
  return { kind: DestinationKind.Ecr, ref, repository: Object.hasOwn(urls, name) ? urls[name] : "" };
}

/** One configured image as component args (config field names differ only in `dockerfile`). */
export function toImageArgs(im: ImageConfig, urls: Record<string, pulumi.Input<string>>): ImageArgs {
  return {
    key: im.key,
    label: im.label,
    context: im.context,
    file: im.dockerfile,
    target: im.target,
    platforms: im.platforms,
    buildArgs: im.buildArgs,
    buildContexts: im.buildContexts,
    secrets: im.secrets,
    ssh: im.ssh,
    labels: im.labels,
    annotations: im.annotations,
    tags: im.tags,
    destinations: im.destinations.map((d) => destinationOf(d, urls)),
    localName: im.localName,
    commands: im.commands,
    load: im.load,
    save: im.save,
    saveTags: im.saveTags,
    // The renderer writes `--provenance <value>` as text either way: true -> "true".
    provenance: im.provenance === undefined ? undefined : String(im.provenance),
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

/** `DepotImagePipeline`'s build args for one configured pipeline. */
export function pipelineBuildArgs(cfg: StackConfig, pl: ResolvedPipeline, refs: PipelineRefs): PipelineBuildArgs {
  const c = pl.config;
  const ecrNames = ecrRepositoriesOf(pl);
  let ecr: EcrLoginArgs | undefined;
  if (cfg.ecr && ecrNames.length > 0) {
    // The library removes duplicate account ids and sorts them.
    const accountIds = ecrNames.map((n) => refs.registryIds[n]);
    ecr =
      cfg.ecr.access === EcrAccessMode.Oidc
        ? { mode: EcrAccessMode.Oidc, roleArn: refs.roleArn, sessionTags: cfg.ecr.organizationId ? ["organization_id"] : [], region: cfg.ecr.region, accountIds }
        : { mode: EcrAccessMode.InstanceRole, region: cfg.ecr.region, accountIds };
  }
  const pushesDockerhub = c.images.some((im) => pushesTo(im, DestinationKind.Dockerhub));
  return {
    slug: c.slug,
    organization: cfg.buildkite.organization,
    queue: pl.queue,
    auth: pl.auth,
    depotProjectId: refs.depotProjectId,
    secretsBackend: pl.secretsBackend,
    secretEnv: jobSecretEnv(pl.secretsBackend, c.slug, secretEnvNames(cfg, pl)),
    cli: cfg.depot.cli,
    debugOidc: cfg.depot.debugOidc,
    // The Elastic CI Stack logs in to Docker Hub itself (DOCKER_LOGIN_USER / _PASSWORD). The
    // password variable is the library's default (DOCKERHUB_TOKEN), which AgentSecrets delivers.
    dockerhub: pushesDockerhub && cfg.dockerhub && pl.secretsBackend !== "elastic-stack" ? { username: cfg.dockerhub.username } : undefined,
    ecr,
    images: c.images.map((im) => toImageArgs(im, refs.repositoryUrls)),
  };
}

/**
 * The render model of one pipeline from plain resource values: exactly what the component renders
 * for the same args (nothing is stood in: every ref is a plain string here).
 */
export function buildPipelineModel(cfg: StackConfig, pl: ResolvedPipeline, refs: ResolvedRefs): PipelineModel {
  return pipelineModelFromArgs(withStandIns(pipelineBuildArgs(cfg, pl, refs)));
}

/** Stand-in resource values for validating a config before any resource exists. */
export function standInRefs(cfg: StackConfig): ResolvedRefs {
  const names = Object.keys(cfg.ecr?.repositories ?? {});
  const region = cfg.ecr?.region ?? "us-east-1";
  return {
    depotProjectId: cfg.depot.projectId ?? "standin0000",
    repositoryUrls: Object.fromEntries(names.map((n) => [n, `000000000000.dkr.ecr.${region}.amazonaws.com/${n}`])),
    registryIds: Object.fromEntries(names.map((n) => [n, "000000000000"])),
    roleArn: "arn:aws:iam::000000000000:role/stand-in",
  };
}
