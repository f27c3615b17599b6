export * from './hash.ts';
export * from './jsonl.ts';
export * from './manifest.ts';
export * from './select.ts';
export * from './types.ts';
