import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { buildLifecyclePolicy, lifecyclePolicyProblems, validateRepositoryName, type LifecycleRuleArgs } from "./ecr-rules";
import { throwIfProblems } from "./internal";
import { accountIdProblems, ecrCrossAccountPullPolicy } from "./policies";

/** Whether a pushed tag may later point at another image. */
export const ImageTagMutability = { Mutable: "MUTABLE", Immutable: "IMMUTABLE" } as const;
export type ImageTagMutability = (typeof ImageTagMutability)[keyof typeof ImageTagMutability];

/** How ECR encrypts images at rest. */
export const EcrEncryptionType = { Aes256: "AES256", Kms: "KMS" } as const;
export type EcrEncryptionType = (typeof EcrEncryptionType)[keyof typeof EcrEncryptionType];

/** Lifecycle options of an {@link EcrRepository}. */
export interface EcrLifecycleArgs {
  /** Create no lifecycle policy at all. @default false */
  skip?: boolean;
  /** Expire untagged images this many days after push. @default 14 */
  untaggedExpireDays?: number;
  /** Keep only the newest N tagged images. @default undefined (tagged images never expire by count) */
  keepTagged?: number;
  /** Extra rules, evaluated before the defaults; see `buildLifecyclePolicy`. @default [] */
  rules?: LifecycleRuleArgs[];
}

export interface EcrRepositoryArgs {
  /**
   * Repository name, e.g. `team/web-app`. Validated against ECR's rules when it is a plain string.
   * Changing it replaces the repository.
   */
  name: pulumi.Input<string>;
  /** Scan each image for vulnerabilities when it is pushed (basic scanning). @default true */
  scanOnPush?: boolean;
  /**
   * `IMMUTABLE` refuses to overwrite an existing tag, so moving tags such as `latest` or
   * `{branch}` cannot be pushed twice (the stack config reports them).
   * @default "MUTABLE"
   */
  imageTagMutability?: ImageTagMutability;
  /** Encryption at rest. Changing it replaces the repository. @default "AES256" */
  encryptionType?: EcrEncryptionType;
  /** KMS key ARN; only with `encryptionType: "KMS"`. @default undefined (the AWS managed key for ECR) */
  kmsKeyArn?: pulumi.Input<string>;
  /** Lifecycle policy options. @default { untaggedExpireDays: 14 } */
  lifecycle?: EcrLifecycleArgs;
  /**
   * 12-digit IDs of other accounts that may pull (adds a repository policy granting their root
   * principals the pull actions). @default [] (no repository policy)
   */
  pullAccountIds?: string[];
  /** Delete the repository even when it still holds images. @default false */
  forceDelete?: boolean;
  /**
   * Leave the repository in AWS when it is removed from the stack (resource option on the
   * repository child). Recommended for production stacks. @default false
   */
  retainOnDelete?: boolean;
  /** Refuse to delete the repository until this is turned off (resource option). For production stacks. @default false */
  protect?: boolean;
  /** Tags for the repository. @default {} */
  tags?: pulumi.Input<{ [key: string]: pulumi.Input<string> }>;
}

/**
 * An ECR repository for images built by Buildkite jobs with Depot.
 *
 * Children:
 * - `aws.ecr.Repository` named `${name}`;
 * - `aws.ecr.LifecyclePolicy` named `${name}-lifecycle` (unless `lifecycle.skip`);
 * - `aws.ecr.RepositoryPolicy` named `${name}-pull` (only with `pullAccountIds`).
 *
 * @example
 * const repo = new EcrRepository("web", { name: "acme/web", imageTagMutability: "IMMUTABLE", protect: true });
 * export const url = repo.repositoryUrl;
 */
export class EcrRepository extends pulumi.ComponentResource {
  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`, without a tag. */
  public readonly repositoryUrl: pulumi.Output<string>;
  /** ARN of the repository, for IAM policies (`BuildkiteOidcRole.pushRepositoryArns`). */
  public readonly repositoryArn: pulumi.Output<string>;
  /** Name of the repository, e.g. `acme/web` (the `name` arg). */
  public readonly repositoryName: pulumi.Output<string>;
  /** The account ID of the registry that holds the repository. */
  public readonly registryId: pulumi.Output<string>;
  /** The `aws.ecr.Repository` child, for options such as `dependsOn`. */
  public readonly repository: aws.ecr.Repository;

  constructor(name: string, args: EcrRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("depot-buildkite:index:EcrRepository", name, {}, opts);

    const { lifecycle = {}, pullAccountIds = [], retainOnDelete, protect } = args;
    const encryptionType = args.encryptionType ?? "AES256";
    const problems: string[] = [];
    if (typeof args.name === "string") problems.push(...validateRepositoryName(args.name));
    if (args.imageTagMutability !== undefined && !["MUTABLE", "IMMUTABLE"].includes(args.imageTagMutability)) {
      problems.push(`[imageTagMutability] must be "MUTABLE" or "IMMUTABLE" (got: ${JSON.stringify(args.imageTagMutability)})`);
    }
    if (!["AES256", "KMS"].includes(encryptionType)) {
      problems.push(`[encryptionType] must be "AES256" or "KMS" (got: ${JSON.stringify(encryptionType)})`);
    }
    if (args.kmsKeyArn !== undefined && encryptionType !== "KMS") {
      problems.push(`[kmsKeyArn] is only allowed with encryptionType "KMS" (got encryptionType: ${JSON.stringify(encryptionType)})`);
    }
    problems.push(...accountIdProblems(pullAccountIds, "pullAccountIds"));
    if (!lifecycle.skip) problems.push(...lifecyclePolicyProblems(lifecycle, "lifecycle."));
    throwIfProblems("EcrRepository", name, problems, this);

    this.repository = new aws.ecr.Repository(
      name,
      {
        name: args.name,
        imageTagMutability: args.imageTagMutability ?? "MUTABLE",
        imageScanningConfiguration: { scanOnPush: args.scanOnPush ?? true },
        encryptionConfigurations: [
          encryptionType === "KMS" && args.kmsKeyArn !== undefined
            ? { encryptionType, kmsKey: args.kmsKeyArn }
            : { encryptionType },
        ],
        forceDelete: args.forceDelete ?? false,
        tags: args.tags,
      },
      { parent: this, retainOnDelete, protect },
    );

    if (!lifecycle.skip) {
      new aws.ecr.LifecyclePolicy(
        `${name}-lifecycle`,
        { repository: this.repository.name, policy: JSON.stringify(buildLifecyclePolicy(lifecycle)) },
        { parent: this },
      );
    }

    if (pullAccountIds.length > 0) {
      const partition = aws.getPartitionOutput({}, { parent: this }).partition;
      new aws.ecr.RepositoryPolicy(
        `${name}-pull`,
        {
          repository: this.repository.name,
          policy: partition.apply((p) => JSON.stringify(ecrCrossAccountPullPolicy({ partition: p, accountIds: pullAccountIds }))),
        },
        { parent: this },
      );
    }

    this.repositoryUrl = this.repository.repositoryUrl;
    this.repositoryArn = this.repository.arn;
    this.repositoryName = this.repository.name;
    this.registryId = this.repository.registryId;
    this.registerOutputs({
      repositoryUrl: this.repositoryUrl,
      repositoryArn: this.repositoryArn,
      repositoryName: this.repositoryName,
      registryId: this.registryId,
      repository: this.repository,
    });
  }
}
