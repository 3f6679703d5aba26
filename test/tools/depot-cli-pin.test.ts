/**
 * The depot CLI the conformance tests run is the version pipelines install by default.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_DEPOT_CLI_VERSION } from "../../components/pipeline/from-args";
import pin from "../../scripts/depot-cli.json";
import { DEPOT_CLI_PATH, DEPOT_CLI_VERSION } from "../../scripts/fetch-depot-cli";
import { depotBinary } from "../helpers/conformance";
import { execFileSync } from "node:child_process";

describe("the depot CLI pinned for the conformance tests", () => {
  it("is the version pipelines install by default", () => {
    expect(DEPOT_CLI_VERSION).toBe(DEFAULT_DEPOT_CLI_VERSION);
    expect(pin.package).toBe(`@depot/cli-linux-x64@0.0.1-cli.${DEFAULT_DEPOT_CLI_VERSION}`);
    expect(pin.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    const hex = Buffer.from(pin.integrity.slice("sha512-".length), "base64").toString("hex");
    expect(DEPOT_CLI_PATH.endsWith(`/.cache/depot-cli/${DEFAULT_DEPOT_CLI_VERSION}-${hex.slice(0, 12)}/depot`)).toBe(true);
  });

  it.skipIf(!depotBinary())("is the binary the conformance helpers run, and it reports that version", () => {
    const bin = depotBinary() as string;
    if (!process.env.DEPOT_BINARY_PATH) expect(bin).toBe(DEPOT_CLI_PATH);
    expect(execFileSync(bin, ["--version"], { encoding: "utf8" })).toContain(DEFAULT_DEPOT_CLI_VERSION);
  });
});
