package webpush

import (
	"net/http"
	"testing"

	"github.com/pushspec/pushspec/rules"
)

// header builds an http.Header with the given field repeated once per value; nil means absent.
func header(name string, values ...string) http.Header {
	h := http.Header{}
	for _, v := range values {
		h.Add(name, v)
	}
	return h
}

func TestParseTTL(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   int64
		rule   string // "" when the value is accepted
	}{
		{"zero", []string{"0"}, 0, ""},
		{"typical", []string{"60"}, 60, ""},
		{"leading zeros", []string{"0000000000000000000010"}, 10, ""},
		{"all zeros", []string{"000"}, 0, ""},
		{"2^31-1 kept", []string{"2147483647"}, 2147483647, ""},
		{"2^31 is treated as 2^31", []string{"2147483648"}, MaxTTL, ""},
		{"ten digits above 2^31", []string{"9999999999"}, MaxTTL, ""},
		{"twenty digits", []string{"99999999999999999999"}, MaxTTL, ""},
		{"two hundred digits", []string{string(make200Nines())}, MaxTTL, ""},
		{"missing", nil, 0, rules.TTLMissing400.ID},
		{"repeated field", []string{"10", "10"}, 0, rules.TTLRequired.ID},
		{"comma list", []string{"10, 20"}, 0, rules.TTLSyntax.ID},
		{"empty", []string{""}, 0, rules.TTLSyntax.ID},
		{"negative", []string{"-1"}, 0, rules.TTLSyntax.ID},
		{"plus sign", []string{"+5"}, 0, rules.TTLSyntax.ID},
		{"decimal", []string{"1.5"}, 0, rules.TTLSyntax.ID},
		{"leading space", []string{" 10"}, 0, rules.TTLSyntax.ID},
		{"inner space", []string{"1 0"}, 0, rules.TTLSyntax.ID},
		{"trailing letters", []string{"12abc"}, 0, rules.TTLSyntax.ID},
		{"hex", []string{"0x10"}, 0, rules.TTLSyntax.ID},
		{"exponent", []string{"1e3"}, 0, rules.TTLSyntax.ID},
		{"unicode digit", []string{"١٢"}, 0, rules.TTLSyntax.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTTL(header("TTL", tt.values...))
			if tt.rule != "" {
				wantRule(t, err, tt.rule)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseTTL(%q) = %d, %v; want %d", tt.values, got, err, tt.want)
			}
		})
	}
	// The header name is case-insensitive on the wire; http.Header canonicalises it, and a
	// hand-built map with another spelling is read too.
	h := http.Header{}
	h.Set("ttl", "7")
	if got, err := ParseTTL(h); got != 7 || err != nil {
		t.Errorf("lower-case ttl: %d, %v", got, err)
	}
	if got, err := ParseTTL(http.Header{"TTL": {"8"}}); got != 8 || err != nil {
		t.Errorf("non-canonical key TTL: %d, %v", got, err)
	}
	_, err := ParseTTL(http.Header{"TTL": {"8"}, "Ttl": {"8"}})
	wantRule(t, err, rules.TTLRequired.ID)
}

func make200Nines() []byte {
	b := make([]byte, 200)
	for i := range b {
		b[i] = '9'
	}
	return b
}

func TestParseUrgency(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		rule   string
	}{
		{"absent", nil, "", ""},
		{"very-low", []string{"very-low"}, "very-low", ""},
		{"low", []string{"low"}, "low", ""},
		{"normal", []string{"normal"}, "normal", ""},
		{"high", []string{"high"}, "high", ""},
		{"upper case is the same token", []string{"HIGH"}, "high", ""},
		{"mixed case", []string{"Very-Low"}, "very-low", ""},
		{"surrounding spaces", []string{" low "}, "low", ""},
		{"comma list", []string{"low, high"}, "", rules.UrgencyMultiple400.ID},
		{"comma list without space", []string{"low,high"}, "", rules.UrgencyMultiple400.ID},
		{"repeated field", []string{"low", "high"}, "", rules.UrgencyMultiple400.ID},
		{"repeated same value", []string{"low", "low"}, "", rules.UrgencyMultiple400.ID},
		{"empty list elements are ignored", []string{"low, ,"}, "low", ""},
		{"only empty list elements", []string{" , "}, "", rules.UrgencyValues.ID},
		{"empty", []string{""}, "", rules.UrgencyValues.ID},
		{"unknown", []string{"urgent"}, "", rules.UrgencyValues.ID},
		{"underscore", []string{"very_low"}, "", rules.UrgencyValues.ID},
		{"quoted", []string{`"high"`}, "", rules.UrgencyValues.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUrgency(header("Urgency", tt.values...))
			if tt.rule != "" {
				wantRule(t, err, tt.rule)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseUrgency(%q) = %q, %v; want %q", tt.values, got, err, tt.want)
			}
		})
	}
}

func TestParseTopic(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   string
		ok     bool
	}{
		{"absent", nil, "", true},
		{"simple", []string{"upd"}, "upd", true},
		{"whole alphabet", []string{"AZaz09-_"}, "AZaz09-_", true},
		{"32 characters", []string{"abcdefghijklmnopqrstuvwxyz012345"}, "abcdefghijklmnopqrstuvwxyz012345", true},
		{"33 characters", []string{"abcdefghijklmnopqrstuvwxyz0123456"}, "", false},
		{"colon", []string{"upd:1"}, "", false},
		{"bang", []string{"upd!"}, "", false},
		{"padding", []string{"dXBk="}, "", false},
		{"standard alphabet plus", []string{"a+b"}, "", false},
		{"standard alphabet slash", []string{"a/b"}, "", false},
		{"space", []string{"a b"}, "", false},
		{"non-ASCII", []string{"café"}, "", false},
		{"empty", []string{""}, "", false},
		{"repeated", []string{"a", "b"}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTopic(header("Topic", tt.values...))
			if !tt.ok {
				wantRule(t, err, rules.TopicInvalid400.ID)
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseTopic(%q) = %q, %v; want %q", tt.values, got, err, tt.want)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := ParseTTL(http.Header{})
	if got, want := err.Error(), "the push request has no TTL header field ("+rules.TTLMissing400.ID+")"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestDecodeBase64(t *testing.T) {
	want := []byte{0xfb, 0xff, 0xfe, 0x01}
	for _, s := range []string{"-__-AQ", "-__-AQ==", "+//+AQ", "+//+AQ=="} {
		got, err := DecodeBase64(s)
		if err != nil || string(got) != string(want) {
			t.Errorf("DecodeBase64(%q) = %x, %v; want %x", s, got, err, want)
		}
	}
	if _, err := DecodeBase64("-_+/"); err == nil {
		t.Error("mixed alphabets decoded without error")
	}
	if got := Base64URL(want); got != "-__-AQ" {
		t.Errorf("Base64URL = %q", got)
	}
}
