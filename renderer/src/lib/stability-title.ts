// What the stability chart's "bound" is for each recurrent kind (the core's
// models report different quantities under the one metric `stabilityBound`).

/** The bound's name in a chart title, for a run of `kind` (the base kind for `truncated`). */
export function stabilityBoundName(kind: string): string {
  switch (kind) {
    case 'rnn':
      return '‖U‖₂ of the recurrent matrix';
    case 'gru':
      return '‖U‖₂ of the recurrent matrix (all three gates)';
    case 'lstm':
      return "the LSTM constraint's contraction bound";
    default:
      return 'stability bound';
  }
}
