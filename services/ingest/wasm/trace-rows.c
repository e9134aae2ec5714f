// otel_traces rows straight from an otlp_proto ExportTraceServiceRequest, in
// WebAssembly: the common case of src/trace-row-binary.ts (the direct way),
// which is half the ingest's main thread in JavaScript. It takes what agents
// send, spans whose attribute values are strings, ints, bools, empty, or
// arrays of those (strings in them ASCII that JSON takes as it is), and
// answers NOT_TAKEN for anything else (doubles, bytes, maps, events, links,
// more attributes than fit below, anything malformed), which the
// TypeScript encoder then takes, with its own rules. Where both take a
// request they write the same bytes (trace-row-binary.test.ts). Freestanding:
// no libc, no allocation; the caller lays out memory (trace-rows-wasm.ts).

typedef unsigned char u8;
typedef unsigned int u32;
typedef int i32;
typedef unsigned long long u64;
typedef long long i64;

#define EXPORT __attribute__((visibility("default")))

#define NOT_TAKEN (-1)
#define OUT_FULL (-2)

// Protobuf wire types.
#define VARINT 0
#define I64 1
#define LEN 2
#define I32 5

#define VALUE_EMPTY 0
#define VALUE_STRING 1
#define VALUE_BOOL 2
#define VALUE_INT 3
#define VALUE_ARRAY 4

// Column codes: the index of each column in COLUMN_WRITERS of trace-row-binary.ts.
enum column {
	TIMESTAMP, TRACE_ID, SPAN_ID, PARENT_SPAN_ID, TRACE_STATE, SPAN_NAME, SPAN_KIND,
	SERVICE_NAME, RESOURCE_ATTRIBUTES, SCOPE_NAME, SCOPE_VERSION, SPAN_ATTRIBUTES,
	DURATION, STATUS_CODE, STATUS_MESSAGE, EMPTY_ARRAY_FIRST,
};

#define MAX_ATTRIBUTES 256
#define MAX_SPANS 65536
#define MAX_SCOPES 4096
#define MAX_RESOURCE_BYTES 65536
#define MAX_CELLS 32
#define MAX_JSON_BYTES 65536
/** Go's sort is an insertion sort up to this many elements, and so stable. */
#define MAX_INSERTION 12

struct attribute {
	u32 key_start, key_end, kind, value_start, value_end;
	u64 integer;
};

struct reader {
	u32 pos, end;
};

static const u8 *in;
/** Set by whatever does not take the request; every caller returns once it is. */
static int bad;

/** The cells of span kinds and status codes: each a RowBinary String (length byte, then bytes). */
static const u8 *kind_cells[MAX_CELLS], *status_cells[MAX_CELLS];
static u32 kind_count, status_count;
static const u8 EMPTY_CELL[1] = {0};

static struct attribute span_attributes[MAX_ATTRIBUTES], resource_attributes[MAX_ATTRIBUTES];
static u32 span_positions[2 * MAX_SPANS];
static struct reader scopes[MAX_SCOPES];

static u8 resource_map[MAX_RESOURCE_BYTES];
static u32 resource_map_len;
static u8 service_name[MAX_RESOURCE_BYTES];
static u32 service_name_len;

static int more(const struct reader *r) { return r->pos < r->end; }

static void advance(struct reader *r, u32 bytes)
{
	if ((u64)r->pos + bytes > r->end) bad = 1;
	else r->pos += bytes;
}

/** read_u32 past its first byte: out of line, so that the one-byte case (most tags and lengths) is inlined. */
static __attribute__((noinline)) u32 read_u32_long(struct reader *r)
{
	u32 value = 0;
	for (int i = 0; i < 5; i++) {
		if (r->pos >= r->end) {
			bad = 1;
			return 0;
		}
		u8 byte = in[r->pos++];
		value |= (u32)(byte & 0x7f) << (7 * i);
		if (byte < 0x80) return value;
	}
	advance(r, 5);
	return value;
}

