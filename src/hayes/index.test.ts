import { describe, it, expect } from 'vitest';
import * as hayes from './index.js';

describe('src/hayes public surface', () => {
  it('exports exactly the codec API', () => {
    expect(Object.keys(hayes).sort()).toEqual(
      [
        'DEFAULT_GUARD_TIME_MS',
        'GUARANTEED_BODY_LENGTH',
        'ESCAPE_SEQUENCE',
        'LineFramer',
        'buildDialCommand',
        'classifyLine',
        'commandLine',
        'guardTimeFromS12',
        'initOnDialLine',
        'isEcho',
        'mergeConnectDetails',
        'parseConnect',
        'startsCall',
        'validateCommand',
        'validateDialString',
      ].sort(),
    );
  });

  it('works end to end through the index', () => {
    const framer = new hayes.LineFramer();
    const [event] = framer.push(hayes.commandLine(hayes.buildDialCommand({ number: '5551234' })) + '\nBUSY\r\n');
    expect(event).toEqual({ type: 'line', text: 'ATDT5551234' });
  });
});
