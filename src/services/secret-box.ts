import crypto from 'node:crypto';
import fs from 'node:fs';
import { OtterError } from './errors.js';

/**
 * Project configuration is encrypted at rest (AES-256-GCM) with a key that lives beside the
 * database, never in it: `<data-dir>/secret.key`, 32 random bytes, 0600, created on first use. A
 * copied database alone reveals nothing; losing the key loses the values, so it is to be backed up.
 */
const PREFIX = 'aes256gcm:v1';

export class SecretBox {
  private key: Buffer | null = null;

  constructor(readonly keyFile: string) {}

  private loadKey(create: boolean): Buffer {
    if (this.key) return this.key;
    if (!fs.existsSync(this.keyFile)) {
      if (!create) {
        throw new OtterError('environment', `the key for project configuration, ${this.keyFile}, is missing: restore it from your backup (values stay encrypted in the database until then)`);
      }
      const fd = fs.openSync(this.keyFile, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
      try {
        fs.writeFileSync(fd, crypto.randomBytes(32).toString('base64') + '\n');
      } finally {
        fs.closeSync(fd);
      }
    }
    const key = Buffer.from(fs.readFileSync(this.keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new OtterError('environment', `${this.keyFile} is not an OtterStack key (expected 32 bytes, base64): restore it from your backup`);
    this.key = key;
    return key;
  }

  seal(plain: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.loadKey(true), iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [PREFIX, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  /** A keyed hash: equal texts compare equal, and a copied database cannot be brute-forced for short values. */
  digest(text: string): string {
    return crypto.createHmac('sha256', this.loadKey(true)).update(text).digest('hex');
  }

  open(sealed: string): string {
    const parts = sealed.split(':');
    if (parts.length !== 5 || `${parts[0]}:${parts[1]}` !== PREFIX) throw new OtterError('internal', 'stored configuration is not in a format this version reads');
    const [, , iv, tag, body] = parts as [string, string, string, string, string];
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.loadKey(false), Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      if (err instanceof OtterError) throw err;
      throw new OtterError('environment', `${this.keyFile} is not the key that encrypted this project's configuration: restore the right key from your backup`);
    }
  }
}