/** A varint's low 32 bits, as protobufjs reads tags, lengths, enums and bools: past the fifth byte, five more are passed over unread. */
static inline __attribute__((always_inline)) u32 read_u32(struct reader *r)
{
	if (r->pos < r->end && in[r->pos] < 0x80) return in[r->pos++];
	return read_u32_long(r);
}

/** A 64-bit varint, its bits past the 64th dropped as the TypeScript encoder drops them. */
static u64 read_u64(struct reader *r)
{
	u32 low = 0, high = 0;
	for (int i = 0; i < 10; i++) {
		if (r->pos >= r->end) break;
		u8 byte = in[r->pos++];
		u32 bits = byte & 0x7f;
		if (i < 4) low |= bits << (7 * i);
		else if (i == 4) {
			low |= (bits & 0x0f) << 28;
			high |= bits >> 4;
		} else high |= bits << (7 * i - 32);
		if (byte < 0x80) return ((u64)high << 32) | low;
	}
	bad = 1;
	return 0;
}

/** A length-delimited field's end, with pos at its first byte. */
static u32 read_length(struct reader *r)
{
	u32 length = read_u32(r);
	if (bad) return 0;
	if ((u64)r->pos + length > r->end) {
		bad = 1;
		return 0;
	}
	return r->pos + length;
}

static struct reader sub(struct reader *r)
{
	struct reader field = {0, 0};
	field.end = read_length(r);
	field.pos = r->pos;
	if (!bad) r->pos = field.end;
	return field;
}

static void skip(struct reader *r, u32 wire_type)
{
	if (wire_type == VARINT) {
		do {
			if (r->pos >= r->end) {
				bad = 1;
				return;
			}
		} while (in[r->pos++] >= 0x80);
	} else if (wire_type == I64) advance(r, 8);
	else if (wire_type == LEN) {
		u32 end = read_length(r);
		if (!bad) r->pos = end;
	} else if (wire_type == I32) advance(r, 4);
	else bad = 1;
}

/** Not taken unless a known field has its declared wire type. */
static void expect(u32 tag, u32 wire_type)
{
	if ((tag & 7) != wire_type) bad = 1;
}

static void skip_known(struct reader *r, u32 tag, u32 wire_type)
{
	expect(tag, wire_type);
	if (!bad) skip(r, wire_type);
}

/** A field holding a message, as a reader of its own; this one moves past it. */
static struct reader message_field(struct reader *r, u32 tag)
{
	expect(tag, LEN);
	if (bad) return (struct reader){0, 0};
	return sub(r);
}

/** A string field's byte range. */
static void string_field(struct reader *r, u32 tag, u32 *start, u32 *end)
{
	expect(tag, LEN);
	if (bad) return;
	*end = read_length(r);
	*start = r->pos;
	if (!bad) r->pos = *end;
}

static void any_value(struct reader value, struct attribute *into, int in_array);

/** Whether a string goes into JSON as it is, between quotes (the TypeScript encoder's plainJsonString), and is ASCII. */
static int plain_ascii(u32 start, u32 end)
{
	for (u32 at = start; at < end; at++) {
		u8 byte = in[at];
		if (byte < 0x20 || byte == '"' || byte == '\\' || byte >= 0x80) return 0;
	}
	return 1;
}

/** An ArrayValue's elements, each one this encoder takes. */
static void array_elements(struct reader array)
{
	struct attribute element;
	while (!bad && more(&array)) {
		u32 tag = read_u32(&array);
		if (bad) return;
		if (tag >> 3 != 1) {
			skip(&array, tag & 7);
			continue;
		}
		struct reader value = message_field(&array, tag);
		if (bad) return;
		any_value(value, &element, 1);
		if (!bad && element.kind == VALUE_STRING && !plain_ascii(element.value_start, element.value_end)) bad = 1;
	}
}

