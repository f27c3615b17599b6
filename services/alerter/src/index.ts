export * from './alerter.ts';
export * from './config.ts';
export * from './deliver.ts';
export * from './evaluate.ts';
export * from './metrics.ts';
/** how alert messages read and the SQL they give, for anything that shows alerts the same way (the demo) */
export { failuresSql } from './notify/failures-sql.ts';
export { formatCount, formatEffect, formatP, formatValue, kindEmoji } from './notify/format.ts';
