import http from 'node:http';
import type net from 'node:net';
import { SMTPServer } from 'smtp-server';

/** Local HTTP receiver for webhook/Slack/Discord payloads. */
export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export async function startHttpReceiver(port = 0): Promise<{ port: number; received: Received[]; stop(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (b) => (body += b));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { port: (server.address() as net.AddressInfo).port, received, stop: () => new Promise((r) => server.close(() => r())) };
}

export interface ReceivedMail {
  to: string[];
  secure: boolean;
  data: string;
}

/** A real SMTP server (smtp-server) that offers STARTTLS with its built-in self-signed certificate. */
export async function startSmtpReceiver(): Promise<{ port: number; mails: ReceivedMail[]; stop(): Promise<void> }> {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.on('data', (b: Buffer) => (data += b.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), secure: session.secure, data });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.server.address() as net.AddressInfo).port;
  return { port, mails, stop: () => new Promise((r) => server.close(() => r())) };
}
