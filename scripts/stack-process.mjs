// Process and port helpers shared by the stack scripts (stack.mjs, stack-registry.mjs, stack-sns.mjs).
import fs from 'node:fs';
import net from 'node:net';

/** The pid a pid file holds, or null. */
export function readPid(pidFile) {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Whether `pid` is alive and still ours: `isOurs(cmdline)` guards against pid reuse on Linux (a zombie is not
 * alive; an empty command line is a process we may not read). Without /proc (macOS) kill(0) is trusted.
 */
export function isAliveAs(pid, isOurs) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('\0<defunct>')) return false;
    return cmd.length === 0 || isOurs(cmd);
  } catch {
    return true;
  }
}

/** Whether nothing listens on host:port (an exclusive bind succeeds). */
export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}
