import { Type, type Static } from '@sinclair/typebox';

/** The body of every error answer: `{ error: { code, message } }`. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type ErrorResponse = Static<typeof ErrorResponse>;
