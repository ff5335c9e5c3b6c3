package sitefixture

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pushspec/pushspec/internal/await"
)

//go:embed static
var static embed.FS

// Content is the embedded site (index.html, page.js, sw.js), for tools that want to serve it
// elsewhere.
var Content fs.FS = mustSub(static, "static")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// BeaconPath is where the service worker POSTs its reports.
const BeaconPath = "/_beacon"

// Site is the fixture site: a set of origins serving the same content. The zero value is not
// usable; call New, then Start (or StartSite for both).
type Site struct {
	// Logf logs one line (beacons, unhandled routes). nil means log.Printf.
	Logf func(format string, args ...any)
	// ReportBuffer is the capacity of each origin's Reports channel; 0 means 1024. A report that
	// finds the channel full is dropped from the channel (and logged) but still kept for
	// AwaitReport and All.
	ReportBuffer int
	// Host is the host name in the origins' URLs; "" means localhost. Browsers must resolve it to
	// ListenIP, and treat it as a secure context (localhost is one already).
	Host string
	// ListenIP is the address every origin listens on; "" means 127.0.0.1.
	ListenIP string

	mu      sync.Mutex
	origins []*Origin
	def     *Origin
	closed  bool
}

// New returns a Site that is not yet listening; set the option fields, then call Start.
func New() *Site { return &Site{} }

// StartSite returns a started Site.
func StartSite() (*Site, error) {
	s := New()
	if err := s.Start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Start opens the default origin on ListenIP (default 127.0.0.1), port 0.
func (s *Site) Start() error {
	s.mu.Lock()
	started := s.def != nil
	s.mu.Unlock()
	if started {
		return errors.New("sitefixture: Site already started")
	}
	o, err := s.NewOrigin()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.def = o
	s.mu.Unlock()
	return nil
}

// Default is the origin opened by Start.
func (s *Site) Default() *Origin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.def
}

// URL is the default origin's URL, http://localhost:PORT (no trailing slash).
func (s *Site) URL() string { return s.Default().URL() }

// Reports is the default origin's report channel.
func (s *Site) Reports() <-chan Report { return s.Default().Reports() }

// AwaitReport waits on the default origin; see Origin.AwaitReport.
func (s *Site) AwaitReport(ctx context.Context, match func(Report) bool) (Report, error) {
	return s.Default().AwaitReport(ctx, match)
}

// Origins returns every origin opened so far, the default first.
func (s *Site) Origins() []*Origin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Origin(nil), s.origins...)
}

// NewOrigin opens another listener on ListenIP (default 127.0.0.1), port 0, serving the same
// content: a fresh origin (http://Host:PORT, Host default localhost) with its own push
// subscriptions, permissions and reports.
func (s *Site) NewOrigin() (*Origin, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errors.New("sitefixture: Site closed")
	}
	s.mu.Unlock()
	ip, host := s.ListenIP, s.Host
	if ip == "" {
		ip = "127.0.0.1"
	}
	if host == "" {
		host = "localhost"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return nil, fmt.Errorf("sitefixture: listen: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	buf := s.ReportBuffer
	if buf <= 0 {
		buf = 1024
	}
	o := &Origin{
		site: s,
		url:  "http://" + net.JoinHostPort(host, strconv.Itoa(port)),
		ch:   make(chan Report, buf),
	}
	o.srv = &http.Server{
		Handler:           o,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(logWriter{s}, "sitefixture: ", 0),
	}
	go o.srv.Serve(ln)
	s.mu.Lock()
	s.origins = append(s.origins, o)
	s.mu.Unlock()
	return o, nil
}

// Close closes every origin.
func (s *Site) Close() error {
	s.mu.Lock()
	s.closed = true
	all := s.origins
	s.mu.Unlock()
	var first error
	for _, o := range all {
		if err := o.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *Site) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

type logWriter struct{ s *Site }

func (w logWriter) Write(p []byte) (int, error) {
	w.s.logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Origin is one listener of the site.
type Origin struct {
	site *Site
	url  string
	srv  *http.Server
	ch   chan Report

	mu        sync.Mutex
	reports   []Report
	changed   await.Changed // notified whenever a report arrives
	closed    bool
	unhandled []string
}

// URL is http://localhost:PORT (Site.Host in place of localhost), without a trailing slash. It is also the origin string for
// permission grants.
func (o *Origin) URL() string { return o.url }

// PageURL is the fixture page's URL.
func (o *Origin) PageURL() string { return o.url + "/" }

// Reports delivers each report as it arrives. The channel is never closed.
func (o *Origin) Reports() <-chan Report { return o.ch }

// All returns every report received so far, oldest first.
func (o *Origin) All() []Report {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Report(nil), o.reports...)
}

// Unhandled lists requests to routes the site does not serve ("GET /x").
func (o *Origin) Unhandled() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.unhandled...)
}

