import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { scopeOf } from '../../access/scope.js';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { RollupName } from '../../schemas/rollup-name.js';
import { queryHeatmap } from './heatmap-query.js';
import { OverTimeQuery, overTimeRequest } from './over-time.js';

const HeatmapResponse = Type.Object(
  {
    window: Type.String(),
    step: Type.String(),
    rollup: RollupName,
    times: Type.Array(Type.String({ format: 'date-time' })),
    buckets: Type.Array(Type.Integer()),
    counts: Type.Array(Type.Array(Type.Integer())),
  },
  { additionalProperties: false },
);
export type HeatmapResponse = Static<typeof HeatmapResponse>;

/** GET /heatmap: calls per step and log2 latency bucket. */
export const syscallHeatmapRoute: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  app.get(
    '/heatmap',
    {
      config: { serviceScoped: true },
      schema: {
        description: `Calls per step (times) and scale-0 latency bucket (buckets: index i holds (2^i, 2^(i+1)] ns), as counts[time][bucket].
Same filters, step rules and rollup choice as /series.`,
        querystring: OverTimeQuery,
        response: { 200: HeatmapResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { filter, stepSeconds, rollup } = overTimeRequest(request.query, limits);
      const heatmap = await queryHeatmap(store.client, filter, stepSeconds, scopeOf(request.principal), rollup, limits);
      return { window: request.query.window, step: request.query.step, rollup: rollup.name, ...heatmap };
    },
  );
};
