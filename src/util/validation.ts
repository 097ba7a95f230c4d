import type { ZodError, ZodIssue } from 'zod';

/** `links[2].device` from a zod issue path. */
export function fieldPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${part}` : part;
  return out || '(top level)';
}

function describeIssue(issue: ZodIssue): string {
  const where = fieldPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return `${where}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_type' && issue.received === 'undefined') return `${where}: is required (${issue.expected})`;
  return `${where}: ${issue.message}`;
}

/** One line per problem, each naming the source file and the field path:
 * `dialers/x.yaml: timeouts.dial: expected a duration like "90s" or a number of ms`. */
export function describeZodError(source: string, error: ZodError): string[] {
  return error.issues.map((issue) => `${source}: ${describeIssue(issue)}`);
}
