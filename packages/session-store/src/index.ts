export type {
  SessionStore,
  SessionStoreError,
  SessionStoreErrorCode,
  AppendInput,
  AppendResult,
  SessionSummary,
  SessionStatus,
  ListSessionsQuery,
  ReadEventsOptions,
  VerifyResult,
  Unsubscribe,
  SessionProjection,
} from './port.js';
