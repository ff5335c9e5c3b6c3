package webpush

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/rules"
)

// MaxTTL is the value a push service uses for a TTL too large to represent (RFC 8030 §5.2): 2^31.
const MaxTTL = 1 << 31

// ParseTTL reads the TTL header field of a push request (RFC 8030 §5.2). A missing field is an
// error under rfc8030-5.2-ttl-missing-400; a repeated field under rfc8030-5.2-ttl-required (it
// must be present exactly once); anything but 1*DIGIT (sign, decimal point, spaces, trailing
// letters, an empty value, a comma list) under rfc8030-5.2-ttl-syntax. A value of more than
// 2^31-1, however many digits it has, yields MaxTTL (2^31) without error, as
// rfc8030-5.2-ttl-overflow-as-2pow31 requires.
func ParseTTL(h http.Header) (ttl int64, err error) {
	values := headerValues(h, "TTL")
	switch {
	case len(values) == 0:
		return 0, fail(rules.TTLMissing400.ID, "the push request has no TTL header field")
	case len(values) > 1:
		return 0, fail(rules.TTLRequired.ID, fmt.Sprintf("TTL is given %d times (%q); it must appear exactly once", len(values), values))
	}
	v := values[0]
	if v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return 0, fail(rules.TTLSyntax.ID, fmt.Sprintf("TTL %q is not 1*DIGIT (whole non-negative seconds, nothing else)", v))
	}
	// Leading zeros carry no value; after them, more than 10 digits is always above 2^31-1.
	digits := strings.TrimLeft(v, "0")
	if len(digits) > 10 {
		return MaxTTL, nil
	}
	if digits == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil { // unreachable for ≤ 10 digits, kept so a future edit cannot panic
		return 0, fail(rules.TTLSyntax.ID, fmt.Sprintf("TTL %q: %v", v, err))
	}
	if n > MaxTTL-1 {
		return MaxTTL, nil
	}
	return n, nil
}

// Urgency values of RFC 8030 §5.3, lowest first.
var urgencies = []string{"very-low", "low", "normal", "high"}

// ParseUrgency reads the Urgency header field (RFC 8030 §5.3). It returns "" when the field is
// absent, otherwise the value in lower case (ABNF quoted strings are case-insensitive). Several
// values, as repeated fields or as a comma list, are an error under
// rfc8030-5.3-urgency-multiple-400; a value other than very-low, low, normal or high under
// rfc8030-5.3-urgency-values.
func ParseUrgency(h http.Header) (string, error) {
	values := headerValues(h, "Urgency")
	if len(values) == 0 {
		return "", nil
	}
	// Urgency is a list-based field: empty list elements are ignored (RFC 9110 §5.6.1).
	var all []string
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if part = strings.Trim(part, " \t"); part != "" {
				all = append(all, part)
			}
		}
	}
	if len(all) == 0 {
		return "", fail(rules.UrgencyValues.ID, fmt.Sprintf("Urgency %q carries no value", values))
	}
	if len(all) > 1 {
		return "", fail(rules.UrgencyMultiple400.ID, fmt.Sprintf("Urgency carries %d values %q; exactly one is allowed", len(all), all))
	}
	u := strings.ToLower(all[0])
	for _, known := range urgencies {
		if u == known {
			return u, nil
		}
	}
	return "", fail(rules.UrgencyValues.ID, fmt.Sprintf("Urgency %q is not one of very-low, low, normal, high", all[0]))
}

// MaxTopicLen is the longest Topic RFC 8030 §5.4 allows, in characters.
const MaxTopicLen = 32

// ParseTopic reads the Topic header field (RFC 8030 §5.4). It returns "" when the field is absent.
// A repeated field, an empty value, more than 32 characters, or any character outside the
// base64url alphabet (A–Z a–z 0–9 - _; '=' padding included) is an error under
// rfc8030-5.4-topic-invalid-400.
func ParseTopic(h http.Header) (string, error) {
	values := headerValues(h, "Topic")
	switch {
	case len(values) == 0:
		return "", nil
	case len(values) > 1:
		return "", fail(rules.TopicInvalid400.ID, fmt.Sprintf("Topic is given %d times (%q); one topic per message", len(values), values))
	}
	t := values[0]
	if t == "" {
		return "", fail(rules.TopicInvalid400.ID, "Topic is empty")
	}
	if len(t) > MaxTopicLen {
		return "", fail(rules.TopicInvalid400.ID, fmt.Sprintf("Topic is %d characters, more than %d", len(t), MaxTopicLen))
	}
	for i := 0; i < len(t); i++ {
		if !isBase64URLChar(t[i]) {
			return "", fail(rules.TopicInvalid400.ID, fmt.Sprintf("Topic %q has %q at offset %d, outside the base64url alphabet", t, t[i], i))
		}
	}
	return t, nil
}

// headerValues returns every value of the named field. Besides the canonical key that net/http
// uses, it also collects keys that differ only in case, so that a hand-built http.Header such as
// {"TTL": {"60"}} is read as the wire would have carried it.
func headerValues(h http.Header, name string) []string {
	canonical := http.CanonicalHeaderKey(name)
	values := h[canonical]
	for key, vs := range h {
		if key != canonical && strings.EqualFold(key, name) {
			values = append(values[:len(values):len(values)], vs...)
		}
	}
	return values
}

func isBase64URLChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}
