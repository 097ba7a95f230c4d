/**
 * Small wrappers over the operating system. Public surface of src/sys.
 */
export { PtyEndpoint, loadPtyNative, type PtyEndpointEvents, type PtyEndpointOptions, type PtyNative } from './pty.js';
