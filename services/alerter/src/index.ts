export * from './alerter.ts';
export * from './config.ts';
export * from './deliver.ts';
export * from './evaluate.ts';
export * from './metrics.ts';