/** An AnyValue this encoder takes: empty, a string, a bool, an int or (not in an array) an array of those, set once. */
static void any_value(struct reader value, struct attribute *into, int in_array)
{
	into->kind = VALUE_EMPTY;
	int members = 0;
	while (!bad && more(&value)) {
		u32 tag = read_u32(&value);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 1) {
			string_field(&value, tag, &into->value_start, &into->value_end);
			into->kind = VALUE_STRING;
		} else if (field == 2) {
			expect(tag, VARINT);
			if (bad) return;
			into->integer = read_u32(&value);
			into->kind = VALUE_BOOL;
		} else if (field == 3) {
			expect(tag, VARINT);
			if (bad) return;
			into->integer = read_u64(&value);
			into->kind = VALUE_INT;
		} else if (field == 5 && !in_array) {
			struct reader array = message_field(&value, tag);
			if (bad) return;
			into->value_start = array.pos;
			into->value_end = array.end;
			into->kind = VALUE_ARRAY;
			array_elements(array);
		} else if (field >= 4 && field <= 7) {
			bad = 1;
			return;
		} else {
			skip(&value, tag & 7);
			continue;
		}
		if (++members > 1) bad = 1;
	}
}

static void key_value(struct reader pair, struct attribute *into)
{
	into->key_start = into->key_end = 0;
	into->kind = VALUE_EMPTY;
	while (!bad && more(&pair)) {
		u32 tag = read_u32(&pair);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 1) string_field(&pair, tag, &into->key_start, &into->key_end);
		else if (field == 2) {
			struct reader value = message_field(&pair, tag);
			if (!bad) any_value(value, into, 0);
		} else skip(&pair, tag & 7);
	}
}

/** One attribute of a repeated KeyValue field, appended to `attributes` (at most MAX_ATTRIBUTES). */
static void read_attribute(struct reader *r, u32 tag, struct attribute *attributes, u32 *count)
{
	struct reader pair = message_field(r, tag);
	if (bad) return;
	if (*count >= MAX_ATTRIBUTES) {
		bad = 1;
		return;
	}
	key_value(pair, &attributes[(*count)++]);
}

static int compare_keys(const struct attribute *a, const struct attribute *b)
{
	u32 a_len = a->key_end - a->key_start, b_len = b->key_end - b->key_start;
	u32 length = a_len < b_len ? a_len : b_len;
	for (u32 i = 0; i < length; i++) {
		int difference = in[a->key_start + i] - in[b->key_start + i];
		if (difference != 0) return difference;
	}
	return (int)a_len - (int)b_len;
}

/**
 * Sorted by key bytes as the Collector's exporter (Go's sort) orders them:
 * up to MAX_INSERTION attributes Go sorts by insertion, as here; past that,
 * only distinct keys are taken, whose order any sort gives.
 */
static void sort_attributes(struct attribute *attributes, u32 count)
{
	u32 sorted = 1;
	while (sorted < count && compare_keys(&attributes[sorted - 1], &attributes[sorted]) < 0) sorted++;
	if (sorted >= count) return;
	for (u32 i = 1; i < count; i++) {
		for (u32 j = i; j > 0 && compare_keys(&attributes[j], &attributes[j - 1]) < 0; j--) {
			struct attribute item = attributes[j];
			attributes[j] = attributes[j - 1];
			attributes[j - 1] = item;
		}
	}
	if (count <= MAX_INSERTION) return;
	for (u32 i = 1; i < count; i++) {
		if (compare_keys(&attributes[i - 1], &attributes[i]) == 0) bad = 1;
	}
}

/** A bounded byte sink: the row buffer, or the resource's scratch buffers. */
struct sink {
	u8 *bytes;
	u32 pos, cap;
	int full;
};

static void put(struct sink *s, const u8 *source, u32 length)
{
	u32 pos = s->pos;
	if ((u64)pos + length > s->cap) {
		s->full = 1;
		return;
	}
	// Locals: a byte store may alias anything, and would make every field be read again.
	u8 *to = s->bytes + pos;
	for (u32 i = 0; i < length; i++) to[i] = source[i];
	s->pos = pos + length;
}

static void put_var_uint(struct sink *s, u32 value)
{
	u8 bytes[5];
	u32 length = 0;
	while (value >= 0x80) {
		bytes[length++] = (u8)((value & 0x7f) | 0x80);
		value >>= 7;
	}
	bytes[length++] = (u8)value;
	put(s, bytes, length);
}

static void put_string(struct sink *s, u32 start, u32 end)
{
	put_var_uint(s, end - start);
	put(s, in + start, end - start);
}

