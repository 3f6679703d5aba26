/**
 * Dynamic-provider implementations for Depot's `depot.core.v1.ProjectService` (projects, trust
 * policies, project tokens), called through `@depot/sdk-node` with an organization token.
 *
 * Pulumi serializes everything reachable from the three provider objects below into the resource's
 * `__provider` input (stored in state) and runs it later inside the dynamic provider host
 * (`@pulumi/pulumi/cmd/dynamic-provider`, loaded with `require-from-string`). Rules that follow:
 *
 * - NO runtime `import` in this file (type-only imports are erased). Under vitest, imports become
 *   `__vite_ssr_import_N__` variables that cannot be serialized; under tsc, imported bindings become
 *   `(0, module_1.x)` captures of whole modules. The SDK is `require()`d inside functions instead.
 *   `DEPOT_API_URL` is read by the SDK once, when it is first required in a process.
 * - Nothing secret is captured. The org token reaches `check`/`diff`/`create`/`update` as the
 *   `apiToken` input (a Pulumi secret; the host hands it over in plain text because it answers
 *   `acceptSecrets=false`, and the engine re-marks it secret in state). `read` and `delete` only
 *   receive state OUTPUTS, which never contain the token: they take it from the stack config key
 *   `tokenConfigKey`, which the host passes to `configure()` (held in memory, never serialized).
 * - Helpers referenced by provider methods are non-exported declarations, so compiled code calls
 *   them directly instead of through `exports.*` (which would drag the whole module along).
 * - Outputs never contain `undefined` (the host encodes results with `Struct.fromJavaScript`,
 *   which rejects it), hence `compact()`.
 */
import type { depot as DepotSdk } from "@depot/sdk-node";
import type * as dynamic from "@pulumi/pulumi/dynamic";

// ---------------------------------------------------------------------------------------------
// Public types (erased at runtime)
// ---------------------------------------------------------------------------------------------

/** Names of Depot's `Hardware` enum (builder size). `HARDWARE_UNSPECIFIED` is Depot's default (16 CPU / 32 GB). */
export type DepotHardwareName =
  | "HARDWARE_UNSPECIFIED"
  | "HARDWARE_16X32"
  | "HARDWARE_4X4"
  | "HARDWARE_8X8"
  | "HARDWARE_8X16"
  | "HARDWARE_32X64"
  | "HARDWARE_64X128"
  | "HARDWARE_96X192"
  | "HARDWARE_192X384";

type WithoutPrefix<T> = T extends `HARDWARE_${infer S}` ? S : never;

/**
 * Builder size: an enum name (`"HARDWARE_8X16"`) or the same without the prefix (`"8X16"`).
 * Outputs always use the full enum name.
 */
export type DepotHardware = DepotHardwareName | WithoutPrefix<DepotHardwareName>;

/** Cache retention. Missing fields default to Depot's 50 GB / 14 days on create, and keep their current value on update. */
export interface DepotCachePolicy {
  keepGb?: number;
  /** 0 means "no time limit". */
  keepDays?: number;
}

/** Bounded retries with exponential backoff and jitter, on Unavailable / DeadlineExceeded / ResourceExhausted only. */
export interface DepotRetrySettings {
  /** Total attempts per API operation, including the first. Default 4, at most 10. */
  maxAttempts?: number;
  /** Backoff base: attempt n waits between base*2^(n-1)/2 and base*2^(n-1) (capped at 10 s). Default 250 ms. */
  baseDelayMs?: number;
}

interface CommonInputs {
  /** The Depot organization token, plain inside the provider (a Pulumi secret everywhere else). */
  apiToken?: string;
  tokenConfigKey?: string;
  retry?: DepotRetrySettings;
}

interface CommonOutputs {
  tokenConfigKey: string;
  retry?: DepotRetrySettings;
}

export interface ProjectInputs extends CommonInputs {
  name: string;
  regionId?: string;
  cachePolicy?: DepotCachePolicy;
  hardware?: DepotHardware;
  existingProjectId?: string;
}

export interface ProjectOutputs extends CommonOutputs {
  projectId: string;
  organizationId: string;
  name: string;
  regionId: string;
  cachePolicy: { keepGb: number; keepDays: number };
  hardware: DepotHardwareName;
  /** True when the project was adopted through `existingProjectId`: deleting the resource only forgets it. */
  adopted: boolean;
  existingProjectId?: string;
}

export interface TrustPolicyInputs extends CommonInputs {
  projectId: string;
  organizationSlug: string;
  pipelineSlug: string;
}

