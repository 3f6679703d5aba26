/**
 * Shell words for the rendered step script (bash, agent form: before Buildkite escaping).
 *
 * A word is a list of parts: literal text, or a shell parameter expanded at run time
 * (`DEPOT_BK_COMMIT`, `DEPOT_BK_COMMIT:0:7`). Literals are single-quoted; a word with a runtime
 * parameter is double-quoted. The quoting never produces `\$`, which Buildkite's interpolation
 * would read as an escape (see `interpolation.ts`).
 */

export type WordPart = { text: string } | { param: string };

export interface ShellWord {
  parts: WordPart[];
  /** Render without quotes: only for the renderer's own flag names. */
  bare?: boolean;
}

/** A literal word. */
export function lit(text: string): ShellWord {
  return { parts: [{ text }] };
}

/** A flag name written by the renderer (`--push`, `-t`), rendered bare. */
export function flag(name: string): ShellWord {
  if (!/^-{1,2}[a-z][a-z-]*$/.test(name)) throw new Error(`not a flag name: ${JSON.stringify(name)}`);
  return { parts: [{ text: name }], bare: true };
}

/** A runtime parameter expression, e.g. `DEPOT_BK_COMMIT:0:7`. */
export function param(expr: string): WordPart {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(:[0-9]+:[0-9]+)?$/.test(expr)) {
    throw new Error(`unsupported parameter expression: ${JSON.stringify(expr)}`);
  }
  return { param: expr };
}

/**
 * Single-quote a literal for bash. `'` becomes `'\''`, and a `$` that directly follows a backslash
 * gets the quote closed and reopened between them (`'a\''$b'`), so the text never contains `\$`.
 */
export function singleQuote(text: string): string {
  let out = "'";
  let prev = "";
  for (const ch of text) {
    if (ch === "'") {
      out += "'\\''";
    } else {
      if (ch === "$" && prev === "\\") out += "''";
      out += ch;
    }
    prev = ch;
  }
  return `${out}'`;
}

const DOUBLE_QUOTE_UNSAFE = /["\\$`!]/;

/** Quote one word for bash. */
export function quoteWord(word: ShellWord): string {
  if (word.bare) return word.parts.map((p) => ("text" in p ? p.text : "")).join("");
  const hasParam = word.parts.some((p) => "param" in p);
  if (!hasParam) return singleQuote(word.parts.map((p) => ("text" in p ? p.text : "")).join(""));
  const safe = word.parts.every((p) => !("text" in p) || !DOUBLE_QUOTE_UNSAFE.test(p.text));
  if (safe) {
    return `"${word.parts.map((p) => ("text" in p ? p.text : `\${${p.param}}`)).join("")}"`;
  }
  // Mixed: single-quoted literals next to double-quoted parameters.
  return word.parts
    .map((p) => ("text" in p ? (p.text === "" ? "" : singleQuote(p.text)) : `"\${${p.param}}"`))
    .join("");
}

/**
 * The word as it appears in stored YAML without shell quoting: literal `$` doubled, parameters as
 * `$${NAME}`. This is the form `depotBuildArgs` returns.
 */
export function storedWord(word: ShellWord): string {
  return word.parts.map((p) => ("text" in p ? p.text.replace(/\$/g, "$$$$") : `$\${${p.param}}`)).join("");
}

/** Expand a word the way bash would, given runtime values (for tests and docs). */
export function expandWord(word: ShellWord, env: Record<string, string>): string {
  return word.parts
    .map((p) => {
      if ("text" in p) return p.text;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::([0-9]+):([0-9]+))?$/.exec(p.param);
      if (!m) throw new Error(`unsupported parameter ${p.param}`);
      const value = env[m[1]] ?? "";
      return m[2] === undefined ? value : value.slice(Number(m[2]), Number(m[2]) + Number(m[3]));
    })
    .join("");
}
