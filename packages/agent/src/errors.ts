import type { WorkTrainError } from '@worktrain/contracts';

/**
 * Error codes of a failed session run (`SessionOutcome` kind 'failed'):
 * - MODEL_ERROR: the model provider failed after its retries (details.modelCode: the ModelErrorCode);
 * - ENGINE_ERROR: the engine refused to rehydrate or advance the session (details.engineCode);
 * - STORE_ERROR: the session log could not be read or appended (details.storeCode);
 * - CONVERSATION_ERROR: the conversation history could not be loaded or stored;
 * - WORKTREE_MISSING: the worktree was deleted or is not a directory;
 * - SESSION_NOT_FOUND: no session or no resumable position for the id;
 * - DELEGATION_FAILED: a parallel step's delegations could not be run as child sessions (details.reason).
 */
export type AgentErrorCode =
  | 'MODEL_ERROR'
  | 'ENGINE_ERROR'
  | 'STORE_ERROR'
  | 'CONVERSATION_ERROR'
  | 'WORKTREE_MISSING'
  | 'SESSION_NOT_FOUND'
  | 'DELEGATION_FAILED';
export type AgentError = WorkTrainError<AgentErrorCode>;
