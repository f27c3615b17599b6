/**
 * Node arguments for a test's child process that runs TypeScript sources: tsx
 * compiles them, and the "@livegrade/source" export condition makes the
 * workspace packages resolve to their src/ too, as in the test process itself.
 */
export const TS_CHILD_ARGS = ['--conditions=@livegrade/source', '--import', 'tsx'];
