import { PropertyRegistry } from './property-registry.js';
import { LAST_MODIFIED, hasPrimary, type ObjectType } from './schema.js';

/** One CRM record as the store keeps it; `properties` values are always strings (HubSpot's wire type) or null. */
export type CrmObject = {
  id: string;
  type: ObjectType;
  properties: Record<string, string | null>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
};

/** One side of an association as seen from an object: the other object's id and whether it is the primary one. */
export type AssociationEdge = { toId: string; primary: boolean };

/** Where each object type's ids start; ids are numeric strings, handed out in ascending order. */
export const FIRST_IDS: Record<ObjectType, number> = { contacts: 1001, companies: 5001, deals: 9001 };

/** The emulator's default search indexing lag. */
export const DEFAULT_SEARCH_LAG_MS = 3_000;

/**
 * The in-memory CRM of one emulator instance. Maps keep insertion order and ids only grow, so iterating a
 * type's map is iterating by id ascending, which is what makes list paging stable.
 */
export class CrmStore {
  /** @param searchLagMs how long a write takes to reach search: the versions older than that are dropped as writes come. */
  constructor(private readonly searchLagMs = DEFAULT_SEARCH_LAG_MS) {}

  /** The portal's property definitions: HubSpot's standard ones and those created through the API. */
  readonly properties = new PropertyRegistry();
  private readonly objects: Record<ObjectType, Map<string, CrmObject>> = {
    contacts: new Map(),
    companies: new Map(),
    deals: new Map(),
  };
  private readonly nextIds: Record<ObjectType, number> = { ...FIRST_IDS };
  /** `${type}:${id}` -> other type -> other id -> primary flag; kept symmetric by associate(). */
  private readonly edges = new Map<string, Map<ObjectType, Map<string, boolean>>>();
  /**
   * `${type}:${id}` -> the versions written through the API, oldest first, for search's indexing lag. Seeded
   * objects have none: they were indexed long ago.
   */
  private readonly versions = new Map<string, Array<{ at: number; object: CrmObject }>>();

  /**
   * Keeps a copy of the object as written at `now`, for search to find once it is indexed, and drops the
   * versions search can no longer return (all but the newest one indexed by now), so an object written for
   * hours keeps only the writes of the last searchLagMs and not every one.
   */
  private remember(object: CrmObject, now: number): void {
    const key = `${object.type}:${object.id}`;
    const list = this.versions.get(key) ?? [];
    list.push({ at: now, object: structuredClone(object) });
    this.versions.set(key, list);
    this.dropUnreachable(list, now - this.searchLagMs);
  }

  /** Drops the versions older than the newest one written by `indexedUpTo`: search shows that one from then on. */
  private dropUnreachable(list: Array<{ at: number }>, indexedUpTo: number): void {
    let newest = -1;
    for (let i = 0; i < list.length && list[i]!.at <= indexedUpTo; i++) newest = i;
    if (newest > 0) list.splice(0, newest);
  }

  /** How many written versions the store keeps for search, over every object (memory bounds). */
  versionCount(): number {
    let count = 0;
    for (const list of this.versions.values()) count += list.length;
    return count;
  }

  /**
   * The object as search's index holds it when everything written up to `indexedUpTo` is indexed: the newest
   * version written by then, or undefined when it was created later. Versions older than that one are dropped
   * (the emulator's clock only moves forward).
   */
  indexed(object: CrmObject, indexedUpTo: number): CrmObject | undefined {
    const list = this.versions.get(`${object.type}:${object.id}`);
    if (!list) return object;
    this.dropUnreachable(list, indexedUpTo);
    return list[0]!.at <= indexedUpTo ? list[0]!.object : undefined;
  }

  /** All objects of a type, id ascending, archived ones included. */
  all(type: ObjectType): IterableIterator<CrmObject> {
    return this.objects[type].values();
  }

  count(type: ObjectType, archived = false): number {
    let count = 0;
    for (const object of this.all(type)) if (object.archived === archived) count++;
    return count;
  }

