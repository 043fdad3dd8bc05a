/**
 * The deployment files cannot run here (no Docker, no cluster): this checks what can be checked
 * — every YAML file parses (js-yaml, as kubectl and compose would read it), the Kubernetes
 * documents have a kind and a name, the engine Deployment has its readiness probe and drain, and
 * HAProxy accepts deploy/haproxy.cfg (`haproxy -c`, when installed).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './lib/fixtures.ts';
import { haproxyMissing, haproxyPath } from './lib/haproxy.ts';

const DEPLOY = path.join(REPO_ROOT, 'deploy');
// biome-ignore lint/suspicious/noExplicitAny: js-yaml ships no types here
type Any = any;
const yaml: Any = (await import('js-yaml' as string)).default;

const files = [
  path.join(DEPLOY, 'compose.yaml'),
  ...readdirSync(path.join(DEPLOY, 'k8s')).map((name) => path.join(DEPLOY, 'k8s', name)),
];

test('every deployment YAML parses; Kubernetes documents have a kind and a name', () => {
  for (const file of files) {
    const docs: Any[] = yaml.loadAll(readFileSync(file, 'utf8'));
    assert.ok(docs.length > 0, file);
    if (file.includes(`${path.sep}k8s${path.sep}`))
      for (const doc of docs)
        assert.ok(doc.kind && doc.metadata?.name, `${file}: a document without kind or name`);
  }
  const compose: Any = yaml.load(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8'));
  assert.deepEqual(Object.keys(compose.services).sort(), [
    'engine-1',
    'engine-2',
    'haproxy',
    'postgres',
    'registry',
    'studio',
  ]);
  assert.match(compose.services['engine-1'].environment.BAMBAM_DATABASE_URL, /^postgres:\/\//);
  const engine = yaml
    .loadAll(readFileSync(path.join(DEPLOY, 'k8s', 'engine.yaml'), 'utf8'))
    .find((d: Any) => d.kind === 'Deployment');
  const container = engine.spec.template.spec.containers[0];
  assert.equal(container.readinessProbe.httpGet.path, '/api/health');
  assert.ok(container.lifecycle.preStop);
  const grace = Number(container.env.find((e: Any) => e.name === 'BAMBAM_DRAIN_GRACE_MS').value) / 1000;
  assert.ok(
    engine.spec.template.spec.terminationGracePeriodSeconds > grace + 3,
    'the pod outlives its drain',
  );
});

test('HAProxy accepts deploy/haproxy.cfg', { skip: haproxyMissing() }, () => {
  const out = execFileSync(haproxyPath()!, ['-c', '-f', path.join(DEPLOY, 'haproxy.cfg')], {
    encoding: 'utf8',
    stdio: 'pipe',
  });
  assert.match(out, /Configuration file is valid/);
});
