import express, { type Router } from 'express';
import { validationError } from '../errors.js';
import { matchesGroups, matchesQuery, parseFilterGroups, parseSorts, sortObjects } from '../search-filter.js';
import { listParam, selectProperties, toPublicObject } from '../serialize.js';
import type { ObjectType } from '../schema.js';
import type { CrmObject } from '../store.js';
import { bodyObject, intParam, objectTypeParam, type CrmContext } from './common.js';

/** HubSpot's search never pages past this many results, however many match. */
export const SEARCH_RESULT_CAP = 10_000;

/** `POST /crm/v3/objects/{type}/search`. */
export function searchRoutes(context: CrmContext): Router {
  const router = express.Router();
  router.post('/crm/v3/objects/:objectType/search', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const body = bodyObject(req);
    const groups = parseFilterGroups(type, body.filterGroups, context.store.properties.of(type));
    const sorts = parseSorts(body.sorts, context.store.properties.of(type));
    const limit = intParam(body.limit, 'limit', 10, 1, 200);
    // The cursor here is an offset into the result list, as on HubSpot (where it is also a number in a string).
    const after = intParam(body.after, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
    if (after >= SEARCH_RESULT_CAP) {
      throw validationError(
        `Search results are limited to ${SEARCH_RESULT_CAP} per query; narrow the filters instead of paging past them.`,
      );
    }
    const query = typeof body.query === 'string' ? body.query : '';
    const properties = selectProperties(
      type,
      Array.isArray(body.properties) ? listParam(body.properties) : [],
      context.store.properties.of(type),
    );

    const matching = [];
    const associated = (object: CrmObject, toType: ObjectType) =>
      context.store.associations(object.type, object.id, toType).map((edge) => edge.toId);
    // Search reads its index, which is behind the store by the indexing lag: new records are missing, changed
    // ones match and come back with their indexed values (retrieve, list and batch read are immediate).
    const indexedUpTo = context.clock() - context.searchLagMs;
    for (const current of context.store.all(type)) {
      const object = context.store.indexed(current, indexedUpTo);
      if (object && !object.archived && matchesGroups(object, groups, associated) && matchesQuery(object, query)) matching.push(object);
    }
    sortObjects(matching, sorts);
    const end = Math.min(after + limit, SEARCH_RESULT_CAP);
    const results = matching.slice(after, end).map((object) => toPublicObject(object, properties));
    const answer: { total: number; results: typeof results; paging?: { next: { after: string } } } = { total: matching.length, results };
    if (end < matching.length && end < SEARCH_RESULT_CAP) answer.paging = { next: { after: String(end) } };
    res.json(answer);
  });
  return router;
}
