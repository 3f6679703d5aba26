/**
 * A variant of the mock recorder for the audits, installed with `vi.mock` by every audit file that
 * runs a stack:
 *
 * - the AWS partition is not `aws`: `getPartition` answers {@link FOREIGN_PARTITION} and every fake
 *   ARN the mocks hand back (repositories, roles, the OIDC provider, secrets) uses it. A hard-coded
 *   `arn:aws:` anywhere in the program then shows up as the only `arn:aws:` in the inputs;
 * - a created Depot project token comes back as {@link PROJECT_TOKEN_CANARY}, so the audit proves the
 *   token Depot returns is handled like the configured secrets;
 * - every invoke is recorded (token, plain args, paths of secret args), since a secret passed to an
 *   invoke (the signing JWKS) never shows up in a resource input.
 *
 * This module must not import the recorder itself (it is the mocked module): it receives it.
 */
import type * as Recorder from "../../src/mock-recorder";

export const FOREIGN_PARTITION = "aws-us-gov";
export const FOREIGN_DNS_SUFFIX = "amazonaws.com";

/** What the mocked Depot API returns as a new project token's secret. */
export const PROJECT_TOKEN_CANARY = "CANARY-depot-project-token-4e1b7d20";

export interface InvokeRecord {
  token: string;
  /** Args with secrets unwrapped. */
  plain: Record<string, unknown>;
  /** Dotted paths of args that arrived as secrets. */
  secretPaths: string[];
}

/** Invokes seen since the recorder was installed (one stack per test file, so one list). */
export const invokes: InvokeRecord[] = [];

function rewriteArns(value: unknown): unknown {
  if (typeof value === "string") return value.replace(/\barn:aws:/g, `arn:${FOREIGN_PARTITION}:`);
  if (Array.isArray(value)) return value.map(rewriteArns);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteArns(v)]));
  }
  return value;
}

type RecorderModule = typeof Recorder;

/** The recorder module with the audit's mocks layered over the defaults (and over caller options). */
export function foreignPartition(original: RecorderModule): RecorderModule {
  const installRecorder: RecorderModule["installRecorder"] = (created, opts = {}) =>
    original.installRecorder(created, {
      ...opts,
      state: (type, name, inputs) => ({
        ...(rewriteArns(original.defaultState(type, name, inputs)) as Record<string, unknown>),
        ...(type === "pulumi-nodejs:dynamic/depot:ProjectToken" ? { token: PROJECT_TOKEN_CANARY } : {}),
        ...(opts.state?.(type, name, inputs) ?? {}),
      }),
      call: (token, inputs) => {
        const secretPaths: string[] = [];
        const plain = original.unwrapSecrets(inputs, "", secretPaths) as Record<string, unknown>;
        invokes.push({ token, plain, secretPaths });
        const custom = opts.call?.(token, inputs);
        if (custom !== undefined) return custom;
        if (token === "aws:index/getPartition:getPartition") {
          return { partition: FOREIGN_PARTITION, dnsSuffix: FOREIGN_DNS_SUFFIX, id: FOREIGN_PARTITION, reverseDnsSuffix: "com.amazonaws" };
        }
        return rewriteArns(original.defaultCall(token, inputs)) as Record<string, unknown>;
      },
    });
  return { ...original, installRecorder };
}
