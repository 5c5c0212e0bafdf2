// The preload of the desktop window (bundled to out/electron/preload.cjs by
// scripts/build-electron.mjs: sandboxed preloads must be one CommonJS file).
// Exposes exactly one global, window.lab; never ipcRenderer itself.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { createLabBridge } from './lab-bridge.ts';

contextBridge.exposeInMainWorld('lab', createLabBridge(ipcRenderer, webUtils));
