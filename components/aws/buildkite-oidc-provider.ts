import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { throwIfProblems } from "./internal";
import { BUILDKITE_OIDC_ISSUER, STS_AUDIENCE, buildkiteProviderArnProblems } from "./policies";

const THUMBPRINT = /^[0-9a-fA-F]{40}$/;

export interface BuildkiteOidcProviderArgs {
  /**
   * Use the account's existing Buildkite OIDC provider instead of creating one. An AWS account
   * holds at most one provider per issuer URL, so every stack but one in an account sets this.
   * Must not be combined with `clientIds`, `thumbprints` or `tags` (those only apply when creating).
   * @example "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com"
   * @default undefined (create the provider)
   */
  existingProviderArn?: pulumi.Input<string>;
  /**
   * Audiences (client IDs) the provider accepts. Buildkite's AWS plugins request `sts.amazonaws.com`.
   * @default ["sts.amazonaws.com"]
   */
  clientIds?: string[];
  /**
   * Pin certificate thumbprints (40 hex characters each, at most 5). Leave unset: IAM then
   * validates `agent.buildkite.com` itself (trusted root CAs, or a thumbprint IAM fetches when
   * the provider is created), and this program makes no network call.
   * @see https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html
   * @default undefined (no thumbprint list is sent)
   */
  thumbprints?: string[];
  /** Tags for a created provider. @default {} */
  tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/**
 * The IAM OIDC identity provider for Buildkite Agent tokens (`https://agent.buildkite.com`),
 * created or imported by ARN. One per AWS account.
 *
 * Children: `aws.iam.OpenIdConnectProvider` named `${name}` when creating; none when
 * `existingProviderArn` is given.
 *
 * Thumbprints: `thumbprintLists` is optional in `@pulumi/aws` 7.x and is not sent by default.
 * AWS verifies the issuer's certificate against its library of trusted root CAs, or fetches the
 * top intermediate CA thumbprint itself when the provider is created. So no thumbprint is
 * hard-coded here (it would go stale when Buildkite rotates certificates) and no TLS lookup runs
 * at deploy time. Note: if a thumbprint list is set and later removed, IAM keeps the old list.
 *
 * @example
 * // the one stack that owns the provider in this account
 * const oidc = new BuildkiteOidcProvider("buildkite");
 * // every other stack in the account
 * const shared = new BuildkiteOidcProvider("buildkite", {
 *   existingProviderArn: "arn:aws:iam::123456789012:oidc-provider/agent.buildkite.com",
 * });
 */
export class BuildkiteOidcProvider extends pulumi.ComponentResource {
  /** ARN of the provider: the `Principal.Federated` of Buildkite trust policies. */
  public readonly providerArn: pulumi.Output<string>;
  /** The created provider; `undefined` when `existingProviderArn` was given. */
  public readonly oidcProvider?: aws.iam.OpenIdConnectProvider;

  constructor(name: string, args: BuildkiteOidcProviderArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:BuildkiteOidcProvider", name, {}, opts);

    const problems: string[] = [];
    const existing = args.existingProviderArn;
    if (existing !== undefined) {
      const createOnly = (["clientIds", "thumbprints", "tags"] as const).filter((k) => args[k] !== undefined);
      if (createOnly.length > 0) {
        problems.push(
          `[existingProviderArn] cannot be combined with ${createOnly.map((k) => `[${k}]`).join(", ")}: those only apply when creating the provider`,
        );
      }
      if (typeof existing === "string") problems.push(...buildkiteProviderArnProblems(existing, "existingProviderArn"));
    }
    if (args.clientIds !== undefined) {
      if (args.clientIds.length === 0) problems.push("[clientIds] must list at least one client ID");
      for (const id of args.clientIds) {
        if (id.length === 0 || id.length > 255) problems.push(`[clientIds] must be 1 to 255 characters long (got: ${JSON.stringify(id)})`);
      }
    }
    if (args.thumbprints !== undefined) {
      if (args.thumbprints.length > 5) problems.push(`[thumbprints] may list at most 5 thumbprints (got ${args.thumbprints.length})`);
      for (const t of args.thumbprints) {
        if (!THUMBPRINT.test(t)) problems.push(`[thumbprints] must be 40 hexadecimal characters (got: ${JSON.stringify(t)})`);
      }
    }
    throwIfProblems("BuildkiteOidcProvider", name, problems, this);

    if (existing !== undefined) {
      // Validate an Output ARN once it is known; a plain one was validated above.
      this.providerArn = pulumi.output(existing).apply((arn) => {
        const late = buildkiteProviderArnProblems(arn, "existingProviderArn");
        if (late.length > 0) throw new pulumi.ResourceError(`BuildkiteOidcProvider "${name}": ${late.join("; ")}`, this);
        return arn;
      });
    } else {
      this.oidcProvider = new aws.iam.OpenIdConnectProvider(
        name,
        {
          url: BUILDKITE_OIDC_ISSUER,
          clientIdLists: args.clientIds ?? [STS_AUDIENCE],
          ...(args.thumbprints !== undefined ? { thumbprintLists: args.thumbprints.map((t) => t.toLowerCase()) } : {}),
          tags: args.tags,
        },
        { parent: this },
      );
      this.providerArn = this.oidcProvider.arn;
    }
    this.registerOutputs({ providerArn: this.providerArn, oidcProvider: this.oidcProvider });
  }
}
