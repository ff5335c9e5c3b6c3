package bench

import (
	"context"
	"net"
	"net/http"
	"os"
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
