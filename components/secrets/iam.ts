/**
 * IAM for the `hook` backend (pure): the identity policy the agent role needs to read exactly the
 * generated Secrets Manager secrets, and nothing else.
 */
import type * as aws from "@pulumi/aws";

/** What reading one secret value needs (`DescribeSecret` is not required by `get-secret-value`). */
export const SECRETS_READ_ACTIONS = ["secretsmanager:GetSecretValue"] as const;
/** What a customer managed key needs for Secrets Manager to decrypt on the reader's behalf. */
export const KMS_DECRYPT_ACTIONS = ["kms:Decrypt"] as const;
/** Reading the uploaded hook script. */
export const HOOK_OBJECT_READ_ACTIONS = ["s3:GetObject"] as const;

export interface IamStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

export interface IamPolicyDocument {
  Version: "2012-10-17";
  Statement: IamStatement[];
}

export interface SecretsReadPolicyArgs {
  /** Exact secret ARNs (no wildcards). At least one. */
  secretArns: string[];
  /** Customer managed key the secrets are encrypted with, and the Secrets Manager endpoint using it. */
  kms?: {
    /** Key ARN (`arn:PARTITION:kms:REGION:ACCOUNT:key/ID`); aliases cannot be used as a Resource. */
    keyArn: string;
    /** `secretsmanager.REGION.DNS_SUFFIX`, the only service allowed to use the key for this reader. */
    viaService: string;
  };
  /** ARN of the uploaded hook object (`arn:PARTITION:s3:::BUCKET/KEY`), when it is uploaded. */
  hookObjectArn?: string;
}

/** A KMS key ARN, as an IAM Resource needs it. */
export const KMS_KEY_ARN_PATTERN = /^arn:[a-z0-9-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Problems with a KMS key id used in the read policy. */
export function validateKmsKeyArn(id: string): string[] {
  return KMS_KEY_ARN_PATTERN.test(id)
    ? []
    : [
        `must be a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID) so the read policy can name it; ` +
          `key ids and aliases cannot be used (value: ${JSON.stringify(id)})`,
      ];
}

/**
 * Least-privilege policy for agents of the `hook` backend: `secretsmanager:GetSecretValue` on
 * exactly `secretArns`, `kms:Decrypt` on the key only through Secrets Manager (`kms:ViaService`),
 * and `s3:GetObject` on the hook object when it is uploaded.
 *
 * @throws Error when no secret is given or an ARN contains a wildcard.
 */
export function secretsReadPolicy(args: SecretsReadPolicyArgs): IamPolicyDocument {
  const problems: string[] = [];
  if (args.secretArns.length === 0) problems.push("[secretArns] must name at least one secret");
  for (const arn of [...args.secretArns, args.kms?.keyArn ?? "", args.hookObjectArn ?? ""]) {
    if (/[*?]/.test(arn)) problems.push(`resources must be exact, without wildcards (value: ${JSON.stringify(arn)})`);
  }
  if (args.kms) problems.push(...validateKmsKeyArn(args.kms.keyArn).map((p) => `[kms.keyArn] ${p}`));
  if (problems.length > 0) throw new Error(`secretsReadPolicy: ${problems.join("; ")}`);

  const statements: IamStatement[] = [
    {
      Sid: "ReadAgentSecrets",
      Effect: "Allow",
      Action: [...SECRETS_READ_ACTIONS],
      Resource: [...new Set(args.secretArns)].sort(),
    },
  ];
  if (args.kms) {
    statements.push({
      Sid: "DecryptAgentSecrets",
      Effect: "Allow",
      Action: [...KMS_DECRYPT_ACTIONS],
      Resource: [args.kms.keyArn],
      Condition: { StringEquals: { "kms:ViaService": args.kms.viaService } },
    });
  }
  if (args.hookObjectArn !== undefined) {
    statements.push({
      Sid: "ReadAgentEnvironmentHook",
      Effect: "Allow",
      Action: [...HOOK_OBJECT_READ_ACTIONS],
      Resource: [args.hookObjectArn],
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Compile-time proof that the narrow document is a valid `aws.iam.PolicyDocument`. */
export function asPolicyDocument(doc: IamPolicyDocument): aws.iam.PolicyDocument {
  return doc;
}
