// The throwaway servers the tests start: a port another process takes
// between `freePort` finding it and the server binding it costs a new port,
// not the run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exitedEarly, onFreePort, startPostgres, startRedisOn } from '../runner/services.mjs';

/** Whether something accepts connections on `port` of 127.0.0.1. */
const accepts = (port) =>
  new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

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

  it('a process that started Redis and is hung up on (SIGHUP: its terminal closed) stops it', { timeout: 60_000 }, async () => {
    const services = new URL('../runner/services.mjs', import.meta.url).href;
    const script = `import { startRedis } from ${JSON.stringify(services)};
      const r = await startRedis();
      console.log(JSON.stringify({ port: r.port }));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = await once(child.stdout.setEncoding('utf8'), 'data');
      const { port } = JSON.parse(String(line));
      assert.equal(await accepts(port), true, 'Redis is up');
      const exited = once(child, 'exit');
      child.kill('SIGHUP');
      assert.deepEqual(await exited, [null, 'SIGHUP']);
      // Before, SIGHUP ended the process without any cleanup: Redis (which ignores SIGHUP) ran on.
      for (let i = 0; i < 50 && (await accepts(port)); i++) await sleep(200);
      assert.equal(await accepts(port), false, 'Redis stopped');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('PostgreSQL starts whatever locale the shell names, also one this machine lacks (an SSH client\'s LANG)', { timeout: 120_000 }, async () => {
    const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL };
    // No machine has this locale: initdb refused to start under it ("invalid locale settings").
    process.env.LANG = process.env.LC_ALL = 'xx_XX.UTF-8';
    let pg;
    try {
      pg = await startPostgres();
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    try {
      assert.equal(await accepts(pg.port), true);
    } finally {
      await pg.stop();
    }
  });
});