static void put_cell(struct sink *s, const u8 *cell)
{
	put(s, cell, 1 + cell[0]);
}

#define DECIMAL_BYTES 21

/** A signed 64-bit integer's decimal text, at the end of `digits`: where it starts. */
static u32 decimal(u64 bits, u8 digits[DECIMAL_BYTES])
{
	u32 at = DECIMAL_BYTES;
	int negative = (i64)bits < 0;
	u64 rest = negative ? 0 - bits : bits;
	do {
		digits[--at] = (u8)('0' + rest % 10);
		rest /= 10;
	} while (rest > 0);
	if (negative) digits[--at] = '-';
	return at;
}

/** A signed 64-bit integer's decimal text as a String. */
static void put_decimal(struct sink *s, u64 bits)
{
	u8 digits[DECIMAL_BYTES];
	u32 at = decimal(bits, digits);
	u8 length = (u8)(DECIMAL_BYTES - at);
	put(s, &length, 1);
	put(s, digits + at, length);
}

static const u8 TRUE_CELL[] = {4, 't', 'r', 'u', 'e'};
static const u8 FALSE_CELL[] = {5, 'f', 'a', 'l', 's', 'e'};
static const u8 JSON_NULL[] = "null";

static u8 json_bytes[MAX_JSON_BYTES];

/** An array as the Collector's exporter renders it, Go's JSON (arrayJson of the TypeScript encoder), as a String. */
static void put_array_json(struct sink *s, const struct attribute *array_value)
{
	struct sink json = {json_bytes, 0, sizeof json_bytes, 0};
	struct reader array = {array_value->value_start, array_value->value_end};
	struct attribute element;
	int first = 1;
	put(&json, (const u8 *)"[", 1);
	while (more(&array)) {
		u32 tag = read_u32(&array);
		if (tag >> 3 != 1) {
			skip(&array, tag & 7);
			continue;
		}
		any_value(sub(&array), &element, 1);
		if (!first) put(&json, (const u8 *)",", 1);
		first = 0;
		if (element.kind == VALUE_STRING) {
			put(&json, (const u8 *)"\"", 1);
			put(&json, in + element.value_start, element.value_end - element.value_start);
			put(&json, (const u8 *)"\"", 1);
		} else if (element.kind == VALUE_BOOL) {
			const u8 *cell = element.integer != 0 ? TRUE_CELL : FALSE_CELL;
			put(&json, cell + 1, cell[0]);
		} else if (element.kind == VALUE_INT) {
			u8 digits[DECIMAL_BYTES];
			u32 at = decimal(element.integer, digits);
			put(&json, digits + at, DECIMAL_BYTES - at);
		} else put(&json, JSON_NULL, 4);
	}
	put(&json, (const u8 *)"]", 1);
	// Read once already (array_elements): every element is taken; only a JSON text past the scratch is not.
	if (json.full) {
		bad = 1;
		return;
	}
	put_var_uint(s, json.pos);
	put(s, json_bytes, json.pos);
}

static void put_value(struct sink *s, const struct attribute *attribute)
{
	if (attribute->kind == VALUE_STRING) put_string(s, attribute->value_start, attribute->value_end);
	else if (attribute->kind == VALUE_BOOL) put_cell(s, attribute->integer != 0 ? TRUE_CELL : FALSE_CELL);
	else if (attribute->kind == VALUE_INT) put_decimal(s, attribute->integer);
	else if (attribute->kind == VALUE_ARRAY) put_array_json(s, attribute);
	else put_var_uint(s, 0);
}

static void put_map(struct sink *s, const struct attribute *attributes, u32 count)
{
	put_var_uint(s, count);
	for (u32 i = 0; i < count; i++) {
		put_string(s, attributes[i].key_start, attributes[i].key_end);
		put_value(s, &attributes[i]);
	}
}

static const u8 HEX[] = "0123456789abcdef";

