// Metrics on a port of their own (METRICS_PORT): Prometheus reaches it, the API's callers do not.
import { createServer, type Server } from 'node:http';
import { fail } from '../cli/exit.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logging.ts';

export function serveMetrics(config: Config, logger: Logger, scrape: () => Promise<{ text: string; contentType: string }>): Server {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    scrape().then(
      ({ text, contentType }) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error.message}\n`),
    );
  });
  const host = config.METRICS_HOST ?? config.HOST;
  server.on('error', (error: Error) => fail(`cannot serve metrics on ${host}:${config.METRICS_PORT}: ${error.message}`));
  server.listen(config.METRICS_PORT, host, () => {
    const address = server.address();
    logger.info({ port: typeof address === 'object' && address ? address.port : config.METRICS_PORT }, 'metrics listening');
  });
  return server;
}
