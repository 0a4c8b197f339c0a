import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type DocumentNode, type StringValueNode } from 'graphql';

/**
 * Entity tags: every entity a subgraph response contains, as `<Typename>:<key value>`. The gateway indexes
 * cached responses by them, so purging a tag drops every response that showed that entity.
 */

/** The first field of each entity type's first @key (the one tags use), read from the subgraph's SDL. */
export function entityKeyFields(typeDefs: DocumentNode): Map<string, string> {
  const keys = new Map<string, string>();
  for (const definition of typeDefs.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const key = definition.directives?.find((directive) => directive.name.value === 'key');
    const fields = key?.arguments?.find((argument) => argument.name.value === 'fields')?.value as StringValueNode | undefined;
    const first = fields?.value.trim().split(/\s+/)[0];
    if (first && !keys.has(definition.name.value)) keys.set(definition.name.value, first);
  }
  return keys;
}

/** The tag of an object of a type, or undefined when it has no usable key (value types, connections). */
export function tagOf(typename: string, value: unknown, keyFields: Map<string, string>): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = keyFields.get(typename) ?? 'id';
  const key = (value as Record<string, unknown>)[field];
  return typeof key === 'string' || typeof key === 'number' ? `${typename}:${key}` : undefined;
}

type TagContext = { entityTags: Set<string> };

/**
 * Collects the tag of every parent object a field is resolved on, reports them in
 * `extensions.entityTags`, and after a mutation hands them to `onMutation` (which purges caches) before the
 * response leaves, so a read that follows the mutation cannot see a stale cache entry.
 */
export function entityTagsPlugin(
  keyFields: Map<string, string>,
  onMutation: (tags: Set<string>) => Promise<void>,
): ApolloServerPlugin<TagContext> {
  return {
    async requestDidStart() {
      // One check per parent object, not per field.
      const seen = new WeakSet<object>();
      return {
        async executionDidStart({ contextValue }) {
          return {
            willResolveField({ source, info }) {
              if (typeof source !== 'object' || source === null || seen.has(source)) return;
              seen.add(source);
              const tag = tagOf(info.parentType.name, source, keyFields);
              if (tag) contextValue.entityTags.add(tag);
            },
          };
        },
        async willSendResponse({ contextValue, response, operation }) {
          if (response.body.kind !== 'single' || contextValue.entityTags.size === 0) return;
          if (operation?.operation === 'mutation') await onMutation(contextValue.entityTags);
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, entityTags: [...contextValue.entityTags] };
        },
      };
    },
  };
}
