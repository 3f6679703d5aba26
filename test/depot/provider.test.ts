/**
 * The Depot dynamic providers, SERIALIZED as `pulumi.dynamic.Resource` serializes them, loaded
 * the way the provider host loads them, and driven like the engine drives them, against a local
 * wire-compatible fake of Depot's API (`./fake-depot`). Nothing is stubbed between the provider
 * code and the HTTP/2 Connect wire: the real `@depot/sdk-node` client makes every call.
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { projectProvider, projectTokenProvider, trustPolicyProvider } from "../../components/depot/provider";
import { FakeDepot, ORGANIZATION_ID } from "./fake-depot";
import { ProviderHost, Slot, serializeProvider, type Props } from "./host";

const ORG_TOKEN = "depot_org_test_4f1c9e";
const KEY = "depot-buildkite:depotOrgToken";
const FAST = { baseDelayMs: 1 };
const STACK_CONFIG = { [KEY]: ORG_TOKEN };

let fake: FakeDepot;
let texts: { project: string; trust: string; token: string };

beforeAll(async () => {
  // The SDK reads DEPOT_API_URL once, when first required: it must not be loaded yet.
  expect(require.cache[require.resolve("@depot/sdk-node")]).toBeUndefined();
  fake = await FakeDepot.start([ORG_TOKEN, "depot_org_rotated"]);
  process.env.DEPOT_API_URL = fake.url;
  const [project, trust, token] = await Promise.all([
    serializeProvider(projectProvider),
    serializeProvider(trustPolicyProvider),
    serializeProvider(projectTokenProvider),
  ]);
  for (const s of [project, trust, token]) expect(s.containsSecrets).toBe(false);
  texts = { project: project.text, trust: trust.text, token: token.text };
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.clearFaults();
  fake.resetCounters();
});

function api(extra: Props = {}): Props {
  return { apiToken: ORG_TOKEN, tokenConfigKey: KEY, retry: FAST, ...extra };
}

function slot(kind: keyof typeof texts, config: Record<string, string> = STACK_CONFIG): Slot {
  return new Slot(new ProviderHost(config), texts[kind]);
}

function expectNoOrgToken(s: Slot): void {
  expect(JSON.stringify(s.outputs)).not.toContain(ORG_TOKEN);
}

describe("DepotProject", () => {
  it("creates with defaults, reads, and never puts the org token in outputs", async () => {
    const s = slot("project");
    expect(await s.up({ name: "web", ...api() })).toBe("create");
    const id = s.id!;
    expect(fake.projects.get(id)).toMatchObject({ name: "web", regionId: "us-east-1", keepGb: 50, keepDays: 14, hardware: 0 });
    expect(s.outputs).toMatchObject({
      projectId: id,
      organizationId: ORGANIZATION_ID,
      name: "web",
      regionId: "us-east-1",
      cachePolicy: { keepGb: 50, keepDays: 14 },
      hardware: "HARDWARE_UNSPECIFIED",
      adopted: false,
      tokenConfigKey: KEY,
    });
    expect(s.outputs).not.toHaveProperty("apiToken");
    expectNoOrgToken(s);
    // One snapshot list (for retry reconciliation) and one create.
    expect(fake.count("ListProjects")).toBe(1);
    expect(fake.count("CreateProject")).toBe(1);

    expect(await s.refresh()).toBe("refreshed");
    expect(fake.count("GetProject")).toBe(1);
    expect(s.outputs.name).toBe("web");
    expectNoOrgToken(s);
  });

  it("creates with explicit settings (partial cache policy filled with Depot's defaults)", async () => {
    const s = slot("project");
    await s.up({ name: "big", regionId: "eu-central-1", cachePolicy: { keepGb: 200 }, hardware: "32X64", ...api() });
    expect(fake.projects.get(s.id!)).toMatchObject({ regionId: "eu-central-1", keepGb: 200, keepDays: 14, hardware: 5 });
    expect(s.outputs.hardware).toBe("HARDWARE_32X64");
  });

  it("updates name, region, cache policy and hardware in place, sending only what changed", async () => {
    const s = slot("project");
    await s.up({ name: "svc", ...api() });
    const id = s.id!;
    fake.resetCounters();
    const step = await s.up({ name: "svc-renamed", regionId: "eu-central-1", cachePolicy: { keepDays: 7 }, hardware: "HARDWARE_8X16", ...api() });
    expect(step).toBe("update");
    expect(s.id).toBe(id);
    expect(fake.log).toEqual([`UpdateProject ${id}`]);
    expect(fake.projects.get(id)).toMatchObject({ name: "svc-renamed", regionId: "eu-central-1", keepGb: 50, keepDays: 7, hardware: 4 });
    expect(s.outputs).toMatchObject({ name: "svc-renamed", cachePolicy: { keepGb: 50, keepDays: 7 }, hardware: "HARDWARE_8X16" });
    expect(fake.projects.size).toBeGreaterThan(0);
  });

  it("diff: no change and an org-token change are no-ops without API calls", async () => {
    const s = slot("project");
    await s.up({ name: "quiet", cachePolicy: { keepGb: 50 }, hardware: "16X32", ...api() });
    fake.resetCounters();
    expect(await s.up({ name: "quiet", cachePolicy: { keepGb: 50 }, hardware: "HARDWARE_16X32", ...api() })).toBe("same");
    expect(await s.up({ name: "quiet", ...api({ apiToken: "depot_org_rotated" }) })).toBe("same");
    expect(fake.totalCalls()).toBe(0);
  });

  it("refresh picks up drift; the next up converges it", async () => {
    const s = slot("project");
    await s.up({ name: "drift", ...api() });
    fake.projects.get(s.id!)!.name = "renamed-in-dashboard";
    await s.refresh();
    expect(s.outputs.name).toBe("renamed-in-dashboard");
    expect(await s.up({ name: "drift", ...api() })).toBe("update");
    expect(fake.projects.get(s.id!)!.name).toBe("drift");
  });

  it("refresh of a project deleted in the dashboard drops it; up recreates it", async () => {
    const s = slot("project");
    await s.up({ name: "gone", ...api() });
    const first = s.id!;
    fake.projects.delete(first);
    expect(await s.refresh()).toBe("gone");
    expect(s.state).toBeUndefined();
    expect(await s.up({ name: "gone", ...api() })).toBe("create");
    expect(s.id).not.toBe(first);
  });

  it("deletes a project it created; NotFound on delete is success", async () => {
    const s = slot("project");
    await s.up({ name: "temp", ...api() });
    const id = s.id!;
    await s.destroy();
    expect(fake.projects.has(id)).toBe(false);
    expect(fake.log).toContain(`DeleteProject ${id}`);

    const again = slot("project");
    await again.up({ name: "temp2", ...api() });
    fake.projects.delete(again.id!);
    fake.resetCounters();
    await expect(again.destroy()).resolves.toBeUndefined();
    expect(fake.count("DeleteProject")).toBe(1);
  });

  it("adopts an existing project: GetProject, then UpdateProject to match; deleting only forgets it", async () => {
    const existing = fake.seedProject({ name: "legacy", regionId: "us-east-1", keepGb: 20, keepDays: 3, hardware: 2 });
    const s = slot("project");
    await s.up({ name: "legacy-managed", existingProjectId: existing.projectId, cachePolicy: { keepGb: 100 }, ...api() });
    expect(s.id).toBe(existing.projectId);
    expect(fake.count("GetProject")).toBe(1);
    expect(fake.count("CreateProject")).toBe(0);
    expect(fake.log).toEqual([`UpdateProject ${existing.projectId}`]);
    // Unspecified cache fields keep the project's current value; unmanaged hardware stays.
    expect(fake.projects.get(existing.projectId)).toMatchObject({ name: "legacy-managed", keepGb: 100, keepDays: 3, hardware: 2 });
    expect(s.outputs).toMatchObject({ adopted: true, existingProjectId: existing.projectId, hardware: "HARDWARE_4X4" });

    fake.resetCounters();
    await s.destroy();
    expect(fake.totalCalls()).toBe(0);
    expect(fake.projects.has(existing.projectId)).toBe(true);
  });

  it("adopting a project that already matches makes no UpdateProject call", async () => {
    const existing = fake.seedProject({ name: "as-is" });
    const s = slot("project");
    await s.up({ name: "as-is", existingProjectId: existing.projectId, ...api() });
    expect(fake.count("UpdateProject")).toBe(0);
  });

  it("adopting a missing project fails clearly and creates nothing", async () => {
    const s = slot("project");
    const before = fake.projects.size;
    await expect(s.up({ name: "x", existingProjectId: "proj_missing", ...api() })).rejects.toThrow(
      /existingProjectId "proj_missing" was not found/,
    );
    expect(fake.projects.size).toBe(before);
  });

  it("adopting the project it already manages is not a replacement; pointing at another one is", async () => {
    const s = slot("project");
    await s.up({ name: "mine", ...api() });
    const id = s.id!;
    expect(await s.up({ name: "mine", existingProjectId: id, ...api() })).toBe("update");
    expect(s.outputs.adopted).toBe(true);

    const other = fake.seedProject({ name: "other" });
    expect(await s.up({ name: "other", existingProjectId: other.projectId, ...api() })).toBe("replace");
    expect(s.id).toBe(other.projectId);
    // The old one was adopted by then, so the replacement only forgot it.
    expect(fake.projects.has(id)).toBe(true);
  });

  it("check rejects bad input before any API call", async () => {
    const s = slot("project");
    await expect(s.up({ name: "", hardware: "HUGE", cachePolicy: { keepGb: -1, keepDays: 1.5 }, ...api() })).rejects.toThrow(
      /name: is required.*hardware: must be one of.*cachePolicy.keepGb.*cachePolicy.keepDays/,
    );
    expect(fake.totalCalls()).toBe(0);
  });

  it("a CreateProject whose response was lost is adopted on retry, not duplicated", async () => {
    fake.inject("CreateProject", { code: Code.Unavailable, times: 1, afterApply: true });
    const before = fake.projects.size;
    const s = slot("project");
    await s.up({ name: "lost-response", ...api() });
    expect(fake.count("CreateProject")).toBe(1);
    expect(fake.projects.size).toBe(before + 1);
    expect(fake.projects.get(s.id!)!.name).toBe("lost-response");
  });
});

describe("DepotTrustPolicy", () => {
  function projectId(): string {
    return fake.seedProject({ name: `p-${Math.random().toString(36).slice(2, 8)}` }).projectId;
  }

  it("creates (list first, then add), reads, and deletes", async () => {
    const pid = projectId();
    const s = slot("trust");
    expect(await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", ...api() })).toBe("create");
    expect(fake.count("ListTrustPolicies")).toBe(1);
    expect(fake.count("AddTrustPolicy")).toBe(1);
    expect(fake.policiesOf(pid)).toEqual([{ trustPolicyId: s.id, projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app" }]);
    expect(s.outputs).toMatchObject({ trustPolicyId: s.id, projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", adopted: false });
    expectNoOrgToken(s);

    expect(await s.refresh()).toBe("refreshed");
    expect(await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", ...api() })).toBe("same");

    await s.destroy();
    expect(fake.policiesOf(pid)).toEqual([]);
  });

  it("adopts an identical policy that already exists instead of adding a duplicate", async () => {
    const pid = projectId();
    const existing = fake.seedTrustPolicy(pid, "acme", "web-app");
    fake.seedTrustPolicy(pid, "acme", "other-pipeline");
    const s = slot("trust");
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", ...api() });
    expect(s.id).toBe(existing.trustPolicyId);
    expect(s.outputs.adopted).toBe(true);
    expect(fake.count("AddTrustPolicy")).toBe(0);
    expect(fake.policiesOf(pid)).toHaveLength(2);
  });

  it.each([
    ["pipelineSlug", { pipelineSlug: "web-app-v2" }],
    ["organizationSlug", { organizationSlug: "acme-eu" }],
  ])("a %s change replaces the policy, new one first", async (field, change) => {
    const pid = projectId();
    const s = slot("trust");
    const base = { projectId: pid, organizationSlug: "acme", pipelineSlug: "web-app", ...api() };
    await s.up(base);
    const oldId = s.id!;
    fake.resetCounters();
    const host = new ProviderHost(STACK_CONFIG);
    const diff = await host.diff(oldId, s.outputs, { ...s.state!.inputs, ...change });
    expect(diff.replaces).toEqual([field]);
    expect(diff.deleteBeforeReplace).toBe(false);

    expect(await s.up({ ...base, ...change })).toBe("replace");
    expect(s.steps.at(-1)).toBe("replace:create-first");
    expect(fake.log.map((l) => l.split(" ")[0])).toEqual(["AddTrustPolicy", "RemoveTrustPolicy"]);
    expect(fake.log[1]).toContain(oldId);
    expect(fake.policiesOf(pid)).toHaveLength(1);
    expect(fake.policiesOf(pid)[0]!.trustPolicyId).toBe(s.id);
  });

  it("a projectId change replaces the policy onto the new project", async () => {
    const [a, b] = [projectId(), projectId()];
    const s = slot("trust");
    await s.up({ projectId: a, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    expect(await s.up({ projectId: b, organizationSlug: "acme", pipelineSlug: "web", ...api() })).toBe("replace");
    expect(fake.policiesOf(a)).toEqual([]);
    expect(fake.policiesOf(b)).toHaveLength(1);
  });

  it("a forced replacement with unchanged fields deletes first, so the new resource does not point at a removed policy", async () => {
    const pid = projectId();
    const s = slot("trust");
    const args = { projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() };
    await s.up(args);
    expect(await s.up(args, { replace: true })).toBe("replace");
    expect(s.steps.at(-1)).toBe("replace:delete-first");
    expect(fake.policiesOf(pid).map((p) => p.trustPolicyId)).toEqual([s.id]);
  });

  it("a policy deleted in the dashboard is dropped on refresh and recreated on the next up", async () => {
    const pid = projectId();
    const s = slot("trust");
    const args = { projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() };
    await s.up(args);
    fake.policies.delete(s.id!);
    expect(await s.refresh()).toBe("gone");
    expect(await s.up(args)).toBe("create");
    expect(fake.policiesOf(pid)).toHaveLength(1);
  });

  it("refresh after the whole project was deleted reports the policy gone", async () => {
    const pid = projectId();
    const s = slot("trust");
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    fake.projects.delete(pid);
    expect(await s.refresh()).toBe("gone");
  });

  it("NotFound on delete is success", async () => {
    const pid = projectId();
    const s = slot("trust");
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    fake.policies.delete(s.id!);
    await expect(s.destroy()).resolves.toBeUndefined();
    expect(fake.count("RemoveTrustPolicy")).toBe(1);
  });

  it("retries Unavailable on the first calls, bounded, and adds exactly one policy", async () => {
    const pid = projectId();
    fake.inject("ListTrustPolicies", { code: Code.Unavailable, times: 2 });
    fake.inject("AddTrustPolicy", { code: Code.ResourceExhausted, times: 1 });
    const s = slot("trust");
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    // attempt 1: List fails; 2: List fails; 3: List ok, Add exhausted; 4: List ok, Add ok.
    expect(fake.count("ListTrustPolicies")).toBe(4);
    expect(fake.count("AddTrustPolicy")).toBe(2);
    expect(fake.policiesOf(pid)).toHaveLength(1);
  });

  it("gives up after maxAttempts (default 4) with a clear error", async () => {
    const pid = projectId();
    fake.inject("ListTrustPolicies", { code: Code.Unavailable, times: 100 });
    const s = slot("trust");
    await expect(s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() })).rejects.toThrow(
      /failed to add Buildkite trust policy acme\/web .* after 4 attempts \(unavailable\)/,
    );
    expect(fake.count("ListTrustPolicies")).toBe(4);
    expect(fake.count("AddTrustPolicy")).toBe(0);
    expect(s.state).toBeUndefined();
  });

  it("honours retry.maxAttempts", async () => {
    const pid = projectId();
    fake.inject("ListTrustPolicies", { code: Code.DeadlineExceeded, times: 100 });
    const s = slot("trust");
    await expect(
      s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api({ retry: { maxAttempts: 2, baseDelayMs: 1 } }) }),
    ).rejects.toThrow(/after 2 attempts \(deadline_exceeded\)/);
    expect(fake.count("ListTrustPolicies")).toBe(2);
  });

  it("does not retry other codes (Internal: one call)", async () => {
    const pid = projectId();
    fake.inject("AddTrustPolicy", { code: Code.Internal, times: 1 });
    const s = slot("trust");
    await expect(s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() })).rejects.toThrow(/\(internal\)/);
    expect(fake.count("AddTrustPolicy")).toBe(1);
    expect(fake.policiesOf(pid)).toEqual([]);
  });

  it("a lost AddTrustPolicy response is reconciled on retry: no duplicate", async () => {
    const pid = projectId();
    fake.inject("AddTrustPolicy", { code: Code.Unavailable, times: 1, afterApply: true });
    const s = slot("trust");
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    expect(fake.count("AddTrustPolicy")).toBe(1);
    expect(fake.policiesOf(pid).map((p) => p.trustPolicyId)).toEqual([s.id]);
  });

  it("backs off exponentially between attempts (with jitter)", async () => {
    const pid = projectId();
    fake.inject("ListTrustPolicies", { code: Code.Unavailable, times: 3 });
    const s = slot("trust");
    const t0 = Date.now();
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api({ retry: { baseDelayMs: 20 } }) });
    const elapsed = Date.now() - t0;
    // waits in [10,20] + [20,40] + [40,80] ms
    expect(elapsed).toBeGreaterThanOrEqual(70);
    expect(elapsed).toBeLessThan(2000);
  });

  it("a tokenConfigKey or retry change updates the stored outputs without any API call", async () => {
    const pid = projectId();
    const s = slot("trust", { ...STACK_CONFIG, "platform:depot": ORG_TOKEN });
    await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api() });
    const id = s.id;
    fake.resetCounters();
    expect(await s.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "web", ...api({ tokenConfigKey: "platform:depot" }) })).toBe(
      "update",
    );
    expect(fake.totalCalls()).toBe(0);
    expect(s.id).toBe(id);
    expect(s.outputs.tokenConfigKey).toBe("platform:depot");
    expect(await s.refresh()).toBe("refreshed"); // refresh now reads the token from the new key
  });

  it("check rejects slugs Buildkite would never send", async () => {
    const s = slot("trust");
    await expect(s.up({ projectId: "p", organizationSlug: "Acme", pipelineSlug: "web app", ...api() })).rejects.toThrow(
      /organizationSlug: must be a Buildkite slug.*pipelineSlug: must be a Buildkite slug/,
    );
    expect(fake.totalCalls()).toBe(0);
  });
});

describe("DepotProjectToken", () => {
  function projectId(): string {
    return fake.seedProject({ name: `t-${Math.random().toString(36).slice(2, 8)}` }).projectId;
  }

  it("creates a token whose secret is an output, renames in place, and deletes", async () => {
    const pid = projectId();
    const s = slot("token");
    await s.up({ projectId: pid, description: "Buildkite acme/web", ...api() });
    const live = fake.tokens.get(s.id!)!;
    expect(s.outputs).toMatchObject({ tokenId: s.id, token: live.secret, projectId: pid, description: "Buildkite acme/web" });
    expectNoOrgToken(s);

    fake.resetCounters();
    expect(await s.up({ projectId: pid, description: "Buildkite acme/web (prod)", ...api() })).toBe("update");
    expect(fake.log).toEqual([`UpdateToken ${live.tokenId}`]);
    expect(s.id).toBe(live.tokenId);
    expect(s.outputs.token).toBe(live.secret); // the secret survives an update
    expect(fake.tokens.get(live.tokenId)!.description).toBe("Buildkite acme/web (prod)");

    expect(await s.refresh()).toBe("refreshed");
    expect(s.outputs.token).toBe(live.secret); // and a refresh

    await s.destroy();
    expect(fake.tokensOf(pid)).toEqual([]);
  });

  it("rotation (rotationKey change): the new token exists before the old one is deleted", async () => {
    const pid = projectId();
    const s = slot("token");
    await s.up({ projectId: pid, description: "ci", ...api() });
    const old = { id: s.id!, token: s.outputs.token };
    fake.resetCounters();
    expect(await s.up({ projectId: pid, description: "ci", rotationKey: "2026-12", ...api() })).toBe("replace");
    expect(fake.log.map((l) => l.split(" ")[0])).toEqual(["CreateToken", "DeleteToken"]);
    expect(fake.log[1]).toBe(`DeleteToken ${old.id}`);
    expect(s.id).not.toBe(old.id);
    expect(s.outputs.token).not.toBe(old.token);
    expect(fake.tokensOf(pid).map((t) => t.tokenId)).toEqual([s.id]);
  });

  it("`pulumi up --replace` rotates too (create-before-delete)", async () => {
    const pid = projectId();
    const s = slot("token");
    const args = { projectId: pid, description: "ci", ...api() };
    await s.up(args);
    const oldId = s.id;
    await s.up(args, { replace: true });
    expect(s.steps.at(-1)).toBe("replace:create-first");
    expect(fake.tokensOf(pid).map((t) => t.tokenId)).toEqual([s.id]);
    expect(s.id).not.toBe(oldId);
  });

  it("a token deleted behind our back is reported gone on refresh; up creates a new one", async () => {
    const pid = projectId();
    const s = slot("token");
    const args = { projectId: pid, description: "ci", ...api() };
    await s.up(args);
    fake.tokens.delete(s.id!);
    expect(await s.refresh()).toBe("gone");
    expect(s.state).toBeUndefined();
    expect(await s.up(args)).toBe("create");
    expect(fake.tokensOf(pid)).toHaveLength(1);
  });

  it("NotFound on delete is success", async () => {
    const pid = projectId();
    const s = slot("token");
    await s.up({ projectId: pid, description: "ci", ...api() });
    fake.tokens.delete(s.id!);
    await expect(s.destroy()).resolves.toBeUndefined();
    expect(fake.count("DeleteToken")).toBe(1);
  });

  it("a lost CreateToken response: the orphan (whose secret is lost) is deleted, one live token remains", async () => {
    const pid = projectId();
    expect(fake.tokensOf(pid)).toEqual([]);
    fake.inject("CreateToken", { code: Code.Unavailable, times: 1, afterApply: true });
    const s = slot("token");
    await s.up({ projectId: pid, description: "ci", ...api() });
    expect(fake.count("CreateToken")).toBe(2);
    expect(fake.count("DeleteToken")).toBe(1);
    const live = fake.tokensOf(pid);
    expect(live.map((t) => t.tokenId)).toEqual([s.id]);
    expect(s.outputs.token).toBe(live[0]!.secret);
  });

  it("leaves other tokens of the project alone", async () => {
    const pid = projectId();
    const s1 = slot("token");
    await s1.up({ projectId: pid, description: "one", ...api() });
    fake.inject("CreateToken", { code: Code.Unavailable, times: 1, afterApply: true });
    const s2 = slot("token");
    await s2.up({ projectId: pid, description: "two", ...api() });
    expect(fake.tokensOf(pid).map((t) => t.tokenId).sort()).toEqual([s1.id, s2.id].sort());
  });
});

describe("the organization token", () => {
  it("Unauthenticated: the error names the config key and how to set it", async () => {
    const s = slot("project");
    const err = await s.up({ name: "x", ...api({ apiToken: "depot_org_revoked" }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'Depot rejected the organization token (unauthenticated) while trying to create project "x". The token comes ' +
        'from the stack config key "depot-buildkite:depotOrgToken": set a valid organization token with ' +
        "`pulumi config set --secret depot-buildkite:depotOrgToken depot_org_...`.",
    );
    expect((err as Error).message).not.toContain("depot_org_revoked");
    expect(fake.count("ListProjects")).toBe(1); // not retried
  });

  it("a custom tokenConfigKey is named in errors", async () => {
    const s = slot("trust");
    await expect(
      s.up({ projectId: "p", organizationSlug: "acme", pipelineSlug: "web", ...api({ apiToken: "nope", tokenConfigKey: "team:depot" }) }),
    ).rejects.toThrow("pulumi config set --secret team:depot depot_org_...");
  });

  it("PermissionDenied says an organization token is needed", async () => {
    fake.inject("ListProjects", { code: Code.PermissionDenied, times: 1 });
    await expect(slot("project").up({ name: "x", ...api() })).rejects.toThrow(
      /needs an ORGANIZATION token \(depot_org_...\) of the organization that owns the project/,
    );
  });

  it("refresh and delete take the token from stack config (outputs never hold it)", async () => {
    const pid = fake.seedProject({ name: "cfg" }).projectId;
    const s = slot("token");
    await s.up({ projectId: pid, description: "ci", ...api() });
    const outputs = s.outputs;

    // A host without the config key cannot refresh: the error says where the token comes from.
    const bare = new ProviderHost({});
    await expect(bare.read(s.id!, outputs)).rejects.toThrow(
      /no organization token available to refresh Depot token .* "depot-buildkite:depotOrgToken".*pulumi config set --secret/,
    );
    await expect(bare.delete(s.id!, outputs)).rejects.toThrow(/no organization token available to delete/);
    expect(fake.tokensOf(pid)).toHaveLength(1);

    // After an org-token rotation only the config knows the new token: read and delete use it.
    fake.validTokens.delete(ORG_TOKEN);
    try {
      const rotated = new ProviderHost({ [KEY]: "depot_org_rotated" });
      expect((await rotated.read(s.id!, outputs)).id).toBe(s.id);
      await rotated.delete(s.id!, outputs);
      expect(fake.tokensOf(pid)).toEqual([]);
    } finally {
      fake.validTokens.add(ORG_TOKEN);
    }
  });

  it("the provider host deserializes and configures each provider text once", async () => {
    const host = new ProviderHost(STACK_CONFIG);
    const pid = fake.seedProject({ name: "once" }).projectId;
    const a = new Slot(host, texts.trust);
    const b = new Slot(host, texts.trust);
    await a.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "a", ...api() });
    await b.up({ projectId: pid, organizationSlug: "acme", pipelineSlug: "b", ...api() });
    await a.refresh();
    expect(host.loads).toBe(1);
  });
});
