import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import { Kind, OperationTypeNode, visit, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import type { Config } from '../../config/config';
import { MAX_OPERATION_NAME_LENGTH } from '../../config/defaults';
import { operationLimitExceeded } from '../../errors';
import { asGraphQLError } from '../errors';
import { fragmentsOf, isIntrospectionField, rootResponseKeys, type Fragments } from '../selections';
import { MAX_MEMBERS_PAGE_SIZE } from '../../reads/group-members';

type OperationLimit = 'depth' | 'complexity' | 'rootMutationFields' | 'operationName';

/** The argument of a paged field that says how many items it returns (Group.members), and its most. */
const PAGE_SIZE_ARGUMENT = 'first';
const MAX_PAGE_SIZE = MAX_MEMBERS_PAGE_SIZE;
/** The schema's paged fields by name, for the upper bound counted before the schema-aware count. */
const PAGED_FIELDS: ReadonlySet<string> = new Set(['members']);

/** A paged field costs its page size (each item shown counts one) on top of its selected fields. */
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  if (!field.args.some((arg) => arg.name === PAGE_SIZE_ARGUMENT)) return undefined;
  const size: unknown = args[PAGE_SIZE_ARGUMENT];
  return 1 + childComplexity + (typeof size === 'number' ? Math.max(0, size) : MAX_PAGE_SIZE);
};


/** `OPERATION_LIMIT_EXCEEDED` (HTTP 400) naming the limit, its maximum and what the operation asked for. */
function limitExceeded(limit: OperationLimit, max: number, actual: number, setting: string): unknown {
  return asGraphQLError(operationLimitExceeded(limit, max, actual, setting));
}

/**
 * Refuses an operation whole, before any resolver runs (so before any IM call), when it is too deep, too
 * complex, or holds too many root mutation fields (aliases included). Introspection fields are not counted:
 * the standard introspection query alone is deeper than any real operation of this schema.
 */
function checkOperationLimits(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Fragments,
  variables: Record<string, unknown>,
  limits: Config['limits'],
): void {
  if (operation.operation === OperationTypeNode.MUTATION) {
    const rootFields = rootResponseKeys(operation, fragments).size;
    if (rootFields > limits.maxRootMutationFields) {
      throw limitExceeded('rootMutationFields', limits.maxRootMutationFields, rootFields, 'MAX_ROOT_MUTATION_FIELDS');
    }
  }
  const depth = depthOf(operation.selectionSet, fragments, new Map());
  if (depth > limits.maxQueryDepth) throw limitExceeded('depth', limits.maxQueryDepth, depth, 'MAX_QUERY_DEPTH');
  // Fail closed: an upper bound counted here (every field once, @skip/@include ignored) refuses what is too big
  // before graphql-query-complexity runs — which throws instead of answering past a few thousand nodes.
  const upperBound = fieldCount(operation.selectionSet, fragments, new Map());
  if (upperBound <= limits.maxQueryComplexity) return;
  let complexity: number;
  try {
    complexity = getComplexity({
      schema,
      query: { kind: 'Document', definitions: [operation, ...Object.values(fragments)] } as never,
      variables,
      estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
    });
  } catch {
    complexity = upperBound; // a limit that cannot be computed must refuse, not pass
  }
  if (complexity > limits.maxQueryComplexity) {
    throw limitExceeded('complexity', limits.maxQueryComplexity, complexity, 'MAX_QUERY_COMPLEXITY');
  }
}

/**
 * Fields a selection set selects, introspection fields not counted, fragments opened. Each fragment is
 * counted once and remembered, so fragments spreading fragments (a "fragment bomb") cost linear time.
 */
function fieldCount(selectionSet: SelectionSetNode, fragments: Fragments, known: Map<string, number>): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospectionField(selection.name.value)) continue;
      count += 1 + (selection.selectionSet === undefined ? 0 : fieldCount(selection.selectionSet, fragments, known));
      // A page's items count (pageSizeEstimator): at most the largest page, whatever its variables say.
      if (PAGED_FIELDS.has(selection.name.value)) count += MAX_PAGE_SIZE;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += fieldCount(selection.selectionSet, fragments, known);
    } else {
      const name = selection.name.value;
      if (!known.has(name)) known.set(name, fragments[name] === undefined ? 0 : fieldCount(fragments[name].selectionSet, fragments, known));
      count += known.get(name)!;
    }
  }
  return count;
}

/** The deepest path of fields, fragments opened (each fragment's depth worked out once). */
function depthOf(selectionSet: SelectionSetNode, fragments: Fragments, known: Map<string, number>): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (isIntrospectionField(selection.name.value)) continue;
      deepest = Math.max(deepest, 1 + (selection.selectionSet === undefined ? 0 : depthOf(selection.selectionSet, fragments, known)));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, known));
    } else {
      const name = selection.name.value;
      if (!known.has(name)) known.set(name, fragments[name] === undefined ? 0 : depthOf(fragments[name].selectionSet, fragments, known));
      deepest = Math.max(deepest, known.get(name)!);
    }
  }
  return deepest;
}

export function operationLimitsPlugin(limits: Config['limits']): ApolloServerPlugin {
  // Apollo hands the same parsed document to every request with the same query, so an operation that passed
  // once passes again — unless @skip/@include let variables change what it selects.
  const passed = new WeakSet<OperationDefinitionNode>();
  const listener: GraphQLRequestListener<BaseContext> = {
    async didResolveOperation({ schema, operation, document, request }) {
      if (operation === undefined) return; // Apollo itself refuses a request without an operation
      if (passed.has(operation)) return;
      const nameLength = operation.name?.value.length ?? 0;
      if (nameLength > MAX_OPERATION_NAME_LENGTH) throw limitExceeded('operationName', MAX_OPERATION_NAME_LENGTH, nameLength, 'operation names are at most 128 characters; not configurable');
      checkOperationLimits(schema, operation, fragmentsOf(document), request.variables ?? {}, limits);
      if (!hasConditionalDirectives(document)) passed.add(operation);
    },
  };
  return { requestDidStart: async () => listener };
}

function hasConditionalDirectives(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value === 'skip' || node.name.value === 'include') found = true;
    },
  });
  return found;
}
