import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * JSON Canonicalization Scheme (RFC 8785) serialisation: sorted keys, no insignificant whitespace,
 * ECMAScript number formatting. Two structurally equal values always give the same string.
 * @throws {Error} for values JSON cannot represent (a programmer error at this layer).
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('canonicalJson: value is not representable as JSON');
  return text;
}

/** Lower-case hex sha256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** `sha256:<hex>` of the RFC 8785 canonical form of `value`. Used to pin workflows and hash events. */
export function canonicalHash(value: unknown): string {
  return `sha256:${sha256Hex(canonicalJson(value))}`;
}
