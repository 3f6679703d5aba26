/**
 * A wire-compatible local fake of Depot's `depot.core.v1.ProjectService`, for tests.
 *
 * The SDK exports neither its message classes nor its service descriptor, so the messages are
 * declared here with `@bufbuild/protobuf` 1.10 (the SDK's own version), using the field numbers and
 * names from the `@generated` comments in `@depot/sdk-node/dist/index.d.ts`, and served with
 * `connectNodeAdapter` over HTTP/2 cleartext on 127.0.0.1 (what the SDK's transport speaks).
 *
 * State is in memory. Every RPC is counted, successful mutations are logged in order, and faults
 * can be injected per method (fail the first N calls before or after applying them).
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { Message, MethodKind, ScalarType, Timestamp, proto3, type PartialMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";

// --- messages --------------------------------------------------------------------------------

const Hardware = proto3.makeEnumType("depot.core.v1.Hardware", [
  { no: 0, name: "HARDWARE_UNSPECIFIED" },
  { no: 1, name: "HARDWARE_16X32" },
  { no: 2, name: "HARDWARE_4X4" },
  { no: 3, name: "HARDWARE_8X8" },
  { no: 4, name: "HARDWARE_8X16" },
  { no: 5, name: "HARDWARE_32X64" },
  { no: 6, name: "HARDWARE_64X128" },
  { no: 7, name: "HARDWARE_96X192" },
  { no: 8, name: "HARDWARE_192X384" },
]);

interface CachePolicyMsg extends Message<CachePolicyMsg> {
  keepBytes?: bigint;
  keepDays: number;
  keepGb: number;
}
const CachePolicy = proto3.makeMessageType<CachePolicyMsg>("depot.core.v1.CachePolicy", [
  { no: 1, name: "keep_bytes", kind: "scalar", T: ScalarType.INT64, opt: true },
  { no: 2, name: "keep_days", kind: "scalar", T: ScalarType.INT32 },
  { no: 3, name: "keep_gb", kind: "scalar", T: ScalarType.INT32 },
]);

interface ProjectMsg extends Message<ProjectMsg> {
  projectId: string;
  organizationId: string;
  name: string;
  regionId: string;
  createdAt?: Timestamp;
  cachePolicy?: CachePolicyMsg;
  hardware: number;
}
const Project = proto3.makeMessageType<ProjectMsg>("depot.core.v1.Project", [
  { no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "organization_id", kind: "scalar", T: ScalarType.STRING },
  { no: 3, name: "name", kind: "scalar", T: ScalarType.STRING },
  { no: 4, name: "region_id", kind: "scalar", T: ScalarType.STRING },
  { no: 5, name: "created_at", kind: "message", T: Timestamp },
  { no: 6, name: "cache_policy", kind: "message", T: CachePolicy },
  { no: 7, name: "hardware", kind: "enum", T: Hardware },
]);

type EmptyMsg = Message;
function empty(typeName: string) {
  return proto3.makeMessageType<EmptyMsg>(typeName, []);
}
interface ProjectIdMsg extends Message<ProjectIdMsg> {
  projectId: string;
}
function byProjectId(typeName: string) {
  return proto3.makeMessageType<ProjectIdMsg>(typeName, [{ no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING }]);
}
interface ProjectResponseMsg extends Message<ProjectResponseMsg> {
  project?: ProjectMsg;
}
function projectResponse(typeName: string) {
  return proto3.makeMessageType<ProjectResponseMsg>(typeName, [{ no: 1, name: "project", kind: "message", T: Project }]);
}

interface ListProjectsResponseMsg extends Message<ListProjectsResponseMsg> {
  projects: ProjectMsg[];
}
const ListProjectsResponse = proto3.makeMessageType<ListProjectsResponseMsg>("depot.core.v1.ListProjectsResponse", [
  { no: 1, name: "projects", kind: "message", T: Project, repeated: true },
]);

interface CreateProjectRequestMsg extends Message<CreateProjectRequestMsg> {
  name: string;
  organizationId?: string;
  regionId: string;
  cachePolicy?: CachePolicyMsg;
  hardware?: number;
}
const CreateProjectRequest = proto3.makeMessageType<CreateProjectRequestMsg>("depot.core.v1.CreateProjectRequest", [
  { no: 1, name: "name", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "organization_id", kind: "scalar", T: ScalarType.STRING, opt: true },
  { no: 3, name: "region_id", kind: "scalar", T: ScalarType.STRING },
  { no: 4, name: "cache_policy", kind: "message", T: CachePolicy, opt: true },
  { no: 5, name: "hardware", kind: "enum", T: Hardware, opt: true },
]);

interface UpdateProjectRequestMsg extends Message<UpdateProjectRequestMsg> {
  projectId: string;
  name?: string;
  regionId?: string;
  cachePolicy?: CachePolicyMsg;
  hardware?: number;
}
const UpdateProjectRequest = proto3.makeMessageType<UpdateProjectRequestMsg>("depot.core.v1.UpdateProjectRequest", [
  { no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "name", kind: "scalar", T: ScalarType.STRING, opt: true },
  { no: 3, name: "region_id", kind: "scalar", T: ScalarType.STRING, opt: true },
  { no: 4, name: "cache_policy", kind: "message", T: CachePolicy, opt: true },
  { no: 5, name: "hardware", kind: "enum", T: Hardware, opt: true },
]);

interface BuildkiteMsg extends Message<BuildkiteMsg> {
  organizationSlug: string;
  pipelineSlug: string;
}
const TrustPolicyBuildkite = proto3.makeMessageType<BuildkiteMsg>("depot.core.v1.TrustPolicy.Buildkite", [
  { no: 1, name: "organization_slug", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "pipeline_slug", kind: "scalar", T: ScalarType.STRING },
]);
interface CircleCiMsg extends Message<CircleCiMsg> {
  organizationUuid: string;
  projectUuid: string;
}
const TrustPolicyCircleCI = proto3.makeMessageType<CircleCiMsg>("depot.core.v1.TrustPolicy.CircleCI", [
  { no: 1, name: "organization_uuid", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "project_uuid", kind: "scalar", T: ScalarType.STRING },
]);
interface GitHubMsg extends Message<GitHubMsg> {
  repositoryOwner: string;
  repository: string;
}
const TrustPolicyGitHub = proto3.makeMessageType<GitHubMsg>("depot.core.v1.TrustPolicy.GitHub", [
  { no: 1, name: "repository_owner", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "repository", kind: "scalar", T: ScalarType.STRING },
]);

type ProviderOneof =
  | { case: "buildkite"; value: BuildkiteMsg }
  | { case: "circleci"; value: CircleCiMsg }
  | { case: "github"; value: GitHubMsg }
  | { case: undefined; value?: undefined };

const providerFields = [
  { no: 2, name: "buildkite", kind: "message", T: TrustPolicyBuildkite, oneof: "provider" },
  { no: 3, name: "circleci", kind: "message", T: TrustPolicyCircleCI, oneof: "provider" },
  { no: 4, name: "github", kind: "message", T: TrustPolicyGitHub, oneof: "provider" },
] as const;

interface TrustPolicyMsg extends Message<TrustPolicyMsg> {
  trustPolicyId: string;
  provider: ProviderOneof;
}
const TrustPolicy = proto3.makeMessageType<TrustPolicyMsg>("depot.core.v1.TrustPolicy", [
  { no: 1, name: "trust_policy_id", kind: "scalar", T: ScalarType.STRING },
  ...providerFields,
]);

interface ListTrustPoliciesResponseMsg extends Message<ListTrustPoliciesResponseMsg> {
  trustPolicies: TrustPolicyMsg[];
}
const ListTrustPoliciesResponse = proto3.makeMessageType<ListTrustPoliciesResponseMsg>(
  "depot.core.v1.ListTrustPoliciesResponse",
  [{ no: 1, name: "trust_policies", kind: "message", T: TrustPolicy, repeated: true }],
);

interface AddTrustPolicyRequestMsg extends Message<AddTrustPolicyRequestMsg> {
  projectId: string;
  provider: ProviderOneof;
}
const AddTrustPolicyRequest = proto3.makeMessageType<AddTrustPolicyRequestMsg>("depot.core.v1.AddTrustPolicyRequest", [
  { no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING },
  ...providerFields,
]);
interface AddTrustPolicyResponseMsg extends Message<AddTrustPolicyResponseMsg> {
  trustPolicy?: TrustPolicyMsg;
}
const AddTrustPolicyResponse = proto3.makeMessageType<AddTrustPolicyResponseMsg>("depot.core.v1.AddTrustPolicyResponse", [
  { no: 1, name: "trust_policy", kind: "message", T: TrustPolicy },
]);

interface RemoveTrustPolicyRequestMsg extends Message<RemoveTrustPolicyRequestMsg> {
  projectId: string;
  trustPolicyId: string;
}
const RemoveTrustPolicyRequest = proto3.makeMessageType<RemoveTrustPolicyRequestMsg>(
  "depot.core.v1.RemoveTrustPolicyRequest",
  [
    { no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING },
    { no: 2, name: "trust_policy_id", kind: "scalar", T: ScalarType.STRING },
  ],
);

interface TokenInfoMsg extends Message<TokenInfoMsg> {
  tokenId: string;
  description: string;
}
const ListTokensResponseToken = proto3.makeMessageType<TokenInfoMsg>("depot.core.v1.ListTokensResponse.Token", [
  { no: 1, name: "token_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "description", kind: "scalar", T: ScalarType.STRING },
]);
interface ListTokensResponseMsg extends Message<ListTokensResponseMsg> {
  tokens: TokenInfoMsg[];
}
const ListTokensResponse = proto3.makeMessageType<ListTokensResponseMsg>("depot.core.v1.ListTokensResponse", [
  { no: 1, name: "tokens", kind: "message", T: ListTokensResponseToken, repeated: true },
]);
interface CreateTokenRequestMsg extends Message<CreateTokenRequestMsg> {
  projectId: string;
  description: string;
}
const CreateTokenRequest = proto3.makeMessageType<CreateTokenRequestMsg>("depot.core.v1.CreateTokenRequest", [
  { no: 1, name: "project_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "description", kind: "scalar", T: ScalarType.STRING },
]);
interface CreateTokenResponseMsg extends Message<CreateTokenResponseMsg> {
  tokenId: string;
  secret: string;
}
const CreateTokenResponse = proto3.makeMessageType<CreateTokenResponseMsg>("depot.core.v1.CreateTokenResponse", [
  { no: 1, name: "token_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "secret", kind: "scalar", T: ScalarType.STRING },
]);
interface UpdateTokenRequestMsg extends Message<UpdateTokenRequestMsg> {
  tokenId: string;
  description: string;
}
const UpdateTokenRequest = proto3.makeMessageType<UpdateTokenRequestMsg>("depot.core.v1.UpdateTokenRequest", [
  { no: 1, name: "token_id", kind: "scalar", T: ScalarType.STRING },
  { no: 2, name: "description", kind: "scalar", T: ScalarType.STRING },
]);
interface TokenIdMsg extends Message<TokenIdMsg> {
  tokenId: string;
}
const DeleteTokenRequest = proto3.makeMessageType<TokenIdMsg>("depot.core.v1.DeleteTokenRequest", [
  { no: 1, name: "token_id", kind: "scalar", T: ScalarType.STRING },
]);

// --- service -----------------------------------------------------------------------------------

const unary = MethodKind.Unary;
const ProjectService = {
  typeName: "depot.core.v1.ProjectService",
  methods: {
    listProjects: { name: "ListProjects", I: empty("depot.core.v1.ListProjectsRequest"), O: ListProjectsResponse, kind: unary },
    getProject: { name: "GetProject", I: byProjectId("depot.core.v1.GetProjectRequest"), O: projectResponse("depot.core.v1.GetProjectResponse"), kind: unary },
    createProject: { name: "CreateProject", I: CreateProjectRequest, O: projectResponse("depot.core.v1.CreateProjectResponse"), kind: unary },
    updateProject: { name: "UpdateProject", I: UpdateProjectRequest, O: projectResponse("depot.core.v1.UpdateProjectResponse"), kind: unary },
    deleteProject: { name: "DeleteProject", I: byProjectId("depot.core.v1.DeleteProjectRequest"), O: empty("depot.core.v1.DeleteProjectResponse"), kind: unary },
    resetProject: { name: "ResetProject", I: byProjectId("depot.core.v1.ResetProjectRequest"), O: empty("depot.core.v1.ResetProjectResponse"), kind: unary },
    listTrustPolicies: { name: "ListTrustPolicies", I: byProjectId("depot.core.v1.ListTrustPoliciesRequest"), O: ListTrustPoliciesResponse, kind: unary },
    addTrustPolicy: { name: "AddTrustPolicy", I: AddTrustPolicyRequest, O: AddTrustPolicyResponse, kind: unary },
    removeTrustPolicy: { name: "RemoveTrustPolicy", I: RemoveTrustPolicyRequest, O: empty("depot.core.v1.RemoveTrustPolicyResponse"), kind: unary },
    listTokens: { name: "ListTokens", I: byProjectId("depot.core.v1.ListTokensRequest"), O: ListTokensResponse, kind: unary },
    createToken: { name: "CreateToken", I: CreateTokenRequest, O: CreateTokenResponse, kind: unary },
    updateToken: { name: "UpdateToken", I: UpdateTokenRequest, O: empty("depot.core.v1.UpdateTokenResponse"), kind: unary },
    deleteToken: { name: "DeleteToken", I: DeleteTokenRequest, O: empty("depot.core.v1.DeleteTokenResponse"), kind: unary },
  },
} as const;

/** RPC names as they appear on the wire (`/depot.core.v1.ProjectService/<Rpc>`). */
export type Rpc = (typeof ProjectService.methods)[keyof typeof ProjectService.methods]["name"];
export const RPCS: readonly Rpc[] = Object.values(ProjectService.methods).map((m) => m.name);

