/**
 * The one door to system commands (ip, tc, nft, sysctl, eql_enslave, conntrack): an
 * argument vector, never a shell string; a bound on time; a typed error that names the
 * command and quotes what it said. Backends take an `Exec` so unit tests can record the
 * commands instead of running them.
 */
import { execa } from 'execa';
import { DialbondError, systemErrorCode } from '../errors/index.js';

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface ExecOptions {
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the command fails. */
  allowFailure?: boolean;
  signal?: AbortSignal;
  input?: string;
}

export type Exec = (command: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** Runs commands for real. */
export const systemExec: Exec = async (command, args, options = {}) => {
  const result = await execa(command, [...args], {
    timeout: options.timeoutMs ?? 15_000,
    reject: false,
    stdin: options.input !== undefined ? 'pipe' : 'ignore',
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    forceKillAfterDelay: 2000,
    env: { PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
  });
  const out: ExecResult = { stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? ''), exitCode: result.exitCode ?? -1 };
  if (systemErrorCode(result) === 'ENOENT') {
    throw new DialbondError('SYS_NOT_FOUND', `${command} is not installed (needed for: ${command} ${args.join(' ')})`, { command });
  }
  if (out.exitCode !== 0 && !options.allowFailure) {
    const said = (out.stderr || out.stdout).trim().split('\n').slice(-2).join(' ');
    throw new DialbondError('SYS_COMMAND_FAILED', `${command} ${args.join(' ')} failed (${result.timedOut ? 'timed out' : `status ${out.exitCode}`}): ${said}`, {
      command,
      args: [...args],
      exitCode: out.exitCode,
    });
  }
  return out;
};

/** An Exec that records commands and answers from a script (for unit tests of backends). */
export function recordingExec(answer: (command: string, args: readonly string[]) => Partial<ExecResult> | undefined = () => undefined): Exec & { calls: string[] } {
  const calls: string[] = [];
  const exec = (async (command: string, args: readonly string[], options: ExecOptions = {}) => {
    calls.push([command, ...args].join(' '));
    const result = { stdout: '', stderr: '', exitCode: 0, ...answer(command, args) };
    if (result.exitCode !== 0 && !options.allowFailure) {
      throw new DialbondError('SYS_COMMAND_FAILED', `${command} ${args.join(' ')} failed (status ${result.exitCode}): ${result.stderr}`, { command });
    }
    return result;
  }) as Exec & { calls: string[] };
  exec.calls = calls;
  return exec;
}
