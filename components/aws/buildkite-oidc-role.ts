import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { applyTo, ecrPushPolicyJson, pushPolicyInputProblems, throwIfProblems } from "./internal";
import {
  buildkiteProviderArnProblems,
  buildkiteTrustPolicy,
  buildkiteTrustPolicyProblems,
  type BuildkiteSessionTags,
} from "./policies";

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const TRUST_NAMES = { organization: "organization", pipelines: "pipelineSlugs", branches: "branches", sessionTags: "sessionTags" };

export interface BuildkiteOidcRoleArgs {
  /** ARN of the Buildkite IAM OIDC provider, e.g. `BuildkiteOidcProvider.providerArn`. */
  providerArn: pulumi.Input<string>;
  /** Buildkite organization slug: the `organization:` segment of the `sub` claim. */
  organization: string;
  /**
   * Pipeline slugs whose jobs may assume the role. At least one; no wildcards.
   * @example ["web-app", "api"]
   */
  pipelineSlugs: string[];
  /**
   * Branches whose builds may assume the role. A later step of a build can check out another
   * branch, so treat this as a guard rail, not a boundary.
   * @example ["main"]
   * @default undefined (every branch and tag of the pipelines)
   */
  branches?: string[];
  /**
   * Also require AWS session tags with Buildkite's immutable IDs, so a deleted and re-created
   * pipeline with the same slug is not trusted. Adds `sts:TagSession`; the step's
   * `aws-assume-role-with-web-identity` plugin must set `session-tags` to the same claims.
   * @default undefined (no session tags)
   */
  sessionTags?: BuildkiteSessionTags;
  /** Repositories the jobs may push to (and pull from). At least one. */
  pushRepositoryArns: pulumi.Input<string>[];
  /** Repositories the jobs may only pull from, e.g. base images. @default [] */
  pullRepositoryArns?: pulumi.Input<string>[];
  /** Physical role name (at most 64 characters). @default auto-named from the component name */
  roleName?: string;
  /**
   * Maximum session length, 3600 to 43200 seconds. The plugin requests 3600 unless its
   * `role-session-duration` says otherwise. @default 3600
   */
  maxSessionDurationSeconds?: number;
  /** Tags for the role. @default {} */
  tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/**
 * An IAM role that Buildkite jobs of the named pipelines assume with their OIDC token
 * (`sts:AssumeRoleWithWebIdentity`, no stored AWS keys), allowed to push to the named ECR
 * repositories only.
 *
 * Children:
 * - `aws.iam.Role` named `${name}`, trust policy from `buildkiteTrustPolicy`;
 * - `aws.iam.RolePolicy` named `${name}-push`, an inline policy from `ecrPushPolicy`. Inline,
 *   not managed: it lives and dies with the role, cannot be attached elsewhere by mistake, and
 *   needs no separate attachment resource.
 *
 * Use `resolvedRoleArn` wherever a job will use the role (e.g. in rendered pipeline YAML): it
 * resolves only once the push policy exists.
 */
export class BuildkiteOidcRole extends pulumi.ComponentResource {
  /** The role ARN, known as soon as the role exists (the push policy may not be attached yet). */
  public readonly roleArn: pulumi.Output<string>;
  /** The role ARN, resolved only after the push policy is in place. Give this one to pipelines. */
  public readonly resolvedRoleArn: pulumi.Output<string>;
  /** The role name (auto-named from the component name unless `roleName` is given). */
  public readonly roleName: pulumi.Output<string>;
  /** The `aws.iam.Role` child, to attach further policies to. */
  public readonly role: aws.iam.Role;
  /** The inline ECR push policy child (`${name}-push`). */
  public readonly pushPolicy: aws.iam.RolePolicy;

  constructor(name: string, args: BuildkiteOidcRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:BuildkiteOidcRole", name, {}, opts);

    const trustArgs = {
      organization: args.organization,
      pipelines: args.pipelineSlugs,
      branches: args.branches,
      sessionTags: args.sessionTags,
    };
    const problems = buildkiteTrustPolicyProblems(trustArgs, TRUST_NAMES);
    if (typeof args.providerArn === "string") problems.push(...buildkiteProviderArnProblems(args.providerArn));
    problems.push(...pushPolicyInputProblems(args.pushRepositoryArns, args.pullRepositoryArns));
    if (args.roleName !== undefined && !ROLE_NAME.test(args.roleName)) {
      problems.push(`[roleName] must be 1 to 64 characters from letters, digits and +=,.@_- (got: ${JSON.stringify(args.roleName)})`);
    }
    const maxSession = args.maxSessionDurationSeconds;
    if (maxSession !== undefined && !(Number.isInteger(maxSession) && maxSession >= 3600 && maxSession <= 43200)) {
      problems.push(`[maxSessionDurationSeconds] must be a whole number from 3600 to 43200 (got: ${maxSession})`);
    }
    throwIfProblems("BuildkiteOidcRole", name, problems, this);

    this.role = new aws.iam.Role(
      name,
      {
        ...(args.roleName !== undefined ? { name: args.roleName } : {}),
        description: roleDescription(args.organization, args.pipelineSlugs),
        assumeRolePolicy: applyTo(args.providerArn, (providerArn) => JSON.stringify(buildkiteTrustPolicy({ providerArn, ...trustArgs }))),
        maxSessionDuration: maxSession ?? 3600,
        tags: args.tags,
      },
      { parent: this },
    );

    this.pushPolicy = new aws.iam.RolePolicy(
      `${name}-push`,
      { role: this.role.name, policy: ecrPushPolicyJson(args.pushRepositoryArns, args.pullRepositoryArns) },
      { parent: this },
    );

    this.roleArn = this.role.arn;
    this.roleName = this.role.name;
    this.resolvedRoleArn = pulumi.all([this.role.arn, this.pushPolicy.id]).apply(([arn]) => arn);
    this.registerOutputs({
      roleArn: this.roleArn,
      resolvedRoleArn: this.resolvedRoleArn,
      roleName: this.roleName,
      role: this.role,
      pushPolicy: this.pushPolicy,
    });
  }
}

/** A short, IAM-safe description (printable ASCII, at most 1000 characters). */
function roleDescription(organization: string, pipelines: readonly string[]): string {
  const text = `Assumed by Buildkite jobs (OIDC) of ${organization}/${pipelines.join(", ")}`.replace(/[^\x20-\x7e]/g, "?");
  return text.length <= 1000 ? text : `${text.slice(0, 997)}...`;
}
