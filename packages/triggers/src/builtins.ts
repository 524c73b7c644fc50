import type { AnyTriggerProvider } from './provider.js';
import { githubProvider } from './providers/github.js';
import { gitlabProvider } from './providers/gitlab.js';
import { jiraProvider } from './providers/jira.js';
import { scheduleProvider } from './providers/schedule.js';
import { genericWebhookProvider } from './providers/webhook.js';
import { createProviderRegistry, type ProviderRegistry, type ProviderRegistryOptions } from './registry.js';

/** The providers shipped with the package, by kind: github, gitlab, jira, schedule, webhook. */
export const BUILTIN_PROVIDERS: readonly AnyTriggerProvider[] = [
  githubProvider,
  gitlabProvider,
  jiraProvider,
  scheduleProvider,
  genericWebhookProvider,
];

/** A registry of the built-in providers plus third-party packages loaded by name. */
export function createBuiltinRegistry(options: Partial<ProviderRegistryOptions> = {}): ProviderRegistry {
  return createProviderRegistry({
    ...options,
    providers: [...BUILTIN_PROVIDERS, ...(options.providers ?? [])],
  });
}
