export * from './bank-capture.ts';
export * from './config.ts';
export * from './metrics.ts';
export * from './score-window.ts';
export * from './scorer.ts';
