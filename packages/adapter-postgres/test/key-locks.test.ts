/** Lock partitions and multi-host connection strings (no server needed). */
import { encodeKey } from '@agentstore/core/spi';
import { describe, expect, it } from 'vitest';
import { parseHostList } from '../src/hosts.js';
import { partitionOf, partitionOfRange } from '../src/key-locks.js';
import { b } from './helpers.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const partition = (key: Uint8Array) => hex(partitionOf(key).bytes);

describe('key partitions', () => {
  it("a tuple key's partition is its first two elements; core's keys end at their first 0x00", () => {
    expect(partition(encodeKey(['c', 'thread-1', '', 'id9']))).toBe(hex(encodeKey(['c', 'thread-1'])));
    expect(partition(encodeKey(['thread-1', 'ns', 'id', 'task', -1]))).toBe(hex(encodeKey(['thread-1', 'ns'])));
    expect(partition(encodeKey([7, 'x', 'y']))).toBe(hex(encodeKey([7, 'x'])));
    expect(partition(encodeKey(['only']))).toBe(hex(encodeKey(['only'])));
    expect(partition(encodeKey(['c', 'thread-1', '']))).not.toBe(partition(encodeKey(['c', 'thread-2', ''])));
    expect(partition(b(0x03, 0x61, 0x62, 0x00, 0x31, 0x32))).toBe('03616200');
    expect(partition(b(0x02, 0x61, 0x62))).toBe('026162');
  });

  it('a range is one partition only when every key in it shares the partition', () => {
    const lower = (key: Uint8Array) => ({ key, inclusive: true });
    const upper = (key: Uint8Array, inclusive = false) => ({ key, inclusive });
    const thread = encodeKey(['c', 't1']);
    const end = Buffer.from(thread);
    end[end.length - 1] = 0x01;
    expect(partitionOfRange({ lower: lower(thread), upper: upper(end) })?.bytes).toEqual(thread);
    expect(partitionOfRange({ lower: lower(thread), upper: upper(end, true) })).toBeUndefined();
    expect(partitionOfRange({ lower: lower(encodeKey(['c'])), upper: upper(b(0x30, 0x20, 0x63, 0x01)) })).toBeUndefined();
    expect(partitionOfRange({ lower: lower(b(0x03, 0x61, 0x00)), upper: upper(b(0x03, 0x61, 0x01)) })?.bytes).toEqual(b(0x03, 0x61, 0x00));
    expect(partitionOfRange({ lower: lower(b(0x03, 0x61, 0x00)), upper: upper(b(0x03, 0x62)) })).toBeUndefined();
    expect(partitionOfRange({ lower: lower(thread) })).toBeUndefined();
  });
});

describe('multi-host connection strings', () => {
  it('splits URL and keyword forms into one URL per server; single hosts pass through', () => {
    expect(parseHostList('postgres://u@127.0.0.1:5432/db')).toBeUndefined();
    expect(parseHostList('postgres://u:p@a:1,b:2/db?target_session_attrs=read-write&sslmode=disable')).toEqual({
      targets: ['postgres://u:p@a:1/db?sslmode=disable', 'postgres://u:p@b:2/db?sslmode=disable'],
      readWrite: true,
    });
    expect(parseHostList("host=a,b port=1,2 user=agent password='s p' dbname=x target_session_attrs=primary")).toEqual({
      targets: ['postgres://agent:s%20p@a:1/x', 'postgres://agent:s%20p@b:2/x'],
      readWrite: true,
    });
    expect(parseHostList('host=a port=5 user=u')).toEqual({ targets: ['postgres://u@a:5/u'], readWrite: false });
    expect(() => parseHostList('host=a,b target_session_attrs=standby')).toThrow(/not supported/);
    expect(() => parseHostList('host=a options=-cfoo')).toThrow(/not supported/);
  });
});
