// The few protobuf wire-format pieces a profile.proto message needs: varints,
// length-delimited fields and packed repeated integers.

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;

export class ProtobufWriter {
  private readonly chunks: Buffer[] = [];
  private readonly bytes: number[] = [];

  private varint(value: bigint | number): void {
    let rest = BigInt.asUintN(64, BigInt(value));
    while (rest >= 0x80n) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.bytes.push(Number(rest));
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    this.chunks.push(Buffer.from(this.bytes));
    this.bytes.length = 0;
  }

  /** An int64/uint64 field; 0 is the default and is left out, as protobuf encoders do. */
  int(field: number, value: bigint | number): this {
    if (BigInt(value) === 0n) return this;
    this.varint((field << 3) | WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bytesField(field: number, value: Buffer): this {
    this.varint((field << 3) | WIRE_LENGTH_DELIMITED);
    this.varint(value.length);
    this.flushBytes();
    this.chunks.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytesField(field, inner.finish());
  }

  packedInts(field: number, values: readonly (bigint | number)[]): this {
    if (values.length === 0) return this;
    const inner = new ProtobufWriter();
    for (const value of values) inner.varint(value);
    return this.bytesField(field, inner.finish());
  }

  finish(): Buffer {
    this.flushBytes();
    return Buffer.concat(this.chunks);
  }
}
