import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentSecrets, AgentSecretsArgs } from "../../components/agent-secrets";
import {
  assertClusterUuid,
  assertNoDepotTokenForOidc,
  assertSecretValue,
  checkedClusterUuid,
  checkedSecret,
  validateAgentSecretsArgs,
} from "../../components/secrets/args";
import { installMocks, Registration, settle, valueOf } from "../helpers/mocks";

const created: Registration[] = [];
const UUID = "01234567-89ab-cdef-0123-456789abcdef";

beforeAll(async () => {
  await installMocks(created);
});

const bk = (pipelines: AgentSecretsArgs["pipelines"], extra: Partial<AgentSecretsArgs> = {}): AgentSecretsArgs => ({
  backend: "buildkite",
  buildkite: { clusterUuid: UUID },
  pipelines,
  ...extra,
});

describe("AgentSecrets argument validation", () => {
  it("throws one ResourceError naming every bad arg in brackets", () => {
    let error: unknown;
    try {
      new AgentSecrets("bad", {
        backend: "buildkite",
        buildkite: { clusterUuid: "default" },
        hook: {},
        pipelines: [
          { slug: "Web App", values: { DEPOT_TOKEN: "x" } },
          { slug: "api", branches: [], values: { "bad-name": "x", BK_TOKEN: "y" } },
          { slug: "api", values: {} },
        ],
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(pulumi.ResourceError);
    expect((error as Error).message).toBe(
      "AgentSecrets bad: " +
        [
          '[hook] is only used with backend "hook", but backend is "buildkite"; remove it',
          '[pipelines[0].slug] must be a Buildkite pipeline slug matching ^[a-z0-9][a-z0-9_-]*$ (value: "Web App")',
          "[pipelines[1].branches] must not be empty; omit it to remove the restriction",
          '[pipelines[1].values.bad-name] must be a shell variable name matching ^[A-Za-z_][A-Za-z0-9_]*$ (value: "bad-name")',
          '[pipelines[1].values.BK_TOKEN] must not start with "bk" in any case: the agent reserves it (value: "BK_TOKEN")',
          '[pipelines[2].slug] duplicates pipelines[1] (value: "api")',
          '[buildkite.clusterUuid] must be a cluster UUID such as 01234567-89ab-cdef-0123-456789abcdef (value: "default")',
        ].join("; "),
    );
  });

  it("requires the block of the chosen backend", () => {
    expect(() => new AgentSecrets("no-block", { backend: "hook", pipelines: [] })).toThrow(
      'AgentSecrets no-block: [hook] is required with backend "hook"',
    );
    expect(validateAgentSecretsArgs({ backend: "elastic-stack", pipelines: [] })).toEqual([
      '[elasticStack] is required with backend "elastic-stack"',
    ]);
    expect(validateAgentSecretsArgs({ backend: "nope" as AgentSecretsArgs["backend"], pipelines: [] })).toEqual([
      '[backend] must be one of buildkite, hook, elastic-stack (value: "nope")',
    ]);
  });

  it("refuses a DEPOT_TOKEN for an OIDC pipeline", () => {
    const pipelines = [{ slug: "web", depotAuth: "oidc" as const, values: { DEPOT_TOKEN: "x" } }];
    const message =
      '[pipelines[0].values.DEPOT_TOKEN] pipeline "web" uses Depot OIDC; a DEPOT_TOKEN would silently win over OIDC, so it must not be delivered';
    expect(validateAgentSecretsArgs(bk(pipelines))).toEqual([message]);
    expect(() => assertNoDepotTokenForOidc(pipelines)).toThrow(message);
    expect(() => assertNoDepotTokenForOidc([{ slug: "web", depotAuth: "oidc", values: { DOCKERHUB_TOKEN: "x" } }])).not.toThrow();
  });

  it("checks plain values per backend, without echoing them", () => {
    const problems = validateAgentSecretsArgs(bk([{ slug: "web", values: { DEPOT_TOKEN: `CANARY_V${"x".repeat(9000)}`, X: "" } }]));
    expect(problems).toEqual([
      "[pipelines[0].values.DEPOT_TOKEN] must be less than 8 KB for a Buildkite secret (got 9008 bytes, limit 8191)",
      "[pipelines[0].values.X] must not be empty",
    ]);
    expect(
      validateAgentSecretsArgs({ backend: "hook", hook: {}, pipelines: [{ slug: "web", values: { DEPOT_TOKEN: "x".repeat(9000) } }] }),
    ).toEqual([]);
  });

  it("refuses slugs whose cluster secret keys collide, and over-long keys", () => {
    expect(validateAgentSecretsArgs(bk([
      { slug: "web-app", values: { DEPOT_TOKEN: "x" } },
      { slug: "web_app", values: { DEPOT_TOKEN: "y" } },
    ]))).toEqual(['[pipelines[1].slug] "web_app" and pipelines[0] "web-app" map to the same cluster secret keys']);
    expect(validateAgentSecretsArgs(bk([{ slug: "a".repeat(250), values: { DEPOT_TOKEN: "x" } }]))).toEqual([
      "[pipelines[0].values.DEPOT_TOKEN (cluster secret key)] must be at most 255 characters (got 262)",
    ]);
  });

  it("explains a GraphQL cluster id", () => {
    const id = Buffer.from(`Cluster---${UUID}`).toString("base64");
    expect(validateAgentSecretsArgs(bk([], { buildkite: { clusterUuid: id } }))).toEqual([
      `[buildkite.clusterUuid] is a GraphQL id; pass the cluster UUID (cluster.uuid), not cluster.id (value: "${id}")`,
    ]);
  });

  it("validates hook and elastic-stack blocks", () => {
    expect(
      validateAgentSecretsArgs({
        backend: "hook",
        hook: { namePrefix: "bad prefix/", region: "EU", kmsKeyId: "alias/agents", upload: { bucket: "b", key: " " } },
        pipelines: [],
      }),
    ).toEqual([
      '[hook.namePrefix] may only contain letters, digits and /_+=.@- (value: "bad prefix/")',
      '[hook.region] must be an AWS region name (value: "EU")',
      '[hook.kmsKeyId] must be a KMS key ARN (arn:PARTITION:kms:REGION:ACCOUNT:key/ID) so the read policy can name it; key ids and aliases cannot be used (value: "alias/agents")',
      "[hook.upload.key] must not be empty",
    ]);
    expect(
      validateAgentSecretsArgs({
        backend: "elastic-stack",
        elasticStack: { bucket: "" },
        pipelines: [{ slug: "web", values: { DOCKERHUB_TOKEN: "a", DOCKER_LOGIN_PASSWORD: "b" } }],
      }),
    ).toEqual([
      "[pipelines[0].values.DOCKER_LOGIN_PASSWORD] would export DOCKER_LOGIN_PASSWORD, which DOCKERHUB_TOKEN already exports on the Elastic CI Stack",
      "[elasticStack.bucket] must not be empty",
    ]);
  });

  it("checks Output values once known, keeping them secret and never echoing them", async () => {
    const ok = checkedSecret(pulumi.output("fine"), "buildkite", "p.v");
    expect(await pulumi.isSecret(ok)).toBe(true);
    expect(await valueOf(ok)).toBe("fine");
    expect(await pulumi.isSecret(checkedSecret("plain", "hook", "p.v"))).toBe(true);
    expect(await valueOf(checkedClusterUuid(pulumi.output(UUID)))).toBe(UUID);
    // What runs inside apply (a rejected Output would surface as an unhandled rejection here).
    const big = `CANARY_O${"x".repeat(9000)}`;
    expect(() => assertSecretValue(big, "buildkite", "pipelines[0].values.DEPOT_TOKEN")).toThrow(
      "AgentSecrets: [pipelines[0].values.DEPOT_TOKEN] must be less than 8 KB for a Buildkite secret (got 9008 bytes, limit 8191)",
    );
    expect(() => assertSecretValue(big, "buildkite", "p")).not.toThrow(/CANARY_O/);
    expect(assertSecretValue(big, "hook", "p")).toBe(big);
    expect(() => assertClusterUuid("nope")).toThrow("AgentSecrets: [buildkite.clusterUuid] must be a cluster UUID");
  });

  it("registers nothing but the failed components", async () => {
    await settle();
    expect(created.every((r) => r.type === "depot-buildkite:index:AgentSecrets")).toBe(true);
  });
});
