// Picks the bridge the page runs on: Electron's preload exposes `window.lab`;
// anywhere else (seqlab serve) the browser bridge talks HTTP to the server.
import type { LabBridge } from '../../../core/contract/lab-contract.ts';
import { BrowserBridge } from './browser-bridge.ts';

declare global {
  interface Window {
    /** Set by electron/preload when the page runs in the desktop app. */
    lab?: LabBridge;
  }
}

export function pickBridge(): LabBridge {
  return window.lab ?? new BrowserBridge();
}
