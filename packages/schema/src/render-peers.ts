import { z } from 'zod';

/**
 * Blob fan-out between render nodes: where a node fetches a scene blob from (the store, a peer with
 * a signed grant, or wait), and what it reports when the transfer ended. The rules are the engine's
 * (@shuzhi/render fanout.ts, peer-grant.ts).
 */

export const RenderBlobSource = z.discriminatedUnion('from', [
  z.object({ from: z.literal('store'), tenant: z.string() }),
  z.object({
    from: z.literal('peer'),
    tenant: z.string(),
    /** The serving node's id and address (http://host:port); GET {url}/blobs/{sha256} with `authorization: Grant <grant>`. */
    node: z.string(),
    url: z.string(),
    grant: z.string(),
  }),
  z.object({ from: z.literal('wait'), tenant: z.string(), retryMs: z.number().int().min(0) }),
]);
export type RenderBlobSource = z.infer<typeof RenderBlobSource>;

export const RenderBlobReport = z.object({
  ok: z.boolean(),
  /** Bytes received (counted as peer or store bytes). */
  bytes: z.number().int().min(0).optional(),
  /** Where this node serves the blob to peers from now on; absent when it does not serve. */
  serve: z
    .string()
    .max(300)
    .regex(/^https?:\/\/[^\s/]+$/, 'http://host:port, no path')
    .optional(),
});
export type RenderBlobReport = z.infer<typeof RenderBlobReport>;

export const RenderBlobReportAnswer = z.object({
  /** The farm's public key (Ed25519, SPKI DER, base64): what a serving node checks grants with. */
  grantKey: z.string(),
});
