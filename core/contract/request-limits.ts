// The ranges of request inputs that a service checks and a front's form reads:
// one home for each number, so the CLI, the app's form and the contract cannot
// drift apart (the contract once capped a sample at 20,000 tokens while the
// sampling service allowed 100,000). The service refuses a value outside them
// with a FieldError, which each front words (the CLI as --length, the app as
// "Length"). Plain constants, no imports: it ships in the renderer bundle too.

/** Text generation (`sample`): tokens one request may generate, its softmax temperature. */
export const SAMPLE_LIMITS = {
  length: { min: 1, max: 100_000 },
  temperature: { min: 0, max: 10 },
} as const;
