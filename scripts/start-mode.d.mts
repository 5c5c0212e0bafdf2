// Types of start-mode.mjs, for the TypeScript tests that import it.
export declare const DEFAULT_PORT: number;
export type BinaryCheck = { ok: true; path: string } | { ok: false; reason: string };
export type StartMode = { mode: 'electron'; electronPath: string } | { mode: 'browser'; reason: string; display: boolean };
export declare function findElectronBinary(
  root: string,
  deps?: { requireElectron?: () => unknown; exists?: (file: string) => boolean },
): BinaryCheck;
export declare function hasDisplay(deps?: { platform?: string; env?: Record<string, string | undefined> }): boolean;
export declare function chooseStartMode(checks: { findBinary: () => BinaryCheck; display: () => boolean }): StartMode;
export declare function pickPort(preferred?: number, host?: string): Promise<number>;
export declare function browserOpenCommand(platform: string, url: string): { command: string; args: string[] };