static void put_hex(struct sink *s, u32 start, u32 length)
{
	put_var_uint(s, length * 2);
	if ((u64)s->pos + length * 2 > s->cap) {
		s->full = 1;
		return;
	}
	for (u32 i = 0; i < length; i++) {
		s->bytes[s->pos++] = HEX[in[start + i] >> 4];
		s->bytes[s->pos++] = HEX[in[start + i] & 15];
	}
}

static void put_u64(struct sink *s, u64 value)
{
	u8 bytes[8];
	for (int i = 0; i < 8; i++) bytes[i] = (u8)(value >> (8 * i));
	put(s, bytes, 8);
}

static const u8 SERVICE_NAME_KEY[] = "service.name";

/** The resource's attributes map and service name, for every row of its spans. */
static void resource_at(struct reader resource)
{
	u32 count = 0;
	while (!bad && more(&resource)) {
		u32 tag = read_u32(&resource);
		if (bad) return;
		if (tag >> 3 == 1) read_attribute(&resource, tag, resource_attributes, &count);
		else if (tag >> 3 == 2) skip_known(&resource, tag, VARINT);
		else skip(&resource, tag & 7);
	}
	if (bad) return;
	struct sink service = {service_name, 0, sizeof service_name, 0};
	// pcommon.Map.Get: the first entry of the key, in the order sent.
	const struct attribute *found = 0;
	for (u32 i = 0; i < count && !found; i++) {
		const struct attribute *attribute = &resource_attributes[i];
		u32 length = attribute->key_end - attribute->key_start;
		if (length != sizeof SERVICE_NAME_KEY - 1) continue;
		u32 j = 0;
		while (j < length && in[attribute->key_start + j] == SERVICE_NAME_KEY[j]) j++;
		if (j == length) found = attribute;
	}
	if (found) put_value(&service, found);
	else put_var_uint(&service, 0);
	sort_attributes(resource_attributes, count);
	struct sink map = {resource_map, 0, sizeof resource_map, 0};
	put_map(&map, resource_attributes, count);
	if (service.full || map.full) bad = 1;
	service_name_len = service.pos;
	resource_map_len = map.pos;
}

struct span {
	u32 trace_id, span_id, parent_start, parent_end;
	u32 trace_state_start, trace_state_end, name_start, name_end;
	i32 kind, status_code;
	u64 start, end;
	u32 attribute_count;
	u32 status_message_start, status_message_end;
};

struct scope_context {
	u32 name_start, name_end, version_start, version_end;
};

/** An id field: exactly `length` bytes, not all zeros. */
static u32 id_field(struct reader *r, u32 tag, u32 length)
{
	u32 start = 0, end = 0;
	string_field(r, tag, &start, &end);
	if (bad || end - start != length) {
		bad = 1;
		return 0;
	}
	for (u32 at = start; at < end; at++) {
		if (in[at] != 0) return start;
	}
	bad = 1;
	return 0;
}

static u64 fixed64(struct reader *r, u32 tag)
{
	expect(tag, I64);
	if (bad) return 0;
	advance(r, 8);
	if (bad) return 0;
	u64 value = 0;
	for (int i = 7; i >= 0; i--) value = (value << 8) | in[r->pos - 8 + i];
	return value;
}

static void status_at(struct reader status, struct span *span)
{
	// A second status replaces the first, as protobufjs decodes it.
	span->status_message_start = span->status_message_end = 0;
	span->status_code = 0;
	while (!bad && more(&status)) {
		u32 tag = read_u32(&status);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 2) string_field(&status, tag, &span->status_message_start, &span->status_message_end);
		else if (field == 3) {
			expect(tag, VARINT);
			if (!bad) span->status_code = (i32)read_u32(&status);
		} else skip(&status, tag & 7);
	}
}

