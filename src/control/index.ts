export {
  PROTOCOL_VERSION,
  MAX_REQUEST_BYTES,
  MAX_ANSWER_BYTES,
  COMMANDS,
  parseRequest,
  okResponse,
  errorResponse,
  eventMessage,
  type ArgsOf,
  type CommandName,
  type CommandResults,
  type ControlRequest,
  type ControlResponse,
  type ControlError,
  type ParsedRequest,
  type RequestOf,
  type ResultOf,
} from './protocol.js';
export { ControlServer, dispatchTo, socketInUse, groupId, type CommandHandlers, type ControlHandler, type ControlServerOptions, type HandledCommand } from './server.js';
export { ControlClient, DEFAULT_CONTROL_SOCKET } from './client.js';