// AwaitReport returns the first report, received before or after the call, for which match is
// true (nil matches any). It returns an error only when ctx ends first. Reports are not
// consumed: two waiters may get the same one.
func (o *Origin) AwaitReport(ctx context.Context, match func(Report) bool) (Report, error) {
	seen := 0
	var r Report
	err := o.changed.Until(ctx, &o.mu, func() bool {
		for ; seen < len(o.reports); seen++ {
			if match == nil || match(o.reports[seen]) {
				r = o.reports[seen]
				return true
			}
		}
		return false
	}, nil)
	if err != nil {
		return Report{}, fmt.Errorf("sitefixture: waiting for a report from %s: %w", o.url, context.Cause(ctx))
	}
	return r, nil
}

// AwaitID waits for the push report whose id is id.
func (o *Origin) AwaitID(ctx context.Context, id string) (Report, error) {
	return o.AwaitReport(ctx, func(r Report) bool { return r.Kind == KindPush && r.ID == id })
}

// Close stops the listener and drops every connection.
func (o *Origin) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	o.mu.Unlock()
	// Close, not Shutdown: browsers keep preconnected sockets open (Chromium's speculative
	// connections never send a request), and Shutdown waits 5 s before treating those as idle.
	// A spec closes its origin when it is done with it; nothing in flight matters then.
	return o.srv.Close()
}

// ServeHTTP serves the fixture content and the beacon.
func (o *Origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Never cached: each origin is fresh, but a browser reused across runs must not keep an old
	// service worker script.
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case r.URL.Path == BeaconPath && r.Method == http.MethodPost:
		o.serveBeacon(w, r)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		o.serveFile(w, r)
	default:
		o.unhandledRoute(w, r)
	}
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
}

func (o *Origin) serveFile(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/")
	if name == "" {
		name = "index.html"
	}
	if r.URL.Path == "/favicon.ico" {
		// Browsers ask for it on every page; answering keeps the unhandled list meaningful.
		w.WriteHeader(http.StatusNoContent)
		return
	}
	body, err := fs.ReadFile(Content, name)
	if err != nil {
		o.unhandledRoute(w, r)
		return
	}
	for ext, ct := range contentTypes {
		if strings.HasSuffix(name, ext) {
			w.Header().Set("Content-Type", ct)
		}
	}
	w.Write(body)
}

func (o *Origin) unhandledRoute(w http.ResponseWriter, r *http.Request) {
	line := r.Method + " " + r.URL.Path
	o.mu.Lock()
	if len(o.unhandled) < 1000 {
		o.unhandled = append(o.unhandled, line)
	}
	o.mu.Unlock()
	o.site.logf("sitefixture: %s: unhandled route %s", o.url, line)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	json.NewEncoder(w).Encode(map[string]string{"error": "unhandled route " + line})
}

func (o *Origin) serveBeacon(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	raw, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rep, err := parseReport(raw)
	if err != nil {
		o.site.logf("sitefixture: %s: bad beacon: %v: %.200s", o.url, err, raw)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rep.Origin = o.url
	rep.ReceivedAt = received
	o.mu.Lock()
	o.reports = append(o.reports, rep)
	o.changed.Notify()
	o.mu.Unlock()
	select {
	case o.ch <- rep:
	default:
		o.site.logf("sitefixture: %s: Reports channel full, report %q kept for AwaitReport only", o.url, rep.ID)
	}
	w.WriteHeader(http.StatusNoContent)
}
