import * as z from 'zod';
import { checkCron } from '../cron.js';
import { defineTriggerProvider } from '../provider.js';

/**
 * `provider: schedule` keys: `cron` (5 fields), `timezone` (IANA, default UTC), `catchUp` (fire ticks
 * missed while the daemon was down, default false), `title` / `body` of the task.
 */
export const ScheduleConfigSchema = z
  .strictObject({
    cron: z.string().min(1),
    timezone: z.string().min(1).default('UTC'),
    catchUp: z.boolean().default(false),
    title: z.string().min(1).optional(),
    body: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    const checked = checkCron(c.cron, c.timezone);
    if (checked.isErr())
      ctx.addIssue({
        code: 'custom',
        path: checked.error.details?.timezone ? ['timezone'] : ['cron'],
        message: checked.error.message,
      });
  });
export type ScheduleConfig = z.infer<typeof ScheduleConfigSchema>;

/** Cron schedules (croner): each tick is an item with sourceId `schedule:<triggerId>:<ISO instant>`. */
export const scheduleProvider = defineTriggerProvider<ScheduleConfig>({
  kind: 'schedule',
  configSchema: ScheduleConfigSchema,
  schedule: {
    spec: (c) => ({ cron: c.cron, timezone: c.timezone, catchUp: c.catchUp }),
    tick({ triggerId, config, at, manual }) {
      const iso = new Date(at).toISOString();
      const title = config.title ?? `Scheduled run of ${triggerId}`;
      return {
        event: manual ? 'schedule.manual' : 'schedule.tick',
        payload: { scheduledAt: iso, cron: config.cron, timezone: config.timezone, manual, triggerId },
        draft: {
          sourceId: `schedule:${triggerId}:${manual ? 'manual:' : ''}${iso}`,
          title,
          body: config.body ?? '',
          metadata: { scheduledAt: iso, cron: config.cron, timezone: config.timezone, manual },
        },
      };
    },
  },
});