// --- state -------------------------------------------------------------------------------------

export interface FakeProject {
  projectId: string;
  organizationId: string;
  name: string;
  regionId: string;
  keepGb: number;
  keepDays: number;
  hardware: number;
}
export interface FakeTrustPolicy {
  trustPolicyId: string;
  projectId: string;
  organizationSlug: string;
  pipelineSlug: string;
}
export interface FakeToken {
  tokenId: string;
  projectId: string;
  description: string;
  secret: string;
}

export interface Fault {
  code: Code;
  /** How many calls fail. */
  times: number;
  /** Apply the call, THEN fail it (a response lost on the way back). Default: fail before applying. */
  afterApply?: boolean;
}

export const ORGANIZATION_ID = "org_fake0001";

export class FakeDepot {
  readonly projects = new Map<string, FakeProject>();
  readonly policies = new Map<string, FakeTrustPolicy>();
  readonly tokens = new Map<string, FakeToken>();
  /** Calls per RPC (including failed and unauthenticated ones). */
  readonly calls = new Map<Rpc, number>();
  /** Successful mutations, in order, e.g. `AddTrustPolicy tp_2`. */
  readonly log: string[] = [];
  private readonly faults = new Map<Rpc, Fault[]>();
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private seq = 0;

  private readonly server: http2.Http2Server;
  private url_ = "";

