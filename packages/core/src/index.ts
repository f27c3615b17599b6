export * from './conventions.ts';
export * from './decision.ts';
export * from './env.ts';
export * from './json-schemas.ts';
export * from './span.ts';
export * from './truncate.ts';
export * from './verdict.ts';
