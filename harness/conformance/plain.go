package conformance

import (
	"regexp"
	"strings"
)

// EvidenceAssertion is the evidence key that keeps a failed assertion's full text, as the test
// framework wrote it, when the result's message is the plain sentence made from it.
const EvidenceAssertion = "assertion"

// maxMessage bounds a result's message; the whole text stays in the evidence.
const maxMessage = 400

var (
	timedOut  = regexp.MustCompile(`^Timed out after ([0-9.]+)s\.$`)
	typedLine = regexp.MustCompile(`^\s*<[^>]*>:\s?(.*)$`)
)

// plainMessage turns a gomega failure into the one sentence a report shows: the assertion's
// description when the spec gave one ("no service-worker report within 15s"), otherwise what was
// observed against what was expected, without type names or pointer dumps. A message that is not
// a gomega failure comes back as it is, on one line.
func plainMessage(raw string) string {
	lines := strings.Split(strings.TrimSpace(raw), "\n")
	var after string
	if len(lines) > 0 {
		if m := timedOut.FindStringSubmatch(strings.TrimSpace(lines[0])); m != nil {
			after, lines = m[1], lines[1:]
		}
	}
	var desc []string
	i := 0
	for ; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "Expected" || l == "Unexpected error:" {
			break
		}
		desc = append(desc, l)
	}
	var msg string
	switch {
	case len(desc) > 0 && i < len(lines), i == len(lines):
		msg = strings.Join(desc, " ")
	case strings.TrimSpace(lines[i]) == "Unexpected error:":
		msg = "unexpected error: " + errorText(lines[i+1:])
	default:
		msg = expectation(lines[i+1:])
	}
	if after != "" && len(desc) == 0 {
		msg += " (still so after " + after + " s)"
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > maxMessage {
		msg = truncateUTF8(msg, maxMessage) + " …"
	}
	return msg
}

// errorText finds err.Error() in gomega's dump of an error: the line after the "<*T | 0x…>:" line.
func errorText(lines []string) string {
	for j, l := range lines {
		if typedLine.MatchString(l) {
			if m := typedLine.FindStringSubmatch(l); strings.TrimSpace(m[1]) != "" {
				return strings.TrimSpace(m[1])
			}
			if j+1 < len(lines) {
				return strings.TrimSpace(lines[j+1])
			}
		}
	}
	return "(see the assertion in the evidence)"
}

// expectation renders "Expected <T>: a / to equal / <T>: b" as "observed a; expected it to equal b".
func expectation(lines []string) string {
	var observed, want []string
	var verb []string
	state := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		m := typedLine.FindStringSubmatch(l)
		switch {
		case m != nil && state == 0:
			observed = append(observed, m[1])
		case m != nil:
			want = append(want, m[1])
			state = 2
		case state == 0 && len(observed) > 0 && strings.HasPrefix(t, "to "), state == 0 && len(observed) > 0 && strings.HasPrefix(t, "not to "):
			verb, state = append(verb, t), 1
		case state == 1:
			verb = append(verb, t)
		case state == 0:
			observed = append(observed, t)
		}
	}
	if len(observed) == 0 {
		return "the check failed (see the assertion in the evidence)"
	}
	s := "observed " + strings.Join(observed, " ")
	if len(verb) > 0 {
		s += "; expected it " + strings.Join(verb, " ")
	}
	if len(want) > 0 {
		s += " " + strings.Join(want, " ")
	}
	return s
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
