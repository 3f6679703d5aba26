import { beforeAll, describe, expect, it } from "vitest";
import { AgentSecrets } from "../../components/agent-secrets";
import { find, installMocks, Registration, settle, valueOf } from "../helpers/mocks";
import { leakedCanaries } from "./support";

const created: Registration[] = [];
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
let secrets: AgentSecrets;
let empty: AgentSecrets;

beforeAll(async () => {
  await installMocks(created);
  secrets = new AgentSecrets("ci", {
    backend: "hook",
    hook: { namePrefix: "ci/agents/", region: "us-east-2" },
    pipelines: [{ slug: "svc", values: { DEPOT_TOKEN: "CANARY_M1" } }],
  });
  empty = new AgentSecrets("none", { backend: "hook", hook: {}, pipelines: [{ slug: "oidc", depotAuth: "oidc", values: {} }] });
  await valueOf(secrets.readPolicyArn);
  await valueOf(empty.hookScript);
  await settle();
});

describe("AgentSecrets (hook backend, defaults)", () => {
  it("creates only the secret, its version and an unattached read policy", () => {
    expect(created.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "aws:iam/policy:Policy ci-read-policy",
      "aws:secretsmanager/secret:Secret ci-svc-DEPOT_TOKEN",
      "aws:secretsmanager/secretVersion:SecretVersion ci-svc-DEPOT_TOKEN-version",
      "depot-buildkite:index:AgentSecrets ci",
      "depot-buildkite:index:AgentSecrets none",
    ]);
  });

  it("uses the name prefix and region, and the default key", () => {
    expect(find(created, "aws:secretsmanager/secret:Secret", "ci-svc-DEPOT_TOKEN").plain).toEqual({
      name: "ci/agents/svc/DEPOT_TOKEN",
      description: "DEPOT_TOKEN for Buildkite pipeline svc, read by the agent environment hook (depot-buildkite)",
      region: "us-east-2",
    });
    expect(find(created, "aws:secretsmanager/secretVersion:SecretVersion", "ci-svc-DEPOT_TOKEN-version").plain).toEqual({
      secretId: arn("ci/agents/svc/DEPOT_TOKEN"),
      secretString: "CANARY_M1",
      region: "us-east-2",
    });
    expect(leakedCanaries(created, ["CANARY_M1"])).toEqual([]);
  });

  it("grants only GetSecretValue without KMS or S3 statements", async () => {
    const policy = JSON.parse(String(find(created, "aws:iam/policy:Policy", "ci-read-policy").plain.policy)) as unknown;
    expect(policy).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadAgentSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: [arn("ci/agents/svc/DEPOT_TOKEN")],
        },
      ],
    });
    expect(await valueOf(secrets.readPolicyArn)).toBe("arn:aws:iam::123456789012:policy/ci-read-policy");
  });

  it("passes the configured region to the CLI", async () => {
    const hook = (await valueOf(secrets.hookScript)) ?? "";
    expect(hook).toContain(`'DEPOT_TOKEN' '${arn("ci/agents/svc/DEPOT_TOKEN")}' 'us-east-2'; then`);
  });

  it("with no values creates nothing and renders a no-op hook", async () => {
    expect(await valueOf(empty.hookScript)).toContain("# Nothing to export.\n");
    expect(empty.readPolicyArn).toBeUndefined();
    expect(await valueOf(empty.secretArns)).toEqual({});
  });
});
