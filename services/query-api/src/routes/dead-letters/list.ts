import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteDeps } from '../../route-deps.js';
import { ErrorResponse } from '../../schemas/error-response.js';
import { Window, windowSeconds } from '../../schemas/window.js';
import { queryDeadLetters } from './list-query.js';

const MAX_LIMIT = 1_000;
const MAX_TOPIC_LENGTH = 249; // Kafka's limit on a topic name

const DeadLettersQuery = Type.Object(
  {
    window: Window,
    topic: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_TOPIC_LENGTH })),
    limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 100 }),
  },
  { additionalProperties: false },
);

const DeadLetterRow = Type.Object(
  {
    time: Type.String({ format: 'date-time' }),
    sourceTopic: Type.String(),
    sourcePartition: Type.Integer(),
    sourceOffset: Type.String(),
    error: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
    payloadBase64: Type.String(),
  },
  { additionalProperties: false },
);

const DeadLettersResponse = Type.Object(
  {
    window: Type.String(),
    rows: Type.Array(DeadLetterRow),
  },
  { additionalProperties: false },
);
export type DeadLettersResponse = Static<typeof DeadLettersResponse>;

/** GET /: the messages the ingest dead-lettered in the window, newest first. */
export const listDeadLettersRoute: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { store, limits }) => {
  app.get(
    '/',
    {
      schema: {
        description: 'Messages the ingest could not ingest (not valid OTLP), with source, error, headers and payload',
        querystring: DeadLettersQuery,
        response: { 200: DeadLettersResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const { window, topic, limit } = request.query;
      const rows = await queryDeadLetters(store.client, { windowSeconds: windowSeconds(window), topic, limit }, limits);
      return { window, rows };
    },
  );
};
