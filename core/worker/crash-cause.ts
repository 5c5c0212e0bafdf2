// Why a training process died, in one line, from its exit and the tail of its
// stderr. V8's fatal errors print "FATAL ERROR: <cause>" (or "# Fatal error"
// followed by "# Check failed: ...") and then a native stack trace, so the
// last stderr line is a stack frame; the cause is the line before the trace.

/** Lines that frame a crash report rather than say what happened. */
const NOISE = [
  /^\d+: 0x[0-9a-f]+/i, // native stack frame
  /^at /, // JavaScript stack frame
  /^-+ (Native|JS) stack trace -+$/,
  /^<--- .* --->$/,
  /^\[\d+:0x[0-9a-f]+\]/i, // GC trace lines before a heap OOM
  /^#\s*$/,
  /^#\s*(FailureMessage|Fatal error in)/,
  /^Node\.js v\d/, // the version banner after an uncaught exception
];

/** The line of a crashed process's stderr that names the cause, or null. */
export function causeLine(stderr: string): string | null {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const fatal = lines.findLast((l) => /^FATAL ERROR:/.test(l) || /^#\s*Check failed:/.test(l));
  if (fatal) return fatal.replace(/^#\s*/, '');
  return lines.findLast((l) => !NOISE.some((n) => n.test(l))) ?? null;
}

/**
 * Describes a training process's end: null for a clean exit (code 0),
 * otherwise how it ended and the cause its stderr named, e.g. "training
 * process killed by SIGABRT: FATAL ERROR: v8::Float32Array::New(...) length
 * exceeds max allowed value". `what` names the process ("sample process" for a task).
 */
export function describeTrainerExit(
  code: number | null,
  signal: NodeJS.Signals | null,
  stderr: string,
  what = 'training process',
): string | null {
  if (code === 0 && signal === null) return null;
  const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
  const cause = causeLine(stderr);
  if (cause) return `${what} ${how}: ${cause}`;
  // SIGKILL with nothing said is almost always the kernel's out-of-memory killer.
  return signal === 'SIGKILL' ? `${what} ${how} (out of memory, or killed from outside)` : `${what} ${how}`;
}
