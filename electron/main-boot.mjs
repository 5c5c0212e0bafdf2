// Electron's entry (package.json "main"): registers tsx so the TypeScript main
// process loads without a build step, as bin/seqlab.mjs does, then starts the
// app with Electron's API (main.ts itself imports only Electron's types).
import path from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess } from 'electron';
import { register } from 'tsx/esm/api';
import { unpackedEsbuildBinary } from './asar-esbuild.mjs';

// Packaged: point esbuild (under tsx) at its unpacked binary; worker threads inherit the variable.
const esbuildBinary = unpackedEsbuildBinary(path.resolve(import.meta.dirname, '..'));
if (esbuildBinary && !process.env.ESBUILD_BINARY_PATH) process.env.ESBUILD_BINARY_PATH = esbuildBinary;

register();
const { startDesktopApp } = await import('./main.ts');
// Not awaited: Electron emits 'ready' only after this module has finished
// evaluating, and startDesktopApp's promise waits for 'ready'.
startDesktopApp({ app, BrowserWindow, dialog, ipcMain, protocol, session, utilityProcess });