  get(type: ObjectType, id: string): CrmObject | undefined {
    return this.objects[type].get(id);
  }

  /** The live (not archived) object whose property equals the value; emails compare case-insensitively. */
  findBy(type: ObjectType, property: string, value: string, archived = false): CrmObject | undefined {
    if (property === 'hs_object_id') {
      const object = this.get(type, value);
      return object && object.archived === archived ? object : undefined;
    }
    const wanted = property === 'email' ? value.toLowerCase() : value;
    for (const object of this.all(type)) {
      if (object.archived !== archived) continue;
      const actual = object.properties[property];
      if (actual !== null && actual !== undefined && (property === 'email' ? actual.toLowerCase() : actual) === wanted) {
        return object;
      }
    }
    return undefined;
  }

  create(type: ObjectType, properties: Record<string, string | null>, now: number): CrmObject {
    const id = String(this.nextIds[type]++);
    const iso = new Date(now).toISOString();
    const object: CrmObject = {
      id,
      type,
      properties: { createdate: iso, ...properties, hs_object_id: id, [LAST_MODIFIED[type]]: iso },
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    this.objects[type].set(id, object);
    this.remember(object, now);
    return object;
  }

  /** Seeding writes fixed timestamps and ids rather than the clock's. */
  insertSeeded(object: CrmObject): void {
    this.objects[object.type].set(object.id, object);
    this.nextIds[object.type] = Math.max(this.nextIds[object.type], Number(object.id) + 1);
  }

  update(object: CrmObject, properties: Record<string, string | null>, now: number): CrmObject {
    Object.assign(object.properties, properties, { [LAST_MODIFIED[object.type]]: new Date(now).toISOString() });
    object.updatedAt = now;
    this.remember(object, now);
    return object;
  }

  archive(object: CrmObject, now: number): void {
    object.archived = true;
    object.archivedAt = now;
    object.updatedAt = now;
    this.remember(object, now);
  }

  /**
   * Associates two objects in both directions. `primary` only sticks on the pairs that have a primary type
   * (a contact's or deal's company); otherwise it is ignored.
   */
  associate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string, primary = false): void {
    const isPrimary = primary && (hasPrimary(fromType, toType) || hasPrimary(toType, fromType));
    this.side(fromType, fromId, toType).set(toId, isPrimary || (this.side(fromType, fromId, toType).get(toId) ?? false));
    this.side(toType, toId, fromType).set(fromId, isPrimary || (this.side(toType, toId, fromType).get(fromId) ?? false));
  }

  /** Removes every association between the two objects, in both directions. */
  dissociate(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    this.edges.get(`${fromType}:${fromId}`)?.get(toType)?.delete(toId);
    this.edges.get(`${toType}:${toId}`)?.get(fromType)?.delete(fromId);
  }

  /** Whether the object already has a primary association to that type (a contact's primary company). */
  hasPrimaryTo(fromType: ObjectType, fromId: string, toType: ObjectType): boolean {
    for (const primary of this.side(fromType, fromId, toType).values()) if (primary) return true;
    return false;
  }

  /** The live objects of `toType` associated with the object, id ascending. */
  associations(fromType: ObjectType, fromId: string, toType: ObjectType): AssociationEdge[] {
    const side = this.edges.get(`${fromType}:${fromId}`)?.get(toType);
    if (!side) return [];
    return [...side]
      .filter(([toId]) => this.get(toType, toId)?.archived === false)
      .map(([toId, primary]) => ({ toId, primary }))
      .sort((a, b) => Number(a.toId) - Number(b.toId));
  }

  private side(type: ObjectType, id: string, other: ObjectType): Map<string, boolean> {
    const key = `${type}:${id}`;
    let byType = this.edges.get(key);
    if (!byType) this.edges.set(key, (byType = new Map()));
    let side = byType.get(other);
    if (!side) byType.set(other, (side = new Map()));
    return side;
  }
}
