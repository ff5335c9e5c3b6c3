package autopush

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pushspec/pushspec/fakepushservice"
)

// FuzzAutopushFrames drives the link's frame handler through a real WebSocket on loopback: a
// hello, then up to 16 arbitrary frames (text or binary), then a register with a fresh channelID.
// Whatever the frames were, the connection must still answer that register with status 200 (the
// link never panics, never wedges, and unknown or broken frames are recorded, not fatal). With
// noHello the frames come first: the link must close the connection and record the frame.
func FuzzAutopushFrames(f *testing.F) {
	core, err := fakepushservice.NewServer(&fakepushservice.Server{NoTLS: true, MaxRecorded: 100, Logf: func(string, ...any) {}})
	if err != nil {
		f.Fatal(err)
	}
	link, err := Attach(core, Options{Logf: func(string, ...any) {}, FrameLogLimit: 100})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		link.Close()
		core.Close()
	})
	sep := []byte{0}
	join := func(frames ...string) []byte { return []byte(strings.Join(frames, "\x00")) }
	f.Add(join(`{"messageType":"register","channelID":"a","key":"BAAA"}`, `{}`), false, false)
	f.Add(join(`{"messageType":"ack","updates":[{"channelID":"a","version":"nope","code":101},{"version":null}]}`), false, false)
	f.Add(join(`{"messageType":"unregister","channelID":"A","code":"x"}`, `{"messageType":"nack","version":7}`), false, false)
	f.Add(join(`{"messageType":"HELLO","uaid":"`+strings.Repeat("f", 200)+`"}`, `{"messageType":"broadcast_subscribe","broadcasts":[1]}`), false, false)
	f.Add(join(`not json`, `{"messageType":"register","channelID":"\ud800","key":"!!!"}`, `[]`, `null`, `{"messageType":{}}`), true, false)
	f.Add(join(`{"messageType":"register"}`, `{"messageType":"register","channelID":"b","key":null}`), false, false)
	f.Add(join(`{"messageType":"register","channelID":"c"}`), false, true)
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, data []byte, binary, noHello bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, link.URL(), &websocket.DialOptions{
			Subprotocols: []string{Subprotocol}, HTTPHeader: http.Header{"Origin": {link.URL()}},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		typ := websocket.MessageText
		if binary {
			typ = websocket.MessageBinary
		}
		frames := bytes.SplitN(data, sep, 17)
		if len(frames) > 16 {
			frames = frames[:16]
		}
		if noHello {
			ws.Write(ctx, typ, frames[0])
			// The link ends the connection: the read fails well before the deadline.
			for {
				if _, _, err := ws.Read(ctx); err != nil {
					if ctx.Err() != nil {
						t.Fatalf("frame before hello %q: connection still open", frames[0])
					}
					return
				}
			}
		}
		if err := ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"hello","use_webpush":true,"broadcasts":{}}`)); err != nil {
			t.Fatal(err)
		}
		for _, fr := range frames {
			if err := ws.Write(ctx, typ, fr); err != nil {
				t.Fatalf("write: %v", err)
			}
		}
		chid := fmt.Sprintf("hz-final-%d", n.Add(1))
		ws.Write(ctx, websocket.MessageText, []byte(`{"messageType":"register","channelID":"`+chid+`"}`))
		for {
			_, got, err := ws.Read(ctx)
			if err != nil {
				t.Fatalf("after frames %q: connection ended before the final register was answered: %v", frames, err)
			}
			var m struct {
				MessageType string
				ChannelID   string
				Status      int
			}
			if json.Unmarshal(got, &m) == nil && m.MessageType == "register" && m.ChannelID == chid {
				if m.Status != 200 {
					t.Fatalf("final register answered %s", got)
				}
				return
			}
		}
	})
}
