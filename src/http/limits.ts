// Query limits: what an operation may ask before the hub does any work for it.
//
//   tokens      a lexer pass over the document before the parser sees it, which also bounds the
//               nesting of brackets: graphql-js's parser recurses per `[`, `{` and `(`, and a list
//               literal nested a few thousand levels deep overflows the stack before a token limit
//               counted while parsing applies.
//   depth       graphql-armor max-depth, at validation; introspection is NOT ignored (the 2025
//               advisories: an operation or fragment named `__schema`, or a `__schema` selection,
//               must not switch the limit off). Only an operation whose every root field is an
//               introspection field gets the separate introspection depth (GraphiQL needs 21), and
//               graphql-js's MaxIntrospectionDepthRule still stops `fields { type { fields … } }` cycles.
//   aliases     graphql-armor max-aliases, every alias counts (also `__typename` ones)
//   directives  graphql-armor max-directives
//   cost        our own estimate, before execution, with the variables known: 1 per field, and the
//               `edges` (or `nodes`) of a connection multiplied by the page size it asks (`first`,
//               default 25). graphql-armor's cost limit has no first-argument multiplier, and a
//               connection of connections is exactly what makes a query expensive here.
//   page size   `first` of every connection, before execution (pagination.ts also caps it at 100)
//   text        every string argument, also nested in input objects: no NUL or other control
//               characters (tab, line feed and carriage return allowed) and no lone UTF-16
//               surrogates. PostgreSQL refuses NUL in text, and a lone surrogate would be stored as
//               U+FFFD without a word; both are refused with BAD_USER_INPUT naming the argument.
//
// A refused operation changes nothing: it never reaches a resolver. In production the messages
// name the limit but not its value.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import {
  getArgumentValues,
  getNamedType,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  NoSchemaIntrospectionCustomRule,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface QueryLimits {
  maxDepth: number;
  maxIntrospectionDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  maxPageSize: number;
  introspection: boolean;
  /** Production: limit errors do not disclose the configured values; no field suggestions. */
  production: boolean;
}

export const DEFAULT_PAGE_SIZE = 25;
const INTROSPECTION_ROOT_FIELDS = new Set(['__schema', '__type', '__typename']);

type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'nesting' | 'cost' | 'pageSize';

/**
 * Brackets (`{`, `[`, `(`) open at once in a document. GraphiQL's introspection query needs about
 * 25; the parser's stack lasts to a few thousand.
 */
export const MAX_NESTING = 100;
/** Levels of lists and objects in a variable's value; no input type of the schema comes near. */
export const MAX_VALUE_NESTING = 32;

export function limitError(limit: LimitName, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: 'QUERY_LIMIT_EXCEEDED', limit, http: { status: 400 } },
  });
}

const HIDDEN: Record<LimitName, string> = {
  depth: 'The operation is nested too deeply.',
  aliases: 'The operation uses too many aliases.',
  directives: 'The operation uses too many directives.',
  tokens: 'The document is too long (too many tokens).',
  nesting: 'The document is nested too deeply.',
  cost: 'The operation asks for too much at once: request smaller pages or fewer nested lists.',
  pageSize: 'first is too large.',
};

/** graphql-armor's message without its "Syntax Error: " prefix (it is not a syntax error). */
const armorMessage = (error: GraphQLError) => error.message.replace(/^Syntax Error: /, '');

/** An armor validation rule whose rejection is reported as our error instead of thrown. */
function armorOptions(limit: LimitName, n: number, production: boolean) {
  return {
    n,
    exposeLimits: !production,
    errorMessage: HIDDEN[limit],
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(limit, armorMessage(error))),
    ],
  };
}

/** Depth: the introspection depth only for operations that are introspection alone. */
function depthRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const common = { ignoreIntrospection: false, flattenFragments: false };
    const data = maxDepthRule({ ...armorOptions('depth', limits.maxDepth, limits.production), ...common })(context) as unknown as {
      OperationDefinition: { enter: (node: OperationDefinitionNode) => void };
    };
    const introspection = maxDepthRule({
      ...armorOptions('depth', limits.maxIntrospectionDepth, limits.production),
      ...common,
    })(context) as unknown as typeof data;
    return {
      OperationDefinition: {
        enter(operation) {
          const onlyIntrospection = operation.selectionSet.selections.every(
            (selection) => selection.kind === Kind.FIELD && INTROSPECTION_ROOT_FIELDS.has(selection.name.value),
          );
          const visitor = onlyIntrospection ? introspection : data;
          visitor.OperationDefinition.enter.call(visitor, operation);
        },
      },
    };
  };
}

