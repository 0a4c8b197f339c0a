import express, { type Router } from 'express';
import { HubSpotError, notFound, validationError } from '../errors.js';
import { ASSOCIATION_TYPES, singular, type ObjectType } from '../schema.js';
import { listParam, parseAssociationTypes, selectProperties, toPublicObject } from '../serialize.js';
import type { CrmObject } from '../store.js';
import { validateProperties } from '../validation.js';
import { baseUrl, bodyObject, booleanParam, intParam, iso, objectTypeParam, type CrmContext } from './common.js';

const BATCH_MAX = 100;

/** Resolves `idProperty`: absent means the record id; otherwise it must be a unique property. */
export function lookup(context: CrmContext, type: ObjectType, id: string, idProperty: unknown, archived: boolean): CrmObject | undefined {
  if (idProperty === undefined || idProperty === '' || idProperty === 'hs_object_id') {
    const object = context.store.get(type, id);
    return object && object.archived === archived ? object : undefined;
  }
  if (typeof idProperty !== 'string' || !context.store.properties.of(type).get(idProperty)?.unique) {
    throw validationError(`Property ${String(idProperty)} is not a unique identifier property of ${type}.`);
  }
  return context.store.findBy(type, idProperty, id, archived);
}

/** Refuses a second live contact with the same email, with HubSpot's 409 body. */
export function assertEmailFree(context: CrmContext, type: ObjectType, email: string | null | undefined, self?: string): void {
  if (type !== 'contacts' || !email) return;
  const existing = context.store.findBy('contacts', 'email', email);
  if (existing && existing.id !== self) {
    throw new HubSpotError(409, 'CONFLICT', `Contact already exists. Existing ID: ${existing.id}`);
  }
}

/** Create's `associations`: each entry names the other object by id and the type ids that say which kind it is. */
export function parseCreateAssociations(type: ObjectType, value: unknown): Array<{ toType: ObjectType; toId: string; primary: boolean }> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw validationError('associations must be a list');
  return value.map((entry: unknown) => {
    const item = entry as { to?: { id?: unknown }; types?: Array<{ associationTypeId?: unknown }> } | null;
    const toId = item?.to?.id;
    const typeIds = (item?.types ?? []).map((spec) => Number(spec.associationTypeId));
    for (const [pair, specs] of Object.entries(ASSOCIATION_TYPES)) {
      const [from, to] = pair.split('->') as [ObjectType, ObjectType];
      if (from !== type || !specs || (typeof toId !== 'string' && typeof toId !== 'number')) continue;
      const matches = typeIds.filter((typeId) => typeId === specs.unlabeled.typeId || typeId === specs.primary?.typeId);
      if (matches.length > 0) return { toType: to, toId: String(toId), primary: matches.includes(specs.primary?.typeId ?? -1) };
    }
    throw validationError(`Invalid association: ${JSON.stringify(entry)}`);
  });
}

export type PlannedCreate = { properties: Record<string, string | null>; associations: ReturnType<typeof parseCreateAssociations> };

/** Validates one create input (properties, associations to live objects, a free email) without writing anything. */
export function checkCreate(context: CrmContext, type: ObjectType, input: Record<string, unknown>): PlannedCreate {
  const properties = validateProperties(context.store.properties.of(type), input.properties ?? {});
  const associations = parseCreateAssociations(type, input.associations);
  for (const association of associations) {
    if (context.store.get(association.toType, association.toId)?.archived !== false) {
      throw validationError(`${singular(association.toType)} ${association.toId} does not exist and cannot be associated.`);
    }
  }
  assertEmailFree(context, type, properties.email);
  return { properties, associations };
}

/** Writes a create that checkCreate accepted. */
export function createObject(context: CrmContext, type: ObjectType, { properties, associations }: PlannedCreate): CrmObject {
  const object = context.store.create(type, properties, context.clock());
  for (const association of associations)
    context.store.associate(type, object.id, association.toType, association.toId, association.primary);
  return object;
}

