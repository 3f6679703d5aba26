/** Rename audits of the example stack Pulumi.prod.yaml (one file per stack: see rename-support.ts and coverage.test.ts). */
import { auditRenames } from "./rename-support";

auditRenames("prod");
