export type { FileKeyring } from './file-keyring.js';
export { createFileKeyring, retireKey, rotateKeyring } from './file-keyring.js';
export type { KeyMaterial, MemoryKeyring } from './memory-keyring.js';
export { createMemoryKeyring, KEY_ID_PATTERN, newKeyId } from './memory-keyring.js';
export type { TokenExpectation } from './sign.js';
export { signToken, verifyToken } from './sign.js';
export type { TokenKind, TokenPayload } from './token-codec.js';
export { MAX_TOKEN_LENGTH, TOKEN_KINDS, TOKEN_PREFIXES } from './token-codec.js';
