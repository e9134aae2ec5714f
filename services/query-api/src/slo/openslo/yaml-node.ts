/** A YAML document (or a value inside it) could not be read as OpenSLO; `path` names the field. */
export class OpenSloError extends Error {
  override name = 'OpenSloError';
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A value read from a parsed YAML document together with its path from the
 * document root (`spec.objectives[0].target`), so every rejection names the
 * field the author has to fix.
 */
export class YamlNode {
  readonly value: unknown;
  readonly path: string;

  constructor(value: unknown, path: string) {
    this.value = value;
    this.path = path;
  }

  fail(reason: string): never {
    throw new OpenSloError(this.path, reason);
  }

  get present(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  child(key: string): YamlNode {
    const mapping = this.mapping();
    return new YamlNode(mapping[key], this.path === '' ? key : `${this.path}.${key}`);
  }

  mapping(): Record<string, unknown> {
    if (!isMapping(this.value)) this.fail('must be a mapping');
    return this.value;
  }

  /** Rejects keys outside `allowed`: in our own source spec a misspelt key would change what is measured. */
  onlyKeys(allowed: readonly string[]): void {
    for (const key of Object.keys(this.mapping())) {
      if (!allowed.includes(key)) this.child(key).fail(`unknown field; expected one of ${allowed.join(', ')}`);
    }
  }

  items(): YamlNode[] {
    if (!Array.isArray(this.value)) this.fail('must be a list');
    return this.value.map((item, index) => new YamlNode(item, `${this.path}[${index}]`));
  }

  string(): string {
    if (typeof this.value !== 'string' || this.value === '') this.fail('must be a non-empty string');
    return this.value;
  }

  optionalString(): string | undefined {
    return this.present ? this.string() : undefined;
  }

  number(): number {
    if (typeof this.value !== 'number' || !Number.isFinite(this.value)) this.fail('must be a number');
    return this.value;
  }

  optionalNumber(): number | undefined {
    return this.present ? this.number() : undefined;
  }

  optionalBoolean(): boolean | undefined {
    if (!this.present) return undefined;
    if (typeof this.value !== 'boolean') this.fail('must be true or false');
    return this.value;
  }

  oneOf<const Values extends readonly string[]>(values: Values): Values[number] {
    const text = this.string();
    if (!values.includes(text)) this.fail(`must be one of ${values.join(', ')}, got ${text}`);
    return text;
  }
}
