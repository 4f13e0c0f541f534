import type { Migration } from './index';

/** Reserved for issue work in progress (filled in by its owner before it ships). */
export const migration015McpServers: Migration = {
  version: 15,
  name: '015-mcp-servers',
  up() {},
};
