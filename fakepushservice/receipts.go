package fakepushservice

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/pushspec/pushspec/rules"
)

// Receipts (RFC 8030 §5.1, §6.2, §6.3). A request with Prefer: respond-async is answered 202 with
//
//	Link: <origin/receipts/{rid}>; rel="urn:ietf:params:push:receipt"
//
// The receipt subscription is a plain JSON resource (pushspec does not speak RFC 8030's HTTP/2
// server push to senders):
//
//	GET /receipts/{rid}                → 200 {"receipts":[{"seq":1,"message":"/m/<id>","status":204,"time":…}, …]}
//	GET /receipts/{rid}?after=N&wait=S → long poll: waits up to S seconds (max 30) for a receipt
//	                                     with seq > N; answers 200 with whatever is there then.
//	unknown rid                        → 404 naming rules.InvalidReceiptSubscription400
//
// status 204 means the UA acknowledged the message (rfc8030-6.2-receipt-204-on-ack); 410 means
// the service gave up on it: TTL elapsed, TTL 0 to an offline UA, the UA refused it (ack 101/102)
// or the subscription ended (rfc8030-6.3-receipt-410-on-give-up). A message replaced through
// Topic gets no receipt (rfc8030-5.4-replaced-receipt-suppressed). A sender may pass the Link back
// on later requests to reuse the receipt subscription; an unknown one is refused with 400
// (rfc8030-5.1-invalid-receipt-subscription-400).

type receiptSub struct {
	id       string
	receipts []Receipt
}

// Receipt is one delivery receipt.
type Receipt struct {
	Seq     int       `json:"seq"`
	Message string    `json:"message"` // "/m/<message id>"
	Status  int       `json:"status"`  // 204 acknowledged, 410 given up
	Time    time.Time `json:"time"`
}

func (s *Server) newReceiptSub() *receiptSub {
	rs := &receiptSub{id: newID(16)}
	s.receipts.mu.Lock()
	s.receipts.byID[rs.id] = rs
	s.receipts.mu.Unlock()
	return rs
}

// receiptSub returns receipt subscription rid, nil when there is none.
func (s *Server) receiptSub(rid string) *receiptSub {
	s.receipts.mu.Lock()
	defer s.receipts.mu.Unlock()
	return s.receipts.byID[rid]
}

func (s *Server) addReceipt(rs *receiptSub, msgID string, status int) {
	now := s.now()
	s.receipts.mu.Lock()
	rs.receipts = append(rs.receipts, Receipt{Seq: len(rs.receipts) + 1, Message: "/m/" + msgID, Status: status, Time: now})
	s.receipts.mu.Unlock()
	s.event(Event{Kind: "receipt", Message: msgID, Detail: strconv.Itoa(status)})
	s.notify()
}

// receiptsAfter returns the receipts of rs with a sequence number above after.
func (s *Server) receiptsAfter(rs *receiptSub, after int) []Receipt {
	s.receipts.mu.Lock()
	defer s.receipts.mu.Unlock()
	var out []Receipt
	for _, rc := range rs.receipts {
		if rc.Seq > after {
			out = append(out, rc)
		}
	}
	return out
}

// Receipts returns the receipts of receipt subscription rid (the last path element of the Link).
func (s *Server) Receipts(rid string) ([]Receipt, bool) {
	s.init()
	rs := s.receiptSub(rid)
	if rs == nil {
		return nil, false
	}
	return s.receiptsAfter(rs, 0), true
}

// AwaitReceipt waits for the receipt of message msgID on receipt subscription rid; it errs only
// when ctx ends.
func (s *Server) AwaitReceipt(ctx context.Context, rid, msgID string) (Receipt, error) {
	var out Receipt
	err := s.await(ctx, func() bool {
		if rs := s.receiptSub(rid); rs != nil {
			for _, r := range s.receiptsAfter(rs, 0) {
				if r.Message == "/m/"+msgID {
					out = r
					return true
				}
			}
		}
		return false
	})
	return out, err
}

func (s *Server) serveReceipts(w http.ResponseWriter, r *http.Request) {
	rid := r.PathValue("id")
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	wait, _ := strconv.Atoi(r.URL.Query().Get("wait"))
	wait = min(max(wait, 0), 30)
	rs := s.receiptSub(rid)
	if rs == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"rule": rules.InvalidReceiptSubscription400.ID,
			"error": "no receipt subscription " + truncate(rid, 80), "status": 404})
		return
	}
	if wait > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), time.Duration(wait)*time.Second)
		_ = s.await(ctx, func() bool { return len(s.receiptsAfter(rs, after)) > 0 })
		cancel()
	}
	out := s.receiptsAfter(rs, after)
	if out == nil {
		out = []Receipt{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"receipts": out})
}
