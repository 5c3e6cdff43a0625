/** A PHP literal for a JSON-like value: how the harness writes SimpleSAMLphp's config files. */
export type PhpValue = string | number | boolean | null | PhpValue[] | { [key: string]: PhpValue };

const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function php(value: PhpValue, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as PHP`);
    return String(value);
  }
  const inner = `${indent}  `;
  const entries = Array.isArray(value)
    ? value.map((v) => `${inner}${php(v, inner)}`)
    : Object.entries(value).map(([k, v]) => `${inner}${quote(k)} => ${php(v, inner)}`);
  return entries.length === 0 ? '[]' : `[\n${entries.join(',\n')},\n${indent}]`;
}

/** A PHP file that sets `$name` to the value. */
export function phpFile(name: string, value: PhpValue): string {
  return `<?php\n$${name} = ${php(value)};\n`;
}
