import { InMemoryStore } from '@langchain/langgraph-checkpoint';
import { describe, expect, it } from 'vitest';
import { itemTexts, parseFieldPaths } from '../src/store-index.js';

const VALUE = {
  title: 'Annual report',
  year: 2024,
  draft: false,
  nothing: null,
  meta: { author: 'Ada', tags: ['finance', 'q4'], nested: { deep: 'down' }, empty: {} },
  chapters: [{ content: 'Intro', pages: 3 }, { content: 'Numbers', notes: ['a', 'b'] }, { title: 'no content' }],
  matrix: [
    [1, 2],
    [3, 4],
  ],
  'dotted.name': 'x',
};

const PATHS = [
  '$',
  'title',
  'year',
  'draft',
  'nothing',
  'missing',
  'meta',
  'meta.author',
  'meta.tags',
  'meta.tags[*]',
  'meta.tags[0]',
  'meta.tags[-1]',
  'meta.tags[5]',
  'meta.nested.deep',
  'meta.empty',
  'chapters[*].content',
  'chapters[*].notes[*]',
  'chapters[1]',
  'chapters[-2].content',
  'chapters[*]',
  'matrix[*][1]',
  '*',
  'meta.*',
  'chapters[*].*',
  '{title,meta.author}',
  '{title, meta.nested.deep, missing, nothing}',
  'meta.{author,tags}',
  'title.length',
  'year.value',
  'constructor',
];

/** The texts InMemoryStore embeds for `value` under `path`, by vector name: read back from its vectors. */
async function theirTexts(value: Record<string, unknown>, path: string): Promise<Map<string, string>> {
  const seen: string[] = [];
  const embeddings = {
    async embedDocuments(texts: string[]) {
      return texts.map((text) => [seen.push(text) - 1]);
    },
    async embedQuery() {
      return [0];
    },
  };
  const store = new InMemoryStore({ index: { dims: 1, embeddings: embeddings as never, fields: [path] } });
  await store.put(['ns'], 'item', value);
  const vectors = (store as unknown as { vectors: Map<string, Map<string, Map<string, number[]>>> }).vectors;
  const byName = vectors.get('ns')?.get('item') ?? new Map<string, number[]>();
  return new Map([...byName].map(([name, [id]]) => [name, seen[id as number] as string]));
}

describe('field paths select the texts InMemoryStore embeds, under the same vector names', () => {
  it.each(PATHS)('%s', async (path) => {
    const ours = itemTexts(VALUE, parseFieldPaths([path], 'fields'));
    expect([...ours].sort()).toEqual([...(await theirTexts(VALUE, path))].sort());
  });

  it('several paths per item, and the whole value by default', async () => {
    const paths = ['title', 'chapters[*].content', 'meta.tags', '$'];
    const theirs = new Map<string, string>();
    for (const path of paths) for (const [name, text] of await theirTexts(VALUE, path)) theirs.set(name, text);
    expect([...theirs.keys()].sort()).toEqual(['$', 'chapters[*].content.0', 'chapters[*].content.1', 'meta.tags', 'title']);
    expect([...itemTexts(VALUE, parseFieldPaths(paths, 'fields'))].sort()).toEqual([...theirs].sort());
    expect(itemTexts(VALUE, parseFieldPaths(['$'], 'fields')).get('$')).toBe(JSON.stringify(VALUE, null, 2));
  });
});
