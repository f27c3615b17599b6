export * from './instance.ts';
export { main } from './main.ts';
