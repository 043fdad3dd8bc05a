import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowedHostsFromEnv,
  HostPolicy,
  HostPolicyError,
  hostNameOf,
  normalizeHostName,
  sameOrigin,
} from './host-policy.ts';

describe('HostPolicy', () => {
  it('serves localhost names on any port, and nothing else by default', () => {
    const policy = new HostPolicy({ allowedHosts: [] });
    for (const host of ['localhost:3000', '127.0.0.1:3300', '[::1]:3000', 'LOCALHOST', '127.0.0.1'])
      assert.equal(policy.hostAllowed(host), true, host);
    for (const host of [
      'evil.example:3000',
      '192.168.1.5:3000',
      '',
      undefined,
      'localhost:3000/x',
      'a@localhost',
    ])
      assert.equal(policy.hostAllowed(host), false, String(host));
  });

  it('adds BAMBAM_ALLOWED_HOSTS and a specific bind address, not a wildcard one', () => {
    const policy = new HostPolicy({
      allowedHosts: allowedHostsFromEnv('192.168.1.5, Studio.LAN'),
      bindHost: '10.0.0.2',
    });
    assert.equal(policy.hostAllowed('192.168.1.5:3000'), true);
    assert.equal(policy.hostAllowed('studio.lan'), true);
    assert.equal(policy.hostAllowed('10.0.0.2:3000'), true);
    assert.equal(policy.hostAllowed('192.168.1.6:3000'), false);
    const wildcard = new HostPolicy({ allowedHosts: [], bindHost: '0.0.0.0' });
    assert.equal(wildcard.hostAllowed('0.0.0.0:3000'), false);
  });

  it('`*` turns the check off; bad entries are refused with the entry named', () => {
    assert.equal(new HostPolicy({ allowedHosts: allowedHostsFromEnv('*') }).hostAllowed('any.example'), true);
    assert.throws(() => allowedHostsFromEnv('192.168.1.5:3000'), HostPolicyError);
    assert.throws(() => normalizeHostName('http://studio.lan'), /studio\.lan/);
    assert.equal(normalizeHostName('::1'), '[::1]');
    assert.equal(hostNameOf('[::1]:3000'), '[::1]');
  });
});

describe('sameOrigin', () => {
  it('accepts no Origin, or exactly the scheme://Host the request came to', () => {
    assert.equal(sameOrigin(undefined, 'http', 'localhost:3000'), true);
    assert.equal(sameOrigin('http://localhost:3000', 'http', 'localhost:3000'), true);
    assert.equal(sameOrigin('http://localhost:3000', 'http', 'LOCALHOST:3000'), true);
    assert.equal(sameOrigin('https://studio.lan', 'https', 'studio.lan:443'), true);
    assert.equal(sameOrigin('https://studio.lan', 'https', 'studio.lan'), true);
  });

  it('refuses other schemes, ports, names, null and malformed Hosts', () => {
    assert.equal(sameOrigin('https://localhost:3000', 'http', 'localhost:3000'), false);
    assert.equal(sameOrigin('http://localhost:3001', 'http', 'localhost:3000'), false);
    assert.equal(sameOrigin('http://127.0.0.1:3000', 'http', 'localhost:3000'), false);
    assert.equal(sameOrigin('null', 'http', 'localhost:3000'), false);
    assert.equal(sameOrigin('http://evil.example', 'http', 'evil.example@localhost:3000'), false);
    assert.equal(sameOrigin('http://localhost:3000', 'http', undefined), false);
  });
});
