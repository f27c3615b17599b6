export * from './config.ts';
export * from './sampler.ts';
