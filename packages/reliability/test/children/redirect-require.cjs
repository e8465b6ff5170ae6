// Preloaded with --require: makes `require(AGENTSTORE_REDIRECT_NAME)` load AGENTSTORE_REDIRECT_TO
// instead, so a child can run an adapter against a copy of its engine package that has no native addon
// (what an install that skipped the build leaves) without touching the workspace's node_modules.
const Module = require('node:module');

const name = process.env.AGENTSTORE_REDIRECT_NAME;
const target = process.env.AGENTSTORE_REDIRECT_TO;
const resolve = Module._resolveFilename;
Module._resolveFilename = function redirected(request, ...rest) {
  return request === name ? target : resolve.call(this, request, ...rest);
};
