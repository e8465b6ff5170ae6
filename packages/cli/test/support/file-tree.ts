export { fileTree } from '@agentstore/conformance';
