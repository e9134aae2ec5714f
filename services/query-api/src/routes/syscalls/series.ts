import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { scopeOf } from '../../access/scope.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { RollupName } from '../../schemas/rollup-name.js';
import { OverTimeQuery, overTimeRequest } from './over-time.js';
import { querySeries } from './series-query.js';

const SeriesResponse = Type.Object(
  {
    window: Type.String(),
    step: Type.String(),
    rollup: RollupName,
    points: Type.Array(
      Type.Object(
        { time: Type.String({ format: 'date-time' }), calls: Type.Integer(), blockedSeconds: Type.Number() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SeriesResponse = Static<typeof SeriesResponse>;

/** GET /series: calls and blocked seconds per step of the window. */
export const syscallSeriesRoute: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  app.get(
    '/series',
    {
      config: { serviceScoped: true },
      schema: {
        description: `Calls and blocked seconds per step (UTC-aligned), zero where nothing was recorded; idle waits excluded unless asked for.
The step must be whole minutes (whole hours for windows over 6h, read from the per-hour rollup) and window / step at most maxSteps.`,
        querystring: OverTimeQuery,
        response: { 200: SeriesResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { filter, stepSeconds, rollup } = overTimeRequest(request.query, limits);
      const points = await querySeries(store.client, filter, stepSeconds, scopeOf(request.principal), rollup, limits);
      return { window: request.query.window, step: request.query.step, rollup: rollup.name, points };
    },
  );
};
