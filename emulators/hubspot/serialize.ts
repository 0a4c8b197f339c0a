import { ALWAYS_RETURNED, DEFAULT_PROPERTIES, associationTypes, parseObjectType, type ObjectType } from './schema.js';
import type { CrmObject, CrmStore } from './store.js';
import { validationError } from './errors.js';

/** An object as the v3 API answers it. */
export type PublicObject = {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
  associations?: Record<string, { results: Array<{ id: string; type: string }> }>;
};

/**
 * A list-valued parameter as HubSpot reads it: repeated (`properties=a&properties=b`, what the SDK sends),
 * comma-separated (`properties=a,b`) or both.
 */
export function listParam(value: unknown): string[] {
  const parts = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return parts
    .filter((part): part is string => typeof part === 'string')
    .flatMap((part) => part.split(','))
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
}

/**
 * Which properties an answer carries: the defaults when none are named, else the named ones plus the few
 * HubSpot always adds. Names with no definition are dropped (absent from the answer); defined ones without
 * a value come back as null.
 */
export function selectProperties(type: ObjectType, requested: readonly string[], definitions: ReadonlyMap<string, unknown>): string[] {
  if (requested.length === 0) return [...DEFAULT_PROPERTIES[type]];
  const names = new Set([...requested, ...ALWAYS_RETURNED[type]].filter((name) => definitions.has(name)));
  return [...names].sort();
}

/** Parses the `associations` parameter into object types; an unknown type is a 400 as on HubSpot. */
export function parseAssociationTypes(value: unknown): ObjectType[] {
  return listParam(value).map((name) => {
    const type = parseObjectType(name);
    if (!type) throw validationError(`Unable to infer object type from: ${name}`);
    return type;
  });
}

export function toPublicObject(
  object: CrmObject,
  properties: readonly string[],
  options: {
    store?: CrmStore;
    associations?: readonly ObjectType[];
  } = {},
): PublicObject {
  const selected: Record<string, string | null> = {};
  for (const name of properties) selected[name] = object.properties[name] ?? null;
  const answer: PublicObject = {
    id: object.id,
    properties: selected,
    createdAt: new Date(object.createdAt).toISOString(),
    updatedAt: new Date(object.updatedAt).toISOString(),
    archived: object.archived,
  };
  if (object.archivedAt !== undefined) answer.archivedAt = new Date(object.archivedAt).toISOString();
  if (options.store && options.associations && options.associations.length > 0) {
    const associations: NonNullable<PublicObject['associations']> = {};
    for (const toType of options.associations) {
      const edges = options.store.associations(object.type, object.id, toType);
      // HubSpot leaves out a requested type that has no associations rather than answering an empty list.
      if (edges.length === 0) continue;
      associations[toType] = {
        results: edges.flatMap((edge) =>
          associationTypes(object.type, toType, edge.primary).map((spec) => ({ id: edge.toId, type: spec.name })),
        ),
      };
    }
    answer.associations = associations;
  }
  return answer;
}