  private constructor(
    /** Bearer tokens the fake accepts. */
    readonly validTokens: Set<string>,
  ) {
    const handler = connectNodeAdapter({
      routes: (router: ConnectRouter) => {
        router.service(ProjectService, {
          listProjects: (_req, ctx) => this.handle("ListProjects", ctx, () => this.listProjects()),
          getProject: (req, ctx) => this.handle("GetProject", ctx, () => this.getProject(req)),
          createProject: (req, ctx) => this.handle("CreateProject", ctx, () => this.createProject(req)),
          updateProject: (req, ctx) => this.handle("UpdateProject", ctx, () => this.updateProject(req)),
          deleteProject: (req, ctx) => this.handle("DeleteProject", ctx, () => this.deleteProject(req)),
          resetProject: (req, ctx) =>
            this.handle("ResetProject", ctx, () => {
              this.mustProject(req.projectId);
              return {};
            }),
          listTrustPolicies: (req, ctx) => this.handle("ListTrustPolicies", ctx, () => this.listTrustPolicies(req)),
          addTrustPolicy: (req, ctx) => this.handle("AddTrustPolicy", ctx, () => this.addTrustPolicy(req)),
          removeTrustPolicy: (req, ctx) => this.handle("RemoveTrustPolicy", ctx, () => this.removeTrustPolicy(req)),
          listTokens: (req, ctx) => this.handle("ListTokens", ctx, () => this.listTokens(req)),
          createToken: (req, ctx) => this.handle("CreateToken", ctx, () => this.createToken(req)),
          updateToken: (req, ctx) => this.handle("UpdateToken", ctx, () => this.updateToken(req)),
          deleteToken: (req, ctx) => this.handle("DeleteToken", ctx, () => this.deleteToken(req)),
        });
      },
    });
    this.server = http2.createServer(handler);
    this.server.on("session", (s) => {
      this.sessions.add(s);
      s.on("close", () => this.sessions.delete(s));
    });
  }

