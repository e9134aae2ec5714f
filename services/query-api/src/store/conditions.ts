import { scopeCondition } from '../access/scope.js';
import type { ServiceScope } from '../access/principal.js';
import type { QueryParams } from './run-query.js';

/**
 * A WHERE clause under construction: fixed SQL fragments, each user value a
 * bound parameter. Column names come from the callers' fixed maps, never from
 * a request.
 */
export class Conditions {
  readonly params: QueryParams = {};
  private readonly conditions: string[] = [];

  add(condition: string, params: QueryParams = {}): this {
    this.conditions.push(condition);
    Object.assign(this.params, params);
    return this;
  }

  /** `column = {name:String}` when the value is given. */
  equals(column: string, name: string, value: string | undefined): this {
    return value === undefined ? this : this.add(`${column} = {${name}:String}`, { [name]: value });
  }

  /** The caller's service scope on the column of service names. */
  scope(scope: ServiceScope, column: string): this {
    const restriction = scopeCondition(scope, column);
    return restriction === undefined ? this : this.add(restriction.condition, restriction.params);
  }

  toSql(): string {
    return this.conditions.length === 0 ? '1' : this.conditions.join(' AND ');
  }
}
