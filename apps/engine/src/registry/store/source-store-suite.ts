/**
 * The behaviour every {@link SourceStore} must have, as tests: `sqlite.test.ts` and
 * `postgres.test.ts` run it on their store, so both answer the same way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SourceStore } from './store.ts';

export interface StoreFactory {
  /** A new store on an empty database. */
  open(): Promise<SourceStore>;
  /** Another store on the same database as the last `open()` (a restart, or a second engine). */
  reopen(): Promise<SourceStore>;
}

export function sourceStoreSuite(
  label: string,
  factory: StoreFactory,
  options: { skip?: string } = {},
): void {
  describe(`SourceStore on ${label}`, { skip: options.skip }, () => {
    test('put, update, get, list, delete', async (t) => {
      const store = await factory.open();
      t.after(() => store.close());
      const first = await store.putSource('a', 'one');
      assert.equal(first.source, 'one');
      assert.ok(!Number.isNaN(Date.parse(first.updatedAt)), `updatedAt is a date: ${first.updatedAt}`);
      await store.putSource('a', 'two');
      await store.putSource('b', 'three');
      assert.equal((await store.getSource('a'))?.source, 'two');
      assert.equal(await store.getSource('missing'), undefined);
      assert.deepEqual(
        (await store.listSources()).map((s) => [s.name, s.source]),
        [
          ['a', 'two'],
          ['b', 'three'],
        ],
      );
      assert.equal(await store.deleteSource('a'), true);
      assert.equal(await store.deleteSource('a'), false);
      assert.deepEqual(
        (await store.listSources()).map((s) => s.name),
        ['b'],
      );
    });

    test('text comes back byte for byte (unicode, quotes, NUL-free control characters)', async (t) => {
      const store = await factory.open();
      t.after(() => store.close());
      const text = `export default 'ünïcödé 🥁 \\' " \` \t\r\n${'x'.repeat(70_000)}';`;
      await store.putSource('text', text);
      assert.equal((await store.getSource('text'))?.source, text);
    });

    test('what one store saved, another on the same database reads', async (t) => {
      const first = await factory.open();
      await first.putSource('mine', 'source');
      await first.close();
      const second = await factory.reopen();
      t.after(() => second.close());
      assert.equal((await second.getSource('mine'))?.source, 'source');
    });

    test('many concurrent saves of one source: the last writer wins whole', async (t) => {
      const store = await factory.open();
      const other = await factory.reopen();
      t.after(async () => {
        await store.close();
        await other.close();
      });
      // Large, distinct texts so that a mix of two would show.
      const texts = Array.from(
        { length: 40 },
        (_, i) => `// writer ${i}\n${String.fromCharCode(97 + (i % 26)).repeat(50_000 + i)}`,
      );
      await Promise.all(texts.map((text, i) => (i % 2 ? other : store).putSource('contested', text)));
      const stored = (await store.getSource('contested'))?.source;
      assert.ok(
        stored !== undefined && texts.includes(stored),
        'the stored text is exactly one of the writes',
      );
      assert.equal(
        (await other.getSource('contested'))?.source,
        stored,
        'both connections see the same text',
      );
    });
  });
}
