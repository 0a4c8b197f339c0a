import express, { type Router } from 'express';
import { HubSpotError, validationError } from '../errors.js';
import { ASSOCIATION_TYPES, associationTypes, singular, type ObjectType } from '../schema.js';
import type { AssociationEdge } from '../store.js';
import { bodyObject, intParam, iso, objectTypeParam, type CrmContext } from './common.js';

const PAGE_MAX = 500;
const OBJECT_TYPE_ID: Record<ObjectType, string> = { contacts: '0-1', companies: '0-2', deals: '0-3' };
const BATCH_MAX = 1000;

/**
 * One associated object in v4's shape. `toObjectId` is a JSON number on the real API even though the SDK's
 * model types it as a string; callers should String() it.
 */
function toAssociated(from: ObjectType, to: ObjectType, edge: AssociationEdge) {
  return {
    toObjectId: Number(edge.toId),
    associationTypes: associationTypes(from, to, edge.primary).map((spec) => ({
      category: 'HUBSPOT_DEFINED' as const,
      typeId: spec.typeId,
      label: spec.label,
    })),
  };
}

function assertPair(from: ObjectType, to: ObjectType): void {
  if (!ASSOCIATION_TYPES[`${from}->${to}`]) {
    throw validationError(`No association types are defined between ${singular(from)} and ${singular(to)}.`);
  }
}

