import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, configFromEnv, DEFAULT_CONFIG } from './config.ts';

test('embedded defaults: port 3001 on 127.0.0.1, loopback-only ICE, the studio origin allowed', () => {
  const config = configFromEnv({});
  assert.equal(config.port, 3001);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.loopbackOnly, true);
  assert.deepEqual(config.iceServers, []);
  assert.deepEqual(config.allowedOrigins, ['http://localhost:3000', 'http://127.0.0.1:3000']);
  assert.deepEqual(config.allowedHosts, []);
  assert.match(config.dataDir, /\.data$/);
  assert.equal(config.iceTimeoutMs, DEFAULT_CONFIG.iceTimeoutMs);
});

test('ICE servers from BAMBAM_ICE_SERVERS switch off loopback-only candidates', () => {
  const config = configFromEnv({
    BAMBAM_ICE_SERVERS: '[{"urls":"turn:turn.example.org","username":"u","credential":"p"}]',
    BAMBAM_ICE_HOST_ADDRESSES: '192.168.1.5',
    BAMBAM_DATA_DIR: '/tmp/x',
  });
  assert.deepEqual(config.iceServers, [{ urls: 'turn:turn.example.org', username: 'u', credential: 'p' }]);
  assert.equal(config.loopbackOnly, false);
  assert.deepEqual(config.iceAdditionalHostAddresses, ['192.168.1.5']);
  assert.equal(config.dataDir, '/tmp/x');
});

test('bad values are clear errors naming the variable', () => {
  assert.throws(
    () => configFromEnv({ BAMBAM_ICE_SERVERS: 'stun:x' }),
    (e: unknown) => e instanceof ConfigError && /BAMBAM_ICE_SERVERS/.test(e.message),
  );
  assert.throws(() => configFromEnv({ BAMBAM_ICE_SERVERS: '[{"urls":5}]' }), /urls must be/);
  assert.throws(() => configFromEnv({ ENGINE_PORT: '70000' }), /ENGINE_PORT/);
  assert.throws(
    () => configFromEnv({ BAMBAM_TRACKER_MODEL: 'huge' }),
    /BAMBAM_TRACKER_MODEL must be one of full, lite, full-int8, lite-int8, got 'huge'/,
  );
  assert.throws(() => configFromEnv({ BAMBAM_PALM_SEARCH_INTERVAL: '0' }), /BAMBAM_PALM_SEARCH_INTERVAL/);
});

test('audio frames: 20 ms by default, BAMBAM_AUDIO_FRAME_MS picks 5, 10 or 20', () => {
  assert.equal(configFromEnv({}).audioFrameMs, 20);
  assert.equal(configFromEnv({ BAMBAM_AUDIO_FRAME_MS: '10' }).audioFrameMs, 10);
  assert.throws(
    () => configFromEnv({ BAMBAM_AUDIO_FRAME_MS: '15' }),
    /BAMBAM_AUDIO_FRAME_MS must be one of 5, 10, 20, got '15'/,
  );
});

test('palm search interval: 10 frames by default, BAMBAM_PALM_SEARCH_INTERVAL sets it', () => {
  assert.equal(configFromEnv({}).palmSearchInterval, 10);
  assert.equal(configFromEnv({ BAMBAM_PALM_SEARCH_INTERVAL: '3' }).palmSearchInterval, 3);
});

test('allowed origins: BAMBAM_ALLOWED_ORIGINS, or its former name BAMBAM_CORS_ORIGINS, normalized as browsers send Origin', () => {
  assert.deepEqual(
    configFromEnv({ BAMBAM_ALLOWED_ORIGINS: 'HTTPS://Studio.Example.org:443/, http://10.0.0.5:3000' })
      .allowedOrigins,
    ['https://studio.example.org', 'http://10.0.0.5:3000'],
  );
  assert.deepEqual(configFromEnv({ BAMBAM_CORS_ORIGINS: 'http://a.example:3000' }).allowedOrigins, [
    'http://a.example:3000',
  ]);
  assert.deepEqual(
    configFromEnv({ BAMBAM_ALLOWED_ORIGINS: 'http://new.example', BAMBAM_CORS_ORIGINS: 'http://old.example' })
      .allowedOrigins,
    ['http://new.example'],
    'the new name wins',
  );
  assert.equal(configFromEnv({ BAMBAM_ALLOWED_ORIGINS: '*' }).allowedOrigins, '*');
  for (const bad of [
    'null',
    'localhost:3000',
    'http://x.example/studio',
    'ftp://x.example',
    'http://x.example?a=1',
  ]) {
    assert.throws(
      () => configFromEnv({ BAMBAM_ALLOWED_ORIGINS: bad }),
      (e: unknown) => e instanceof ConfigError && /BAMBAM_ALLOWED_ORIGINS/.test(e.message),
      bad,
    );
  }
});

