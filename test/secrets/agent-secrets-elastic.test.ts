import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { AgentSecrets } from "../../components/agent-secrets";
import { byType, find, installMocks, Registration, settle, valueOf } from "../helpers/mocks";
import { leakedCanaries, sourceInBash, writeTemp } from "./support";

const created: Registration[] = [];
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const VALUES = {
  webDepot: "CANARY_E1 $x 'y' \"z\" \\ \n",
  webUser: "CANARY_E2",
  webToken: "CANARY_E3 p@ss word",
  apiDepot: "CANARY_E4",
};
const CANARIES = ["CANARY_E1", "CANARY_E2", "CANARY_E3", "CANARY_E4"];
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";
let secrets: AgentSecrets;

beforeAll(async () => {
  await installMocks(created);
  secrets = new AgentSecrets("stack", {
    backend: "elastic-stack",
    elasticStack: { bucket: pulumi.output("stack-secrets-bucket"), kmsKeyId: KEY },
    pipelines: [
      {
        slug: "web-app",
        values: {
          DEPOT_TOKEN: pulumi.secret(VALUES.webDepot),
          DOCKERHUB_USERNAME: VALUES.webUser,
          DOCKERHUB_TOKEN: pulumi.output(VALUES.webToken),
        },
      },
      { slug: "api", branches: ["main"], stepKeys: ["build"], values: { DEPOT_TOKEN: VALUES.apiDepot } },
      { slug: "oidc-app", depotAuth: "oidc", values: { DOCKERHUB_USERNAME: "CANARY_E2" } },
    ],
  });
  await valueOf(secrets.objectKeys);
  await settle();
});

function content(name: string): string {
  return String(find(created, OBJECT, name).plain.content);
}

describe("AgentSecrets (elastic-stack backend)", () => {
  it("writes one env object per pipeline with values, and nothing else", () => {
    expect(created.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      `${OBJECT} stack-api-env`,
      `${OBJECT} stack-oidc-app-env`,
      `${OBJECT} stack-web-app-env`,
      "depot-buildkite:index:AgentSecrets stack",
    ]);
  });

  it("stores {slug}/env with aws:kms encryption and the key, content as a secret", () => {
    for (const r of byType(created, OBJECT)) {
      const slug = r.name.replace(/^stack-/, "").replace(/-env$/, "");
      expect({ ...r.plain, content: "<checked below>" }).toEqual({
        bucket: "stack-secrets-bucket",
        key: `${slug}/env`,
        content: "<checked below>",
        contentType: "text/plain; charset=utf-8",
        serverSideEncryption: "aws:kms",
        kmsKeyId: KEY,
      });
      expect(r.secretPaths).toEqual(["content"]);
    }
    expect(leakedCanaries(created, CANARIES)).toEqual([]);
  });

  it("translates Docker Hub credentials for the stack's docker login", () => {
    expect(content("stack-web-app-env").split("\n").slice(3)).toEqual([
      `DEPOT_TOKEN='CANARY_E1 $x '\\''y'\\'' "z" \\ `,
      `'`,
      "DOCKER_LOGIN_USER='CANARY_E2'",
      "DOCKERHUB_USERNAME='CANARY_E2'",
      "DOCKER_LOGIN_PASSWORD='CANARY_E3 p@ss word'",
      "",
    ]);
  });

  it("evaluates, as the stack does, to exactly the values", () => {
    const r = sourceInBash(writeTemp("env", content("stack-web-app-env")), {}, { evalLikeElasticStack: true });
    expect(r.status).toBe(0);
    expect(r.exported).toEqual({
      DEPOT_TOKEN: VALUES.webDepot,
      DOCKER_LOGIN_USER: VALUES.webUser,
      DOCKERHUB_USERNAME: VALUES.webUser,
      DOCKER_LOGIN_PASSWORD: VALUES.webToken,
    });
    const api = writeTemp("env", content("stack-api-env"));
    expect(sourceInBash(api, { BUILDKITE_BRANCH: "main", BUILDKITE_STEP_KEY: "build" }, { evalLikeElasticStack: true }).exported).toEqual({
      DEPOT_TOKEN: VALUES.apiDepot,
    });
    expect(sourceInBash(api, { BUILDKITE_BRANCH: "main", BUILDKITE_STEP_KEY: "test" }, { evalLikeElasticStack: true }).exported).toEqual({});
  });

  it("outputs the object keys as plain names", async () => {
    expect(await valueOf(secrets.objectKeys)).toEqual({ "web-app": "web-app/env", api: "api/env", "oidc-app": "oidc-app/env" });
    expect(await pulumi.isSecret(secrets.objectKeys)).toBe(false);
    expect(secrets.hookScript).toBeUndefined();
    expect(await valueOf(secrets.clusterSecretKeys)).toEqual({});
  });
});