static void span_at(struct reader fields, struct span *span)
{
	*span = (struct span){0};
	int has_trace_id = 0, has_span_id = 0;
	while (!bad && more(&fields)) {
		u32 tag = read_u32(&fields);
		if (bad) return;
		switch (tag >> 3) {
		case 1:
			span->trace_id = id_field(&fields, tag, 16);
			has_trace_id = 1;
			break;
		case 2:
			span->span_id = id_field(&fields, tag, 8);
			has_span_id = 1;
			break;
		case 3:
			string_field(&fields, tag, &span->trace_state_start, &span->trace_state_end);
			break;
		case 4:
			string_field(&fields, tag, &span->parent_start, &span->parent_end);
			if (span->parent_end - span->parent_start != 0 && span->parent_end - span->parent_start != 8) bad = 1;
			break;
		case 5:
			string_field(&fields, tag, &span->name_start, &span->name_end);
			break;
		case 6:
			expect(tag, VARINT);
			if (!bad) span->kind = (i32)read_u32(&fields);
			break;
		case 7:
			span->start = fixed64(&fields, tag);
			break;
		case 8:
			span->end = fixed64(&fields, tag);
			break;
		case 9:
			read_attribute(&fields, tag, span_attributes, &span->attribute_count);
			break;
		case 11:
		case 13:
			bad = 1;
			break;
		case 15: {
			struct reader status = message_field(&fields, tag);
			if (!bad) status_at(status, span);
			break;
		}
		case 10:
		case 12:
		case 14:
			skip_known(&fields, tag, VARINT);
			break;
		case 16:
			skip_known(&fields, tag, I32);
			break;
		default:
			skip(&fields, tag & 7);
		}
	}
	if (!has_trace_id || !has_span_id || span->end < span->start) bad = 1;
}

static const u8 *layout;
static u32 layout_count;
static u32 *row_ends;
static u32 row_count, row_cap;

static void write_row(struct sink *s, const struct span *span, const struct scope_context *scope)
{
	for (u32 c = 0; c < layout_count; c++) {
		switch (layout[c]) {
		case TIMESTAMP: put_u64(s, span->start); break;
		case TRACE_ID: put_hex(s, span->trace_id, 16); break;
		case SPAN_ID: put_hex(s, span->span_id, 8); break;
		case PARENT_SPAN_ID: {
			int any = 0;
			for (u32 at = span->parent_start; at < span->parent_end; at++) any |= in[at];
			if (any) put_hex(s, span->parent_start, 8);
			else put_var_uint(s, 0);
			break;
		}
		case TRACE_STATE: put_string(s, span->trace_state_start, span->trace_state_end); break;
		case SPAN_NAME: put_string(s, span->name_start, span->name_end); break;
		case SPAN_KIND:
			put_cell(s, span->kind >= 0 && (u32)span->kind < kind_count ? kind_cells[span->kind] : EMPTY_CELL);
			break;
		case SERVICE_NAME: put(s, service_name, service_name_len); break;
		case RESOURCE_ATTRIBUTES: put(s, resource_map, resource_map_len); break;
		case SCOPE_NAME: put_string(s, scope->name_start, scope->name_end); break;
		case SCOPE_VERSION: put_string(s, scope->version_start, scope->version_end); break;
		case SPAN_ATTRIBUTES: put_map(s, span_attributes, span->attribute_count); break;
		case DURATION: put_u64(s, span->end - span->start); break;
		case STATUS_CODE:
			put_cell(s, span->status_code >= 0 && (u32)span->status_code < status_count ? status_cells[span->status_code] : EMPTY_CELL);
			break;
		case STATUS_MESSAGE: put_string(s, span->status_message_start, span->status_message_end); break;
		default: put_var_uint(s, 0);
		}
	}
}

static void scope_at(struct reader scope, struct scope_context *context)
{
	while (!bad && more(&scope)) {
		u32 tag = read_u32(&scope);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 1) string_field(&scope, tag, &context->name_start, &context->name_end);
		else if (field == 2) string_field(&scope, tag, &context->version_start, &context->version_end);
		else if (field == 3) {
			// Not stored, but read: a value not taken makes the request not taken.
			struct attribute ignored;
			u32 count = 0;
			read_attribute(&scope, tag, &ignored, &count);
		} else if (field == 4) skip_known(&scope, tag, VARINT);
		else skip(&scope, tag & 7);
	}
}

