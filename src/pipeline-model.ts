/**
 * Pure: builds each pipeline's render model from validated settings and resolved resource values.
 * The stack program calls it inside `apply` with real outputs; the config layer calls it with
 * stand-in values to prove, before any resource exists, that every accepted config renders.
 */
import type { ImageConfig, StackConfig } from "./config-schema";
import type { ResolvedPipeline } from "./config";
import { ENV } from "../components/naming";
import { jobSecretEnv } from "../components/secrets/job-env";
import type { EcrAccess, ImageBuild, PipelineModel, ResolvedDestination } from "../components/pipeline/model";

/** Resource values a model needs (known only after the resources exist). */
export interface ResolvedRefs {
  depotProjectId: string;
  /** ECR repository URL by configured name. */
  repositoryUrls: Record<string, string>;
  /** ECR registry (account) id by configured name. */
  registryIds: Record<string, string>;
  /** The pipeline's OIDC role ARN (`ecr.access: oidc`), else "". */
  roleArn: string;
}

export function pushesTo(im: ImageConfig, kind: "dockerhub" | "ecr"): boolean {
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
  if (cfg.dockerhub && pl.config.images.some((im) => pushesTo(im, "dockerhub"))) names.push(ENV.dockerhubToken, ENV.dockerhubUsername);
  return names.sort();
}

function destinationOf(ref: string, urls: Record<string, string>): ResolvedDestination {
  const [kind, ...rest] = ref.split(":");
  const name = rest.join(":");
  if (kind === "dockerhub") return { kind: "dockerhub", ref, repository: `docker.io/${name}` };
  return { kind: "ecr", ref, repository: urls[name] };
}

export function toImageBuild(im: ImageConfig, urls: Record<string, string>): ImageBuild {
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

/** The render model of one pipeline. */
export function buildPipelineModel(cfg: StackConfig, pl: ResolvedPipeline, refs: ResolvedRefs): PipelineModel {
  const c = pl.config;
  const ecrNames = ecrRepositoriesOf(pl);
  let ecr: EcrAccess | undefined;
  if (cfg.ecr && ecrNames.length > 0) {
    const accountIds = [...new Set(ecrNames.map((n) => refs.registryIds[n]))].sort();
    ecr =
      cfg.ecr.access === "oidc"
        ? { mode: "oidc", roleArn: refs.roleArn, sessionTags: cfg.ecr.organizationId ? ["organization_id"] : [], region: cfg.ecr.region, accountIds }
        : { mode: "instance-role", region: cfg.ecr.region, accountIds };
  }
  const pushesDockerhub = c.images.some((im) => pushesTo(im, "dockerhub"));
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
    // The Elastic CI Stack logs in to Docker Hub itself (DOCKER_LOGIN_USER / _PASSWORD).
    dockerhub:
      pushesDockerhub && cfg.dockerhub && pl.secretsBackend !== "elastic-stack"
        ? { username: cfg.dockerhub.username, passwordEnv: ENV.dockerhubToken }
        : undefined,
    ecr,
    images: c.images.map((im) => toImageBuild(im, refs.repositoryUrls)),
  };
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
