// The types of /dashboard/format.js for the type check. The API serves that URL from
// @livegrade/core's src/format/number.js, the one number format the dashboard, the Slack
// messages and the CLI share (services/api/src/dashboard.ts); the browser never loads this file.
export * from '../../../packages/core/src/format/number.js';
