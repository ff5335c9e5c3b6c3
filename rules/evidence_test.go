package rules

import (
	"maps"
	"strconv"
	"sync"
	"testing"
)

func TestEvidenceHoldsWhatWasAsked(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5000 {
				v := strconv.Itoa((i * (g + 1)) % 3000) // repeats, and more values than slots
				if m := Evidence("TTL", v); !maps.Equal(m, map[string]string{"TTL": v}) {
					t.Errorf("Evidence(TTL, %s) = %v", v, m)
					return
				}
				if m := Evidence2("Content-Encoding", "aes128gcm", "body_size", v); !maps.Equal(m, map[string]string{"Content-Encoding": "aes128gcm", "body_size": v}) {
					t.Errorf("Evidence2(…, %s) = %v", v, m)
					return
				}
				// The same pair of strings split differently is another map.
				if m := Evidence2("a", "b"+v, "", ""); !maps.Equal(m, map[string]string{"a": "b" + v, "": ""}) {
					t.Errorf("Evidence2(a, b%s, \"\", \"\") = %v", v, m)
					return
				}
			}
		}()
	}
	wg.Wait()
	long := string(make([]byte, evidenceBound+1))
	if m := Evidence("body", long); m["body"] != long || len(m) != 1 {
		t.Errorf("a long value: %d entries", len(m))
	}
}
