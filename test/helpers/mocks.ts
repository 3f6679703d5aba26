/**
 * Test harness for Pulumi programs and components under `pulumi.runtime.setMocks`.
 *
 * Call `installMocks()` (and await it) BEFORE importing or constructing anything that registers
 * resources; otherwise the SDK runs without a monitor and tests pass vacuously. The recorder is
 * the same one the offline synth uses (src/mock-recorder.ts).
 */
import {
  installRecorder,
  type Registration,
  type RecorderOptions,
} from "../../src/mock-recorder";

export {
  defaultCall,
  defaultState,
  isSecretWire,
  maskSecrets,
  parentOf,
  settle,
  unwrapSecrets,
  valueOf,
  type Registration,
} from "../../src/mock-recorder";

export type MockOptions = RecorderOptions;

/** Install mocks that record every registration into `created`. Await it before importing the program. */
export function installMocks(created: Registration[], opts: MockOptions = {}): Promise<void> {
  return installRecorder(created, opts);
}

export function byType(created: Registration[], type: string): Registration[] {
  return created.filter((r) => r.type === type);
}

export function find(created: Registration[], type: string, name: string): Registration {
  const r = created.find((x) => x.type === type && x.name === name);
  if (!r) {
    const names = created.filter((x) => x.type === type).map((x) => x.name);
    throw new Error(`no ${type} named ${name}; have: ${names.join(", ") || "(none)"}`);
  }
  return r;
}
