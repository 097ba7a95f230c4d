/**
 * What dialbond takes for a link's name: it becomes pppd's `linkname` (so /run/ppp-NAME.pid),
 * its `ipparam`, and the name of the link's secrets file, so it is kept to 1 to 15 letters,
 * digits, "_", "." and "-". One rule for the configuration, the control protocol and the
 * pppd arguments and secrets built from it.
 */
const LINK_NAME = /^[A-Za-z0-9_.-]{1,15}$/;

export function isLinkName(name: unknown): name is string {
  return typeof name === 'string' && LINK_NAME.test(name);
}