static void scope_spans_at(struct reader scope, struct sink *s)
{
	struct scope_context context = {0};
	u32 spans = 0;
	while (!bad && more(&scope)) {
		u32 tag = read_u32(&scope);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 1) {
			// Last one wins, as protobuf decoders take a repeated message field that is not repeated.
			context = (struct scope_context){0};
			struct reader fields = message_field(&scope, tag);
			if (!bad) scope_at(fields, &context);
		} else if (field == 2) {
			// Spans are written once the whole scope is read: a scope may follow them.
			struct reader span = message_field(&scope, tag);
			if (bad) return;
			if (spans >= MAX_SPANS) {
				bad = 1;
				return;
			}
			span_positions[2 * spans] = span.pos;
			span_positions[2 * spans + 1] = span.end;
			spans++;
		} else if (field == 3) skip_known(&scope, tag, LEN);
		else skip(&scope, tag & 7);
	}
	struct span span;
	for (u32 i = 0; i < spans && !bad && !s->full; i++) {
		struct reader fields = {span_positions[2 * i], span_positions[2 * i + 1]};
		span_at(fields, &span);
		if (bad) return;
		sort_attributes(span_attributes, span.attribute_count);
		if (bad) return;
		write_row(s, &span, &context);
		if (row_count >= row_cap) s->full = 1;
		else row_ends[row_count++] = s->pos;
	}
}

static void resource_spans_at(struct reader fields, struct sink *s)
{
	// No resource: an empty map and an empty service name.
	resource_map[0] = 0;
	resource_map_len = 1;
	service_name[0] = 0;
	service_name_len = 1;
	u32 scope_count = 0;
	while (!bad && more(&fields)) {
		u32 tag = read_u32(&fields);
		u32 field = tag >> 3;
		if (bad) return;
		if (field == 1) {
			struct reader resource = message_field(&fields, tag);
			if (!bad) resource_at(resource);
		} else if (field == 2) {
			// Written once the whole resource is read: the resource may follow its scopes.
			struct reader scope = message_field(&fields, tag);
			if (bad) return;
			if (scope_count >= MAX_SCOPES) {
				bad = 1;
				return;
			}
			scopes[scope_count++] = scope;
		} else if (field == 3) skip_known(&fields, tag, LEN);
		else skip(&fields, tag & 7);
	}
	for (u32 i = 0; i < scope_count && !bad && !s->full; i++) scope_spans_at(scopes[i], s);
}

/**
 * The span kinds' and status codes' cells, each a RowBinary String, one
 * after another: `kinds` of the first, then `statuses` of the second.
 */
EXPORT void set_cells(const u8 *cells, u32 kinds, u32 statuses)
{
	kind_count = kinds < MAX_CELLS ? kinds : MAX_CELLS;
	status_count = statuses < MAX_CELLS ? statuses : MAX_CELLS;
	for (u32 i = 0; i < kinds; i++, cells += 1 + cells[0]) {
		if (i < MAX_CELLS) kind_cells[i] = cells;
	}
	for (u32 i = 0; i < statuses; i++, cells += 1 + cells[0]) {
		if (i < MAX_CELLS) status_cells[i] = cells;
	}
}

/**
 * The rows of the request at payload[0, length), one after another from
 * `rows`, each row's end offset into `ends`; the columns are the codes of
 * `columns`. Answers how many rows, NOT_TAKEN, or OUT_FULL when `rows_cap`
 * bytes or `ends_cap` rows were too few.
 */
EXPORT i32 encode_trace_rows(const u8 *payload, u32 length, const u8 *columns, u32 column_count, u8 *rows, u32 rows_cap, u32 *ends, u32 ends_cap)
{
	in = payload;
	bad = 0;
	layout = columns;
	layout_count = column_count;
	row_ends = ends;
	row_count = 0;
	row_cap = ends_cap;
	struct sink s = {rows, 0, rows_cap, 0};
	struct reader request = {0, length};
	while (!bad && !s.full && more(&request)) {
		u32 tag = read_u32(&request);
		if (bad) break;
		if (tag >> 3 == 1) {
			struct reader fields = message_field(&request, tag);
			if (!bad) resource_spans_at(fields, &s);
		} else skip(&request, tag & 7);
	}
	if (bad) return NOT_TAKEN;
	if (s.full) return OUT_FULL;
	return (i32)row_count;
}
