import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentSecrets } from "../../components/agent-secrets";
import { byType, find, installMocks, Registration, settle, valueOf } from "../helpers/mocks";
import { awsStub, leakedCanaries, shellcheck, sourceInBash, writeTemp } from "./support";

const created: Registration[] = [];
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const VALUES = {
  webDepot: "CANARY_H1 $HOME 'q' \"dq\"\nnext line\n",
  webHubUser: "CANARY_H2",
  webHubToken: "CANARY_H3 \\ back",
  apiDepot: "CANARY_H4",
};
const CANARIES = ["CANARY_H1", "CANARY_H2", "CANARY_H3", "CANARY_H4"];
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
let secrets: AgentSecrets;

beforeAll(async () => {
  await installMocks(created);
  secrets = new AgentSecrets("agent-secrets", {
    backend: "hook",
    hook: {
      kmsKeyId: pulumi.output(KEY),
      upload: { bucket: pulumi.output("agent-bucket") },
      agentRoleName: "buildkite-agent-role",
    },
    pipelines: [
      {
        slug: "web-app",
        values: {
          DEPOT_TOKEN: VALUES.webDepot,
          DOCKERHUB_USERNAME: pulumi.output(VALUES.webHubUser),
          DOCKERHUB_TOKEN: pulumi.secret(VALUES.webHubToken),
        },
      },
      { slug: "api", branches: ["main"], stepKeys: ["build"], values: { DEPOT_TOKEN: VALUES.apiDepot } },
      { slug: "oidc-app", depotAuth: "oidc", values: {} },
    ],
  });
  await valueOf(secrets.readPolicyArn);
  await valueOf(secrets.hookScript);
  await settle();
});

const SECRET = "aws:secretsmanager/secret:Secret";
const VERSION = "aws:secretsmanager/secretVersion:SecretVersion";