export interface TrustPolicyOutputs extends CommonOutputs {
  trustPolicyId: string;
  projectId: string;
  organizationSlug: string;
  pipelineSlug: string;
  /** True when an identical policy already existed and was adopted instead of adding a duplicate. */
  adopted: boolean;
}

export interface ProjectTokenInputs extends CommonInputs {
  projectId: string;
  description: string;
  rotationKey?: string;
}

export interface ProjectTokenOutputs extends CommonOutputs {
  tokenId: string;
  /** The token secret: returned by Depot only at creation. */
  token: string;
  projectId: string;
  description: string;
  rotationKey?: string;
}

/** What the provider host gives `configure()`: the whole stack config, namespaced keys. */
interface ConfigReader {
  get(key: string): string | undefined;
}

/** A dynamic provider whose `configure()` keeps the stack config on the (deserialized) object. */
export interface DepotDynamicProvider<I, O> extends dynamic.ResourceProvider<I, O> {
  stackConfig?: ConfigReader;
  configure(req: dynamic.ConfigureRequest): Promise<void>;
  check(olds: I | Record<string, never>, news: I): Promise<dynamic.CheckResult<I>>;
  diff(id: string, olds: O, news: I): Promise<dynamic.DiffResult>;
  create(inputs: I): Promise<dynamic.CreateResult<O>>;
  read(id: string, props?: O): Promise<dynamic.ReadResult<O>>;
  update(id: string, olds: O, news: I): Promise<dynamic.UpdateResult<O>>;
  delete(id: string, props: O): Promise<void>;
}

type ProjectService = typeof DepotSdk.core.v1.ProjectService;
type Req<M extends keyof ProjectService> = Parameters<ProjectService[M]>[0];
type Res<M extends keyof ProjectService> = Awaited<ReturnType<ProjectService[M]>>;
/** The fields of Depot's `Project` message this provider uses (structural, so stored outputs fit too). */
interface ProjectLike {
  projectId: string;
  organizationId: string;
  name: string;
  regionId: string;
  cachePolicy?: { keepGb: number; keepDays: number; keepBytes?: bigint };
  hardware: number;
}

interface CallContext {
  token: string;
  tokenConfigKey: string;
  maxAttempts: number;
  baseDelayMs: number;
}

// ---------------------------------------------------------------------------------------------
// Constants (captured by value when serialized)
// ---------------------------------------------------------------------------------------------

const DEFAULT_TOKEN_CONFIG_KEY = "depot-buildkite:depotOrgToken";
const DEFAULT_REGION = "us-east-1";
/** Depot's documented defaults (the CLI uses the same): 50 GB, 14 days. */
const DEFAULT_KEEP_GB = 50;
const DEFAULT_KEEP_DAYS = 14;
/** Pulumi's wire sentinel for an unknown value (preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const CALL_TIMEOUT_MS = 30000;
const MAX_BACKOFF_MS = 10000;

const HARDWARE: Record<DepotHardwareName, number> = {
  HARDWARE_UNSPECIFIED: 0,
  HARDWARE_16X32: 1,
  HARDWARE_4X4: 2,
  HARDWARE_8X8: 3,
  HARDWARE_8X16: 4,
  HARDWARE_32X64: 5,
  HARDWARE_64X128: 6,
  HARDWARE_96X192: 7,
  HARDWARE_192X384: 8,
};

/** Connect/gRPC code numbers → names (for messages). */
const CODE_NAMES: Record<number, string> = {
  1: "canceled",
  2: "unknown",
  3: "invalid_argument",
  4: "deadline_exceeded",
  5: "not_found",
  6: "already_exists",
  7: "permission_denied",
  8: "resource_exhausted",
  9: "failed_precondition",
  10: "aborted",
  11: "out_of_range",
  12: "unimplemented",
  13: "internal",
  14: "unavailable",
  15: "data_loss",
  16: "unauthenticated",
};
const CODE_NOT_FOUND = 5;
const CODE_PERMISSION_DENIED = 7;
const CODE_UNAUTHENTICATED = 16;
const RETRYABLE_CODES = [4, 8, 14];

/** Buildkite slugs: lower-case letters, digits, `-` and `_` (they are matched exactly against OIDC claims). */
const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

// ---------------------------------------------------------------------------------------------
// Helpers (non-exported on purpose, see the header)
// ---------------------------------------------------------------------------------------------

function projectService(): ProjectService {
  // Inside a function on purpose: see the header. Resolved from the process's working directory
  // when run by the provider host.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a top-level import cannot be serialized
  const sdk = require("@depot/sdk-node") as { depot: typeof DepotSdk };
  return sdk.depot.core.v1.ProjectService;
}

