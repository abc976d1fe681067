import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

export type Fragments = Record<string, FragmentDefinitionNode>;

export function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/**
 * The fields a selection set selects, with fragment spreads and inline fragments opened. A fragment spread
 * twice adds nothing new, so each is opened once: fragments spreading fragments cost linear time.
 */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Fragments): FieldNode[] {
  const fields: FieldNode[] = [];
  const opened = new Set<string>();
  const visit = (set: SelectionSetNode): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else {
        const fragment = fragments[selection.name.value];
        if (fragment === undefined || opened.has(selection.name.value)) continue;
        opened.add(selection.name.value);
        visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return fields;
}

/** The operation's root fields by response key (alias or name): `a: f` and `b: f` are two. */
export function rootResponseKeys(operation: OperationDefinitionNode, fragments: Fragments): Map<string, string> {
  const keys = new Map<string, string>();
  for (const field of fieldsOf(operation.selectionSet, fragments)) keys.set(field.alias?.value ?? field.name.value, field.name.value);
  return keys;
}

/** True for `__schema`, `__type` and `__typename`, which introspection settings govern, not ours. */
export function isIntrospectionField(name: string): boolean {
  return name.startsWith('__');
}
