/**
 * Depot resources as Pulumi dynamic resources (`pulumi-nodejs:dynamic/depot:<Type>`), backed by
 * the providers in `./provider` and Depot's API (`@depot/sdk-node`, organization token).
 *
 * The organization token is passed as the `apiToken` input, always wrapped in `pulumi.secret`, so
 * state keeps it encrypted; it is never captured by the serialized provider and never returned as
 * an output. `read` (refresh) and `delete` get it from the stack config key `tokenConfigKey`.
 */
import * as pulumi from "@pulumi/pulumi";
import {
  defaultTokenConfigKey,
  projectProvider,
  projectTokenProvider,
  trustPolicyProvider,
  type DepotCachePolicy,
  type DepotHardware,
  type DepotHardwareName,
  type DepotRetrySettings,
} from "./provider";

/** Arguments every Depot resource takes. */
export interface DepotApiArgs {
  /**
   * Depot ORGANIZATION token (`depot_org_...`, Depot → Organization settings → API tokens).
   * Always stored as a secret, even if a plain string is passed.
   */
  apiToken: pulumi.Input<string>;
  /**
   * The stack config key that holds the same token. `pulumi refresh` and deletes read it from there
   * (their inputs are the stored outputs, which never contain the token), and errors name it.
   * @default "depot-buildkite:depotOrgToken"
   */
  tokenConfigKey?: string;
  /** Retry tuning for transient API errors. @default { maxAttempts: 4, baseDelayMs: 250 } */
  retry?: DepotRetrySettings;
}

export interface DepotProjectArgs extends DepotApiArgs {
  /** Project name shown in Depot. Renaming updates in place. */
  name: pulumi.Input<string>;
  /** Depot region; changed in place with UpdateProject. @default "us-east-1" */
  regionId?: pulumi.Input<string>;
  /** Cache retention; omitted fields get Depot's defaults (50 GB, 14 days) on create, and stay as they are on update. */
  cachePolicy?: pulumi.Input<DepotCachePolicy>;
  /** Builder size; omitted = Depot's default (16 CPU / 32 GB), left unmanaged. */
  hardware?: pulumi.Input<DepotHardware>;
  /**
   * Adopt an existing project by id instead of creating one (dynamic resources cannot be
   * `pulumi import`ed). Adopting reads the project, then updates it to match these args.
   * Deleting an adopted project only forgets it; Depot keeps it.
   */
  existingProjectId?: pulumi.Input<string>;
}

/**
 * A Depot project (`pulumi-nodejs:dynamic/depot:Project`). Name, region, cache policy and hardware
 * update in place. Deleting a project this resource created deletes it in Depot, with its cache:
 * consider `protect: true` (or `retainOnDelete`).
 */
export class DepotProject extends pulumi.dynamic.Resource {
  /** The Depot project id (`DEPOT_PROJECT_ID`, `--project`). */
  declare readonly projectId: pulumi.Output<string>;
  declare readonly organizationId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly regionId: pulumi.Output<string>;
  declare readonly cachePolicy: pulumi.Output<{ keepGb: number; keepDays: number }>;
  declare readonly hardware: pulumi.Output<DepotHardwareName>;
  /** True when adopted through `existingProjectId`. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: DepotProjectArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectProvider,
      name,
      {
        name: args.name,
        regionId: args.regionId ?? "us-east-1",
        cachePolicy: args.cachePolicy,
        hardware: args.hardware,
        existingProjectId: args.existingProjectId,
        ...apiInputs(args),
        projectId: undefined,
        organizationId: undefined,
        adopted: undefined,
      },
      opts,
      "depot",
      "Project",
    );
  }
}

export interface DepotTrustPolicyArgs extends DepotApiArgs {
  projectId: pulumi.Input<string>;
  /** Buildkite organization slug, exactly as in Buildkite's URLs. */
  organizationSlug: pulumi.Input<string>;
  /** Buildkite pipeline slug, exactly as in Buildkite's URLs. */
  pipelineSlug: pulumi.Input<string>;
}

