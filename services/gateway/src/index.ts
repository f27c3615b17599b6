export * from './config.ts';
export * from './gateway.ts';
export * from './metrics.ts';
export type { GatewayStats } from './stats.ts';
