package graders

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// RFC 8030 §8.2 privacy heuristic, for the rules rfc8030-8.2-push-uri-uncorrelatable,
// rfc8030-8.2-message-uri-uncorrelatable and rfc8030-8.2-no-user-device-info ("User and device
// information MUST NOT be exposed through a push or push message URI."). The URIs a service hands out (push resources, push message
// resources) are compared after removing what every URI of one kind shares: scheme, host and
// port, the longest prefix and suffix common to all URIs of that kind (a fixed path such as
// "/push/" or "/wpush/v2/"), and any run of 4 or more characters all of them carry (a fixed
// infix such as FCM's ":APA91b"). What is left (the variable part) of two URIs that belong to
// different subscriptions must not correlate. They correlate when:
//
//   - they share a segment (split at / ? & = ; : , .) that not every subscription's URIs of the
//     kind have: an identifier repeated across subscriptions, however short ("virtual:7" in two
//     URIs of one UA). A segment every subscription has links none of them to another: the "1"
//     of /m/<subscription's random id>/1 when each subscription numbers its own messages;
//   - they share a run of minShared or more characters: an embedded identifier (8 hex characters
//     are 32 bits: two independent random 64-hex tokens share one with probability ~10⁻⁶);
//   - they have segments that are decimal numbers within counterGap of each other, neither of
//     them a number every subscription has: values of one counter shared by the subscriptions,
//     which link URIs by the order they were made (each subscription's own counter repeats the
//     same values in every subscription and links nothing).
//
// Push message URIs of one subscription MAY correlate with it and with each other (RFC 8030
// §8.2), so pairs of one subscription are never compared.
//
// Apart from correlation, RFC 8030 §8.3 (paraphrased, no BCP 14 keyword) advises that these
// URIs, which work as capabilities, carry at least 120 bits of entropy; pushspec estimates the
// bits of each push resource's variable part (hex counts 4 bits a character, base64url 6,
// decimal 3.3) and records fewer as info (rfc8030-8.3-push-uri-entropy), never as a §8.2
// failure.
const (
	minShared  = 8
	counterGap = 1_000_000
	MinBits    = 120
)

// URI is one URI a service handed out: Kind "push" or "message", the subscription (label) it
// belongs to, and that subscription's user agent (label).
type URI struct {
	Kind, Sub, UA, URI string
}

// URIRest is the URI without scheme and authority.
func URIRest(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	rest := u.EscapedPath()
	if u.RawQuery != "" {
		rest += "?" + u.RawQuery
	}
	return rest
}

// fixedParts returns the longest prefix and suffix every string shares (not overlapping in the
// shortest one).
func fixedParts(ss []string) (prefix, suffix string) {
	if len(ss) < 2 {
		return "", ""
	}
	prefix = ss[0]
	for _, s := range ss[1:] {
		for !strings.HasPrefix(s, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	suffix = ss[0][len(prefix):]
	for _, s := range ss[1:] {
		for !strings.HasSuffix(s[len(prefix):], suffix) {
			suffix = suffix[1:]
		}
	}
	return prefix, suffix
}

func segments(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("/?&=;:,.", r) })
}

// LongestCommon returns the longest common substring of a and b.
func LongestCommon(a, b string) string {
	best, end := 0, 0
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
				if cur[j] > best {
					best, end = cur[j], i
				}
			} else {
				cur[j] = 0
			}
		}
		prev, cur = cur, prev
	}
	return a[end-best : end]
}

// maskCommon replaces, in every string, each run of 4 or more characters that all of them share
// (a fixed part of the format in the middle, e.g. FCM's ":APA91b") by "/", longest first, and
// returns the strings and the runs.
func maskCommon(vs []string) ([]string, []string) {
	var runs []string
	if len(vs) < 2 {
		return vs, nil
	}
	out := append([]string(nil), vs...)
	for {
		found := ""
		for l := len(out[0]); l >= 4 && found == ""; l-- {
			for i := 0; i+l <= len(out[0]) && found == ""; i++ {
				c := out[0][i : i+l]
				if strings.Contains(c, "/") {
					continue
				}
				all := true
				for _, o := range out[1:] {
					if !strings.Contains(o, c) {
						all = false
						break
					}
				}
				if all {
					found = c
				}
			}
		}
		if found == "" {
			return out, runs
		}
		runs = append(runs, found)
		for k := range out {
			out[k] = strings.ReplaceAll(out[k], found, "/")
		}
	}
}

