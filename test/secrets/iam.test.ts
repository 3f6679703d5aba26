import { describe, expect, it } from "vitest";
import { secretsReadPolicy, validateKmsKeyArn } from "../../components/secrets/iam";

const A = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:buildkite/web-app/DEPOT_TOKEN-AbCdEf";
const B = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:buildkite/api/DEPOT_TOKEN-GhIjKl";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("secretsReadPolicy", () => {
  it("grants GetSecretValue on exactly the secrets, sorted and deduplicated", () => {
    expect(secretsReadPolicy({ secretArns: [B, A, B] })).toEqual({
      Version: "2012-10-17",
      Statement: [{ Sid: "ReadAgentSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [B, A] }],
    });
  });

  it("adds kms:Decrypt through Secrets Manager only, and the hook object", () => {
    expect(
      secretsReadPolicy({
        secretArns: [A],
        kms: { keyArn: KEY, viaService: "secretsmanager.eu-west-1.amazonaws.com" },
        hookObjectArn: "arn:aws:s3:::agent-bucket/buildkite-agent/hooks/environment",
      }).Statement,
    ).toEqual([
      { Sid: "ReadAgentSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [A] },
      {
        Sid: "DecryptAgentSecrets",
        Effect: "Allow",
        Action: ["kms:Decrypt"],
        Resource: [KEY],
        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
      },
      {
        Sid: "ReadAgentEnvironmentHook",
        Effect: "Allow",
        Action: ["s3:GetObject"],
        Resource: ["arn:aws:s3:::agent-bucket/buildkite-agent/hooks/environment"],
      },
    ]);
  });

  it("refuses no secrets, wildcards and non-ARN keys", () => {
    expect(() => secretsReadPolicy({ secretArns: [] })).toThrow("[secretArns] must name at least one secret");
    expect(() => secretsReadPolicy({ secretArns: ["arn:aws:secretsmanager:eu-west-1:1:secret:*"] })).toThrow(
      "resources must be exact, without wildcards",
    );
    expect(() => secretsReadPolicy({ secretArns: [A], kms: { keyArn: "alias/agents", viaService: "x" } })).toThrow(
      "[kms.keyArn] must be a KMS key ARN",
    );
  });

  it("validates KMS key ARNs in any partition", () => {
    expect(validateKmsKeyArn(KEY)).toEqual([]);
    expect(validateKmsKeyArn("arn:aws-cn:kms:cn-north-1:123456789012:key/abc")).toEqual([]);
    expect(validateKmsKeyArn("1234abcd-12ab-34cd-56ef-1234567890ab")).toHaveLength(1);
    expect(validateKmsKeyArn("arn:aws:kms:eu-west-1:123456789012:alias/x")).toHaveLength(1);
  });
});
