import { createServer, Server, Socket } from 'node:net';
import { startLocalServers } from '../setup/local-servers';
import * as processes from '../setup/processes';

// Lets the test hand the launcher ports that are already taken, as a concurrent run could.
jest.mock('../setup/processes', () => {
  const actual = jest.requireActual('../setup/processes');
  return { ...actual, pickFreePort: jest.fn(actual.pickFreePort) };
});

describe('local servers port races', () => {
  test('when another process takes the chosen mon and RGW ports first, the launcher retries on other ports', async () => {
    // The launcher may connect to the squatter while it probes the port: those connections (both ends in this
    // process) are closed at the end, or they would keep the jest worker alive after the run.
    const connections = new Set<Socket>();
    const squatter: Server = await new Promise((resolve) => {
      const server = createServer((socket) => {
        connections.add(socket);
        socket.on('close', () => connections.delete(socket));
      });
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
    const taken = (squatter.address() as { port: number }).port;
    const pick = processes.pickFreePort as jest.MockedFunction<typeof processes.pickFreePort>;
    // Calls in order: mon (taken), mon retry, RGW (taken), RGW retry.
    pick.mockResolvedValueOnce(taken);
    pick.mockImplementationOnce(jest.requireActual('../setup/processes').pickFreePort);
    pick.mockResolvedValueOnce(taken);
    const messages: string[] = [];
    try {
      const servers = await startLocalServers({ log: (m) => messages.push(m) });
      try {
        expect(messages).toContain(`ceph-mon lost a race for port ${taken}; retrying on another port`);
        expect(messages).toContain(`radosgw lost a race for port ${taken}; retrying on another port`);
        expect(servers.s3Endpoint).not.toBe(`http://127.0.0.1:${taken}`);
        const res = await fetch(servers.s3Endpoint);
        expect(res.status).toBe(200);
      } finally {
        await servers.stop();
      }
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
