// The throwaway servers the tests start: a port another process takes
// between `freePort` finding it and the server binding it costs a new port,
// not the run.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { exitedEarly, onFreePort, startRedisOn } from '../runner/services.mjs';

/** Listens on `port` of 127.0.0.1, as another process would. */
const occupy = (port) =>
  new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('a test server on a free port', () => {
  it('is started again on another port when its start fails in a way the port may explain, at most three times', async () => {
    const ports = [];
    const failing = (port) => {
      ports.push(port);
      return Promise.reject(new Error('taken'));
    };
    await assert.rejects(onFreePort(failing, () => true), /taken/);
    assert.equal(ports.length, 3);
    assert.ok(ports.every((p) => Number.isInteger(p) && p > 0));
    ports.length = 0;
    await assert.rejects(onFreePort(failing, () => false), /taken/);
    assert.equal(ports.length, 1, 'a failure the port cannot explain is not retried');
  });

  it('Redis whose port was taken before it bound it exits early, and starts on another port', async () => {
    /** @type {import('node:net').Server[]} */
    const blockers = [];
    const tried = [];
    try {
      const redis = await onFreePort(async (port) => {
        tried.push(port);
        // The first port is taken by "another process" in the gap.
        if (tried.length == 1) blockers.push(await occupy(port));
        return startRedisOn(port);
      }, exitedEarly);
      await redis.stop();
      assert.equal(tried.length, 2);
      assert.equal(redis.port, tried[1]);
      assert.notEqual(redis.port, tried[0]);
    } finally {
      for (const b of blockers) b.close();
    }
  });
});