// --- Cost, page size and text, computed before execution with the variables known. ---

interface Finding {
  cost: number;
  errors: GraphQLError[];
}

// C0 controls except tab (09), line feed (0A) and carriage return (0D); DEL.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(value: string): string | null {
  const control = CONTROL.exec(value);
  if (control)
    return `contains a control character (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}); text may hold tabs and line breaks but no other control characters`;
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode text (it contains a lone UTF-16 surrogate)';
  return null;
}

/**
 * Arguments whose text is checked row by row by their resolver (with textProblem), so that a batch
 * answers with one error per bad row instead of stopping at the first (src/outreach/reports.ts).
 */
const CHECKED_PER_ROW = new Set(['Mutation.reportPupilsOutOfView']);

/** Text problems in a value, walked without recursion: a value nested thousands deep cannot overflow the stack. */
function checkStrings(root: unknown, rootPath: string, errors: GraphQLError[]): void {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: rootPath, depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) errors.push(new GraphQLError(`${path} ${problem}`, { extensions: { code: 'BAD_USER_INPUT', argument: path, http: { status: 400 } } }));
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_VALUE_NESTING) {
      errors.push(
        new GraphQLError(`${rootPath} is nested too deeply (more than ${MAX_VALUE_NESTING} levels of lists and objects)`, {
          extensions: { code: 'BAD_USER_INPUT', argument: rootPath, http: { status: 400 } },
        }),
      );
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((item, i) => [`[${i}]`, item]) : Object.entries(value).map(([key, item]) => [`.${key}`, item]);
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i]![1], path: `${path}${entries[i]![0]}`, depth: depth + 1 });
  }
}

/**
 * Counts the document's tokens and the nesting of its brackets with graphql-js's lexer, before its
 * parser runs. A syntax error is left to the parser, which reports it with its position.
 */
export function lexicalLimitError(source: string, limits: Pick<QueryLimits, 'maxTokens' | 'production'>): GraphQLError | null {
  const lexer = new Lexer(new Source(source));
  let tokens = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > limits.maxTokens)
        return limitError('tokens', limits.production ? HIDDEN.tokens : `Token limit of ${limits.maxTokens} exceeded.`);
      if (token.kind === TokenKind.BRACE_L || token.kind === TokenKind.BRACKET_L || token.kind === TokenKind.PAREN_L) {
        nesting += 1;
        if (nesting > MAX_NESTING)
          return limitError('nesting', limits.production ? HIDDEN.nesting : `The document is nested more than ${MAX_NESTING} levels deep.`);
      } else if (token.kind === TokenKind.BRACE_R || token.kind === TokenKind.BRACKET_R || token.kind === TokenKind.PAREN_R) {
        nesting = Math.max(0, nesting - 1);
      }
    }
  } catch {
    return null;
  }
  return null;
}

function takesFirst(field: GraphQLField<unknown, unknown>): boolean {
  return field.args.some((arg) => arg.name === 'first') && getNamedType(field.type).name.endsWith('Connection');
}

