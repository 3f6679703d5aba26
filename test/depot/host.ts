/**
 * Test harness that runs a SERIALIZED dynamic provider the way Pulumi does, without the CLI:
 *
 * - `ProviderHost` mirrors `@pulumi/pulumi/cmd/dynamic-provider`: it loads the `__provider` text
 *   with the same `require-from-string` (`.handler()`), calls `configure` once with the same
 *   `Config` class over the raw stack config, copies `__provider` into results, and round-trips
 *   every value through `Struct.fromJavaScript` / `toJavaScript` as the gRPC layer does. Like the
 *   real host it answers `acceptSecrets=false`, so values arrive in plain text.
 * - `Slot` is a tiny engine for one resource: check → diff → create / update / replace
 *   (create-before-delete unless the diff asks for delete-first) → refresh → destroy.
 */
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";

export type Props = Record<string, unknown>;

interface CheckFailure {
  property: string;
  reason: string;
}

export interface DiffResult {
  changes?: boolean;
  replaces?: string[];
  deleteBeforeReplace?: boolean;
}

/** The shape the host expects from `require-from-string(text).handler()`. */
export interface LoadedProvider {
  configure?(req: { config: { get(key: string): string | undefined; require(key: string): string } }): Promise<void>;
  check?(olds: Props, news: Props): Promise<{ inputs?: Props; failures?: CheckFailure[] }>;
  diff?(id: string, olds: Props, news: Props): Promise<DiffResult>;
  create(inputs: Props): Promise<{ id: string; outs?: Props }>;
  read?(id: string, props: Props): Promise<{ id?: string; props?: Props; inputs?: Props }>;
  update?(id: string, olds: Props, news: Props): Promise<{ outs?: Props }>;
  delete?(id: string, props: Props): Promise<void>;
}

interface StructCtor {
  fromJavaScript(v: Props): { toJavaScript(): Props };
}
type ConfigCtor = new (raw: Record<string, string>, project: string) => {
  get(key: string): string | undefined;
  require(key: string): string;
};

// Load the host's own dependencies from where the host loads them.
const hostRequire = createRequire(require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js"));
const requireFromString = hostRequire("require-from-string") as (code: string) => { handler: () => LoadedProvider };
const { Config } = hostRequire("./config.js") as { Config: ConfigCtor };
const { Struct } = hostRequire("google-protobuf/google/protobuf/struct_pb") as { Struct: StructCtor };

const PROVIDER_KEY = "__provider";

/** Serialize a provider object exactly as `pulumi.dynamic.Resource` does. */
export async function serializeProvider(provider: object): Promise<{ text: string; containsSecrets: boolean }> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  return { text: sf.text, containsSecrets: sf.containsSecrets };
}

function wire(v: Props): Props {
  return Struct.fromJavaScript(v).toJavaScript();
}

export class ProviderHost {
  private readonly cache = new Map<string, LoadedProvider>();
  /** How many times a provider text was deserialized + configured. */
  loads = 0;

  constructor(
    private readonly rawConfig: Record<string, string>,
    private readonly project = "depot-buildkite",
  ) {}

  private async provider(props: Props): Promise<LoadedProvider> {
    const text = props[PROVIDER_KEY];
    if (typeof text !== "string") throw new Error("no __provider in props");
    let p = this.cache.get(text);
    if (!p) {
      p = requireFromString(text).handler();
      this.cache.set(text, p);
      this.loads += 1;
      if (p.configure) await p.configure({ config: new Config(this.rawConfig, this.project) });
    }
    return p;
  }

  async check(olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }> {
    const p = await this.provider(news);
    let inputs = wire(news);
    let failures: CheckFailure[] = [];
    if (p.check) {
      const r = await p.check(wire(olds), wire(news));
      if (r.inputs) inputs = r.inputs;
      failures = r.failures ?? [];
    }
    inputs[PROVIDER_KEY] = news[PROVIDER_KEY];
    return { inputs: wire(inputs), failures };
  }

  async diff(id: string, olds: Props, news: Props): Promise<DiffResult> {
    const p = await this.provider(news);
    return p.diff ? p.diff(id, wire(olds), wire(news)) : {};
  }

