/**
 * What dialbond takes for a network interface name, wherever one comes from outside (the
 * configuration, a control request, a journal read back from disk) or goes into a command
 * line, an nftables rule, or a /proc or /sys path. Linux's dev_valid_name() allows 1 to 15
 * bytes that are not "." or "..", with no "/", ":" or whitespace; dialbond takes the part
 * of that made of letters, digits, "_", "." and "-" whose first character is not "-" (the
 * name would read as an option where it is a command's argument) nor "." (which also keeps
 * "." and ".." out). Every interface a user of dialbond names (ppp0, eql, teql0, wwan0,
 * enp3s0, br-lan) is one.
 */
const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$/;

/** The rule in words, for error messages. */
export const INTERFACE_NAME_RULE = '1 to 15 letters, digits, "_", "." or "-", not starting with "-" or "."';

export function isInterfaceName(name: unknown): name is string {
  return typeof name === 'string' && INTERFACE_NAME.test(name);
}