/** `/crm/v3/objects/{type}`: list, get, create, update, archive and batch read. */
export function objectRoutes(context: CrmContext): Router {
  const router = express.Router();
  const { store, clock } = context;

  router.get('/crm/v3/objects/:objectType', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const limit = intParam(req.query.limit, 'limit', 10, 1, 100);
    const afterParam = req.query.after;
    if (afterParam !== undefined && (typeof afterParam !== 'string' || !/^\d+$/.test(afterParam))) {
      throw validationError(`after must be a paging cursor returned by a previous page, got ${String(afterParam)}`);
    }
    const after = afterParam === undefined ? 0 : Number(afterParam);
    const archived = booleanParam(req.query.archived);
    const properties = selectProperties(type, listParam(req.query.properties), context.store.properties.of(type));
    const associations = parseAssociationTypes(req.query.associations);

    const page: CrmObject[] = [];
    let more = false;
    for (const object of store.all(type)) {
      if (object.archived !== archived || Number(object.id) < after) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(object);
    }
    const results = page.map((object) => toPublicObject(object, properties, { store, associations }));
    const last = page[page.length - 1];
    if (!more || !last) {
      res.json({ results });
      return;
    }
    // The cursor is the next id to return, so objects created or archived meanwhile do not shift the pages.
    const next = String(Number(last.id) + 1);
    const query = new URLSearchParams(req.originalUrl.split('?')[1] ?? '');
    query.set('after', next);
    res.json({ results, paging: { next: { after: next, link: `${baseUrl(req)}${req.path}?${query}` } } });
  });

  router.get('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const object = lookup(context, type, req.params.objectId, req.query.idProperty, booleanParam(req.query.archived));
    if (!object) throw notFound();
    const properties = selectProperties(type, listParam(req.query.properties), context.store.properties.of(type));
    res.json(toPublicObject(object, properties, { store, associations: parseAssociationTypes(req.query.associations) }));
  });

  router.post('/crm/v3/objects/:objectType/batch/read', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const startedAt = clock();
    const body = bodyObject(req);
    const inputs = body.inputs;
    if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: "inputs" is required and must be a list.');
    if (inputs.length > BATCH_MAX) {
      throw validationError(`Too many inputs: ${inputs.length}. A batch may contain at most ${BATCH_MAX} inputs.`);
    }
    const ids = inputs.map((input: unknown) => {
      const id = (input as { id?: unknown } | null)?.id;
      if (typeof id !== 'string' && typeof id !== 'number') throw validationError('Invalid input JSON: every input needs an "id".');
      return String(id);
    });
    const properties = selectProperties(
      type,
      Array.isArray(body.properties) ? listParam(body.properties) : [],
      context.store.properties.of(type),
    );
    const archived = booleanParam(req.query.archived);
    const seen = new Set<string>();
    const results = [];
    const missing: string[] = [];
    for (const id of ids) {
      const object = lookup(context, type, id, body.idProperty, archived);
      if (!object) {
        if (!missing.includes(id)) missing.push(id);
        continue;
      }
      if (seen.has(object.id)) continue;
      seen.add(object.id);
      results.push(toPublicObject(object, properties));
    }
    const times = { startedAt: iso(startedAt), completedAt: iso(clock()) };
    if (missing.length === 0) {
      res.json({ status: 'COMPLETE', results, ...times });
      return;
    }
    res.status(207).json({
      status: 'COMPLETE',
      results,
      numErrors: 1,
      errors: [
        {
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${singular(type).toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`,
          context: { ids: missing },
        },
      ],
      ...times,
    });
  });

  router.post('/crm/v3/objects/:objectType', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const plan = checkCreate(context, type, bodyObject(req));
    const object = createObject(context, type, plan);
    res.status(201).json(toPublicObject(object, selectProperties(type, Object.keys(plan.properties), context.store.properties.of(type))));
  });

  router.patch('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const object = lookup(context, type, req.params.objectId, req.query.idProperty, false);
    if (!object) throw notFound();
    const properties = validateProperties(context.store.properties.of(type), bodyObject(req).properties ?? {});
    assertEmailFree(context, type, properties.email, object.id);
    store.update(object, properties, clock());
    res.json(toPublicObject(object, selectProperties(type, Object.keys(properties), context.store.properties.of(type))));
  });

  router.delete('/crm/v3/objects/:objectType/:objectId', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const object = store.get(type, req.params.objectId);
    // Archiving what is already gone is a no-op on HubSpot, still 204.
    if (object && !object.archived) store.archive(object, clock());
    res.status(204).end();
  });

  return router;
}
