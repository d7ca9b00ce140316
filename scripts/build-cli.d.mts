/** Bundle the CLI into build/cli/porchlight.mjs (see build-cli.mjs). */
export function buildCli(): Promise<void>;
