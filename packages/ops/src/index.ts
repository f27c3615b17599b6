export * from './http/client.ts';
export * from './http/problem.ts';
export * from './inputs.ts';
export * from './operations.ts';
export * from './store/index.ts';
export { parseInput } from './validate.ts';