/** Walks the operation: its cost, and errors for page sizes over the limit and hostile text. */
export function assessOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  limits: Pick<QueryLimits, 'maxPageSize' | 'production'>,
): Finding {
  const errors: GraphQLError[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION && (!operationName || definition.name?.value === operationName))
      operation ??= definition;
  }
  const root = operation ? schema.getRootType(operation.operation) : undefined;
  if (!operation || !root) return { cost: 0, errors };

  const onStack = new Set<string>();
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType, pageSize: number | null): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (type) cost += walk(selection.selectionSet, type, pageSize);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment ? schema.getType(fragment.typeCondition.name.value) : undefined;
        if (!fragment || !type || onStack.has(fragment.name.value)) continue;
        onStack.add(fragment.name.value);
        cost += walk(fragment.selectionSet, type, pageSize);
        onStack.delete(fragment.name.value);
        continue;
      }
      const name = selection.name.value;
      let field: GraphQLField<unknown, unknown> | undefined;
      if (name === '__schema' && parent === root) field = SchemaMetaFieldDef;
      else if (name === '__type' && parent === root) field = TypeMetaFieldDef;
      else if ('getFields' in parent) field = parent.getFields()[name] as GraphQLField<unknown, unknown> | undefined;
      let fieldCost = 1;
      if (field) {
        let args: Record<string, unknown> = {};
        if (field.args.length > 0) {
          try {
            args = getArgumentValues(field, selection, variables);
          } catch {
            args = {}; // invalid values are reported by execution
          }
          if (!CHECKED_PER_ROW.has(`${parent.name}.${name}`))
            for (const [argName, value] of Object.entries(args)) checkStrings(value, argName, errors);
        }
        let childPageSize: number | null = null;
        if (takesFirst(field)) {
          const first = typeof args.first === 'number' ? args.first : DEFAULT_PAGE_SIZE;
          if (first > limits.maxPageSize)
            errors.push(
              new GraphQLError(limits.production ? HIDDEN.pageSize : `first must be at most ${limits.maxPageSize}`, {
                extensions: { code: 'BAD_USER_INPUT', argument: 'first', limit: 'pageSize', http: { status: 400 } },
              }),
            );
          childPageSize = Math.max(1, Math.min(first, limits.maxPageSize));
        }
        if (selection.selectionSet) fieldCost += walk(selection.selectionSet, getNamedType(field.type), childPageSize);
      }
      if (pageSize !== null && (name === 'edges' || name === 'nodes')) fieldCost *= pageSize;
      cost += fieldCost;
    }
    return cost;
  };
  return { cost: walk(operation.selectionSet, root, null), errors };
}

const SUGGESTION = /\s*Did you mean .+\?/g;

/**
 * The plugins, in order: tokens and nesting (before parsing), depth/aliases/directives/introspection
 * (validate), cost. `admit` sees the cost of an operation within the limits before it runs; it may
 * make it wait, or refuse it by throwing a GraphQLError (the organisation's share, see fairness.ts).
 */
export function useQueryLimits(limits: QueryLimits, admit?: (context: unknown, cost: number) => Promise<void> | void): Plugin[] {
  const plugins: Plugin[] = [
    {
      // Before the parser: tokens and nesting (see lexicalLimitError).
      onParse({ params }) {
        const source = typeof params.source === 'string' ? params.source : (params.source as Source | undefined)?.body;
        if (typeof source !== 'string') return;
        const error = lexicalLimitError(source, limits);
        if (error) throw error;
      },
    },
    {
      onValidate({ addValidationRule }) {
        addValidationRule(depthRule(limits));
        addValidationRule(maxAliasesRule({ ...armorOptions('aliases', limits.maxAliases, limits.production), allowList: [] }));
        addValidationRule(maxDirectivesRule(armorOptions('directives', limits.maxDirectives, limits.production)));
        if (!limits.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      },
    },
    {
      async onExecute({ args, setResultAndStopExecution }) {
        const finding = assessOperation(
          args.schema,
          args.document,
          args.operationName,
          (args.variableValues ?? {}) as Record<string, unknown>,
          limits,
        );
        const errors = [...finding.errors];
        if (finding.cost > limits.maxCost)
          errors.push(
            limitError(
              'cost',
              limits.production
                ? HIDDEN.cost
                : `Query cost limit of ${limits.maxCost} exceeded, found ${finding.cost}: request smaller pages or fewer nested lists.`,
            ),
          );
        if (errors.length > 0) {
          setResultAndStopExecution({ errors });
          return;
        }
        try {
          await admit?.(args.contextValue, finding.cost);
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          setResultAndStopExecution({ errors: [error] });
        }
      },
    },
  ];
  if (limits.production) {
    plugins.push(blockFieldSuggestionsPlugin({ mask: '' }) as Plugin, {
      // Variable coercion errors ("Field "reasn" is not defined … Did you mean …") come from execution.
      onResultProcess({ result }) {
        for (const single of Array.isArray(result) ? result : [result]) {
          const errors = (single as { errors?: Array<{ message: string }> }).errors;
          for (const error of errors ?? []) error.message = error.message.replace(SUGGESTION, '');
        }
      },
    });
  }
  return plugins;
}
