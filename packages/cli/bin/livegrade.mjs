#!/usr/bin/env node
// livegrade runs the JavaScript that `npm run build` (npm install's prepare step) compiled into dist/.
let main;
try {
  ({ main } = await import('../dist/main.js'));
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/main.js')) throw err;
  console.error('livegrade is not built: run `npm run build` (npm install runs it too) in the livegrade checkout');
  process.exit(2);
}
process.exitCode = await main(process.argv.slice(2));