test('allowed hosts: BAMBAM_ALLOWED_HOSTS adds names (no ports), * turns the check off', () => {
  assert.deepEqual(
    configFromEnv({ BAMBAM_ALLOWED_HOSTS: 'Studio.Example.org, 10.0.0.5, ::1' }).allowedHosts,
    ['studio.example.org', '10.0.0.5', '[::1]'],
  );
  assert.equal(configFromEnv({ BAMBAM_ALLOWED_HOSTS: '*' }).allowedHosts, '*');
  for (const bad of ['engine.example:3001', 'http://engine.example', 'a b']) {
    assert.throws(
      () => configFromEnv({ BAMBAM_ALLOWED_HOSTS: bad }),
      (e: unknown) => e instanceof ConfigError && /BAMBAM_ALLOWED_HOSTS/.test(e.message),
      bad,
    );
  }
});

test('BAMBAM_MAX_VIDEO_SIZE sets the decode cap in either orientation; a bad value is a config error', () => {
  const config = configFromEnv({ BAMBAM_MAX_VIDEO_SIZE: '720x1280' });
  assert.equal(config.decodeLimits.maxWidth, 1280);
  assert.equal(config.decodeLimits.maxHeight, 720);
  assert.equal(configFromEnv({}).decodeLimits.maxWidth, 1920);
  assert.throws(
    () => configFromEnv({ BAMBAM_MAX_VIDEO_SIZE: 'huge' }),
    /BAMBAM_MAX_VIDEO_SIZE must be WIDTHxHEIGHT/,
  );
});

test('players: estimated from the machine unless BAMBAM_MAX_SESSIONS sets them', () => {
  assert.equal(configFromEnv({}).maxSessions, undefined);
  assert.equal(configFromEnv({ BAMBAM_MAX_SESSIONS: '3' }).maxSessions, 3);
  assert.throws(
    () => configFromEnv({ BAMBAM_MAX_SESSIONS: '0' }),
    /BAMBAM_MAX_SESSIONS must be an integer in \[1, 1000\]/,
  );
  assert.throws(() => configFromEnv({ BAMBAM_MAX_SESSIONS: 'many' }), /BAMBAM_MAX_SESSIONS/);
});

test('BAMBAM_DATABASE_URL picks PostgreSQL for saved sources; bad URLs are refused without echoing them', () => {
  assert.equal(configFromEnv({}).databaseUrl, undefined);
  const url = 'postgres://bambam:pw@db.example.org:5432/bambam';
  assert.equal(configFromEnv({ BAMBAM_DATABASE_URL: url }).databaseUrl, url);
  assert.equal(configFromEnv({ BAMBAM_DATABASE_URL: 'postgresql://h/db' }).databaseUrl, 'postgresql://h/db');
  assert.throws(
    () => configFromEnv({ BAMBAM_DATABASE_URL: 'mysql://u:secret@h/db' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /BAMBAM_DATABASE_URL must start with postgres/.test(e.message) &&
      !/secret/.test(e.message),
  );
  assert.throws(
    () => configFromEnv({ BAMBAM_DATABASE_URL: 'not a url secret' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      /BAMBAM_DATABASE_URL must be a URL/.test(e.message) &&
      !/secret/.test(e.message),
  );
});

test('BAMBAM_DRAIN_GRACE_MS sets how long SIGTERM lets players finish', () => {
  assert.equal(configFromEnv({}).drainGraceMs, DEFAULT_CONFIG.drainGraceMs);
  assert.equal(configFromEnv({ BAMBAM_DRAIN_GRACE_MS: '2500' }).drainGraceMs, 2500);
  assert.throws(() => configFromEnv({ BAMBAM_DRAIN_GRACE_MS: '-1' }), /BAMBAM_DRAIN_GRACE_MS/);
});
