import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ecrPushPolicyJson, pushPolicyInputProblems, throwIfProblems } from "./internal";

export interface AgentRoleEcrAccessArgs {
  /**
   * Name (not ARN) of an existing IAM role the agents run as, e.g. the instance role of an
   * Elastic CI Stack for AWS (its `InstanceRoleName` output).
   */
  roleName: pulumi.Input<string>;
  /** Repositories the agents may push to (and pull from). At least one. */
  pushRepositoryArns: pulumi.Input<string>[];
  /** Repositories the agents may only pull from, e.g. base images. @default [] */
  pullRepositoryArns?: pulumi.Input<string>[];
}

/**
 * Grants an existing agent role (Elastic CI Stack instance role, or any role the agents already
 * run as) the same least-privilege ECR push policy that `BuildkiteOidcRole` gets, for agents that
 * use their instance credentials instead of OIDC.
 *
 * Children: `aws.iam.RolePolicy` named `${name}-push` (an inline policy on that role). The role
 * itself is not managed here. Every job on those agents gets the permission, whatever its
 * pipeline: prefer `BuildkiteOidcRole` when pipelines must be told apart.
 */
export class AgentRoleEcrAccess extends pulumi.ComponentResource {
  /** Name of the role the policy is attached to. */
  public readonly roleName: pulumi.Output<string>;
  /** Name of the inline policy (auto-named). */
  public readonly policyName: pulumi.Output<string>;
  /** The role name, resolved only after the policy is in place. */
  public readonly resolvedRoleName: pulumi.Output<string>;
  /** The inline ECR push policy child (`${name}-push`) on the agent role. */
  public readonly rolePolicy: aws.iam.RolePolicy;

  constructor(name: string, args: AgentRoleEcrAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:AgentRoleEcrAccess", name, {}, opts);

    const problems = pushPolicyInputProblems(args.pushRepositoryArns, args.pullRepositoryArns);
    if (typeof args.roleName === "string" && !/^[\w+=,.@-]{1,64}$/.test(args.roleName)) {
      problems.push(`[roleName] must be an IAM role name, not an ARN (got: ${JSON.stringify(args.roleName)})`);
    }
    throwIfProblems("AgentRoleEcrAccess", name, problems, this);

    this.rolePolicy = new aws.iam.RolePolicy(
      `${name}-push`,
      { role: args.roleName, policy: ecrPushPolicyJson(args.pushRepositoryArns, args.pullRepositoryArns) },
      { parent: this },
    );

    this.roleName = pulumi.output(args.roleName);
    this.policyName = this.rolePolicy.name;
    this.resolvedRoleName = pulumi.all([this.roleName, this.rolePolicy.id]).apply(([role]) => role);
    this.registerOutputs({
      roleName: this.roleName,
      policyName: this.policyName,
      resolvedRoleName: this.resolvedRoleName,
      rolePolicy: this.rolePolicy,
    });
  }
}
