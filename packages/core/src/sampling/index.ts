export * from './facts.ts';
export * from './hash.ts';
export * from './policy.ts';
export * from './slice-hours.ts';
export * from './types.ts';
export * from './waits.ts';