  async create(props: Props): Promise<{ id: string; props: Props }> {
    const p = await this.provider(props);
    const r = await p.create(wire(props));
    return { id: r.id, props: wire({ ...(r.outs ?? {}), [PROVIDER_KEY]: props[PROVIDER_KEY] }) };
  }

  async read(id: string, props: Props): Promise<{ id: string; props: Props }> {
    const p = await this.provider(props);
    if (!p.read) return { id, props };
    const r = await p.read(id, wire(props));
    // The real host does resp.setId(result.id): a missing id goes on the wire as "".
    return { id: r.id ?? "", props: wire({ ...(r.props ?? {}), [PROVIDER_KEY]: props[PROVIDER_KEY] }) };
  }

  async update(id: string, olds: Props, news: Props): Promise<Props> {
    const p = await this.provider(news);
    const r = p.update ? await p.update(id, wire(olds), wire(news)) : {};
    return wire({ ...(r.outs ?? {}), [PROVIDER_KEY]: news[PROVIDER_KEY] });
  }

  async delete(id: string, props: Props): Promise<void> {
    const p = await this.provider(props);
    if (p.delete) await p.delete(id, wire(props));
  }
}

export type Step = "create" | "update" | "replace" | "same";

/** One resource's state, driven like the engine drives a dynamic resource. */
export class Slot {
  state?: { id: string; inputs: Props; outputs: Props };
  /** Steps taken, in order, e.g. `create`, `replace:create-first`. */
  readonly steps: string[] = [];

  constructor(
    private readonly host: ProviderHost,
    private readonly providerText: string,
  ) {}

  get id(): string | undefined {
    return this.state?.id;
  }

  get outputs(): Props {
    if (!this.state) throw new Error("no state");
    return this.state.outputs;
  }

  /** `pulumi up` for this resource with the given program inputs (plain values, as the host sees them). */
  async up(programInputs: Props, opts: { replace?: boolean } = {}): Promise<Step> {
    const news = { ...programInputs, [PROVIDER_KEY]: this.providerText };
    const checked = await this.host.check(this.state?.inputs ?? {}, news);
    if (checked.failures.length) {
      throw new Error(`check failed: ${checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`);
    }
    if (!this.state) {
      const created = await this.host.create(checked.inputs);
      this.state = { id: created.id, inputs: checked.inputs, outputs: created.props };
      this.steps.push("create");
      return "create";
    }
    const old = this.state;
    const diff = await this.host.diff(old.id, old.outputs, checked.inputs);
    const replace = opts.replace || (diff.replaces ?? []).length > 0;
    if (replace) {
      if (diff.deleteBeforeReplace) {
        await this.host.delete(old.id, old.outputs);
        this.state = undefined;
        const created = await this.host.create(checked.inputs);
        this.state = { id: created.id, inputs: checked.inputs, outputs: created.props };
        this.steps.push("replace:delete-first");
      } else {
        const created = await this.host.create(checked.inputs);
        this.state = { id: created.id, inputs: checked.inputs, outputs: created.props };
        await this.host.delete(old.id, old.outputs);
        this.steps.push("replace:create-first");
      }
      return "replace";
    }
    if (diff.changes) {
      const outputs = await this.host.update(old.id, old.outputs, checked.inputs);
      this.state = { id: old.id, inputs: checked.inputs, outputs };
      this.steps.push("update");
      return "update";
    }
    this.state = { ...old, inputs: checked.inputs };
    this.steps.push("same");
    return "same";
  }

  /** `pulumi refresh`: an empty id drops the resource from state. */
  async refresh(): Promise<"gone" | "refreshed"> {
    if (!this.state) throw new Error("nothing to refresh");
    const r = await this.host.read(this.state.id, this.state.outputs);
    if (!r.id) {
      this.state = undefined;
      this.steps.push("refresh:gone");
      return "gone";
    }
    this.state = { ...this.state, id: r.id, outputs: r.props };
    this.steps.push("refresh");
    return "refreshed";
  }

  /** `pulumi destroy` for this resource. */
  async destroy(): Promise<void> {
    if (!this.state) return;
    await this.host.delete(this.state.id, this.state.outputs);
    this.state = undefined;
    this.steps.push("delete");
  }
}
