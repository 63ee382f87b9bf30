import { createServer, type AddressInfo } from 'node:net';

/**
 * Just enough SMTP to accept messages and keep what was said, on a port of its own: for the
 * mailer's tests, and for server processes configured with SMTP_URL.
 */
export async function startFakeSmtp(): Promise<{ url: string; transcript: string[]; close: () => void }> {
  const transcript: string[] = [];
  const server = createServer((socket) => {
    let inData = false;
    socket.write('220 fake ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        transcript.push(line);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 queued\r\n');
          }
        } else if (/^(EHLO|HELO)/i.test(line)) socket.write('250 fake\r\n');
        else if (/^DATA/i.test(line)) {
          inData = true;
          socket.write('354 go on\r\n');
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`, transcript, close: () => server.close() };
}
