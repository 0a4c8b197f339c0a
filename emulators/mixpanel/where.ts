/**
 * Mixpanel's segmentation expressions (the `where` of /api/2.0/export and /api/2.0/engage), compiled once per
 * request into a predicate so a filter over tens of thousands of events costs one closure call each.
 *
 * Supported, as the documented grammar has it:
 *   properties["x"] (and user["x"], which engage treats the same), string / number / boolean literals,
 *   list literals [a, b, ...], ( ... ),
 *   == != > >= < <=, in (list membership, or substring when the right side is a string),
 *   and, or, not, defined(...), + - * / %, unary -, floor() round() ceil(), number() string() boolean().
 * Not supported: datetime() and the time-window helpers; they fail with an error naming them.
 */

export type Properties = Readonly<Record<string, unknown>>;
export type Predicate = (properties: Properties) => boolean;

/** Thrown for an expression that does not parse; the message says what and where. */
export class WhereSyntaxError extends Error {
  override name = 'WhereSyntaxError';
}

type Token =
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'word'; value: string; at: number }
  | { kind: 'op'; value: string; at: number }
  | { kind: 'end'; at: number };

const OPERATORS = ['==', '!=', '>=', '<=', '>', '<', '(', ')', '[', ']', ',', '+', '-', '*', '/', '%'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new WhereSyntaxError(`unterminated string starting at position ${start}`);
        const d = source[i]!;
        if (d === c) break;
        if (d === '\\') {
          const next = source[i + 1];
          if (next === undefined) throw new WhereSyntaxError(`unterminated string starting at position ${start}`);
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        value += d;
        i++;
      }
      i++;
      tokens.push({ kind: 'string', value, at: start });
      continue;
    }
    const number = /^(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/.exec(source.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i));
    if (word) {
      tokens.push({ kind: 'word', value: word[0], at: i });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => source.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, at: i });
      i += op.length;
      continue;
    }
    if (c === '=') throw new WhereSyntaxError(`unexpected "=" at position ${i} (use "==" to compare)`);
    throw new WhereSyntaxError(`unexpected character ${JSON.stringify(c)} at position ${i}`);
  }
  tokens.push({ kind: 'end', at: source.length });
  return tokens;
}

/** A compiled node: evaluates to a property value, literal or computed value. */
type Node = (properties: Properties) => unknown;

/** Mixpanel's boolean typecast: false, 0, "", null, undefined, "false" and not-set are false. */
export function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (value === 'false') return false;
  return true;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

function equals(left: unknown, right: unknown): boolean {
  if (left === undefined || right === undefined) return false;
  return left === right;
}

function compare(left: unknown, right: unknown, op: string): boolean {
  let a: number | string;
  let b: number | string;
  if (typeof left === 'string' && typeof right === 'string') {
    a = left;
    b = right;
  } else {
    const x = toNumber(left);
    const y = toNumber(right);
    if (x === undefined || y === undefined) return false;
    a = x;
    b = y;
  }
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    default:
      return false;
  }
}

// Binding powers: or < and < not < comparison/in < additive < multiplicative < unary minus.
const BINARY: Record<string, number> = {
  or: 10,
  and: 20,
  '==': 40,
  '!=': 40,
  '>': 40,
  '>=': 40,
  '<': 40,
  '<=': 40,
  in: 40,
  '+': 50,
  '-': 50,
  '*': 60,
  '/': 60,
  '%': 60,
};

const FUNCTIONS = new Set(['defined', 'floor', 'round', 'ceil', 'number', 'string', 'boolean']);

class Parser {
  private position = 0;
  /** Nodes that evaluate to the same value for every event (literals). */
  private readonly constants = new WeakSet<Node>();
  /** Literal lists carry a Set, so `x in [50 ids]` is one Set lookup per event. */
  private readonly memberSets = new WeakMap<Node, Set<unknown>>();
  constructor(private readonly tokens: Token[]) {}

  private constant(value: unknown): Node {
    const node: Node = () => value;
    this.constants.add(node);
    return node;
  }