// numbers are the segments of s that are decimal numbers (at most 18 digits, so they fit an
// int64), leaving out those in common. Whole segments only: digit runs inside a random token are
// close to each other by chance, a segment of a random hex or base64url token is all digits
// almost never.
func numbers(s string, common map[string]bool) []int64 {
	var out []int64
	for _, f := range segments(s) {
		if len(f) <= 18 && isDigits(f) && !common[f] {
			if n, err := strconv.ParseInt(f, 10, 64); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// correlation says why the variable parts a and b correlate, or "" when they look independent.
// common holds the segments that every subscription's URIs of the kind have. rawA and rawB are
// the variable parts before the runs all URIs share were masked: numbers are looked for there,
// since masking can cut a random token into pieces, one of which may be all digits.
func correlation(a, b, rawA, rawB string, common map[string]bool) string {
	inA := map[string]bool{}
	for _, s := range segments(a) {
		inA[s] = true
	}
	for _, s := range segments(b) {
		if inA[s] && !common[s] {
			return fmt.Sprintf("both carry the segment %q", clip(s, 40))
		}
	}
	if lc := LongestCommon(a, b); len(lc) >= minShared {
		return fmt.Sprintf("both carry the %d characters %q", len(lc), clip(lc, 40))
	}
	for _, x := range numbers(rawA, common) {
		for _, y := range numbers(rawB, common) {
			if d := x - y; d != 0 && d > -counterGap && d < counterGap {
				return fmt.Sprintf("they hold the numbers %d and %d, %d apart (a counter?)", x, y, d)
			}
		}
	}
	return ""
}

// tokenBits estimates the randomness a variable part can carry: its letters and digits times the
// bits of the smallest alphabet they fit (decimal, hex, base64url).
func tokenBits(v string) float64 {
	n, digits, hexOnly := 0, true, true
	for _, c := range v {
		isDigit := c >= '0' && c <= '9'
		isHex := isDigit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
		isB64 := isHex || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '-' || c == '_'
		if !isB64 {
			continue
		}
		n++
		digits = digits && isDigit
		hexOnly = hexOnly && isHex
	}
	switch {
	case digits:
		return float64(n) * math.Log2(10)
	case hexOnly:
		return float64(n) * 4
	}
	return float64(n) * 6
}

// CompareURIs compares every pair of URIs of different subscriptions in which at least one URI is
// of kind want ("push" or "message"), and returns the first correlation found ("" for none) and
// evidence: every URI with its variable part, and the fixed parts per kind.
func CompareURIs(uris []URI, want string) (string, map[string]string) {
	ev := map[string]string{}
	vars, raws := map[int]string{}, map[int]string{}
	common := map[string]bool{}
	for _, kind := range []string{"push", "message"} {
		var rests []string
		var idx []int
		for i, u := range uris {
			if u.Kind == kind {
				rests = append(rests, URIRest(u.URI))
				idx = append(idx, i)
			}
		}
		pre, suf := fixedParts(rests)
		vs := make([]string, len(rests))
		for k, rest := range rests {
			vs[k] = rest[len(pre) : len(rest)-len(suf)]
		}
		for k, v := range vs {
			raws[idx[k]] = v
		}
		vs, infixes := maskCommon(vs)
		// A segment is common when every subscription has it in some URI of the kind.
		subsOf := map[string]map[string]bool{}
		subs := map[string]bool{}
		for k, v := range vs {
			vars[idx[k]] = v
			sub := uris[idx[k]].Sub
			subs[sub] = true
			for _, s := range segments(v) {
				if subsOf[s] == nil {
					subsOf[s] = map[string]bool{}
				}
				subsOf[s][sub] = true
			}
		}
		for s, in := range subsOf {
			if len(in) == len(subs) && len(subs) > 1 {
				common[s] = true
			}
		}
		if len(rests) > 0 {
			ev["fixed."+kind] = fmt.Sprintf("prefix %q, suffix %q, in every one %q", pre, suf, infixes)
		}
	}
	var lines []string
	for i, u := range uris {
		lines = append(lines, fmt.Sprintf("%-7s %-3s (UA %s) %s → %s", u.Kind, u.Sub, u.UA, clip(u.URI, 90), clip(vars[i], 60)))
	}
	ev["uris"] = strings.Join(lines, "\n")
	for i := range uris {
		for j := i + 1; j < len(uris); j++ {
			a, b := uris[i], uris[j]
			if a.Sub == b.Sub || (a.Kind != want && b.Kind != want) {
				continue
			}
			why := correlation(vars[i], vars[j], raws[i], raws[j], common)
			if a.Kind == b.Kind && URIRest(a.URI) == URIRest(b.URI) {
				why = "they are the same URI"
			}
			if why != "" {
				return fmt.Sprintf("%s URI of %s (UA %s) and %s URI of %s (UA %s): %s", a.Kind, a.Sub, a.UA, b.Kind, b.Sub, b.UA, why), ev
			}
		}
	}
	return "", ev
}

// ShortTokens lists the push resource URIs whose variable part carries fewer than MinBits.
func ShortTokens(uris []URI) []string {
	var rests []string
	for _, u := range uris {
		if u.Kind == "push" {
			rests = append(rests, URIRest(u.URI))
		}
	}
	pre, suf := fixedParts(rests)
	// The fixed part of a URI format ends and starts at a separator ("/push/"); characters the
	// tokens share beyond it by chance (three random tokens starting with the same letter, one
	// time in 4096) belong to the tokens, and count.
	pre = pre[:strings.LastIndexAny(pre, "/?&=;:,.")+1]
	if i := strings.IndexAny(suf, "/?&=;:,."); i >= 0 {
		suf = suf[i:]
	} else {
		suf = ""
	}
	var short []string
	for _, u := range uris {
		if u.Kind != "push" {
			continue
		}
		rest := URIRest(u.URI)
		if bits := tokenBits(rest[len(pre) : len(rest)-len(suf)]); bits < MinBits {
			short = append(short, fmt.Sprintf("%s: about %.0f bits", u.Sub, bits))
		}
	}
	return short
}

// Decodings are the ways a URI part may hide a value: as it is, percent-decoded, and each
// segment of 8 or more characters read as base64url (padded or not, also standard base64) or hex.
func Decodings(rest string) [][]byte {
	out := [][]byte{[]byte(rest)}
	if d, err := url.PathUnescape(rest); err == nil {
		out = append(out, []byte(d))
	}
	for _, s := range strings.FieldsFunc(rest, func(r rune) bool { return strings.ContainsRune("/?&=;:,.%", r) }) {
		if len(s) < 8 {
			continue
		}
		for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
			if b, err := enc.DecodeString(s); err == nil {
				out = append(out, b)
			}
		}
		if b, err := hex.DecodeString(s); err == nil {
			out = append(out, b)
		}
	}
	return out
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// clip shortens s to n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
