package graders

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// Urgency grades the Urgency header field of RFC 8030 §5.3, when the request carries one.
func Urgency(r *Request) []rules.Verdict {
	uv := r.Header.Values("Urgency")
	if len(uv) == 0 {
		return nil
	}
	_, err := webpush.ParseUrgency(r.Header)
	ev := rules.Evidence("Urgency", strings.Join(uv, " | "))
	var we *webpush.Error
	multiple := errors.As(err, &we) && we.Rule == rules.UrgencyMultiple400.ID
	// RFC 8030 §5.3: "Multiple values for the Urgency header field MUST NOT be included in
	// requests".
	out := append(r.out(), check(rules.UrgencySingleValue, !multiple, "at most one Urgency value",
		func() string {
			return fmt.Sprintf("Urgency carries several values (%q); RFC 8030 §5.3 allows one", strings.Join(uv, ", "))
		}, ev))
	if !multiple {
		// RFC 8030 §5.3: Urgency = "very-low" / "low" / "normal" / "high".
		out = append(out, check(rules.UrgencyValues, err == nil, "Urgency is very-low, low, normal or high",
			func() string {
				return fmt.Sprintf("Urgency %q is not very-low, low, normal or high (RFC 8030 §5.3)", strings.Join(uv, ", "))
			}, ev))
	}
	return r.keep(out)
}
