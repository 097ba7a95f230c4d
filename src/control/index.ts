export { PROTOCOL_VERSION, MAX_REQUEST_BYTES, COMMANDS, parseRequest, okResponse, errorResponse, eventMessage, type CommandName, type ControlRequest, type ControlResponse, type ControlError, type ParsedRequest } from './protocol.js';
export { ControlServer, socketInUse, groupId, type ControlHandler, type ControlServerOptions } from './server.js';
export { ControlClient, DEFAULT_CONTROL_SOCKET } from './client.js';
