import { parse, type DocumentNode } from 'graphql';
import { z } from 'zod';
import { ErrorCode, type Logger } from '../platform/index.js';
import { Refusal, type GraphQLBody, type PipelineStep } from './pipeline.js';
import { reloadingFile } from './reloading-file.js';

/** Apollo's persisted query manifest format, as `npm run generate` writes operations/manifest.json. */
const manifestSchema = z.object({
  format: z.literal('apollo-persisted-query-manifest'),
  version: z.literal(1),
  operations: z.array(
    z.object({
      id: z.string().regex(/^[\da-f]{64}$/),
      name: z.string(),
      type: z.enum(['query', 'mutation', 'subscription']),
      body: z.string(),
    }),
  ),
});

export type Manifest = Map<string, { name: string; body: string; document: DocumentNode }>;

export function loadManifest(path: string, log: Logger): () => Manifest {
  return reloadingFile(
    path,
    (json) => {
      const manifest = manifestSchema.parse(json);
      // Parsed once per load: the cost and authorization steps read the document of a persisted operation too.
      return new Map(
        manifest.operations.map((operation) => [
          operation.id,
          { name: operation.name, body: operation.body, document: parse(operation.body) },
        ]),
      );
    },
    log.child({ part: 'persisted-documents' }),
  );
}

/** The document id a request names: `documentId` (with or without `sha256:`) or the APQ extension's hash. */
function requestedId(body: GraphQLBody): string | undefined {
  if (typeof body.documentId === 'string') return body.documentId.replace(/^sha256:/, '');
  const hash = body.extensions?.persistedQuery?.sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * Trusted documents. Partners may run only manifest operations, by id; any other caller may also run a
 * manifest operation by id, or send any operation (and use APQ). A known id is replaced by the manifest's
 * text before Apollo Server sees the request, and its parsed document goes on to the cost and authorization steps:
 * a trusted document is trusted not to need the limits, but its caller still pays for it and sees only what it may.
 */
export function persistedDocuments(manifest: () => Manifest): PipelineStep {
  return {
    name: 'persisted documents',
    run({ req, state }) {
      const { caller, body } = state;
      const partner = caller.kind === 'partner';
      if (req.method !== 'POST') {
        if (partner)
          throw new Refusal(
            400,
            ErrorCode.PERSISTED_QUERY_REQUIRED,
            'Partner clients send POST requests naming a persisted operation by id.',
          );
        return;
      }
      const id = requestedId(body);
      if (partner && (body.query !== undefined || id === undefined)) {
        throw new Refusal(
          403,
          ErrorCode.PERSISTED_QUERY_REQUIRED,
          'Partner clients may run only the persisted operations of their manifest: send the operation id as `documentId` (or extensions.persistedQuery.sha256Hash) and no query text.',
        );
      }
      if (id === undefined) return;
      const document = manifest().get(id);
      if (!document) {
        // Not a manifest id: partners are refused, others fall through to APQ, which knows its own hashes.
        if (partner || typeof body.documentId === 'string') {
          throw new Refusal(400, ErrorCode.PERSISTED_QUERY_NOT_FOUND, `No persisted operation has the id ${id}.`);
        }
        return;
      }
      body.query = document.body;
      state.document = document.document;
      delete body.documentId;
      if (body.extensions) delete body.extensions.persistedQuery;
    },
  };
}