/**
 * A Buildkite OIDC trust policy on a Depot project (`pulumi-nodejs:dynamic/depot:TrustPolicy`):
 * jobs of that pipeline build with only `DEPOT_PROJECT_ID`, no token. Depot cannot update a trust
 * policy, so any change replaces it, new one first. Creating adopts an identical existing policy
 * instead of adding a duplicate.
 */
export class DepotTrustPolicy extends pulumi.dynamic.Resource {
  declare readonly trustPolicyId: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string>;
  declare readonly organizationSlug: pulumi.Output<string>;
  declare readonly pipelineSlug: pulumi.Output<string>;
  /** True when an identical policy already existed and was adopted. */
  declare readonly adopted: pulumi.Output<boolean>;

  constructor(name: string, args: DepotTrustPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      trustPolicyProvider,
      name,
      {
        projectId: args.projectId,
        organizationSlug: args.organizationSlug,
        pipelineSlug: args.pipelineSlug,
        ...apiInputs(args),
        trustPolicyId: undefined,
        adopted: undefined,
      },
      opts,
      "depot",
      "TrustPolicy",
    );
  }
}

export interface DepotProjectTokenArgs extends DepotApiArgs {
  projectId: pulumi.Input<string>;
  /** Shown in Depot; renamed in place (the token stays valid). Keep it unique per project. */
  description: pulumi.Input<string>;
  /** Change to rotate: a new token is created, then the old one is deleted. */
  rotationKey?: pulumi.Input<string>;
}

/**
 * A Depot project token (`pulumi-nodejs:dynamic/depot:ProjectToken`). `token` is a secret output,
 * returned by Depot only at creation. Changing `projectId` or `rotationKey` (or
 * `pulumi up --replace <urn>`) rotates it: new token first, then the old one is deleted.
 */
export class DepotProjectToken extends pulumi.dynamic.Resource {
  declare readonly tokenId: pulumi.Output<string>;
  /** The token value for `DEPOT_TOKEN` (secret). */
  declare readonly token: pulumi.Output<string>;
  declare readonly projectId: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;

  constructor(name: string, args: DepotProjectTokenArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      projectTokenProvider,
      name,
      {
        projectId: args.projectId,
        description: args.description,
        // Only when set: every key here also becomes an output property of the resource object.
        ...(args.rotationKey !== undefined ? { rotationKey: args.rotationKey } : {}),
        ...apiInputs(args),
        tokenId: undefined,
        token: undefined,
      },
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["token"] }),
      "depot",
      "ProjectToken",
    );
    // The engine marks `token` secret (additionalSecretOutputs); wrap it here as well so it stays
    // secret whatever the engine (or a mock) does.
    this.token = pulumi.secret(this.token);
  }
}

/**
 * `pulumi.secret(token)`, one Output per token Output: a stack passes the same organization token
 * to every Depot resource, and each resource then shares one secret wrapper instead of creating its own.
 */
const secretTokens = new WeakMap<object, pulumi.Output<string>>();
function secretToken(token: pulumi.Input<string>): pulumi.Output<string> {
  if (typeof token !== "object" || token === null) return pulumi.secret(token);
  let secret = secretTokens.get(token);
  if (secret === undefined) {
    secret = pulumi.secret(token);
    secretTokens.set(token, secret);
  }
  return secret;
}

/** The token-related inputs shared by all Depot resources. */
function apiInputs(args: DepotApiArgs): Record<string, pulumi.Input<unknown> | undefined> {
  return {
    apiToken: secretToken(args.apiToken),
    tokenConfigKey: args.tokenConfigKey ?? defaultTokenConfigKey(),
    // Only when set: an undefined input is not sent anyway, but every key becomes an output
    // property of the resource object, each with its own promises.
    ...(args.retry !== undefined ? { retry: args.retry } : {}),
  };
}
