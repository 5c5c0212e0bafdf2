// Types of asar-esbuild.mjs, for the TypeScript tests that import it.
export declare function unpackedEsbuildBinary(appDir: string, platform?: string, arch?: string): string | null;
