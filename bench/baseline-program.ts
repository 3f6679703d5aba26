/**
 * The baseline as a Pulumi program: a module whose top level registers every resource, the way the
 * Pulumi runtime runs any program (it imports the entry module). `bench/child.ts` hands over the
 * precomputed plan with {@link handOverPlan} and then imports this module, from the same depth at
 * which `runStack` imports `src/index.ts`.
 */
import { registerBaseline, takePlan } from "./baseline";

registerBaseline(takePlan());
