/**
 * TLS and SASL options for kafkajs from the validated configuration. Files are read and parsed
 * here, once at start, so a wrong path, a file that is not PEM, a wrong key passphrase or a key
 * that does not belong to the certificate stops the process with the key named — before any
 * connection is tried. Error messages name files and settings, never secrets.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { Mechanism, SASLOptions } from 'kafkajs';
import type { Config } from '../../config/schema.ts';
import { ConfigError } from '../../errors.ts';
import { oauthBearerMechanism, tokenSource } from './oauth-token.ts';

export interface KafkaSecurity {
  ssl?: ConnectionOptions | boolean;
  sasl?: SASLOptions | Mechanism;
}

type KafkaConfig = Pick<Config['kafka'], 'ssl' | 'sasl'>;

export function kafkaSecurity(kafka: KafkaConfig): KafkaSecurity {
  const security: KafkaSecurity = {};
  const { ssl, sasl } = kafka;
  if (ssl.enabled) {
    const options: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized };
    if (ssl.caFile) {
      const pem = readPem('kafka.ssl.caFile', ssl.caFile);
      certificate('kafka.ssl.caFile', ssl.caFile, pem);
      options.ca = [pem];
    }
    if (ssl.certFile && ssl.keyFile) {
      const certPem = readPem('kafka.ssl.certFile', ssl.certFile);
      const keyPem = readPem('kafka.ssl.keyFile', ssl.keyFile);
      const cert = certificate('kafka.ssl.certFile', ssl.certFile, certPem);
      const key = privateKey(ssl.keyFile, keyPem, ssl.keyPassphrase);
      if (!cert.checkPrivateKey(key)) {
        throw new ConfigError('kafka.ssl.keyFile', `${ssl.keyFile} is not the private key of the certificate in ${ssl.certFile}`);
      }
      options.cert = certPem;
      options.key = keyPem;
      if (ssl.keyPassphrase) options.passphrase = ssl.keyPassphrase;
    }
    // Node's default trust store when no CA file is given: `true` keeps kafkajs's plain TLS path.
    security.ssl = Object.keys(options).length === 1 && ssl.rejectUnauthorized ? true : options;
  }
  if (sasl.mechanism === 'oauthbearer') {
    // loadConfig has checked that exactly one of them is set; the first token is fetched and checked here.
    security.sasl = oauthBearerMechanism(tokenSource(sasl.tokenFile ? { tokenFile: sasl.tokenFile } : { tokenCommand: sasl.tokenCommand! }));
  } else if (sasl.mechanism !== 'none') {
    // loadConfig has checked both are present for a mechanism other than none.
    security.sasl = { mechanism: sasl.mechanism, username: sasl.username!, password: sasl.password! } as SASLOptions;
  }
  return security;
}

function readPem(key: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(key, `cannot read ${file}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`);
  }
  if (!text.includes('-----BEGIN ')) throw new ConfigError(key, `${file} is not a PEM file (no "-----BEGIN" line)`);
  return text;
}

function certificate(key: string, file: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(key, `${file} holds no readable PEM certificate`);
  }
}

function privateKey(file: string, pem: string, passphrase: string | null): KeyObject {
  if (!passphrase && /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new ConfigError('kafka.ssl.keyPassphrase', `is required: ${file} is encrypted`);
  }
  try {
    return createPrivateKey(passphrase ? { key: pem, passphrase } : { key: pem });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code ?? '';
    if (/BAD_DECRYPT|PASSPHRASE|INTERRUPTED_OR_CANCELLED/i.test(`${code} ${(cause as Error).message}`)) {
      throw new ConfigError('kafka.ssl.keyPassphrase', passphrase ? `does not decrypt ${file}` : `is required: ${file} is encrypted`);
    }
    throw new ConfigError('kafka.ssl.keyFile', `${file} holds no readable PEM private key`);
  }
}