  parse(): Node {
    const node = this.expression(0);
    const next = this.peek();
    if (next.kind !== 'end') throw new WhereSyntaxError(`unexpected ${describe(next)} at position ${next.at}`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private take(): Token {
    return this.tokens[this.position++]!;
  }

  private expect(op: string): void {
    const token = this.take();
    if (token.kind !== 'op' || token.value !== op) {
      throw new WhereSyntaxError(`expected "${op}" but found ${describe(token)} at position ${token.at}`);
    }
  }

  private binaryOperator(token: Token): string | undefined {
    if (token.kind === 'op' && token.value in BINARY) return token.value;
    if (token.kind === 'word' && (token.value === 'and' || token.value === 'or' || token.value === 'in')) {
      return token.value;
    }
    return undefined;
  }

  private expression(minPower: number): Node {
    let left = this.prefix();
    for (;;) {
      const op = this.binaryOperator(this.peek());
      if (op === undefined) return left;
      const power = BINARY[op]!;
      if (power <= minPower) return left;
      this.take();
      const right = this.expression(power);
      left = binary(op, left, right, this.memberSets.get(right));
    }
  }

  private prefix(): Node {
    const token = this.take();
    switch (token.kind) {
      case 'string':
      case 'number':
        return this.constant(token.value);
      case 'end':
        throw new WhereSyntaxError('unexpected end of expression');
      case 'op':
        if (token.value === '(') {
          const inner = this.expression(0);
          this.expect(')');
          return inner;
        }
        if (token.value === '[') return this.list(token.at);
        if (token.value === '-') {
          const operand = this.expression(65);
          if (this.constants.has(operand)) {
            const n = toNumber(operand({}));
            return this.constant(n === undefined ? undefined : -n);
          }
          return (p) => {
            const n = toNumber(operand(p));
            return n === undefined ? undefined : -n;
          };
        }
        throw new WhereSyntaxError(`unexpected "${token.value}" at position ${token.at}`);
      case 'word':
        return this.word(token.value, token.at);
    }
  }

  private word(word: string, at: number): Node {
    if (word === 'true') return this.constant(true);
    if (word === 'false') return this.constant(false);
    if (word === 'not') {
      // `not` binds looser than comparisons: not "x" in properties["y"] negates the whole membership test.
      const operand = this.expression(30);
      return (p) => !truthy(operand(p));
    }
    if (word === 'properties' || word === 'user') {
      this.expect('[');
      const name = this.take();
      if (name.kind !== 'string') {
        throw new WhereSyntaxError(`expected a quoted property name after ${word}[ at position ${name.at}`);
      }
      this.expect(']');
      const key = name.value;
      return (p) => p[key];
    }
    if (FUNCTIONS.has(word)) {
      this.expect('(');
      const argument = this.expression(0);
      this.expect(')');
      return callFunction(word, argument);
    }
    const next = this.peek();
    if (next.kind === 'op' && next.value === '(') {
      throw new WhereSyntaxError(`unknown function "${word}" at position ${at}`);
    }
    throw new WhereSyntaxError(
      `unexpected word "${word}" at position ${at} (properties are written properties["${word}"], strings in double quotes)`,
    );
  }

  private list(at: number): Node {
    const items: Node[] = [];
    const next = this.peek();
    if (next.kind === 'op' && next.value === ']') {
      this.take();
      return this.constant(Object.freeze([]));
    }
    for (;;) {
      items.push(this.expression(0));
      const token = this.take();
      if (token.kind === 'op' && token.value === ']') break;
      if (token.kind !== 'op' || token.value !== ',') {
        throw new WhereSyntaxError(`expected "," or "]" in the list opened at position ${at}, found ${describe(token)}`);
      }
    }
    if (items.every((item) => this.constants.has(item))) {
      const values = Object.freeze(items.map((item) => item({})));
      const node = this.constant(values);
      this.memberSets.set(node, new Set(values));
      return node;
    }
    return (p) => items.map((item) => item(p));
  }
}

function callFunction(name: string, argument: Node): Node {
  switch (name) {
    case 'defined':
      return (p) => {
        const value = argument(p);
        return value !== undefined && value !== null;
      };
    case 'floor':
    case 'round':
    case 'ceil': {
      const fn = Math[name];
      return (p) => {
        const n = toNumber(argument(p));
        return n === undefined ? undefined : fn(n);
      };
    }
    case 'number':
      return (p) => toNumber(argument(p));
    case 'string':
      return (p) => {
        const value = argument(p);
        return value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
      };
    case 'boolean':
      return (p) => truthy(argument(p));
    default:
      throw new WhereSyntaxError(`unknown function "${name}"`);
  }
}

function binary(op: string, left: Node, right: Node, set: Set<unknown> | undefined): Node {
  switch (op) {
    case 'and':
      return (p) => truthy(left(p)) && truthy(right(p));
    case 'or':
      return (p) => truthy(left(p)) || truthy(right(p));
    case '==':
      return (p) => equals(left(p), right(p));
    case '!=':
      // Mixpanel's "does not equal" includes events where the property is not set.
      return (p) => !equals(left(p), right(p));
    case '>':
    case '>=':
    case '<':
    case '<=':
      return (p) => compare(left(p), right(p), op);
    case 'in': {
      if (set) return (p) => set.has(left(p));
      return (p) => {
        const needle = left(p);
        const haystack = right(p);
        if (needle === undefined) return false;
        if (Array.isArray(haystack)) return haystack.includes(needle);
        if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle);
        return false;
      };
    }
    case '+':
      return (p) => {
        const a = left(p);
        const b = right(p);
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        const x = toNumber(a);
        const y = toNumber(b);
        return x === undefined || y === undefined ? undefined : x + y;
      };
    case '-':
    case '*':
    case '/':
    case '%':
      return (p) => {
        const x = toNumber(left(p));
        const y = toNumber(right(p));
        if (x === undefined || y === undefined) return undefined;
        if ((op === '/' || op === '%') && y === 0) return undefined;
        return op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
      };
    default:
      throw new WhereSyntaxError(`unknown operator "${op}"`);
  }
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    case 'word':
      return `"${token.value}"`;
    case 'op':
      return `"${token.value}"`;
  }
}

/** Compiles a `where` expression; throws WhereSyntaxError naming the problem. */
export function compileWhere(source: string): Predicate {
  if (source.trim() === '') throw new WhereSyntaxError('the expression is empty');
  const node = new Parser(tokenize(source)).parse();
  return (properties) => truthy(node(properties));
}
