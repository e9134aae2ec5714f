// A profile as pprof's profile.proto (github.com/google/pprof/proto/profile.proto),
// gzipped, as `go tool pprof` reads it.
import { gzipSync } from 'node:zlib';
import type { ProfileStack, ProfileType } from './profile-stacks-query.js';
import { ProtobufWriter } from './protobuf-writer.js';

/** profile.proto field numbers. */
const Profile = { sampleType: 1, sample: 2, location: 4, function: 5, stringTable: 6, timeNanos: 9, durationNanos: 10, periodType: 11, period: 12 } as const;
const ValueType = { type: 1, unit: 2 } as const;
const Sample = { locationId: 1, value: 2 } as const;
const Location = { id: 1, line: 4 } as const;
const Line = { functionId: 1 } as const;
const FunctionField = { id: 1, name: 2, systemName: 3 } as const;

export interface PprofOptions {
  type: ProfileType;
  fromMs: number;
  toMs: number;
}

/**
 * One sample per stack, one location and function per distinct frame name
 * (stacks are symbolized already: no addresses, no mappings). CPU profiles
 * carry samples/count and cpu/nanoseconds; off-CPU ones offcpu/nanoseconds;
 * goroutine waits wait/nanoseconds.
 */
export function renderPprof(stacks: readonly ProfileStack[], options: PprofOptions): Buffer {
  const strings = [''];
  const stringIndex = new Map<string, number>([['', 0]]);
  const intern = (text: string): number => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = strings.length;
      strings.push(text);
      stringIndex.set(text, index);
    }
    return index;
  };
  const functionIds = new Map<string, number>();
  const idOf = (frame: string): number => {
    let id = functionIds.get(frame);
    if (id === undefined) {
      id = functionIds.size + 1;
      functionIds.set(frame, id);
    }
    return id;
  };

  const cpu = options.type === 'cpu';
  const timeType = cpu ? 'cpu' : options.type === 'offcpu' ? 'offcpu' : 'wait';
  const sampleTypes: [string, string][] = cpu ? [['samples', 'count'], ['cpu', 'nanoseconds']] : [[timeType, 'nanoseconds']];
  const totalSamples = stacks.reduce((sum, stack) => sum + stack.count, 0);
  const totalNs = stacks.reduce((sum, stack) => sum + stack.nanoseconds, 0);
  const writer = new ProtobufWriter();
  for (const [type, unit] of sampleTypes) {
    writer.message(Profile.sampleType, (valueType) => valueType.int(ValueType.type, intern(type)).int(ValueType.unit, intern(unit)));
  }
  for (const stack of stacks) {
    // pprof lists a sample's locations leaf first.
    const locations = [...stack.frames].reverse().map(idOf);
    const values = cpu ? [stack.count, stack.nanoseconds] : [stack.nanoseconds];
    writer.message(Profile.sample, (sample) => sample.packedInts(Sample.locationId, locations).packedInts(Sample.value, values));
  }
  for (const id of functionIds.values()) {
    writer.message(Profile.location, (location) => location.int(Location.id, id).message(Location.line, (line) => line.int(Line.functionId, id)));
  }
  for (const [frame, id] of functionIds) {
    const name = intern(frame);
    writer.message(Profile.function, (fn) => fn.int(FunctionField.id, id).int(FunctionField.name, name).int(FunctionField.systemName, name));
  }
  // The period type and time fields reference strings too: intern before the table is written.
  const periodType = [intern(timeType), intern('nanoseconds')];
  for (const text of strings) writer.string(Profile.stringTable, text);
  writer.int(Profile.timeNanos, BigInt(options.fromMs) * 1_000_000n);
  writer.int(Profile.durationNanos, BigInt(options.toMs - options.fromMs) * 1_000_000n);
  writer.message(Profile.periodType, (valueType) => valueType.int(ValueType.type, periodType[0]!).int(ValueType.unit, periodType[1]!));
  // A CPU sample stands for one sampling period of CPU time.
  if (cpu && totalSamples > 0) writer.int(Profile.period, Math.round(totalNs / totalSamples));
  return gzipSync(writer.finish());
}
