package fcm

// The few protobuf messages of GCM (checkin.proto, android_checkin.proto, mcs.proto in Chromium's
// google_apis/gcm/protocol) are read and written field by field with protowire: we need a handful
// of fields, must keep unknown ones for the frame log, and protoc is not part of the toolchain.

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// field is one decoded protobuf field occurrence.
type field struct {
	num protowire.Number
	typ protowire.Type
	u   uint64 // varint, fixed32, fixed64
	b   []byte // bytes (strings and nested messages)
}

// message is a decoded protobuf message: its fields in wire order.
type message []field

// parseMessage decodes one protobuf message without a schema.
func parseMessage(b []byte) (message, error) {
	var m message
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("protobuf tag: %w", protowire.ParseError(n))
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.u, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.u = uint64(v)
		case protowire.Fixed64Type:
			f.u, n = protowire.ConsumeFixed64(b)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return nil, fmt.Errorf("protobuf field %d: %w", num, protowire.ParseError(n))
		}
		b = b[n:]
		m = append(m, f)
	}
	return m, nil
}

// last returns the last occurrence of field num (proto2 semantics for a singular field).
func (m message) last(num protowire.Number) (field, bool) {
	for i := len(m) - 1; i >= 0; i-- {
		if m[i].num == num {
			return m[i], true
		}
	}
	return field{}, false
}

func (m message) has(num protowire.Number) bool { _, ok := m.last(num); return ok }

func (m message) uint(num protowire.Number) uint64 { f, _ := m.last(num); return f.u }

func (m message) str(num protowire.Number) string { f, _ := m.last(num); return string(f.b) }

func (m message) bytes(num protowire.Number) []byte { f, _ := m.last(num); return f.b }

// all returns every occurrence of a repeated bytes field.
func (m message) all(num protowire.Number) [][]byte {
	var out [][]byte
	for _, f := range m {
		if f.num == num && f.typ == protowire.BytesType {
			out = append(out, f.b)
		}
	}
	return out
}

// sub decodes the nested message in field num; an absent or broken field gives an empty message.
func (m message) sub(num protowire.Number) message {
	f, ok := m.last(num)
	if !ok {
		return nil
	}
	s, err := parseMessage(f.b)
	if err != nil {
		return nil
	}
	return s
}

// String renders the message compactly for the frame log: {1:"x" 2:5 7:{1:"k" 2:"v"}}. Nested
// bytes that parse as a message and are not printable text are shown as messages, down to
// maxRenderDepth levels; the text stops after maxRenderLen octets (the log keeps 2000).
func (m message) String() string {
	var sb strings.Builder
	m.render(&sb, 0)
	return sb.String()
}

// maxRenderDepth and maxRenderLen bound String: each level re-parses its bytes, so an unbounded
// walk of a deeply nested frame cost O(n²) (a 16 KiB frame 1.3 s, a 4 MiB one hours), and every
// frame is rendered, the LoginRequest too, before the device is known.
const (
	maxRenderDepth = 8
	maxRenderLen   = 4096
)

func (m message) render(sb *strings.Builder, depth int) {
	sb.WriteByte('{')
	for i, f := range m {
		if sb.Len() > maxRenderLen {
			sb.WriteString("…")
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.Itoa(int(f.num)))
		sb.WriteByte(':')
		switch f.typ {
		case protowire.BytesType:
			renderBytes(sb, f.b, depth)
		default:
			sb.WriteString(strconv.FormatUint(f.u, 10))
		}
	}
	sb.WriteByte('}')
}

func renderBytes(sb *strings.Builder, b []byte, depth int) {
	if printable(b) {
		s := string(b)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		sb.WriteString(strconv.Quote(s))
		return
	}
	if depth < maxRenderDepth {
		if sub, err := parseMessage(b); err == nil && len(sub) > 0 {
			sub.render(sb, depth+1)
			return
		}
	}
	fmt.Fprintf(sb, "<%d bytes>", len(b))
}

func printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// builder appends protobuf fields; the zero value is an empty message.
type builder struct{ b []byte }

func (w *builder) varint(num protowire.Number, v uint64) *builder {
	w.b = protowire.AppendTag(w.b, num, protowire.VarintType)
	w.b = protowire.AppendVarint(w.b, v)
	return w
}

func (w *builder) fixed64(num protowire.Number, v uint64) *builder {
	w.b = protowire.AppendTag(w.b, num, protowire.Fixed64Type)
	w.b = protowire.AppendFixed64(w.b, v)
	return w
}

func (w *builder) bytes(num protowire.Number, v []byte) *builder {
	w.b = protowire.AppendTag(w.b, num, protowire.BytesType)
	w.b = protowire.AppendBytes(w.b, v)
	return w
}

func (w *builder) str(num protowire.Number, v string) *builder {
	w.b = protowire.AppendTag(w.b, num, protowire.BytesType)
	w.b = protowire.AppendString(w.b, v)
	return w
}

func (w *builder) msg(num protowire.Number, sub *builder) *builder { return w.bytes(num, sub.b) }

// String renders the built message like message.String, for the frame log.
func (w *builder) String() string {
	m, err := parseMessage(w.b)
	if err != nil {
		return "unparsable: " + err.Error()
	}
	return m.String()
}
