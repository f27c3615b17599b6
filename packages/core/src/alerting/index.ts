export * from './plan.ts';
export * from './silence.ts';
export * from './state.ts';
export * from './types.ts';
