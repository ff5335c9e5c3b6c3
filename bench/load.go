package bench

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Message is one prepared push request. Header is shared by the senders and must not be changed
// while a load runs.
type Message struct {
	URL    string
	Header http.Header
	Body   []byte
}

// Load is a bounded burst of push requests: every message is posted once, by Senders concurrent
// senders over keep-alive connections, and the run stops when all were posted or after Timeout,
// whichever comes first.
type Load struct {
	Messages []Message
	Senders  int
	// Timeout bounds the whole run; 0 means 2 minutes.
	Timeout time.Duration
	// Accepted tells an accepted answer from a refused one; nil means 201 only.
	Accepted func(status int) bool
}

// Outcome is what happened to one message.
type Outcome struct {
	Status   int           // 0 when the request failed or was never sent
	Location string        // the Location header of the answer
	Answer   string        // status line and body of an answer ≥ 300, for failure messages
	Latency  time.Duration // request start → response body read
	Err      error
}

// Result is the outcome of a Load.
type Result struct {
	Outcomes []Outcome // by message index
	Accepted int
	Refused  int // answered, but not accepted
	Failed   int // transport errors
	Unsent   int // not sent before the timeout
	Elapsed  time.Duration
	// FirstRefusal is the status and body of the first refused answer, for the failure message.
	FirstRefusal string
	sorted       []time.Duration
}

// Rate is accepted messages per second of Elapsed.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Accepted) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 < p ≤ 100, nearest rank) of the latencies of the
// answered requests, 0 when there were none.
func (r *Result) Percentile(p float64) time.Duration {
	if r.sorted == nil {
		for _, o := range r.Outcomes {
			if o.Status != 0 {
				r.sorted = append(r.sorted, o.Latency)
			}
		}
		slices.Sort(r.sorted)
	}
	return Percentile(r.sorted, p)
}

// Percentile returns the p-th percentile (nearest rank) of sorted, 0 when it is empty.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p/100*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// Run posts l.Messages and returns what happened. It uses its own transport (at most Senders
// connections, all kept alive) and closes it at the end.
func Run(ctx context.Context, l Load) *Result {
	timeout := l.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	accepted := l.Accepted
	if accepted == nil {
		accepted = func(s int) bool { return s == http.StatusCreated }
	}
	senders := max(1, l.Senders)
	tr := &http.Transport{MaxIdleConnsPerHost: senders, MaxConnsPerHost: senders, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}

	res := &Result{Outcomes: make([]Outcome, len(l.Messages))}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(l.Messages) {
					return
				}
				res.Outcomes[i] = post(ctx, client, l.Messages[i])
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.tally(accepted)
	return res
}

// tally counts the outcomes.
func (res *Result) tally(accepted func(status int) bool) {
	for _, o := range res.Outcomes {
		switch {
		case o.Status == 0 && o.Err == nil:
			res.Unsent++
		case o.Status == 0:
			res.Failed++
		case accepted(o.Status):
			res.Accepted++
		default:
			res.Refused++
			if res.FirstRefusal == "" {
				res.FirstRefusal = o.Answer
			}
		}
	}
}

func post(ctx context.Context, c *http.Client, m Message) Outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return Outcome{Err: err}
	}
	req.Header = m.Header
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return Outcome{Err: err, Latency: time.Since(t0)}
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	o := Outcome{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Latency: time.Since(t0)}
	if o.Status >= 300 {
		o.Answer = resp.Status + " " + string(body)
	}
	return o
}
