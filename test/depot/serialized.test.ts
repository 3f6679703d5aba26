/**
 * The Depot resources as a program registers them (under Pulumi's mocks), then the very
 * `__provider` text they registered, run by the host harness against the fake Depot API:
 *
 * - the org token is a SECRET input (even when given as a plain string), is not captured by the
 *   serialized provider, and `token` is a secret output (plus `additionalSecretOutputs`);
 * - the same text, loaded like the provider host loads it, runs a whole lifecycle with no orphans;
 * - the providers also serialize and run when compiled by ts-node (tsc, CommonJS): the path
 *   Pulumi's Node runtime takes in a real `pulumi up`.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DepotProject, DepotProjectToken, DepotTrustPolicy } from "../../components/depot";
import { installMocks, settle, valueOf, type Registration } from "../helpers/mocks";
import { FakeDepot } from "./fake-depot";
import { ProviderHost, Slot } from "./host";

const CANARY = "depot_org_CANARY_7d2b0c55e1";
const KEY = "depot-buildkite:depotOrgToken";
const TYPES = {
  project: "pulumi-nodejs:dynamic/depot:Project",
  trust: "pulumi-nodejs:dynamic/depot:TrustPolicy",
  token: "pulumi-nodejs:dynamic/depot:ProjectToken",
} as const;

const created: Registration[] = [];
const secretOutputsByName = new Map<string, string[]>();
let fake: FakeDepot;
let project: DepotProject;
let policy: DepotTrustPolicy;
let token: DepotProjectToken;

interface RegisterRequestLike {
  getName(): string;
  getAdditionalsecretoutputsList(): string[];
}
interface MonitorLike {
  registerResource(req: RegisterRequestLike, cb: unknown): unknown;
}

beforeAll(async () => {
  expect(require.cache[require.resolve("@depot/sdk-node")]).toBeUndefined();
  fake = await FakeDepot.start([CANARY]);
  process.env.DEPOT_API_URL = fake.url;

  await installMocks(created, {
    state: (type, name) => {
      if (type === TYPES.project) return { projectId: `${name}-pid`, organizationId: "org", adopted: false };
      if (type === TYPES.trust) return { trustPolicyId: `${name}-tpid`, adopted: false };
      if (type === TYPES.token) return { tokenId: `${name}-tid`, token: "depot_project_from_mock" };
      return {};
    },
  });
  // Record the resource options the SDK sends to the (mock) monitor.
  const monitor = (pulumi.runtime as unknown as { getMonitor(): MonitorLike }).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
    return register(req, cb);
  };

  // A plain string on purpose: the classes must wrap it as a secret themselves.
  project = new DepotProject("proj", { name: "web", hardware: "8X16", apiToken: CANARY });
  policy = new DepotTrustPolicy("trust", {
    projectId: project.projectId,
    organizationSlug: "acme",
    pipelineSlug: "web-app",
    apiToken: pulumi.secret(CANARY),
  });
  token = new DepotProjectToken("tok", { projectId: project.projectId, description: "ci", apiToken: CANARY });
  await valueOf(token.tokenId);
  await settle();
});

afterAll(async () => {
  await fake?.close();
});

function registration(type: string): Registration {
  const r = created.find((x) => x.type === type);
  if (!r) throw new Error(`no ${type} registered; have ${created.map((x) => x.type).join(", ")}`);
  return r;
}

describe("registration (mocks)", () => {
  it("registers the three dynamic resource types", () => {
    expect(created.map((r) => `${r.type}::${r.name}`).sort()).toEqual([
      `${TYPES.token}::tok`,
      `${TYPES.trust}::trust`,
      `${TYPES.project}::proj`,
    ].sort());
  });

  it.each(Object.entries(TYPES))("%s: apiToken is a secret input; nothing else is", (_kind, type) => {
    const r = registration(type);
    expect(r.secretPaths).toEqual(["apiToken"]);
    expect(r.plain.apiToken).toBe(CANARY);
    expect(r.plain.tokenConfigKey).toBe(KEY);
  });

  it.each(Object.entries(TYPES))("%s: the serialized provider captured no secret and does not contain the token", (_kind, type) => {
    const r = registration(type);
    const text = r.plain.__provider;
    expect(typeof text).toBe("string");
    expect(r.secretPaths).not.toContain("__provider"); // the SDK marks it secret if the closure captured one
    expect(text as string).toContain("exports.handler");
    expect(text as string).not.toContain(CANARY);
    expect(text as string).toContain('require("@depot/sdk-node")');
    expect(text as string).not.toMatch(/__vite_ssr_import/);
  });

  it("applies defaults and normalizes nothing secret-related", () => {
    expect(registration(TYPES.project).plain).toMatchObject({ name: "web", regionId: "us-east-1", hardware: "8X16" });
    expect(registration(TYPES.trust).plain).toMatchObject({ organizationSlug: "acme", pipelineSlug: "web-app", projectId: "proj-pid" });
  });

  it("the token output is secret, and `token` is an additionalSecretOutput", async () => {
    expect(await pulumi.isSecret(token.token)).toBe(true);
    expect(await valueOf(pulumi.unsecret(token.token))).toBe("depot_project_from_mock");
    expect(await pulumi.isSecret(token.tokenId)).toBe(false);
    expect(await pulumi.isSecret(project.projectId)).toBe(false);
    expect(secretOutputsByName.get("tok")).toEqual(["token"]);
    expect(secretOutputsByName.get("proj")).toEqual([]);
    expect(await valueOf(policy.trustPolicyId)).toBe("trust-tpid");
  });
});

describe("the registered provider text, run as the provider host runs it", () => {
  it("project → trust policy → token → destroy, against the fake: no orphans, no token in outputs", async () => {
    const host = new ProviderHost({ [KEY]: CANARY });
    const fast = { tokenConfigKey: KEY, retry: { baseDelayMs: 1 } };
    const p = new Slot(host, registration(TYPES.project).plain.__provider as string);
    const t = new Slot(host, registration(TYPES.trust).plain.__provider as string);
    const k = new Slot(host, registration(TYPES.token).plain.__provider as string);

    await p.up({ name: "web", hardware: "8X16", apiToken: CANARY, ...fast });
    const pid = p.id!;
    await t.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", apiToken: CANARY, ...fast });
    await k.up({ projectId: pid, description: "ci", apiToken: CANARY, ...fast });

    expect(fake.projects.get(pid)).toMatchObject({ name: "web", hardware: 4 });
    expect(fake.policiesOf(pid)).toHaveLength(1);
    expect(fake.tokensOf(pid).map((x) => x.secret)).toEqual([k.outputs.token]);
    for (const s of [p, t, k]) expect(JSON.stringify(s.outputs)).not.toContain(CANARY);

    for (const s of [p, t, k]) expect(await s.refresh()).toBe("refreshed");
    await k.destroy();
    await t.destroy();
    await p.destroy();
    expect(fake.projects.has(pid)).toBe(false);
    expect(fake.policiesOf(pid)).toEqual([]);
    expect(fake.tokensOf(pid)).toEqual([]);
  });
});

describe("compiled by ts-node (tsc, CommonJS), as `pulumi up` runs the program", () => {
  const root = path.resolve(__dirname, "../..");
  const script = `
    require("ts-node").register({ transpileOnly: true });
    const pulumi = require("@pulumi/pulumi");
    const mod = require("./components/depot/provider.ts");
    (async () => {
      const out = {};
      for (const name of ["projectProvider", "trustPolicyProvider", "projectTokenProvider"]) {
        const provider = mod[name];
        const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
        out[name] = { text: sf.text, containsSecrets: sf.containsSecrets };
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  let texts: Record<string, { text: string; containsSecrets: boolean }>;

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], {
      cwd: root,
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
      maxBuffer: 16 * 1024 * 1024,
    });
    texts = JSON.parse(stdout) as typeof texts;
  }, 60_000);

  it("serializes all three providers without capturing modules or secrets", () => {
    for (const [name, s] of Object.entries(texts)) {
      expect(s.containsSecrets, name).toBe(false);
      expect(s.text, name).toContain('require("@depot/sdk-node")');
      // tsc would reach exported values through `exports.x` / `module_1.x`: nothing of the kind.
      expect(s.text, name).not.toMatch(/\bexports\.(?!handler\b)|_1\.\w/);
    }
  });

  it("the tsc-compiled trust policy provider runs against the fake", async () => {
    const pid = fake.seedProject({ name: "tsc" }).projectId;
    const s = new Slot(new ProviderHost({ [KEY]: CANARY }), texts.trustPolicyProvider!.text);
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "tsc", apiToken: CANARY, retry: { baseDelayMs: 1 } });
    expect(fake.policiesOf(pid)).toHaveLength(1);
    expect(await s.refresh()).toBe("refreshed");
    await s.destroy();
    expect(fake.policiesOf(pid)).toEqual([]);
  });
});
