package graders

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/pushspec/pushspec/rules"
	"github.com/pushspec/pushspec/webpush"
)

// TopicPadded is a Topic of base64url characters followed by '=' padding (autopush's pattern).
var TopicPadded = regexp.MustCompile(`^[0-9A-Za-z\-_]+=+$`)

// Topic grades the Topic header field of RFC 8030 §5.4, when the request carries one.
//
// RFC 8030 §5.4: "The Topic header field MUST be restricted to no more than 32 characters from
// the URL and filename-safe Base64 alphabet [RFC4648]." '=' is not in that alphabet (RFC 4648 §5
// lists A–Z a–z 0–9 - _; '=' is the pad character) nor an HTTP token character (RFC 9110 §5.6.2
// tchar), so a padded Topic breaks the MUST.
func Topic(r *Request) []rules.Verdict {
	tv := r.Header.Values("Topic")
	if len(tv) == 0 {
		return nil
	}
	_, err := webpush.ParseTopic(r.Header)
	ev := rules.Evidence("Topic", strings.Join(tv, " | "))
	switch {
	case err != nil && len(tv) == 1 && len(tv[0]) <= 32 && TopicPadded.MatchString(tv[0]):
		return r.keep(append(r.out(), rules.Check(rules.TopicSyntax, false, "Topic "+strconv.Quote(tv[0])+" ends in '=' padding; RFC 8030 §5.4 allows only the 64 characters of the URL-safe base64 alphabet", ev)))
	case err != nil:
		return r.keep(append(r.out(), rules.Check(rules.TopicSyntax, false, ErrText(err)+"; RFC 8030 §5.4 allows at most 32 characters of the URL-safe base64 alphabet", ev)))
	}
	return r.keep(append(r.out(), rules.Check(rules.TopicSyntax, true, "Topic is 1–32 base64url characters", ev)))
}
