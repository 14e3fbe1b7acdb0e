import { httpError } from '../http-util';

/**
 * OData query options the To Do emulator understands: `$filter` (eq/ne on status, importance,
 * title, hasAttachments; contains()/startswith() on title, case-insensitive; joined with
 * `and`), `$orderby` (one or more of title, status, importance, createdDateTime,
 * lastModifiedDateTime, displayName, each `asc` or `desc`), `$top` (page size, capped at the
 * emulator's page size), `$skip` (used by our own `@odata.nextLink`) and `$select`.
 */

export type Row = Record<string, unknown>;
type Predicate = (row: Row) => boolean;

const FUNCTION_CLAUSE = /^(contains|startswith)\s*\(\s*(\w+)\s*,\s*'((?:[^']|'')*)'\s*\)$/i;
const COMPARE_CLAUSE = /^(\w+)\s+(eq|ne)\s+(?:'((?:[^']|'')*)'|(true|false|null))$/i;
const FILTERABLE = new Set(['title', 'status', 'importance', 'hasattachments', 'displayname', 'wellknownlistname']);

/** Splits on ` and ` outside quoted strings. */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && /\s/.test(c ?? '') && /^\s+and\s+/i.test(filter.slice(i))) {
      const m = /^\s+and\s+/i.exec(filter.slice(i));
      parts.push(filter.slice(start, i));
      i += (m?.[0].length ?? 1) - 1;
      start = i + 1;
    }
  }
  parts.push(filter.slice(start));
  return parts.map((p) => p.trim());
}

function field(row: Row, name: string): unknown {
  const key = Object.keys(row).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : row[key];
}

function parseClause(clause: string): Predicate {
  const fn = FUNCTION_CLAUSE.exec(clause);
  if (fn?.[1] && fn[2] && fn[3] !== undefined) {
    const prop = fn[2];
    const needle = fn[3].replace(/''/g, "'").toLowerCase();
    if (!FILTERABLE.has(prop.toLowerCase())) throw invalidFilter(`cannot filter on property ${prop}`);
    const kind = fn[1].toLowerCase();
    return (row) => {
      const v = field(row, prop);
      if (typeof v !== 'string') return false;
      const hay = v.toLowerCase();
      return kind === 'contains' ? hay.includes(needle) : hay.startsWith(needle);
    };
  }
  const cmp = COMPARE_CLAUSE.exec(clause);
  if (cmp?.[1] && cmp[2]) {
    const prop = cmp[1];
    if (!FILTERABLE.has(prop.toLowerCase())) throw invalidFilter(`cannot filter on property ${prop}`);
    const literal: unknown = cmp[3] !== undefined ? cmp[3].replace(/''/g, "'") : cmp[4] === 'null' ? null : cmp[4]?.toLowerCase() === 'true';
    const negate = cmp[2].toLowerCase() === 'ne';
    return (row) => (field(row, prop) === literal) !== negate;
  }
  throw invalidFilter(`unsupported clause "${clause}"`);
}

function invalidFilter(why: string) {
  return httpError(400, `Invalid filter clause: ${why}.`, 'BadRequest');
}

export function parseFilter(filter: string | null): Predicate {
  if (filter === null || filter.trim() === '') return () => true;
  const predicates = splitAnd(filter.trim()).map(parseClause);
  return (row) => predicates.every((p) => p(row));
}

const SORTABLE = new Set(['title', 'status', 'importance', 'createddatetime', 'lastmodifieddatetime', 'displayname']);

/** `$orderby=lastModifiedDateTime desc,title`: a stable sort; ISO times compare as text. */
export function parseOrderBy(orderBy: string | null): ((a: Row, b: Row) => number) | undefined {
  if (orderBy === null || orderBy.trim() === '') return undefined;
  const keys = orderBy.split(',').map((part) => {
    const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m?.[1] || !SORTABLE.has(m[1].toLowerCase())) throw httpError(400, `Invalid $orderby: cannot sort by "${part.trim()}".`, 'BadRequest');
    return { prop: m[1], sign: m[2]?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { prop, sign } of keys) {
      const x = String(field(a, prop) ?? '');
      const y = String(field(b, prop) ?? '');
      if (x !== y) return x < y ? -sign : sign;
    }
    return 0;
  };
}

function intParam(query: URLSearchParams, name: string, min: number): number | undefined {
  const v = query.get(name);
  if (v === null) return undefined;
  if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw httpError(400, `The query option ${name} must be a whole number of at least ${min}.`, 'BadRequest');
  return Number(v);
}

function applySelect(rows: Row[], select: string | null): Row[] {
  if (select === null || select.trim() === '') return rows;
  const wanted = new Set(select.split(',').map((s) => s.trim().toLowerCase()));
  wanted.add('id');
  wanted.add('@odata.etag');
  return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => wanted.has(k.toLowerCase()))));
}

/**
 * One page of a collection, Graph-style: `{ "@odata.context", value, "@odata.nextLink"? }`
 * where the next link is an absolute URL that keeps the filter and page size.
 */
export function pageOf(rows: Row[], query: URLSearchParams, selfUrl: string, pageSize: number, context: string): Row {
  const filtered = rows.filter(parseFilter(query.get('$filter')));
  const order = parseOrderBy(query.get('$orderby'));
  if (order) filtered.sort(order);
  const top = intParam(query, '$top', 1);
  const skip = intParam(query, '$skip', 0) ?? 0;
  const size = Math.min(top ?? pageSize, pageSize);
  const page = filtered.slice(skip, skip + size);
  const out: Row = { '@odata.context': context, value: applySelect(page, query.get('$select')) };
  if (skip + size < filtered.length) {
    const next: string[] = [];
    for (const key of ['$filter', '$select', '$orderby', '$top']) {
      const v = query.get(key);
      if (v !== null) next.push(`${key}=${encodeURIComponent(v)}`);
    }
    next.push(`$skip=${skip + size}`);
    out['@odata.nextLink'] = `${selfUrl}?${next.join('&')}`;
  }
  return out;
}
