package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 99: 99, 100: 100, 1: 1, 0.1: 1} {
		if got := Percentile(d, p); got != want {
			t.Errorf("Percentile(1..100, %v) = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}

// Run posts every message once and sorts the outcomes: accepted, refused, failed.
func TestRunAccountsForEveryMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			http.Error(w, "no", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Location", "/m/"+r.URL.Path)
		w.WriteHeader(http.StatusCreated)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	msgs := make([]Message, 200)
	for i := range msgs {
		msgs[i] = Message{URL: "http://" + ln.Addr().String() + "/p", Header: http.Header{}, Body: []byte("x")}
	}
	res := Run(context.Background(), Load{Messages: msgs, Senders: 8, Timeout: 30 * time.Second})
	if res.Accepted != 180 || res.Refused != 20 || res.Failed != 0 || res.Unsent != 0 {
		t.Fatalf("accepted %d refused %d failed %d unsent %d", res.Accepted, res.Refused, res.Failed, res.Unsent)
	}
	if res.FirstRefusal == "" || res.Rate() <= 0 || res.Percentile(50) <= 0 {
		t.Fatalf("first refusal %q rate %v p50 %v", res.FirstRefusal, res.Rate(), res.Percentile(50))
	}
}

// RunExternal posts every message once from the generator process, over keep-alive connections
// (reopened when the server closes one), each request with its own body and headers, and sorts
// the outcomes as Run does.
func TestRunExternalAccountsForEveryMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var bodies sync.Map
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		bodies.Store(string(b)+" "+r.Header.Get("X-I")+" "+r.URL.Path, true)
		k := n.Add(1)
		if k%10 == 0 {
			http.Error(w, strings.Repeat("no ", 3000), http.StatusTooManyRequests) // longer than the 4 KiB kept
			return
		}
		if k%7 == 0 {
			w.Header().Set("Connection", "close")
		}
		w.Header().Set("Location", "/m/"+r.URL.Path)
		w.WriteHeader(http.StatusCreated)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	msgs := make([]Message, 200)
	for i := range msgs {
		h := http.Header{}
		h.Set("X-I", strconv.Itoa(i))
		msgs[i] = Message{URL: fmt.Sprintf("http://%s/p/%d", ln.Addr(), i), Header: h, Body: []byte(fmt.Sprintf("body %d", i))}
	}
	started := false
	run, err := RunExternal(context.Background(), Load{Messages: msgs, Senders: 8, Timeout: 30 * time.Second}, 1, func() { started = true })
	if err != nil {
		t.Fatal(err)
	}
	res := run.Result
	if !started || res.Accepted != 180 || res.Refused != 20 || res.Failed != 0 || res.Unsent != 0 {
		t.Fatalf("started %v, accepted %d refused %d failed %d unsent %d", started, res.Accepted, res.Refused, res.Failed, res.Unsent)
	}
	if res.FirstRefusal == "" || res.Rate() <= 0 || res.Percentile(50) <= 0 {
		t.Fatalf("first refusal %q rate %v p50 %v", res.FirstRefusal, res.Rate(), res.Percentile(50))
	}
	for i, o := range res.Outcomes {
		if o.Status == http.StatusCreated && o.Location != fmt.Sprintf("/m//p/%d", i) {
			t.Errorf("message %d: Location %q", i, o.Location)
		}
		if _, ok := bodies.Load(fmt.Sprintf("body %d %d /p/%d", i, i, i)); !ok {
			t.Errorf("message %d did not arrive with its own body, header and path", i)
		}
	}
}

func TestCPU(t *testing.T) {
	if ProcessCPU() <= 0 {
		t.Error("ProcessCPU is 0")
	}
	if _, err := PidCPU(os.Getpid()); err != nil {
		t.Error(err)
	}
	if m := Machine(); m == "" {
		t.Error("no machine description")
	}
}
