import { parseArgs } from '../../../src/emulators/cli';

describe('emulators CLI arguments', () => {
  it('reads --graph-port and --files-port (spaced or with =), defaulting to 0', () => {
    expect(parseArgs([])).toEqual({ graphPort: 0, filesPort: 0 });
    expect(parseArgs(['--graph-port', '4010', '--files-port=4011'])).toEqual({ graphPort: 4010, filesPort: 4011 });
  });

  it('refuses unknown options and bad ports with a sentence', () => {
    expect(() => parseArgs(['--port', '1'])).toThrow('Unknown option --port; use --graph-port N and --files-port N.');
    expect(() => parseArgs(['--graph-port', 'abc'])).toThrow('--graph-port needs a port number (0-65535).');
    expect(() => parseArgs(['--files-port'])).toThrow('--files-port needs a port number (0-65535).');
  });
});
