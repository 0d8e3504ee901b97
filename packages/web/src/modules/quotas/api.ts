import type { QuotaInput } from '@shuzhi/schema';
import { http, ok } from '../../api/client.ts';

/** Typed by the API's generated paths, through the shared client. */
export const quotaApi = {
  list: () => ok(http.GET('/api/quotas', { params: { query: {} } })),
  set: (body: QuotaInput) => ok(http.PUT('/api/quotas', { body })),
  fairShare: () => ok(http.GET('/api/fairshare')),
};
