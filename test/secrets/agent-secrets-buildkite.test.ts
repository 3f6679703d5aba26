import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentSecrets } from "../../components/agent-secrets";
import { jobSecretEnv } from "../../components/secrets/job-env";
import { byType, installMocks, Registration, settle, valueOf } from "../helpers/mocks";
import { leakedCanaries } from "./support";

const created: Registration[] = [];
const UUID = "01234567-89ab-cdef-0123-456789abcdef";
const CANARIES = ["CANARY_BK_1", "CANARY_BK_2", "CANARY_BK_3", "CANARY_BK_4"];
let secrets: AgentSecrets;

beforeAll(async () => {
  await installMocks(created);
  secrets = new AgentSecrets("agent-secrets", {
    backend: "buildkite",
    buildkite: { clusterUuid: pulumi.output(UUID) },
    pipelines: [
      {
        slug: "web-app",
        depotAuth: "project-token",
        values: {
          DEPOT_TOKEN: "CANARY_BK_1",
          DOCKERHUB_USERNAME: pulumi.output("CANARY_BK_2"),
          DOCKERHUB_TOKEN: pulumi.secret("CANARY_BK_3"),
        },
      },
      { slug: "api", branches: ["main", "release/*"], stepKeys: ["build"], values: { DEPOT_TOKEN: Promise.resolve("CANARY_BK_4") } },
      { slug: "oidc-app", depotAuth: "oidc", values: {} },
    ],
  });
  await valueOf(secrets.clusterSecretKeys);
  await settle();
});

const description = (env: string, slug: string) => `${env} for Buildkite pipeline ${slug} (managed by depot-buildkite)`;
const WEB_POLICY = '- pipeline_slug:\n    - "web-app"\n';
const API_POLICY = '- pipeline_slug:\n    - "api"\n  build_branch:\n    - "main"\n    - "release/*"\n';

describe("AgentSecrets (buildkite backend)", () => {
  it("registers the component and exactly one ClusterSecret per pipeline and value", () => {
    expect(created.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      "buildkite:Cluster/clusterSecret:ClusterSecret agent-secrets-api-DEPOT_TOKEN",
      "buildkite:Cluster/clusterSecret:ClusterSecret agent-secrets-web-app-DEPOT_TOKEN",
      "buildkite:Cluster/clusterSecret:ClusterSecret agent-secrets-web-app-DOCKERHUB_TOKEN",
      "buildkite:Cluster/clusterSecret:ClusterSecret agent-secrets-web-app-DOCKERHUB_USERNAME",
      "depot-buildkite:index:AgentSecrets agent-secrets",
    ]);
  });

  it("sets exact inputs: cluster UUID, per-pipeline keys, access policy, secret value", () => {
    const byName = Object.fromEntries(byType(created, "buildkite:Cluster/clusterSecret:ClusterSecret").map((r) => [r.name, r.plain]));
    expect(byName).toEqual({
      "agent-secrets-web-app-DEPOT_TOKEN": {
        clusterId: UUID,
        key: "DEPOT_TOKEN_WEB_APP",
        value: "CANARY_BK_1",
        description: description("DEPOT_TOKEN", "web-app"),
        policy: WEB_POLICY,
      },
      "agent-secrets-web-app-DOCKERHUB_USERNAME": {
        clusterId: UUID,
        key: "DOCKERHUB_USERNAME_WEB_APP",
        value: "CANARY_BK_2",
        description: description("DOCKERHUB_USERNAME", "web-app"),
        policy: WEB_POLICY,
      },
      "agent-secrets-web-app-DOCKERHUB_TOKEN": {
        clusterId: UUID,
        key: "DOCKERHUB_TOKEN_WEB_APP",
        value: "CANARY_BK_3",
        description: description("DOCKERHUB_TOKEN", "web-app"),
        policy: WEB_POLICY,
      },
      "agent-secrets-api-DEPOT_TOKEN": {
        clusterId: UUID,
        key: "DEPOT_TOKEN_API",
        value: "CANARY_BK_4",
        description: description("DEPOT_TOKEN", "api"),
        policy: API_POLICY,
      },
    });
  });

  it("sends every value as a secret and nothing else as one", () => {
    for (const r of byType(created, "buildkite:Cluster/clusterSecret:ClusterSecret")) expect(r.secretPaths).toEqual(["value"]);
  });

  it("leaks no value into any non-secret input", () => {
    expect(leakedCanaries(created, CANARIES)).toEqual([]);
  });

  it("outputs the cluster secret keys the steps must read, as plain names", async () => {
    const keys = await valueOf(secrets.clusterSecretKeys);
    expect(keys).toEqual({
      "web-app": {
        DEPOT_TOKEN: "DEPOT_TOKEN_WEB_APP",
        DOCKERHUB_USERNAME: "DOCKERHUB_USERNAME_WEB_APP",
        DOCKERHUB_TOKEN: "DOCKERHUB_TOKEN_WEB_APP",
      },
      api: { DEPOT_TOKEN: "DEPOT_TOKEN_API" },
    });
    expect(await pulumi.isSecret(secrets.clusterSecretKeys)).toBe(false);
    // The step-side helper names exactly the same keys.
    for (const [slug, map] of Object.entries(keys ?? {})) expect(jobSecretEnv("buildkite", slug, Object.keys(map))).toEqual(map);
  });

  it("leaves the other backends' outputs empty", async () => {
    expect(await valueOf(secrets.backend)).toBe("buildkite");
    expect(await valueOf(secrets.secretArns)).toEqual({});
    expect(await valueOf(secrets.objectKeys)).toEqual({});
    expect(secrets.hookScript).toBeUndefined();
    expect(secrets.readPolicyArn).toBeUndefined();
  });
});
