import express, { type Router } from 'express';
import { HubSpotError, validationError } from '../errors.js';
import { singular, type ObjectType } from '../schema.js';
import { selectProperties, toPublicObject } from '../serialize.js';
import type { CrmObject } from '../store.js';
import { validateProperties } from '../validation.js';
import { bodyObject, iso, objectTypeParam, type CrmContext } from './common.js';
import { assertEmailFree, checkCreate, createObject, lookup } from './objects.js';

const BATCH_MAX = 100;

/** The batch's `inputs`: a list of 1 to 100 objects, else HubSpot's 400. */
function inputsOf(body: Record<string, unknown>): Array<Record<string, unknown>> {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw validationError('Invalid input JSON: "inputs" is required and must be a list.');
  if (inputs.length > BATCH_MAX)
    throw validationError(`Too many inputs: ${inputs.length}. A batch may contain at most ${BATCH_MAX} inputs.`);
  return inputs.map((input: unknown) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw validationError('Invalid input JSON: every input must be an object.');
    return input as Record<string, unknown>;
  });
}

function idOf(input: Record<string, unknown>): string {
  const id = input.id;
  if (typeof id !== 'string' && typeof id !== 'number') throw validationError('Invalid input JSON: every input needs an "id".');
  return String(id);
}

/** Two inputs of one batch may not claim the same email (HubSpot refuses the batch). */
function assertDistinctEmails(type: ObjectType, emails: Array<string | null | undefined>): void {
  if (type !== 'contacts') return;
  const seen = new Set<string>();
  for (const email of emails) {
    if (!email) continue;
    if (seen.has(email)) throw new HubSpotError(409, 'CONFLICT', `Duplicate email in batch input: ${email}`);
    seen.add(email);
  }
}

/**
 * `POST /crm/v3/objects/{type}/batch/{create|update|upsert}`. Every input is validated before anything is
 * written, so a batch refused with 400 or 409 changed nothing; update reports unknown ids as a 207 with the
 * rest applied (HubSpot's multi-status, as on batch read).
 */
export function batchWriteRoutes(context: CrmContext): Router {
  const router = express.Router();
  const { store, clock } = context;
  const answer = (status: number, startedAt: number, results: unknown[], missing: string[], type: ObjectType) => ({
    status,
    body: {
      status: 'COMPLETE',
      results,
      ...(missing.length > 0
        ? {
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: `Could not find some ${singular(type)} objects.`,
                context: { ids: missing },
              },
            ],
          }
        : {}),
      startedAt: iso(startedAt),
      completedAt: iso(clock()),
    },
  });
  const publicOf = (type: ObjectType, object: CrmObject, names: string[]) =>
    toPublicObject(object, selectProperties(type, names, context.store.properties.of(type)));

  router.post('/crm/v3/objects/:objectType/batch/create', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const startedAt = clock();
    const planned = inputsOf(bodyObject(req)).map((input) => checkCreate(context, type, input));
    assertDistinctEmails(
      type,
      planned.map((plan) => plan.properties.email),
    );
    const results = planned.map((plan) => publicOf(type, createObject(context, type, plan), Object.keys(plan.properties)));
    const { body } = answer(201, startedAt, results, [], type);
    res.status(201).json(body);
  });

  router.post('/crm/v3/objects/:objectType/batch/update', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const startedAt = clock();
    const missing: string[] = [];
    const planned = inputsOf(bodyObject(req)).flatMap((input) => {
      const id = idOf(input);
      const object = lookup(context, type, id, input.idProperty, false);
      if (!object) {
        missing.push(id);
        return [];
      }
      const properties = validateProperties(context.store.properties.of(type), input.properties ?? {});
      assertEmailFree(context, type, properties.email, object.id);
      return [{ object, properties }];
    });
    assertDistinctEmails(
      type,
      planned.map((plan) => plan.properties.email),
    );
    const results = planned.map(({ object, properties }) =>
      publicOf(type, store.update(object, properties, clock()), Object.keys(properties)),
    );
    const { status, body } = answer(missing.length > 0 ? 207 : 200, startedAt, results, missing, type);
    res.status(status).json(body);
  });

  router.post('/crm/v3/objects/:objectType/batch/upsert', (req, res) => {
    const type = objectTypeParam(req.params.objectType);
    const startedAt = clock();
    const planned = inputsOf(bodyObject(req)).map((input) => {
      const idProperty = input.idProperty;
      if (typeof idProperty !== 'string' || idProperty === 'hs_object_id' || !context.store.properties.of(type).get(idProperty)?.unique) {
        throw validationError(
          `Upsert needs idProperty naming a unique property of ${type} other than hs_object_id, got ${String(idProperty)}.`,
        );
      }
      const id = idOf(input);
      const properties = validateProperties(context.store.properties.of(type), {
        ...(input.properties as object | undefined),
        [idProperty]: id,
      });
      const existing = lookup(context, type, id, idProperty, false);
      assertEmailFree(context, type, properties.email, existing?.id);
      return { existing, properties };
    });
    assertDistinctEmails(
      type,
      planned.map((plan) => plan.properties.email),
    );
    const results = planned.map(({ existing, properties }) => {
      const object = existing ? store.update(existing, properties, clock()) : store.create(type, properties, clock());
      return { ...publicOf(type, object, Object.keys(properties)), new: existing === undefined };
    });
    res.json(answer(200, startedAt, results, [], type).body);
  });

  return router;
}