describe("AgentSecrets (hook backend, with KMS, upload and role)", () => {
  it("registers exactly the expected resources", () => {
    expect(created.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "aws:iam/policy:Policy agent-secrets-read-policy",
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment agent-secrets-read-policy-attachment",
      "aws:s3/bucketObjectv2:BucketObjectv2 agent-secrets-hook",
      `${SECRET} agent-secrets-api-DEPOT_TOKEN`,
      `${SECRET} agent-secrets-web-app-DEPOT_TOKEN`,
      `${SECRET} agent-secrets-web-app-DOCKERHUB_TOKEN`,
      `${SECRET} agent-secrets-web-app-DOCKERHUB_USERNAME`,
      `${VERSION} agent-secrets-api-DEPOT_TOKEN-version`,
      `${VERSION} agent-secrets-web-app-DEPOT_TOKEN-version`,
      `${VERSION} agent-secrets-web-app-DOCKERHUB_TOKEN-version`,
      `${VERSION} agent-secrets-web-app-DOCKERHUB_USERNAME-version`,
      "depot-buildkite:index:AgentSecrets agent-secrets",
    ]);
  });

  it("names secrets <prefix><slug>/<ENV> with the KMS key, and versions them as secrets", () => {
    expect(find(created, SECRET, "agent-secrets-web-app-DEPOT_TOKEN").plain).toEqual({
      name: "buildkite/web-app/DEPOT_TOKEN",
      description: "DEPOT_TOKEN for Buildkite pipeline web-app, read by the agent environment hook (depot-buildkite)",
      kmsKeyId: KEY,
    });
    const versions = Object.fromEntries(byType(created, VERSION).map((r) => [r.name, r.plain]));
    expect(versions).toEqual({
      "agent-secrets-web-app-DEPOT_TOKEN-version": { secretId: arn("buildkite/web-app/DEPOT_TOKEN"), secretString: VALUES.webDepot },
      "agent-secrets-web-app-DOCKERHUB_USERNAME-version": {
        secretId: arn("buildkite/web-app/DOCKERHUB_USERNAME"),
        secretString: VALUES.webHubUser,
      },
      "agent-secrets-web-app-DOCKERHUB_TOKEN-version": {
        secretId: arn("buildkite/web-app/DOCKERHUB_TOKEN"),
        secretString: VALUES.webHubToken,
      },
      "agent-secrets-api-DEPOT_TOKEN-version": { secretId: arn("buildkite/api/DEPOT_TOKEN"), secretString: VALUES.apiDepot },
    });
  });

  it("sends values as secrets only in SecretVersion.secretString, and leaks none elsewhere", () => {
    for (const r of created) expect(r.secretPaths).toEqual(r.type === VERSION ? ["secretString"] : []);
    expect(leakedCanaries(created, CANARIES)).toEqual([]);
  });

  it("grants GetSecretValue on exactly those ARNs, kms:Decrypt via Secrets Manager, and the hook object", () => {
    const policy = find(created, "aws:iam/policy:Policy", "agent-secrets-read-policy").plain;
    expect(policy.description).toBe("Read the Buildkite agent secrets of depot-buildkite (AgentSecrets, hook backend)");
    expect(JSON.parse(String(policy.policy))).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadAgentSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [
            arn("buildkite/api/DEPOT_TOKEN"),
            arn("buildkite/web-app/DEPOT_TOKEN"),
            arn("buildkite/web-app/DOCKERHUB_TOKEN"),
            arn("buildkite/web-app/DOCKERHUB_USERNAME"),
          ],
        },
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
      ],
    });
    expect(find(created, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "agent-secrets-read-policy-attachment").plain).toEqual({
      role: "buildkite-agent-role",
      policyArn: "arn:aws:iam::123456789012:policy/agent-secrets-read-policy",
    });
  });

  it("uploads the hook, SSE encrypted, as plain (non-secret) content", async () => {
    const object = find(created, "aws:s3/bucketObjectv2:BucketObjectv2", "agent-secrets-hook");
    expect(object.plain).toEqual({
      bucket: "agent-bucket",
      key: "buildkite-agent/hooks/environment",
      content: await valueOf(secrets.hookScript),
      contentType: "text/x-shellscript; charset=utf-8",
      serverSideEncryption: "AES256",
    });
  });

  it("outputs names, ARNs, the hook and the policy ARN, none of them secret", async () => {
    expect(await valueOf(secrets.secretArns)).toEqual({
      "web-app": {
        DEPOT_TOKEN: arn("buildkite/web-app/DEPOT_TOKEN"),
        DOCKERHUB_USERNAME: arn("buildkite/web-app/DOCKERHUB_USERNAME"),
        DOCKERHUB_TOKEN: arn("buildkite/web-app/DOCKERHUB_TOKEN"),
      },
      api: { DEPOT_TOKEN: arn("buildkite/api/DEPOT_TOKEN") },
    });
    expect(await valueOf(secrets.readPolicyArn)).toBe("arn:aws:iam::123456789012:policy/agent-secrets-read-policy");
    expect(await valueOf(secrets.clusterSecretKeys)).toEqual({});
    expect(await valueOf(secrets.objectKeys)).toEqual({});
    const plainOutputs: (pulumi.Output<unknown> | undefined)[] = [secrets.secretArns, secrets.hookScript, secrets.readPolicyArn];
    for (const o of plainOutputs) {
      expect(o).toBeDefined();
      expect(await pulumi.isSecret(o ?? pulumi.output(""))).toBe(false);
    }
    const hook = (await valueOf(secrets.hookScript)) ?? "";
    for (const c of CANARIES) expect(hook).not.toContain(c);
  });

  it("renders a shellcheck-clean hook that, run against a stub aws, exports exactly the stored values", async () => {
    const hook = (await valueOf(secrets.hookScript)) ?? "";
    expect(shellcheck(hook)).toEqual({ status: 0, output: "" });
    const stub = awsStub({
      [arn("buildkite/web-app/DEPOT_TOKEN")]: VALUES.webDepot,
      [arn("buildkite/web-app/DOCKERHUB_USERNAME")]: VALUES.webHubUser,
      [arn("buildkite/web-app/DOCKERHUB_TOKEN")]: VALUES.webHubToken,
      [arn("buildkite/api/DEPOT_TOKEN")]: VALUES.apiDepot,
    });
    const path = writeTemp("environment", hook);
    const env = (slug: string, extra: Record<string, string> = {}) => ({
      ...stub.env,
      ...extra,
      BUILDKITE_PIPELINE_SLUG: slug,
      PATH: `${stub.binDir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    });
    const web = sourceInBash(path, env("web-app"));
    expect(web.status).toBe(0);
    expect(web.exported).toEqual({
      DEPOT_TOKEN: VALUES.webDepot,
      DOCKERHUB_USERNAME: VALUES.webHubUser,
      DOCKERHUB_TOKEN: VALUES.webHubToken,
    });
    expect(web.stdout + web.stderr).toBe("");
    expect(sourceInBash(path, env("api", { BUILDKITE_BRANCH: "main", BUILDKITE_STEP_KEY: "build" })).exported).toEqual({
      DEPOT_TOKEN: VALUES.apiDepot,
    });
    expect(sourceInBash(path, env("api", { BUILDKITE_BRANCH: "dev", BUILDKITE_STEP_KEY: "build" })).exported).toEqual({});
    expect(sourceInBash(path, env("oidc-app")).exported).toEqual({});
  });
});