/** A page of one object's associations; `after` is an offset into them, in a string as the API's cursors are. */
function page(edges: AssociationEdge[], afterValue: unknown, limit: number): { edges: AssociationEdge[]; next?: string } {
  const after = intParam(afterValue, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const slice = edges.slice(after, after + limit);
  return after + limit < edges.length ? { edges: slice, next: String(after + limit) } : { edges: slice };
}

/** Associations v4: read one object's, read in batch, associate with the default type, remove. */
export function associationRoutes(context: CrmContext): Router {
  const router = express.Router();
  const { store, clock } = context;

  router.get('/crm/v4/objects/:fromType/:fromId/associations/:toType', (req, res) => {
    const from = objectTypeParam(req.params.fromType);
    const to = objectTypeParam(req.params.toType);
    const limit = intParam(req.query.limit, 'limit', PAGE_MAX, 1, PAGE_MAX);
    const { edges, next } = page(store.associations(from, req.params.fromId, to), req.query.after, limit);
    const results = edges.map((edge) => toAssociated(from, to, edge));
    res.json(next === undefined ? { results } : { results, paging: { next: { after: next } } });
  });

  router.put('/crm/v4/objects/:fromType/:fromId/associations/default/:toType/:toId', (req, res) => {
    const from = objectTypeParam(req.params.fromType);
    const to = objectTypeParam(req.params.toType);
    const { fromId, toId } = req.params;
    assertPair(from, to);
    for (const [type, id] of [
      [from, fromId],
      [to, toId],
    ] as const) {
      if (store.get(type, id)?.archived !== false) {
        throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No ${singular(type)} with id ${id} exists.`);
      }
    }
    // Like a portal with automatic primary company: the first company a contact or deal gets becomes its primary.
    const [owner, ownerId] = to === 'companies' ? [from, fromId] : [to, toId];
    const primary = from !== to && (to === 'companies' || from === 'companies') && !store.hasPrimaryTo(owner, ownerId, 'companies');
    store.associate(from, fromId, to, toId, primary);
    const spec = (a: ObjectType, b: ObjectType) => ({
      associationCategory: 'HUBSPOT_DEFINED' as const,
      associationTypeId: associationTypes(a, b, false)[0]?.typeId,
    });
    res.json({
      status: 'COMPLETE',
      results: [
        { from: { id: fromId }, to: { id: toId }, associationSpec: spec(from, to) },
        { from: { id: toId }, to: { id: fromId }, associationSpec: spec(to, from) },
      ],
      startedAt: iso(clock()),
      completedAt: iso(clock()),
    });
  });

  router.put('/crm/v4/objects/:fromType/:fromId/associations/:toType/:toId', (req, res) => {
    const from = objectTypeParam(req.params.fromType);
    const to = objectTypeParam(req.params.toType);
    const { fromId, toId } = req.params;
    assertPair(from, to);
    const specs = ASSOCIATION_TYPES[`${from}->${to}`]!;
    const body: unknown = req.body;
    if (!Array.isArray(body) || body.length === 0) {
      throw validationError('Invalid input JSON: the body must be a non-empty list of {associationCategory, associationTypeId}.');
    }
    let primary = false;
    for (const entry of body as unknown[]) {
      const { associationCategory: category, associationTypeId: typeId } = (entry ?? {}) as Record<string, unknown>;
      const known = [specs.unlabeled, specs.primary].find((spec) => spec !== undefined && spec.typeId === Number(typeId));
      if (category !== 'HUBSPOT_DEFINED' || !known) {
        // Only HubSpot's own types exist here: user-defined labels would have to be created first.
        throw validationError(
          `Invalid association type ${String(category)}/${String(typeId)} between ${singular(from)} and ${singular(to)}.`,
        );
      }
      if (known === specs.primary) primary = true;
    }
    for (const [type, id] of [
      [from, fromId],
      [to, toId],
    ] as const) {
      if (store.get(type, id)?.archived !== false) {
        throw new HubSpotError(404, 'OBJECT_NOT_FOUND', `No ${singular(type)} with id ${id} exists.`);
      }
    }
    // A record has one primary company: labelling a new one primary moves the label.
    const [owner, ownerId, company, companyId] = to === 'companies' ? [from, fromId, to, toId] : [to, toId, from, fromId];
    if (primary) {
      for (const edge of store.associations(owner, ownerId, company)) {
        if (edge.primary && edge.toId !== companyId) {
          store.dissociate(owner, ownerId, company, edge.toId);
          store.associate(owner, ownerId, company, edge.toId, false);
        }
      }
    }
    store.associate(from, fromId, to, toId, primary);
    const edge = store.associations(from, fromId, to).find((candidate) => candidate.toId === toId)!;
    res.status(201).json({
      fromObjectTypeId: OBJECT_TYPE_ID[from],
      fromObjectId: Number(fromId),
      toObjectTypeId: OBJECT_TYPE_ID[to],
      toObjectId: Number(toId),
      labels: associationTypes(from, to, edge.primary).flatMap((spec) => (spec.label ? [spec.label] : [])),
    });
  });

  router.delete('/crm/v4/objects/:fromType/:fromId/associations/:toType/:toId', (req, res) => {
    const from = objectTypeParam(req.params.fromType);
    const to = objectTypeParam(req.params.toType);
    store.dissociate(from, req.params.fromId, to, req.params.toId);
    res.status(204).end();
  });

  router.post('/crm/v4/associations/:fromType/:toType/batch/read', (req, res) => {
    const from = objectTypeParam(req.params.fromType);
    const to = objectTypeParam(req.params.toType);
    const startedAt = clock();
    const inputs = bodyObject(req).inputs;
    if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: "inputs" is required and must be a list.');
    if (inputs.length > BATCH_MAX) {
      throw validationError(`Too many inputs: ${inputs.length}. A batch may contain at most ${BATCH_MAX} inputs.`);
    }
    const results = [];
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const input of inputs as unknown[]) {
      const { id, after } = (input ?? {}) as { id?: unknown; after?: unknown };
      if (typeof id !== 'string' && typeof id !== 'number') throw validationError('Invalid input JSON: every input needs an "id".');
      const fromId = String(id);
      if (store.get(from, fromId)?.archived !== false) {
        if (!missing.includes(fromId)) missing.push(fromId);
        continue;
      }
      if (seen.has(fromId)) continue;
      seen.add(fromId);
      const { edges, next } = page(store.associations(from, fromId, to), after, PAGE_MAX);
      const result = { from: { id: fromId }, to: edges.map((edge) => toAssociated(from, to, edge)) };
      results.push(next === undefined ? result : { ...result, paging: { next: { after: next } } });
    }
    const times = { startedAt: iso(startedAt), completedAt: iso(clock()) };
    if (missing.length === 0) {
      res.json({ status: 'COMPLETE', results, ...times });
      return;
    }
    res.status(207).json({
      status: 'COMPLETE',
      results,
      numErrors: missing.length,
      errors: missing.map((fromId) => ({
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: `No ${singular(from)} with id ${fromId} exists.`,
        context: { fromObjectId: [fromId] },
      })),
      ...times,
    });
  });

  return router;
}
