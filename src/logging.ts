// Structured JSON logs (pino). What may reach a log line is decided here, by allow-list: request
// metadata, operation names, error codes and counts. Never names, BSNs, addresses, phone numbers,
// note text, tokens, GraphQL variables or query strings (a GET query can carry all of those).
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'ketenhub' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Belt and braces: should a caller ever pass one of these in an object, it is censored.
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          'req.headers.authorization',
          'token',
          'variables',
          '*.variables',
          'query',
          '*.query',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
