export * from './evaluate.ts';
export * from './rank.ts';
export * from './review-signature.ts';
export * from './types.ts';
export * from './windows.ts';
