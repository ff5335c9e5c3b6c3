package fakepushservice

import (
	"bytes"
	"net/http"
	"testing"
)

// Fault.Accept lets a condition through for the faulted request only: a body without
// Content-Encoding is refused (415), accepted and delivered verbatim with no encoding under the
// fault, and refused again after it.
func TestFaultAcceptDeliversUncoded(t *testing.T) {
	s := newTestServer(t, &Server{})
	ctx := testCtx(t)
	sub, err := s.CreateSubscription(SubscriptionSpec{UA: "autopush:uaid-u", Link: LinkAutopush, LinkRef: "channel-u"})
	if err != nil {
		t.Fatal(err)
	}
	conn := &chanConn{ch: make(chan Delivery, 4)}
	defer s.Connect("autopush:uaid-u", conn, ConnectOptions{})()
	post := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, sub.Endpoint, bytes.NewReader([]byte("plain text")))
		req.Header.Set("TTL", "60")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(); resp.StatusCode != 415 {
		t.Fatalf("without the fault: %d, want 415", resp.StatusCode)
	}
	s.AddFault(FaultRule{Fault: Fault{Accept: []Cond{CondNoEncoding}}, Subscription: sub.ID, Count: 1})
	if resp := post(); resp.StatusCode != 201 {
		t.Fatalf("with Accept [encoding-missing]: %d, want 201", resp.StatusCode)
	}
	d := conn.next(t, ctx)
	if string(d.Body) != "plain text" || d.ContentEncoding != "" {
		t.Fatalf("delivery %+v", d)
	}
	if resp := post(); resp.StatusCode != 415 {
		t.Fatalf("after the fault: %d, want 415", resp.StatusCode)
	}
}
