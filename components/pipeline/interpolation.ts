/**
 * Buildkite interpolation escaping.
 *
 * Steps stored in pipeline settings (`Pipeline.steps`) are interpolated by Buildkite when a build
 * is created, and `buildkite-agent pipeline upload` does the same to a repository's
 * `.buildkite/pipeline.yml`. Buildkite's grammar (buildkite/interpolate) treats `$$` and `\$` as an
 * escaped `$`, keeps `\\` as is, and expands `$NAME` / `${...}`.
 *
 * The renderer builds every string in "agent form" (exactly what the job must see) and escapes it
 * once with {@link escapeInterpolation}: every `$` becomes `$$`. Nothing the renderer writes is ever
 * expanded by Buildkite; every runtime variable is expanded by the job's shell.
 */

/**
 * Agent text -> stored text: double every `$`.
 *
 * A `$` preceded by an odd run of backslashes cannot be stored: Buildkite reads `\$` as an escaped
 * `$` and would then expand what follows. Shell words never contain one (see `shell.ts`); a plain
 * value (env, label, plugin option) that does is rejected.
 *
 * @param where names the value in the error message, e.g. `images[0].env.FOO`.
 */
export function escapeInterpolation(agentText: string, where = "value"): string {
  if (hasEscapedDollar(agentText)) {
    throw new Error(
      `[${where}] contains a backslash directly before "$" (${JSON.stringify(agentText)}): ` +
        'Buildkite interpolation reads "\\$" as an escaped "$", so this value cannot be stored as written.',
    );
  }
  return agentText.replace(/\$/g, "$$$$");
}

/** Whether `text` has a `$` right after an odd run of backslashes: what {@link escapeInterpolation} cannot store. */
export function hasEscapedDollar(text: string): boolean {
  let backslashes = 0;
  for (const ch of text) {
    if (ch === "$" && backslashes % 2 === 1) return true;
    backslashes = ch === "\\" ? backslashes + 1 : 0;
  }
  return false;
}

/**
 * Stored text -> what the agent receives after Buildkite's interpolation of escapes:
 * `$$` -> `$`, `\$` -> `$`, `\\` stays `\\`. Unescaped expansions are left untouched (they must
 * not exist in rendered output; the conformance helpers report them). Used by tests to get the
 * script a job really runs.
 */
export function toAgentShell(stored: string): string {
  let out = "";
  let i = 0;
  while (i < stored.length) {
    const two = stored.slice(i, i + 2);
    if (two === "\\\\") {
      out += two;
      i += 2;
    } else if (two === "$$" || two === "\\$") {
      out += "$";
      i += 2;
    } else {
      out += stored[i];
      i += 1;
    }
  }
  return out;
}

/** A JSON-like value the escaper walks. */
type Json = string | number | boolean | null | undefined | Json[] | { [key: string]: Json };

function escapeJson(value: Json, path: string): Json {
  if (typeof value === "string") return escapeInterpolation(value, path);
  if (Array.isArray(value)) return value.map((v, i) => escapeJson(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("$")) throw new Error(`[${path}] key ${JSON.stringify(k)} must not contain "$"`);
      out[k] = escapeJson(v, path ? `${path}.${k}` : k);
    }
    return out;
  }
  return value;
}

/**
 * Escape every string value of a document (keys are never interpolated by Buildkite and must not
 * contain `$`). Key order is preserved.
 */
export function escapeDocument<T extends object>(doc: T, path = ""): T {
  // The document types are JSON-shaped by construction; the cast only re-attaches the static type.
  return escapeJson(doc as unknown as Json, path) as unknown as T;
}
