import { defineConfig } from 'tsdown';

/**
 * The SDK is what users install into their own services, so it ships as one
 * bundle (ESM and CommonJS, with declarations) that carries the little of
 * @livegrade/core and @livegrade/bus it uses (attribute names, verdict
 * validation, the Kafka adapter) instead of depending on those server-side
 * packages. What stays outside is what the app must share: OpenTelemetry,
 * and the Kafka client, an optional peer loaded only for Kafka export.
 */
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'node',
  target: 'node22.15',
  tsconfig: 'tsconfig.build.json',
  dts: true,
  sourcemap: true,
  // the workspace packages are read from their sources, as the tests see them
  inputOptions: { resolve: { conditionNames: ['@livegrade/source', 'import', 'require', 'node', 'default'] } },
  deps: {
    // guards: the output may import only what package.json declares, and carry only zod (verdict validation)
    onlyImport: [/^@opentelemetry\//, '@platformatic/kafka'],
    onlyBundle: ['zod'],
  },
  // the chunk loaded on the first Kafka send is the bus's Kafka adapter: name it so, not after its src/ folder;
  // tsdown's own pattern keeps the extension of each format (.mjs, .cjs)
  outputOptions: (options) => {
    const pattern = options.chunkFileNames;
    return {
      ...options,
      chunkFileNames: (chunk) => {
        const name = typeof pattern === 'function' ? pattern(chunk) : (pattern ?? '[name]-[hash].js');
        return chunk.moduleIds.some((id) => id.includes('/packages/bus/')) ? name.replace('[name]', 'kafka') : name;
      },
    };
  },
  // CommonJS stays for services that still require(); ESM is the primary format
  checks: { legacyCjs: false },
  logLevel: 'warn',
});
