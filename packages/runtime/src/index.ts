export * from './config-file.ts';
export * from './http.ts';
export * from './logger.ts';
export * from './metrics.ts';
export * from './metrics-server.ts';
