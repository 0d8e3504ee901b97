import { z } from 'zod';

export const ServerEvent = z.object({
  id: z.number().int(),
  at: z.string(),
  kind: z.string(),
  entity: z.string(),
  entityId: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type ServerEvent = z.infer<typeof ServerEvent>;
