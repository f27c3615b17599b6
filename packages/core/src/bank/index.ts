export * from './fingerprint.ts';
export * from './replay.ts';
export * from './types.ts';
export * from './version.ts';
