// A self-signed certificate for 127.0.0.1, made with the machine's openssl for one test run:
// the WWC clients force wss://, so their tests talk to the gateway's own TLS listener.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './gateway.js';

export function selfSignedCert(): { cert: string; key: string } {
  const dir = tempDir('wg-tls-');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}
