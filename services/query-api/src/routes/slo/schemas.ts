import { Type, type Static } from '@sinclair/typebox';
import { OBJECT_NAME_PATTERN } from '../../slo/openslo/documents.js';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const SloNameParams = Type.Object({ name: Type.String({ pattern: OBJECT_NAME_PATTERN, maxLength: 255 }) }, { additionalProperties: false });

export const WindowFigures = Type.Object({
  window: Type.String(),
  goodEvents: Type.Number(),
  totalEvents: Type.Number(),
  compliance: NullableNumber,
  burnRate: NullableNumber,
  budgetRemaining: NullableNumber,
});

const BurnRateAlert = Type.Object({
  severity: Type.String(),
  burnRate: Type.Number(),
  longWindowSeconds: Type.Integer(),
  shortWindowSeconds: Type.Integer(),
  longBurnRate: NullableNumber,
  shortBurnRate: NullableNumber,
  firing: Type.Boolean(),
});

export const SloStatusSchema = Type.Object({
  name: Type.String(),
  displayName: Type.Optional(Type.String()),
  service: Type.String(),
  source: Type.String(),
  budgetingMethod: Type.String(),
  target: Type.Number(),
  sliceSeconds: Type.Integer(),
  evaluatedAt: Type.String(),
  budgetPeriod: Type.Intersect([WindowFigures, Type.Object({ from: Type.String(), to: Type.String() })]),
  errorBudgetShare: Type.Number(),
  windows: Type.Array(WindowFigures),
  burnRate: Type.Object({ state: Type.String(), alerts: Type.Array(BurnRateAlert) }),
});

export const SloReportSchema = Type.Intersect([
  SloStatusSchema,
  Type.Object({
    description: Type.Optional(Type.String()),
    objective: Type.String(),
    badTime: Type.Object({
      lookback: Type.String(),
      badPeriods: Type.Integer(),
      badSeconds: Type.Number(),
      syscalls: Type.Array(
        Type.Object({ syscall: Type.String(), waitClass: Type.String(), calls: Type.Integer(), blockedSeconds: Type.Number(), maxMs: Type.Number() }),
      ),
      waitClasses: Type.Array(
        Type.Object({
          waitClass: Type.String(),
          blockedSeconds: Type.Number(),
          topSyscalls: Type.Array(Type.Object({ syscall: Type.String(), blockedSeconds: Type.Number() })),
        }),
      ),
      offCpuStacks: Type.Array(Type.Object({ stack: Type.String(), threadState: Type.String(), offCpuSeconds: Type.Number() })),
    }),
  }),
]);

export const SloDocumentSchema = Type.Object({ name: Type.String(), source: Type.String(), document: Type.String() });

export type SloStatusResponse = Static<typeof SloStatusSchema>;
export type SloReportResponse = Static<typeof SloReportSchema>;
