import { Type } from '@sinclair/typebox';

/**
 * A string restricted to fixed values, as a JSON Schema `enum`: validation
 * errors then read "must be equal to one of the allowed values" for that one
 * parameter, where a union of literals would report one error per literal.
 */
export function StringEnum<const Values extends readonly string[]>(values: Values, options: { default?: Values[number] } = {}) {
  return Type.Unsafe<Values[number]>({ type: 'string', enum: [...values], ...options });
}
