// The paper check: the seed papers' claims in a fixed order, each checked
// against the history's experiments (core/services/paper-check gathers the
// evidence; this file and its neighbours do no IO).
import { tcnAdding, tcnCharPtb, tcnCopyMemory, tcnJsb } from './bai-claims.ts';
import type { ClaimCheck, ClaimEvidence } from './claim-types.ts';
import type { ClaimDefinition } from './claim-support.ts';
import { stabilityCostsLittle, truncatedTrainsAsWell } from './miller-hardt-claims.ts';
import { stableIsTruncated } from './truncation-claim.ts';

/** Miller & Hardt's three claims, then Bai et al.'s four (the memory tasks are two). */
export const PAPER_CLAIMS: readonly ClaimDefinition[] = [
  stableIsTruncated,
  stabilityCostsLittle,
  truncatedTrainsAsWell,
  tcnCopyMemory,
  tcnAdding,
  tcnJsb,
  tcnCharPtb,
];

/** Every claim with the paper's figure, the lab's, the settings and the verdict. */
export function checkPaperClaims(evidence: ClaimEvidence): ClaimCheck[] {
  return PAPER_CLAIMS.map((c) => ({ id: c.id, claim: c.claim, source: c.source, paper: c.paper, ...c.check(evidence) }));
}
