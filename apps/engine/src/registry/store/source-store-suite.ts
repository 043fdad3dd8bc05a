/**
 * The behaviour every {@link SourceStore} must have, as tests: `sqlite.test.ts` and
 * `postgres.test.ts` run it on their store, so both answer the same way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SourceStore, WorkspaceFullError } from './store.ts';

/** The workspace the single-workspace tests save into. */
const W = 'workspace-one';

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
      const first = await store.putSource(W, 'a', 'one');
      assert.equal(first.source, 'one');
      assert.ok(!Number.isNaN(Date.parse(first.updatedAt)), `updatedAt is a date: ${first.updatedAt}`);
      await store.putSource(W, 'a', 'two');
      await store.putSource(W, 'b', 'three');
      assert.equal((await store.getSource(W, 'a'))?.source, 'two');
      assert.equal(await store.getSource(W, 'missing'), undefined);
      assert.deepEqual(
        (await store.listSources(W)).map((s) => [s.name, s.source]),
        [
          ['a', 'two'],
          ['b', 'three'],
        ],
      );
      assert.equal(await store.deleteSource(W, 'a'), true);
      assert.equal(await store.deleteSource(W, 'a'), false);
      assert.deepEqual(
        (await store.listSources(W)).map((s) => s.name),
        ['b'],
      );
    });

    test('text comes back byte for byte (unicode, quotes, NUL-free control characters)', async (t) => {
      const store = await factory.open();
      t.after(() => store.close());
      const text = `export default 'ünïcödé 🥁 \\' " \` \t\r\n${'x'.repeat(70_000)}';`;
      await store.putSource(W, 'text', text);
      assert.equal((await store.getSource(W, 'text'))?.source, text);
    });

    test('what one store saved, another on the same database reads', async (t) => {
      const first = await factory.open();
      await first.putSource(W, 'mine', 'source');
      await first.close();
      const second = await factory.reopen();
      t.after(() => second.close());
      assert.equal((await second.getSource(W, 'mine'))?.source, 'source');
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
      await Promise.all(texts.map((text, i) => (i % 2 ? other : store).putSource(W, 'contested', text)));
      const stored = (await store.getSource(W, 'contested'))?.source;
      assert.ok(
        stored !== undefined && texts.includes(stored),
        'the stored text is exactly one of the writes',
      );
      assert.equal(
        (await other.getSource(W, 'contested'))?.source,
        stored,
        'both connections see the same text',
      );
    });

    test('workspaces are separate: same name, own text; list, get and delete see one workspace', async (t) => {
      const store = await factory.open();
      t.after(() => store.close());
      await store.putSource('alice', 'my-drum', 'alice text');
      await store.putSource('bob', 'my-drum', 'bob text');
      await store.putSource('bob', 'other', 'bob other');
      assert.equal((await store.getSource('alice', 'my-drum'))?.source, 'alice text');
      assert.equal((await store.getSource('bob', 'my-drum'))?.source, 'bob text');
      assert.equal(await store.getSource('alice', 'other'), undefined);
      assert.deepEqual(
        (await store.listSources('alice')).map((s) => s.name),
        ['my-drum'],
      );
      assert.equal(await store.deleteSource('alice', 'other'), false, "alice cannot delete bob's source");
      assert.equal(await store.deleteSource('bob', 'my-drum'), true);
      assert.equal((await store.getSource('alice', 'my-drum'))?.source, 'alice text');
      assert.deepEqual(await store.listSources(''), [], 'nothing belongs to the empty workspace');
    });

    test('the limit of sources per workspace: creating past it is refused, replacing is not', async (t) => {
      const store = await factory.open();
      t.after(() => store.close());
      await store.putSource('full', 'a', '1', 2);
      await store.putSource('full', 'b', '2', 2);
      await assert.rejects(store.putSource('full', 'c', '3', 2), WorkspaceFullError);
      assert.equal((await store.putSource('full', 'a', 'replaced', 2)).source, 'replaced');
      await store.putSource('other', 'c', '3', 2);
      assert.deepEqual(
        (await store.listSources('full')).map((s) => s.name),
        ['a', 'b'],
      );
    });

    test('concurrent creations from two connections never take a workspace over its limit', async (t) => {
      const store = await factory.open();
      const other = await factory.reopen();
      t.after(async () => {
        await store.close();
        await other.close();
      });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).putSource('race', `s${i}`, 'x', 5)),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 5);
      assert.ok(
        results.every((r) => r.status === 'fulfilled' || r.reason instanceof WorkspaceFullError),
        'the others are refused as full',
      );
      assert.equal((await store.listSources('race')).length, 5);
    });
  });
}
