// The replay bench's release candidate in its own process (test/support/
// candidate.ts, mode fixed, 127.0.0.1 only), so the replaying process's heap
// and RSS are its own and client and server each have a core, as a gate
// against a deployed candidate would. The parent sends the truth table over
// IPC ({ truth: [key, Truth][] }); the child answers `{ url }` once listening
// and `{ requests }` (requests received so far) on `{ count: true }`; it
// closes when the parent disconnects.
import { type Candidate, startCandidate, type Truth } from '../test/support/candidate.ts';

let candidate: Candidate | undefined;

process.on('message', async (msg: { truth?: Array<[string, Truth]>; count?: boolean }) => {
  if (msg.truth) {
    candidate = await startCandidate({ mode: 'fixed', truth: new Map(msg.truth), modelVersion: 'bench-candidate' });
    process.send?.({ url: candidate.url });
  } else if (msg.count) {
    const requests = candidate?.requests.length ?? 0;
    // the recorded requests are the test helper's bookkeeping, not the server's work: drop them between runs
    candidate?.requests.splice(0);
    process.send?.({ requests });
  }
});
process.on('disconnect', async () => {
  await candidate?.close();
  process.exit(0);
});
