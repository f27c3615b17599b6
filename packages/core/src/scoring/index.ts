export * from './evaluate.ts';
export * from './types.ts';
export * from './windows.ts';
