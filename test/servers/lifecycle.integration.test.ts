import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import globalSetup, { SERVERS_ENV, SERVERS_FILE_ENV, STARTED_KEY } from '../setup/global-setup';
import { startLocalServers } from '../setup/local-servers';
import { testServers } from '../support/servers';

/** Listening TCP sockets by inode, with their hex local address, from /proc/net/tcp{,6}. */
function listeners(): Map<string, { address: string; loopback: boolean }> {
  const found = new Map<string, { address: string; loopback: boolean }>();
  // IPv4 loopback, and its IPv4-mapped IPv6 form (Java listens on a dual-stack socket).
  const loopback = new Set(['0100007F', '0000000000000000FFFF00000100007F']);
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      found.set(cols[9], { address: cols[1], loopback: loopback.has(cols[1].split(':')[0]) });
    }
  }
  return found;
}

function socketInodesOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m ? [m[1]] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('local servers lifecycle', () => {
  test('a second, independent set starts on other ports, listens on 127.0.0.1 only, and stop() leaves no process or file behind', async () => {
    const shared = testServers();
    const messages: string[] = [];
    const started = Date.now();
    const servers = await startLocalServers({ log: (m) => messages.push(m) });
    try {
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(messages.at(-1)).toMatch(/^servers up in/);
      expect(servers.s3Endpoint).not.toBe(shared.s3Endpoint);
      expect(servers.dynamodbEndpoint).not.toBe(shared.dynamodbEndpoint);
      expect(servers.accessKeyId).not.toBe(shared.accessKeyId);
      // Watchdog + java + mon + osd + rgw.
      expect(servers.pids).toHaveLength(5);
      expect(servers.pids.every(alive)).toBe(true);
      const listening = listeners();
      const [, ...serverPids] = servers.pids;
      const socketsByPid = serverPids.map((pid) => socketInodesOf(pid).flatMap((inode) => listening.get(inode) ?? []));
      // Each server listens somewhere (so the next check is not vacuous), and only on 127.0.0.1.
      expect(socketsByPid.map((sockets) => sockets.length > 0)).toEqual(serverPids.map(() => true));
      expect(socketsByPid.flat().filter((socket) => !socket.loopback)).toEqual([]);
      expect(existsSync(path.join(servers.dir, 'ceph.conf'))).toBe(true);
    } finally {
      await servers.stop();
    }
    expect(servers.pids.filter(alive)).toEqual([]);
    expect(existsSync(servers.dir)).toBe(false);
  });

  test('testServers() explains how to get servers when the environment lacks them', () => {
    const saved = process.env[SERVERS_ENV];
    delete process.env[SERVERS_ENV];
    try {
      expect(() => testServers()).toThrow(/TFSTATE_TEST_SERVERS is not set.*globalSetup/);
    } finally {
      process.env[SERVERS_ENV] = saved;
    }
  });

  describe('global setup with TFSTATE_TEST_SERVERS_FILE', () => {
    const savedEnv = { ...process.env };
    let tmp: string;
    beforeEach(async () => {
      tmp = await mkdtemp(path.join(os.tmpdir(), 'tfstate-setup-test-'));
    });
    afterEach(async () => {
      process.env[SERVERS_ENV] = savedEnv[SERVERS_ENV];
      delete process.env[SERVERS_FILE_ENV];
      await rm(tmp, { recursive: true, force: true });
    });

    test('reuses the running servers named by the file and starts nothing', async () => {
      const running = testServers();
      const file = path.join(tmp, 'servers.json');
      await writeFile(file, JSON.stringify(running));
      process.env[SERVERS_ENV] = '';
      process.env[SERVERS_FILE_ENV] = file;
      await globalSetup();
      expect(JSON.parse(process.env[SERVERS_ENV]!)).toEqual(running);
      expect((globalThis as Record<string, unknown>)[STARTED_KEY]).toBeUndefined();
    });

    test('fails naming the variable when the file is missing', async () => {
      process.env[SERVERS_FILE_ENV] = path.join(tmp, 'nope.json');
      await expect(globalSetup()).rejects.toThrow(/TFSTATE_TEST_SERVERS_FILE=.*nope\.json cannot be read.*npm run servers/);
    });

    test('fails listing the missing fields of a foreign file', async () => {
      const file = path.join(tmp, 'servers.json');
      await writeFile(file, JSON.stringify({ s3Endpoint: 'http://127.0.0.1:1' }));
      process.env[SERVERS_FILE_ENV] = file;
      await expect(globalSetup()).rejects.toThrow(/lacks dynamodbEndpoint, region, .*kmsKeyId, pids, dir/);
    });

    test('fails naming the dead server when the file is stale', async () => {
      const file = path.join(tmp, 'servers.json');
      // Port 1 on loopback: nothing listens there, the connection is refused at once.
      await writeFile(file, JSON.stringify({ ...testServers(), s3Endpoint: 'http://127.0.0.1:1' }));
      process.env[SERVERS_FILE_ENV] = file;
      await expect(globalSetup()).rejects.toThrow(/S3 \(Ceph RGW\) at http:\/\/127\.0\.0\.1:1 .* does not answer.*npm run servers/);
    });
  });
});
