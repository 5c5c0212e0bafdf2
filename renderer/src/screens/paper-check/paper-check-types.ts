// The paper check's shapes as the contract delivers them.
import type { LabResult } from '../../../../core/contract/lab-contract.ts';

export type ClaimCheck = LabResult<'checkPaperClaims'>['claims'][number];
