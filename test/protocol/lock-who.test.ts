import * as nodeOs from 'node:os';

/**
 * `defaultLockWho` is Terraform's `user@host` (internal/states/statemgr/locker.go, NewLockInfo):
 * the user from Go's `os/user.Current`, which looks the user up once per process ("The first call
 * will cache the current user information", os/user/lookup.go), the host from `os.Hostname` each
 * time. A lookup can go through NSS (LDAP, SSSD): once per process, not once per lock attempt.
 */
type Who = typeof import('../../src/protocol/lock-info');

/** The module object itself (an import's namespace wrapper cannot be spied on): what lock-info.ts calls. */
const os = jest.requireActual<typeof nodeOs>('node:os');

/** A fresh copy of the module, so that its once-per-process lookup starts anew. */
function freshModule(): Who {
  let m: Who | undefined;
  jest.isolateModules(() => {
    m = jest.requireActual<Who>('../../src/protocol/lock-info');
  });
  return m!;
}

afterEach(() => jest.restoreAllMocks());

test('the user is looked up once, the host each time', () => {
  const expected = `${os.userInfo().username}@${os.hostname()}`;
  const { defaultLockWho } = freshModule();
  const userInfo = jest.spyOn(os, 'userInfo');
  const hostname = jest.spyOn(os, 'hostname');
  expect([defaultLockWho(), defaultLockWho(), defaultLockWho()]).toEqual([expected, expected, expected]);
  expect(userInfo).toHaveBeenCalledTimes(1);
  expect(hostname).toHaveBeenCalledTimes(3);
});

test('a failed user lookup gives "@host", as Terraform writes it, and is not retried', () => {
  const { defaultLockWho } = freshModule();
  const userInfo = jest.spyOn(os, 'userInfo').mockImplementation(() => {
    throw new Error('no entry for uid 1234 in /etc/passwd');
  });
  jest.spyOn(os, 'hostname').mockReturnValue('build-7');
  expect(defaultLockWho()).toBe('@build-7');
  expect(defaultLockWho()).toBe('@build-7');
  expect(userInfo).toHaveBeenCalledTimes(1);
});

test('a host name that cannot be read leaves "user@", as Terraform ignores the error', () => {
  const { defaultLockWho } = freshModule();
  jest.spyOn(os, 'userInfo').mockReturnValue({ username: 'alice' } as nodeOs.UserInfo<string>);
  jest.spyOn(os, 'hostname').mockImplementation(() => {
    throw new Error('uname failed');
  });
  expect(defaultLockWho()).toBe('alice@');
});
