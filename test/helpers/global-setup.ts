/**
 * vitest global setup: fetch the real depot CLI once, before any test file runs, so the
 * conformance tests find it (see scripts/fetch-depot-cli.ts). With `DEPOT_BINARY_PATH` set, that
 * binary is used instead. Outside CI a failed fetch only warns: the conformance helpers then skip
 * the depot checks loudly; in CI it fails the run.
 */
import { ensureDepotCli } from "../../scripts/fetch-depot-cli";

export default function setup(): void {
  if (process.env.DEPOT_BINARY_PATH) return;
  try {
    ensureDepotCli();
  } catch (e) {
    const message = `could not fetch the depot CLI for the conformance tests: ${(e as Error).message}`;
    if (process.env.CI) throw new Error(message);
    console.warn(`\n*** ${message} ***\n`);
  }
}
