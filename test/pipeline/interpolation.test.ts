import { spawnSync } from "child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeDocument, escapeInterpolation, toAgentShell } from "../../components/pipeline/interpolation";
import { lit, param, quoteWord, singleQuote, storedWord, expandWord, type ShellWord } from "../../components/pipeline/shell";
import { unescapedRuntimeVars } from "../helpers/conformance";

/** Strings the renderer can store: no `$` after an odd run of backslashes, no NUL (bash cannot hold it). */
const storable = fc.string({ unit: fc.constantFrom("a", "$", "\\", "'", '"', "`", "{", "}", " ", "\n", "!", "x", "-", "=") }).filter(
  (s) => !/(^|[^\\])(\\\\)*\\\$/.test(s),
);
const anyText = fc.string({ unit: fc.constantFrom("a", "$", "\\", "'", '"', "`", "{", "}", " ", "\n", "!", "*", "-", "=", "é") });

/** Run bash once and print each word NUL-separated: how the shell really splits the quoted words. */
function bashWords(quoted: string[]): string[] {
  const r = spawnSync("bash", ["-c", `printf '%s\\0' ${quoted.join(" ")}`], {
    env: { PATH: process.env.PATH, BUILDKITE_COMMIT: "0123456789abcdef0123456789abcdef01234567", V: "v a l" },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = r.stdout.split("\0");
  out.pop();
  return out;
}

describe("escapeInterpolation / toAgentShell", () => {
  it.each([
    ["plain", "plain"],
    ["$VAR", "$$VAR"],
    ["${VAR:0:7}", "$${VAR:0:7}"],
    ["$$", "$$$$"],
    ["a\\\\$b", "a\\\\$$b"],
    ["$(date)", "$$(date)"],
  ])("%s -> %s and back", (agent, stored) => {
    expect(escapeInterpolation(agent)).toBe(stored);
    expect(toAgentShell(stored)).toBe(agent);
  });

  it("rejects a backslash directly before $ (Buildkite reads \\$ as an escape)", () => {
    expect(() => escapeInterpolation("a\\$b", "images[0].env.X")).toThrow(
      '[images[0].env.X] contains a backslash directly before "$"',
    );
    expect(() => escapeInterpolation("\\\\\\$")).toThrow("backslash directly before");
  });

  it("escapes every string of a document and keeps key order", () => {
    const doc = { b: "$X", a: ["${Y}", 3, true], c: { d: "x" } };
    expect(escapeDocument(doc)).toEqual({ b: "$$X", a: ["$${Y}", 3, true], c: { d: "x" } });
    expect(Object.keys(escapeDocument(doc))).toEqual(["b", "a", "c"]);
    expect(() => escapeDocument({ ["$k"]: "v" })).toThrow('key "$k" must not contain "$"');
  });

  it("property: storable text round-trips and leaves no unescaped interpolation", () => {
    fc.assert(
      fc.property(storable, (s) => {
        const stored = escapeInterpolation(s);
        expect(toAgentShell(stored)).toBe(s);
        expect(unescapedRuntimeVars(stored)).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe("shell quoting", () => {
  it("single-quotes literals and double-quotes words with runtime parameters", () => {
    expect(quoteWord(lit("abc"))).toBe("'abc'");
    expect(quoteWord(lit("it's"))).toBe("'it'\\''s'");
    expect(quoteWord({ parts: [{ text: "repo:" }, param("BUILDKITE_COMMIT:0:7")] })).toBe('"repo:${BUILDKITE_COMMIT:0:7}"');
    expect(quoteWord({ parts: [{ text: 'we"ird:' }, param("V")] })).toBe(`'we"ird:'"\${V}"`);
    expect(singleQuote("a\\$b")).toBe("'a\\''$b'");
  });

  it("stored form doubles literal $ and writes parameters as $${...}", () => {
    const w: ShellWord = { parts: [{ text: "a$b:" }, param("BUILDKITE_COMMIT:0:7")] };
    expect(storedWord(w)).toBe("a$$b:$${BUILDKITE_COMMIT:0:7}");
  });

  // fast-check generates the cases; one bash run checks them all (a bash per case is slow).
  it("property: bash reads every quoted literal back exactly, after the Buildkite round trip", () => {
    const texts = fc.sample(anyText, { numRuns: 400, seed: 42 }).concat(["", "a\\$b", "\\", "'$'", "\\'$x"]);
    const quoted = texts.map((t) => quoteWord(lit(t)));
    expect(quoted.filter((q) => /(^|[^\\])(\\\\)*\\\$/.test(q))).toEqual([]);
    // What the agent runs = toAgentShell(stored); stored = escapeInterpolation(agent form).
    const viaBuildkite = quoted.map((q) => toAgentShell(escapeInterpolation(q)));
    expect(bashWords(viaBuildkite)).toEqual(texts);
  });

  it("property: words mixing literals and parameters expand like expandWord", () => {
    const part = fc.oneof(anyText.map((text) => ({ text })), fc.constantFrom(param("BUILDKITE_COMMIT:0:7"), param("V")));
    const words: ShellWord[] = fc.sample(fc.array(part, { minLength: 1, maxLength: 4 }), { numRuns: 400, seed: 7 }).map((parts) => ({ parts }));
    const quoted = words.map((w) => toAgentShell(escapeInterpolation(quoteWord(w))));
    const env = { BUILDKITE_COMMIT: "0123456789abcdef0123456789abcdef01234567", V: "v a l" };
    expect(bashWords(quoted)).toEqual(words.map((w) => expandWord(w, env)));
  });
});

describe("unescapedRuntimeVars", () => {
  it.each([
    ["echo $$HOME", []],
    ["echo $HOME", ["$HOME"]],
    ["echo ${X:-y}", ["${X:-y}"]],
    ["echo $(date)", ["$("]],
    ["echo \\$HOME", ["\\$H"]],
    ["echo \\\\$$HOME", []],
    ["cost: 5$", ["$"]],
    ["$$$X", ["$X"]],
  ])("%s -> %j", (stored, found) => {
    expect(unescapedRuntimeVars(stored)).toEqual(found);
  });
});