function isKnown(v: unknown): boolean {
  return v !== UNKNOWN;
}

/** Drop `undefined` values recursively (the provider host's Struct encoding rejects them). */
function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => compact(v)) as unknown as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined) out[k] = compact(v);
    }
    return out as T;
  }
  return value;
}

function errorCode(e: unknown): number | undefined {
  if (typeof e === "object" && e !== null && "code" in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === "number") return code;
  }
  return undefined;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function setTokenHint(key: string): string {
  return `pulumi config set --secret ${key} depot_org_...`;
}

function missingTokenError(key: string, action: string): Error {
  return new Error(
    `Depot: no organization token available to ${action}. The provider reads it from the resource's apiToken ` +
      `input or, for refresh and delete, from the stack config key "${key}". Set it with \`${setTokenHint(key)}\` ` +
      `(Depot → Organization settings → API tokens).`,
  );
}

/** Translate an API failure into an actionable error that never includes the token. */
function describeFailure(e: unknown, what: string, ctx: CallContext, attempts: number): Error {
  const code = errorCode(e);
  if (code === CODE_UNAUTHENTICATED) {
    return new Error(
      `Depot rejected the organization token (unauthenticated) while trying to ${what}. The token comes from the ` +
        `stack config key "${ctx.tokenConfigKey}": set a valid organization token with \`${setTokenHint(ctx.tokenConfigKey)}\`.`,
    );
  }
  if (code === CODE_PERMISSION_DENIED) {
    return new Error(
      `Depot refused to ${what} (permission_denied). The API needs an ORGANIZATION token (depot_org_...) of the ` +
        `organization that owns the project; project tokens cannot use it. The token comes from the stack config key ` +
        `"${ctx.tokenConfigKey}": \`${setTokenHint(ctx.tokenConfigKey)}\`.`,
    );
  }
  const name = code === undefined ? "error" : (CODE_NAMES[code] ?? `code ${code}`);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
  const err = new Error(`Depot: failed to ${what}${tries} (${name}): ${errorText(e)}`);
  (err as Error & { code?: number }).code = code;
  return err;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function backoffMs(attempt: number, baseDelayMs: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, baseDelayMs * Math.pow(2, attempt - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/**
 * Run `op` with bounded retries on transient codes. `op` receives the attempt number (1-based) so
 * non-idempotent creates can reconcile what an earlier, apparently failed, attempt left behind.
 */
async function withRetry<T>(ctx: CallContext, what: string, op: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await op(attempt);
    } catch (e) {
      const code = errorCode(e);
      const retryable = code !== undefined && RETRYABLE_CODES.indexOf(code) >= 0;
      if (!retryable || attempt >= ctx.maxAttempts) throw describeFailure(e, what, ctx, attempt);
      await sleep(backoffMs(attempt, ctx.baseDelayMs));
    }
  }
}

/** One unary ProjectService call (no retry): bearer auth and a per-call timeout. */
async function call<M extends keyof ProjectService>(ctx: CallContext, method: M, req: Req<M>): Promise<Res<M>> {
  const svc = projectService();
  const fn = svc[method] as unknown as (
    r: Req<M>,
    o: { headers: Record<string, string>; timeoutMs: number },
  ) => Promise<Res<M>>;
  return fn(req, { headers: { Authorization: `Bearer ${ctx.token}` }, timeoutMs: CALL_TIMEOUT_MS });
}

/** A retried single call. */
function callRetry<M extends keyof ProjectService>(ctx: CallContext, what: string, method: M, req: Req<M>): Promise<Res<M>> {
  return withRetry(ctx, what, () => call(ctx, method, req));
}

function isNotFound(e: unknown): boolean {
  return errorCode(e) === CODE_NOT_FOUND;
}

function retrySettings(r: DepotRetrySettings | undefined): { maxAttempts: number; baseDelayMs: number } {
  const max = r && typeof r.maxAttempts === "number" && r.maxAttempts >= 1 ? Math.floor(r.maxAttempts) : 4;
  const base = r && typeof r.baseDelayMs === "number" && r.baseDelayMs >= 0 ? r.baseDelayMs : 250;
  return { maxAttempts: Math.min(max, 10), baseDelayMs: base };
}

/**
 * Build the call context. `inputToken` (from the resource inputs) wins; otherwise the stack config
 * value at `tokenConfigKey` (what `read`/`delete` use, since outputs never hold the token).
 */
function context(
  config: ConfigReader | undefined,
  inputToken: string | undefined,
  tokenConfigKey: string | undefined,
  retry: DepotRetrySettings | undefined,
  action: string,
): CallContext {
  const key = tokenConfigKey || DEFAULT_TOKEN_CONFIG_KEY;
  let token = inputToken && isKnown(inputToken) ? inputToken : undefined;
  if (!token && config) token = config.get(key);
  if (!token) throw missingTokenError(key, action);
  return { token, tokenConfigKey: key, ...retrySettings(retry) };
}

/** Token-free metadata copied into every output bag. */
function meta(src: CommonInputs | CommonOutputs): CommonOutputs {
  return compact({ tokenConfigKey: src.tokenConfigKey || DEFAULT_TOKEN_CONFIG_KEY, retry: src.retry });
}

function metaChanged(olds: CommonOutputs, news: CommonInputs): boolean {
  const a = meta(olds);
  const b = meta(news);
  return a.tokenConfigKey !== b.tokenConfigKey || JSON.stringify(a.retry ?? {}) !== JSON.stringify(b.retry ?? {});
}

function hardwareName(n: number | undefined): DepotHardwareName {
  for (const [name, value] of Object.entries(HARDWARE)) {
    if (value === n) return name as DepotHardwareName;
  }
  return "HARDWARE_UNSPECIFIED";
}

/** `"8X16"` or `"HARDWARE_8X16"` → `"HARDWARE_8X16"`; anything else → undefined. */
function canonicalHardware(h: unknown): DepotHardwareName | undefined {
  if (typeof h !== "string") return undefined;
  if (Object.prototype.hasOwnProperty.call(HARDWARE, h)) return h as DepotHardwareName;
  const full = `HARDWARE_${h}`;
  if (Object.prototype.hasOwnProperty.call(HARDWARE, full)) return full as DepotHardwareName;
  return undefined;
}

function checkCommon(news: CommonInputs, failures: dynamic.CheckFailure[]): void {
  // A key without a namespace is read in the stack's project namespace (the provider host's Config).
  if (news.tokenConfigKey !== undefined) checkRequiredString(news.tokenConfigKey, "tokenConfigKey", failures);
  const r = news.retry;
  if (r !== undefined && isKnown(r)) {
    if (r.maxAttempts !== undefined && !(Number.isInteger(r.maxAttempts) && r.maxAttempts >= 1 && r.maxAttempts <= 10)) {
      failures.push({ property: "retry.maxAttempts", reason: "must be an integer from 1 to 10" });
    }
    if (r.baseDelayMs !== undefined && !(typeof r.baseDelayMs === "number" && r.baseDelayMs >= 0)) {
      failures.push({ property: "retry.baseDelayMs", reason: "must be a number >= 0" });
    }
  }
}

function checkRequiredString(value: unknown, property: string, failures: dynamic.CheckFailure[]): void {
  if (!isKnown(value)) return;
  if (typeof value !== "string" || value.trim() === "") {
    failures.push({ property, reason: "is required and must be a non-empty string" });
  }
}

function checkSlug(value: unknown, property: string, failures: dynamic.CheckFailure[]): void {
  if (!isKnown(value)) return;
  if (typeof value !== "string" || !SLUG_PATTERN.test(value)) {
    failures.push({
      property,
      reason: "must be a Buildkite slug exactly as Buildkite shows it (lower-case letters, digits, '-' or '_')",
    });
  }
}

// --- projects -------------------------------------------------------------------------------

function projectOutputs(
  p: ProjectLike,
  src: CommonInputs | CommonOutputs,
  adopted: boolean,
  existingProjectId: string | undefined,
): ProjectOutputs {
  const cp = p.cachePolicy;
  let keepGb = cp ? cp.keepGb : 0;
  if (!keepGb && cp && cp.keepBytes) keepGb = Number(cp.keepBytes / BigInt(1073741824));
  return compact({
    projectId: p.projectId,
    organizationId: p.organizationId,
    name: p.name,
    regionId: p.regionId,
    cachePolicy: { keepGb, keepDays: cp ? cp.keepDays : 0 },
    hardware: hardwareName(p.hardware),
    adopted,
    existingProjectId,
    ...meta(src),
  });
}

/** Desired cache policy, filling unspecified fields from `current` (or Depot's defaults). */
function desiredCache(want: DepotCachePolicy | undefined, current: { keepGb: number; keepDays: number } | undefined) {
  if (!want) return undefined;
  return {
    keepGb: want.keepGb ?? (current ? current.keepGb : DEFAULT_KEEP_GB),
    keepDays: want.keepDays ?? (current ? current.keepDays : DEFAULT_KEEP_DAYS),
  };
}

function sameCache(a: { keepGb: number; keepDays: number }, b: { keepGb: number; keepDays: number } | undefined): boolean {
  return b !== undefined && a.keepGb === b.keepGb && a.keepDays === b.keepDays;
}

/** The UpdateProject fields needed to move `current` to `want` (empty object: nothing to do). */
function projectPatch(current: ProjectOutputs, want: ProjectInputs): Omit<Req<"updateProject">, "projectId"> {
  const patch: { name?: string; regionId?: string; cachePolicy?: { keepGb: number; keepDays: number }; hardware?: number } = {};
  if (want.name !== current.name) patch.name = want.name;
  const region = want.regionId || DEFAULT_REGION;
  if (region !== current.regionId) patch.regionId = region;
  const cache = desiredCache(want.cachePolicy, current.cachePolicy);
  if (cache && !sameCache(cache, current.cachePolicy)) patch.cachePolicy = cache;
  const hardware = canonicalHardware(want.hardware);
  if (hardware !== undefined && hardware !== current.hardware) patch.hardware = HARDWARE[hardware];
  return patch;
}

async function getProject(ctx: CallContext, projectId: string, what: string): Promise<ProjectLike | undefined> {
  try {
    const res = await callRetry(ctx, what, "getProject", { projectId });
    return res.project;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

async function applyProjectPatch(
  ctx: CallContext,
  current: ProjectOutputs,
  want: ProjectInputs,
  adopted: boolean,
  existing: string | undefined,
): Promise<ProjectOutputs> {
  const patch = projectPatch(current, want);
  if (Object.keys(patch).length === 0) return projectOutputs(outputsAsProject(current), want, adopted, existing);
  const res = await callRetry(ctx, `update project ${current.projectId}`, "updateProject", {
    projectId: current.projectId,
    ...patch,
  });
  if (!res.project) throw new Error(`Depot: UpdateProject for ${current.projectId} returned no project`);
  return projectOutputs(res.project, want, adopted, existing);
}

/** Re-shape stored outputs as an API project (to rebuild outputs without a call). */
function outputsAsProject(o: ProjectOutputs): ProjectLike {
  return {
    projectId: o.projectId,
    organizationId: o.organizationId,
    name: o.name,
    regionId: o.regionId,
    cachePolicy: o.cachePolicy ? { keepGb: o.cachePolicy.keepGb, keepDays: o.cachePolicy.keepDays } : undefined,
    hardware: HARDWARE[o.hardware] ?? 0,
  };
}

// --- trust policies -------------------------------------------------------------------------

function findBuildkitePolicy(
  policies: Res<"listTrustPolicies">["trustPolicies"],
  org: string,
  pipeline: string,
): string | undefined {
  for (const p of policies) {
    if (p.provider.case === "buildkite" && p.provider.value.organizationSlug === org && p.provider.value.pipelineSlug === pipeline) {
      return p.trustPolicyId;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Providers
// ---------------------------------------------------------------------------------------------

/** `pulumi-nodejs:dynamic/depot:Project` */
export const projectProvider: DepotDynamicProvider<ProjectInputs, ProjectOutputs> = {
  async configure(req) {
    this.stackConfig = req.config;
  },

  async check(_olds, news) {
    const failures: dynamic.CheckFailure[] = [];
    checkRequiredString(news.name, "name", failures);
    if (news.regionId !== undefined) checkRequiredString(news.regionId, "regionId", failures);
    if (news.hardware !== undefined && isKnown(news.hardware) && canonicalHardware(news.hardware) === undefined) {
      failures.push({ property: "hardware", reason: `must be one of ${Object.keys(HARDWARE).join(", ")} (the prefix is optional)` });
    }
    const cp = news.cachePolicy;
    if (cp !== undefined && isKnown(cp)) {
      for (const k of ["keepGb", "keepDays"] as const) {
        const v = cp[k];
        if (v !== undefined && isKnown(v) && !(Number.isInteger(v) && v >= 0)) {
          failures.push({ property: `cachePolicy.${k}`, reason: "must be a whole number >= 0" });
        }
      }
    }
    if (news.existingProjectId !== undefined) checkRequiredString(news.existingProjectId, "existingProjectId", failures);
    checkCommon(news, failures);
    const inputs = compact({
      ...news,
      hardware: canonicalHardware(news.hardware) ?? news.hardware,
      regionId: news.regionId || DEFAULT_REGION,
      tokenConfigKey: news.tokenConfigKey || DEFAULT_TOKEN_CONFIG_KEY,
    });
    return { inputs, failures };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    let changes = false;
    if (news.name !== olds.name) changes = true;
    if ((news.regionId || DEFAULT_REGION) !== olds.regionId) changes = true;
    if (news.hardware !== undefined && canonicalHardware(news.hardware) !== olds.hardware) changes = true;
    if (news.cachePolicy !== undefined) {
      const cache = desiredCache(news.cachePolicy, olds.cachePolicy);
      if (!cache || !sameCache(cache, olds.cachePolicy)) changes = true;
    }
    if ((news.existingProjectId || "") !== (olds.existingProjectId || "")) {
      changes = true;
      // Pointing at ANOTHER project means a different resource; adopting the one we already
      // manage (or dropping the flag) is only a change of deletion semantics.
      if (news.existingProjectId && news.existingProjectId !== olds.projectId) replaces.push("existingProjectId");
    }
    if (metaChanged(olds, news)) changes = true;
    return { changes: changes || replaces.length > 0, replaces, stables: replaces.length ? [] : ["projectId", "organizationId"] };
  },

  async create(inputs) {
    const ctx = context(this.stackConfig, inputs.apiToken, inputs.tokenConfigKey, inputs.retry, `create Depot project "${inputs.name}"`);
    const region = inputs.regionId || DEFAULT_REGION;
    if (inputs.existingProjectId) {
      // Adopt: read it, then converge it to the declared settings.
      const existing = await getProject(ctx, inputs.existingProjectId, `read project ${inputs.existingProjectId} to adopt it`);
      if (!existing) {
        throw new Error(
          `Depot: existingProjectId "${inputs.existingProjectId}" was not found in the organization of this token; ` +
            `check the id (Depot → project → Settings) or remove existingProjectId to create a new project.`,
        );
      }
      const current = projectOutputs(existing, inputs, true, inputs.existingProjectId);
      const outs = await applyProjectPatch(ctx, current, inputs, true, inputs.existingProjectId);
      return { id: outs.projectId, outs };
    }
    // CreateProject is not idempotent: remember what existed, so a retry after a lost response
    // adopts the project the earlier attempt created instead of creating a second one.
    const before = await callRetry(ctx, `create project "${inputs.name}"`, "listProjects", {});
    const known = new Set(before.projects.map((p) => p.projectId));
    const cache = desiredCache(inputs.cachePolicy, undefined);
    const hardware = canonicalHardware(inputs.hardware);
    const project = await withRetry(ctx, `create project "${inputs.name}"`, async (attempt) => {
      if (attempt > 1) {
        const now = await call(ctx, "listProjects", {});
        const created = now.projects.find((p) => !known.has(p.projectId) && p.name === inputs.name);
        if (created) return created;
      }
      const res = await call(ctx, "createProject", {
        name: inputs.name,
        regionId: region,
        ...(cache ? { cachePolicy: cache } : {}),
        ...(hardware !== undefined ? { hardware: HARDWARE[hardware] } : {}),
      });
      if (!res.project) throw new Error("Depot: CreateProject returned no project");
      return res.project;
    });
    const outs = projectOutputs(project, inputs, false, undefined);
    return { id: outs.projectId, outs };
  },

  async read(id, props) {
    const src: CommonOutputs = props ?? { tokenConfigKey: DEFAULT_TOKEN_CONFIG_KEY };
    const ctx = context(this.stackConfig, undefined, src.tokenConfigKey, src.retry, `refresh Depot project ${id}`);
    const project = await getProject(ctx, id, `read project ${id}`);
    if (!project) return {};
    const outs = projectOutputs(project, src, props ? props.adopted === true : false, props ? props.existingProjectId : undefined);
    return { id: project.projectId, props: outs };
  },

  async update(id, olds, news) {
    const adopted = Boolean(news.existingProjectId);
    const existing = news.existingProjectId || undefined;
    const current: ProjectOutputs = { ...olds, projectId: id };
    const patch = projectPatch(current, news);
    if (Object.keys(patch).length === 0) {
      // Only token-free metadata (config key, retry, adoption flag) changed: no API call.
      return { outs: projectOutputs(outputsAsProject(current), news, adopted, existing) };
    }
    const ctx = context(this.stackConfig, news.apiToken, news.tokenConfigKey, news.retry, `update Depot project ${id}`);
    return { outs: await applyProjectPatch(ctx, current, news, adopted, existing) };
  },

  async delete(id, props) {
    if (props.adopted) return; // adopted: forget it, never delete a project this stack did not create
    const ctx = context(this.stackConfig, undefined, props.tokenConfigKey, props.retry, `delete Depot project ${id}`);
    try {
      await callRetry(ctx, `delete project ${id}`, "deleteProject", { projectId: id });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  },
};

/** `pulumi-nodejs:dynamic/depot:TrustPolicy` (Buildkite OIDC trust relationship). */
export const trustPolicyProvider: DepotDynamicProvider<TrustPolicyInputs, TrustPolicyOutputs> = {
  async configure(req) {
    this.stackConfig = req.config;
  },

  async check(_olds, news) {
    const failures: dynamic.CheckFailure[] = [];
    checkRequiredString(news.projectId, "projectId", failures);
    checkSlug(news.organizationSlug, "organizationSlug", failures);
    checkSlug(news.pipelineSlug, "pipelineSlug", failures);
    checkCommon(news, failures);
    return { inputs: compact({ ...news, tokenConfigKey: news.tokenConfigKey || DEFAULT_TOKEN_CONFIG_KEY }), failures };
  },

  async diff(_id, olds, news) {
    // There is no UpdateTrustPolicy: every field forces a replacement. Replacement is
    // create-before-delete (the engine default), so the new policy exists before the old one goes.
    const replaces = (["projectId", "organizationSlug", "pipelineSlug"] as const).filter((k) => news[k] !== olds[k]);
    const changes = replaces.length > 0 || metaChanged(olds, news);
    // With no field changed, a replacement can only be forced (`pulumi up --replace`). The new
    // policy would then be identical to the old one and create() would adopt it, so the old
    // one's delete would remove what the new resource points at: ask for delete-first instead.
    return { changes, replaces, deleteBeforeReplace: replaces.length === 0 };
  },

  async create(inputs) {
    const what = `add Buildkite trust policy ${inputs.organizationSlug}/${inputs.pipelineSlug} to project ${inputs.projectId}`;
    const ctx = context(this.stackConfig, inputs.apiToken, inputs.tokenConfigKey, inputs.retry, what);
    // List first, every attempt: adopt an identical policy (added by hand, or by an earlier attempt
    // whose response was lost) instead of adding a duplicate.
    const result = await withRetry(ctx, what, async () => {
      const list = await call(ctx, "listTrustPolicies", { projectId: inputs.projectId });
      const existing = findBuildkitePolicy(list.trustPolicies, inputs.organizationSlug, inputs.pipelineSlug);
      if (existing) return { id: existing, adopted: true };
      const res = await call(ctx, "addTrustPolicy", {
        projectId: inputs.projectId,
        provider: { case: "buildkite", value: { organizationSlug: inputs.organizationSlug, pipelineSlug: inputs.pipelineSlug } },
      });
      if (!res.trustPolicy || !res.trustPolicy.trustPolicyId) throw new Error("Depot: AddTrustPolicy returned no trust policy");
      return { id: res.trustPolicy.trustPolicyId, adopted: false };
    });
    const outs: TrustPolicyOutputs = compact({
      trustPolicyId: result.id,
      projectId: inputs.projectId,
      organizationSlug: inputs.organizationSlug,
      pipelineSlug: inputs.pipelineSlug,
      adopted: result.adopted,
      ...meta(inputs),
    });
    return { id: result.id, outs };
  },

  async read(id, props) {
    if (!props || !props.projectId) return {};
    const ctx = context(this.stackConfig, undefined, props.tokenConfigKey, props.retry, `refresh Depot trust policy ${id}`);
    let list: Res<"listTrustPolicies">;
    try {
      list = await callRetry(ctx, `list trust policies of project ${props.projectId}`, "listTrustPolicies", {
        projectId: props.projectId,
      });
    } catch (e) {
      if (isNotFound(e)) return {}; // the project is gone, and the policy with it
      throw e;
    }
    const found = list.trustPolicies.find((p) => p.trustPolicyId === id);
    if (!found || found.provider.case !== "buildkite") return {}; // deleted behind our back
    const outs: TrustPolicyOutputs = compact({
      ...props,
      trustPolicyId: id,
      organizationSlug: found.provider.value.organizationSlug,
      pipelineSlug: found.provider.value.pipelineSlug,
      ...meta(props),
    });
    return { id, props: outs };
  },

  async update(id, olds, news) {
    // Only token-free metadata can reach update (everything else replaces): no API call.
    return { outs: compact({ ...olds, trustPolicyId: id, ...meta(news) }) };
  },

  async delete(id, props) {
    const ctx = context(this.stackConfig, undefined, props.tokenConfigKey, props.retry, `delete Depot trust policy ${id}`);
    try {
      await callRetry(ctx, `remove trust policy ${id} from project ${props.projectId}`, "removeTrustPolicy", {
        projectId: props.projectId,
        trustPolicyId: id,
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  },
};

/** `pulumi-nodejs:dynamic/depot:ProjectToken` */
export const projectTokenProvider: DepotDynamicProvider<ProjectTokenInputs, ProjectTokenOutputs> = {
  async configure(req) {
    this.stackConfig = req.config;
  },

  async check(_olds, news) {
    const failures: dynamic.CheckFailure[] = [];
    checkRequiredString(news.projectId, "projectId", failures);
    checkRequiredString(news.description, "description", failures);
    checkCommon(news, failures);
    return { inputs: compact({ ...news, tokenConfigKey: news.tokenConfigKey || DEFAULT_TOKEN_CONFIG_KEY }), failures };
  },

  async diff(_id, olds, news) {
    // projectId or rotationKey: a new token (create-before-delete = rotation without a gap).
    // description: renamed in place with UpdateToken (the secret stays valid).
    const replaces: string[] = [];
    if (news.projectId !== olds.projectId) replaces.push("projectId");
    if ((news.rotationKey || "") !== (olds.rotationKey || "")) replaces.push("rotationKey");
    const changes = replaces.length > 0 || news.description !== olds.description || metaChanged(olds, news);
    return { changes, replaces };
  },

  async create(inputs) {
    const what = `create a token "${inputs.description}" for project ${inputs.projectId}`;
    const ctx = context(this.stackConfig, inputs.apiToken, inputs.tokenConfigKey, inputs.retry, what);
    // CreateToken is not idempotent and its secret is returned once. Remember the tokens that
    // existed; if an attempt fails after Depot created a token, that token's secret is lost, so it
    // is deleted before trying again (no orphans, no duplicates).
    const before = await callRetry(ctx, `list tokens of project ${inputs.projectId}`, "listTokens", { projectId: inputs.projectId });
    const known = new Set(before.tokens.map((t) => t.tokenId));
    const created = await withRetry(ctx, what, async (attempt) => {
      if (attempt > 1) {
        const now = await call(ctx, "listTokens", { projectId: inputs.projectId });
        for (const t of now.tokens) {
          if (!known.has(t.tokenId) && t.description === inputs.description) {
            try {
              await call(ctx, "deleteToken", { tokenId: t.tokenId });
            } catch (e) {
              if (!isNotFound(e)) throw e;
            }
          }
        }
      }
      const res = await call(ctx, "createToken", { projectId: inputs.projectId, description: inputs.description });
      if (!res.tokenId || !res.secret) throw new Error("Depot: CreateToken returned no token");
      return res;
    });
    const outs: ProjectTokenOutputs = compact({
      tokenId: created.tokenId,
      token: created.secret,
      projectId: inputs.projectId,
      description: inputs.description,
      rotationKey: inputs.rotationKey,
      ...meta(inputs),
    });
    return { id: created.tokenId, outs };
  },

  async read(id, props) {
    if (!props || !props.projectId) return {};
    const ctx = context(this.stackConfig, undefined, props.tokenConfigKey, props.retry, `refresh Depot token ${id}`);
    let list: Res<"listTokens">;
    try {
      list = await callRetry(ctx, `list tokens of project ${props.projectId}`, "listTokens", { projectId: props.projectId });
    } catch (e) {
      if (isNotFound(e)) return {};
      throw e;
    }
    const found = list.tokens.find((t) => t.tokenId === id);
    if (!found) return {}; // deleted in the dashboard: the engine drops it, the next `up` creates a new one
    // The secret cannot be read back: keep the one from state.
    return { id, props: compact({ ...props, tokenId: id, description: found.description, ...meta(props) }) };
  },

  async update(id, olds, news) {
    if (news.description !== olds.description) {
      const ctx = context(this.stackConfig, news.apiToken, news.tokenConfigKey, news.retry, `rename Depot token ${id}`);
      await callRetry(ctx, `rename token ${id}`, "updateToken", { tokenId: id, description: news.description });
    }
    // Keep the secret from state: it is only ever returned at creation.
    return { outs: compact({ ...olds, tokenId: id, description: news.description, ...meta(news) }) };
  },

  async delete(id, props) {
    const ctx = context(this.stackConfig, undefined, props.tokenConfigKey, props.retry, `delete Depot token ${id}`);
    try {
      await callRetry(ctx, `delete token ${id}`, "deleteToken", { tokenId: id });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  },
};

/** The default config key the org token is read from. */
export function defaultTokenConfigKey(): string {
  return DEFAULT_TOKEN_CONFIG_KEY;
}

/** Depot's `Hardware` enum names, in enum order (the value is the index). */
export function depotHardwareNames(): DepotHardwareName[] {
  return Object.keys(HARDWARE) as DepotHardwareName[];
}
