// Splits a core error message ("hiddenSize: must be ...; train.steps: must be ...")
// into per-field messages so each shows next to its input; the rest stays general.

export interface FieldErrors {
  fields: Record<string, string>;
  general: string[];
}

/**
 * @param message the Error message from the client
 * @param known field keys the form shows (e.g. "hiddenSize", "steps")
 */
export function splitFieldErrors(message: string, known: readonly string[]): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  for (const part of message
    .split('; ')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^([A-Za-z0-9_.]+):\s/.exec(part);
    const key = m ? m[1]!.split('.').at(-1)! : undefined;
    if (key && known.includes(key) && !out.fields[key]) out.fields[key] = part;
    else out.general.push(part);
  }
  return out;
}

/**
 * A field's message under the form's own label: "hiddenSize: must be a whole
 * number…" (or "train.batchSize: …" from the core) becomes "Hidden size: must
 * be a whole number…". Messages that name no field are left as they are.
 */
export function labelled(message: string, label: string): string {
  return message.replace(/^(?:config\.)?[A-Za-z_][\w.]*:\s*/, `${label}: `);
}