  /** Start a fake on 127.0.0.1, on a free port. */
  static async start(validTokens: string[]): Promise<FakeDepot> {
    const fake = new FakeDepot(new Set(validTokens));
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url_ = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** Base URL for `DEPOT_API_URL`. */
  get url(): string {
    return this.url_;
  }

  /** Stop listening and destroy the HTTP/2 sessions the SDK keeps alive (else close() hangs). */
  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- test controls ---------------------------------------------------------------------------

  /** Queue a fault for the next calls of `rpc`. */
  inject(rpc: Rpc, fault: Fault): void {
    const list = this.faults.get(rpc) ?? [];
    list.push({ ...fault });
    this.faults.set(rpc, list);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  count(rpc: Rpc): number {
    return this.calls.get(rpc) ?? 0;
  }

  totalCalls(): number {
    let n = 0;
    for (const v of this.calls.values()) n += v;
    return n;
  }

  resetCounters(): void {
    this.calls.clear();
    this.log.length = 0;
  }

  seedProject(p: Partial<FakeProject> & { name: string }): FakeProject {
    const project: FakeProject = {
      projectId: p.projectId ?? this.id("proj"),
      organizationId: ORGANIZATION_ID,
      regionId: "us-east-1",
      keepGb: 50,
      keepDays: 14,
      hardware: 0,
      ...p,
    };
    this.projects.set(project.projectId, project);
    return project;
  }

  seedTrustPolicy(projectId: string, organizationSlug: string, pipelineSlug: string): FakeTrustPolicy {
    const tp = { trustPolicyId: this.id("tp"), projectId, organizationSlug, pipelineSlug };
    this.policies.set(tp.trustPolicyId, tp);
    return tp;
  }

  policiesOf(projectId: string): FakeTrustPolicy[] {
    return [...this.policies.values()].filter((p) => p.projectId === projectId);
  }

  tokensOf(projectId: string): FakeToken[] {
    return [...this.tokens.values()].filter((t) => t.projectId === projectId);
  }

  // --- dispatch --------------------------------------------------------------------------------

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}_${String(this.seq).padStart(4, "0")}`;
  }

  private async handle<T>(rpc: Rpc, ctx: HandlerContext, op: () => T): Promise<T> {
    this.calls.set(rpc, this.count(rpc) + 1);
    const auth = ctx.requestHeader.get("authorization") ?? "";
    const bearer = auth.startsWith("Bearer ") ? auth.slice("Bearer ".length) : "";
    if (!this.validTokens.has(bearer)) throw new ConnectError("invalid token", Code.Unauthenticated);
    const fault = this.faults.get(rpc)?.find((f) => f.times > 0);
    if (fault && !fault.afterApply) {
      fault.times -= 1;
      throw new ConnectError(`injected ${Code[fault.code]}`, fault.code);
    }
    const result = op();
    if (fault && fault.afterApply) {
      fault.times -= 1;
      throw new ConnectError(`injected ${Code[fault.code]} after applying`, fault.code);
    }
    return result;
  }

  mustProject(projectId: string): FakeProject {
    const p = this.projects.get(projectId);
    if (!p) throw new ConnectError(`project ${projectId} not found`, Code.NotFound);
    return p;
  }

  private toProject(p: FakeProject): PartialMessage<ProjectMsg> {
    return {
      projectId: p.projectId,
      organizationId: p.organizationId,
      name: p.name,
      regionId: p.regionId,
      cachePolicy: { keepGb: p.keepGb, keepDays: p.keepDays },
      hardware: p.hardware,
    };
  }

  private listProjects(): PartialMessage<ListProjectsResponseMsg> {
    return { projects: [...this.projects.values()].map((p) => this.toProject(p)) };
  }

  private getProject(req: ProjectIdMsg): PartialMessage<ProjectResponseMsg> {
    return { project: this.toProject(this.mustProject(req.projectId)) };
  }

  private createProject(req: CreateProjectRequestMsg): PartialMessage<ProjectResponseMsg> {
    if (!req.name) throw new ConnectError("name is required", Code.InvalidArgument);
    const p = this.seedProject({
      name: req.name,
      regionId: req.regionId || "us-east-1",
      keepGb: req.cachePolicy?.keepGb ?? 50,
      keepDays: req.cachePolicy?.keepDays ?? 14,
      hardware: req.hardware ?? 0,
    });
    this.log.push(`CreateProject ${p.projectId}`);
    return { project: this.toProject(p) };
  }

  private updateProject(req: UpdateProjectRequestMsg): PartialMessage<ProjectResponseMsg> {
    const p = this.mustProject(req.projectId);
    if (req.name !== undefined) p.name = req.name;
    if (req.regionId !== undefined) p.regionId = req.regionId;
    if (req.cachePolicy !== undefined) {
      p.keepGb = req.cachePolicy.keepGb;
      p.keepDays = req.cachePolicy.keepDays;
    }
    if (req.hardware !== undefined) p.hardware = req.hardware;
    this.log.push(`UpdateProject ${p.projectId}`);
    return { project: this.toProject(p) };
  }

  private deleteProject(req: ProjectIdMsg): PartialMessage<EmptyMsg> {
    this.mustProject(req.projectId);
    this.projects.delete(req.projectId);
    for (const tp of this.policiesOf(req.projectId)) this.policies.delete(tp.trustPolicyId);
    for (const t of this.tokensOf(req.projectId)) this.tokens.delete(t.tokenId);
    this.log.push(`DeleteProject ${req.projectId}`);
    return {};
  }

  private listTrustPolicies(req: ProjectIdMsg): PartialMessage<ListTrustPoliciesResponseMsg> {
    this.mustProject(req.projectId);
    return {
      trustPolicies: this.policiesOf(req.projectId).map((tp) => ({
        trustPolicyId: tp.trustPolicyId,
        provider: { case: "buildkite", value: { organizationSlug: tp.organizationSlug, pipelineSlug: tp.pipelineSlug } },
      })),
    };
  }

  private addTrustPolicy(req: AddTrustPolicyRequestMsg): PartialMessage<AddTrustPolicyResponseMsg> {
    this.mustProject(req.projectId);
    if (req.provider.case !== "buildkite") throw new ConnectError("only buildkite is faked", Code.Unimplemented);
    const { organizationSlug, pipelineSlug } = req.provider.value;
    if (!organizationSlug || !pipelineSlug) throw new ConnectError("slugs are required", Code.InvalidArgument);
    // Like the real API (no idempotency), a second identical add creates a duplicate.
    const tp = this.seedTrustPolicy(req.projectId, organizationSlug, pipelineSlug);
    this.log.push(`AddTrustPolicy ${tp.trustPolicyId} ${organizationSlug}/${pipelineSlug}`);
    return {
      trustPolicy: { trustPolicyId: tp.trustPolicyId, provider: { case: "buildkite", value: { organizationSlug, pipelineSlug } } },
    };
  }

  private removeTrustPolicy(req: RemoveTrustPolicyRequestMsg): PartialMessage<EmptyMsg> {
    const tp = this.policies.get(req.trustPolicyId);
    if (!tp || tp.projectId !== req.projectId) throw new ConnectError(`trust policy ${req.trustPolicyId} not found`, Code.NotFound);
    this.policies.delete(req.trustPolicyId);
    this.log.push(`RemoveTrustPolicy ${req.trustPolicyId} ${tp.organizationSlug}/${tp.pipelineSlug}`);
    return {};
  }

  private listTokens(req: ProjectIdMsg): PartialMessage<ListTokensResponseMsg> {
    this.mustProject(req.projectId);
    return { tokens: this.tokensOf(req.projectId).map((t) => ({ tokenId: t.tokenId, description: t.description })) };
  }

  private createToken(req: CreateTokenRequestMsg): PartialMessage<CreateTokenResponseMsg> {
    this.mustProject(req.projectId);
    const tokenId = this.id("tok");
    const secret = `depot_project_fake_${tokenId}_${Math.random().toString(36).slice(2, 10)}`;
    this.tokens.set(tokenId, { tokenId, projectId: req.projectId, description: req.description, secret });
    this.log.push(`CreateToken ${tokenId}`);
    return { tokenId, secret };
  }

  private updateToken(req: UpdateTokenRequestMsg): PartialMessage<EmptyMsg> {
    const t = this.tokens.get(req.tokenId);
    if (!t) throw new ConnectError(`token ${req.tokenId} not found`, Code.NotFound);
    t.description = req.description;
    this.log.push(`UpdateToken ${req.tokenId}`);
    return {};
  }

  private deleteToken(req: TokenIdMsg): PartialMessage<EmptyMsg> {
    if (!this.tokens.delete(req.tokenId)) throw new ConnectError(`token ${req.tokenId} not found`, Code.NotFound);
    this.log.push(`DeleteToken ${req.tokenId}`);
    return {};
  }
}
