package reports

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/pushspec/pushspec/rules"
)

const chromiumPath = "/usr/bin/chromium"

// browserLog records, from the CDP event loop, what the page did that it must not: console
// errors, uncaught exceptions and requests for anything but the page itself.
type browserLog struct {
	mu       sync.Mutex
	console  []string
	thrown   []string
	requests []string
}

func (l *browserLog) listen(ev any) {
	// Called on chromedp's reading goroutine: record and return, nothing more.
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			l.console = append(l.console, strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		msg := ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
		l.thrown = append(l.thrown, msg)
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, ev.Request.URL)
	}
}

func (l *browserLog) snapshot() (console, thrown, requests []string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.console...), append([]string(nil), l.thrown...), append([]string(nil), l.requests...)
}

// newChromium starts a headless Chromium that cannot reach anything but loopback, with a fresh
// profile, and returns a tab context.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s is missing: %v", chromiumPath, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1400, 1000),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	tctx, tcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		tcancel()
		_ = chromedp.Cancel(tctx)
	})
	return tctx
}

// TestHTMLInChromium opens the fixture report in a real browser: it must load without errors
// or outside requests, show the expected rows and cells, open a cell's evidence in place and
// filter rows. Screenshots land in testdata/out/ (git-ignored) for a human to look at.
func TestHTMLInChromium(t *testing.T) {
	ctx := newChromium(t)
	// The whole catalogue rather than the golden tests' excerpt: the page as users get it.
	meta := fixtureMeta()
	meta.Catalogue = nil
	res, err := Build(fixtureReport(), meta)
	if err != nil {
		t.Fatal(err)
	}
	var page bytes.Buffer
	if err := WriteHTML(&page, res); err != nil {
		t.Fatal(err)
	}
	// Kept next to the screenshots for a human to open.
	if err := os.WriteFile(filepath.Join("testdata", "out", "index.html"), page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			t.Errorf("the page requested %s", r.URL)
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(page.Bytes())
	}))
	defer srv.Close()
	pageURL := srv.URL + "/"

	var log browserLog
	if err := chromedp.Listen(ctx, log.listen); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatalf("navigate: %v", err)
	}

	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	evalBool := func(expr string) bool {
		t.Helper()
		b, _ := eval(expr).(bool)
		return b
	}
	evalNum := func(expr string) int {
		t.Helper()
		f, _ := eval(expr).(float64)
		return int(f)
	}

	// Rows and cells as the fixture says: every rule covered on a target that is not an interop
	// cell is a row, with one cell per such target; the interop targets have their own matrix.
	covered := map[string]bool{}
	interop := map[string]bool{}
	mainTargets := 0
	for _, tg := range res.Targets {
		interop[tg.ID] = tg.IsInterop()
		if !tg.IsInterop() {
			mainTargets++
		}
	}
	for _, r := range res.Results {
		if !interop[r.Target] {
			covered[r.Rule] = true
		}
	}
	// The senders' deliveries come first, a row per browser.
	browsers := map[string]bool{}
	for _, d := range res.Deliveries {
		browsers[d.Browser] = true
	}
	if len(browsers) == 0 {
		t.Fatalf("the fixture has no delivery to a browser")
	}
	if got := evalNum(`document.querySelectorAll("tr.rule").length`); got != len(covered)+len(browsers) {
		t.Errorf("matrix rows: got %d, want %d rules and %d browsers", got, len(covered), len(browsers))
	}
	if !evalBool(`document.getElementById(` + jsString(cellID("shown-by-Chromium 142.0.7444.59", "sender:webpush-go")) + `).classList.contains("o-pass")`) {
		t.Errorf("no passing cell for webpush-go's delivery to Chromium")
	}
	if got := evalNum(`document.querySelectorAll("tr.rule")[0].querySelectorAll("td.cell").length`); got != mainTargets {
		t.Errorf("cells per row: got %d, want %d", got, mainTargets)
	}
	if mainTargets == len(res.Targets) {
		t.Fatalf("the fixture has no interop target")
	}
	// The page is as wide as the window: the matrix no longer grows a column per interop target.
	if w, vw := evalNum(`document.documentElement.scrollWidth`), evalNum(`document.documentElement.clientWidth`); w > vw+16 {
		t.Errorf("page is %d px wide in a %d px viewport", w, vw)
	}
	failCell := cellID(rules.FailWrongDelimiter.ID, "chromium")
	if !evalBool(`document.getElementById(` + jsString(failCell) + `).classList.contains("o-fail")`) {
		t.Errorf("cell %s is not marked fail", failCell)
	}
	if !evalBool(`document.getElementById(` + jsString(cellID(rules.FailWrongDelimiter.ID, "firefox")) + `).classList.contains("o-pass")`) {
		t.Errorf("the Firefox cell of the same rule is not marked pass")
	}
	if !evalBool(`document.querySelector("#breaks").textContent.includes(` + jsString(rules.FailWrongDelimiter.ID) + `)`) {
		t.Errorf("What breaks does not list the failed rule")
	}
	if !evalBool(`document.querySelector("#latency svg circle") !== null`) {
		t.Errorf("no latency plot")
	}

	// The interop matrix: a row per receiver · profile, a column per sender, a filled cell per
	// interop target; a rule checked only there is not a row of the rule × target matrix.
	if got, want := evalNum(`document.querySelectorAll("#interop-table td.cell:not(.o-none)").length`), len(res.Targets)-mainTargets; got != want {
		t.Errorf("interop cells: got %d, want %d", got, want)
	}
	if got := eval(`[...document.querySelectorAll("#interop-table thead th.tcol")].map(th => th.textContent).join(" ")`); got != "raw web-push webpush-go" {
		t.Errorf("interop columns: %v", got)
	}
	if evalBool(`document.getElementById(` + jsString("r-"+rules.InteropAppleUrgency.ID) + `) !== null`) {
		t.Errorf("a rule checked on interop targets only is a row of the rule × target matrix")
	}
	if !evalBool(`document.querySelector("#r-rfc8291-3\\.3-key-derivation .iopnote a[href='#interop']") !== null`) {
		t.Errorf("the rule × target row does not point at its interop results")
	}
	iopCell := "#" + interopCellID("virtual-ua/webpush-go/apple")
	if !evalBool(`document.querySelector(` + jsString(iopCell) + `).classList.contains("o-fail")`) {
		t.Errorf("interop cell %s does not show its worst outcome, fail", iopCell)
	}
	// "What breaks" lists the interop failure and its link lands on the interop cell, opened.
	breakLink := `#breaks a[href="` + iopCell + `"]`
	if !evalBool(`document.querySelector(` + jsString(breakLink) + `) !== null`) {
		t.Fatalf("What breaks has no link to %s", iopCell)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(breakLink)+`).click()`)); err != nil {
		t.Fatal(err)
	}
	waitShown(ctx, t, iopCell+" .ev")
	iopPanel := eval(`document.querySelector(` + jsString(iopCell+" .ev") + `).innerText`)
	for _, want := range []string{"message from webpush-go decrypted and reported by pushspec virtual UA", rules.KeyDerivation.ID, "message authentication failed", rules.InteropAppleUrgency.ID} {
		if s, _ := iopPanel.(string); !strings.Contains(s, want) {
			t.Errorf("interop evidence lacks %q: %v", want, iopPanel)
		}
	}
	saveScreenshot(ctx, t, "interop.png", false)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	// A click opens an interop cell like a matrix cell.
	passCell := "#" + interopCellID("virtual-ua/raw/rfc")
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(passCell)+`).scrollIntoView({block: "center"})`),
		chromedp.Click(chromedp.CSS(passCell+" summary"))); err != nil {
		t.Fatalf("open interop evidence: %v", err)
	}
	waitShown(ctx, t, passCell+" .ev dl.kv")
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape), chromedp.Evaluate[chromedp.Void](`history.replaceState(null, "", location.pathname); window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}

	// Evidence is closed until the cell is clicked, then visible in place.
	panel := "#" + failCell + " .ev"
	if evalBool(`document.querySelector(` + jsString(panel) + `).checkVisibility()`) {
		t.Errorf("evidence visible before the click")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#"+failCell+" summary"))); err != nil {
		t.Fatalf("open evidence: %v", err)
	}
	waitShown(ctx, t, panel)
	if !evalBool(`document.querySelector(` + jsString(panel) + `).innerText.includes("sentinel")`) {
		t.Errorf("evidence panel lacks the message: %v", eval(`document.querySelector(`+jsString(panel)+`).innerText`))
	}
	saveScreenshot(ctx, t, "evidence.png", false)

	// A folded cell lists its other findings; opening it closes the first panel.
	// The open panel may cover the cell below, as it would for a reader: Escape closes it first.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	if got := evalNum(`document.querySelectorAll(".cell details[open]").length`); got != 0 {
		t.Errorf("Escape left %d evidence panels open", got)
	}
	folded := "#" + cellID(rules.PushEventFired.ID, "chromium")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(folded+" summary"))); err != nil {
		t.Fatalf("open folded evidence: %v", err)
	}
	waitShown(ctx, t, folded+" .ev ol.also")
	// Opening another cell closes this one: one panel at a time.
	other := "#" + cellID(rules.PushEventFired.ID, "firefox")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(other+" summary"))); err != nil {
		t.Fatal(err)
	}
	waitShown(ctx, t, other+" .ev")
	// The toggle event that closes the first panel is dispatched asynchronously: wait for it.
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`document.querySelectorAll(".cell details[open]").length === 1`)); err != nil {
		t.Errorf("%d evidence panels open, want 1: %v", evalNum(`document.querySelectorAll(".cell details[open]").length`), err)
	}
	wcancel()
	saveScreenshot(ctx, t, "evidence-folded.png", false)
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}

	// Filters: level SHOULD keeps only SHOULD rows; unticking "pass" hides all-pass rows.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`(() => {
		const f = document.getElementById("filters");
		f.elements.level.value = "SHOULD";
		f.elements.level.dispatchEvent(new Event("change", {bubbles: true}));
	})()`)); err != nil {
		t.Fatal(err)
	}
	if got := evalNum(`[...document.querySelectorAll("tr.rule")].filter(r => !r.hidden && r.dataset.level !== "SHOULD").length`); got != 0 {
		t.Errorf("level filter: %d non-SHOULD rows still shown", got)
	}
	if evalBool(`document.getElementById(` + jsString("r-"+rules.TTLMissing400.ID) + `).checkVisibility()`) {
		t.Errorf("level filter: a MUST row is still visible")
	}
	var should []string
	for _, r := range res.Rules {
		if covered[r.ID] && r.Level == "SHOULD" {
			should = append(should, "r-"+r.ID)
		}
	}
	if got := eval(`[...document.querySelectorAll("tr.rule")].filter(r => !r.hidden).map(r => r.id).sort().join(" ")`); got != strings.Join(should, " ") {
		t.Errorf("level filter: got rows %v, want the SHOULD rules %v", got, should)
	}
	// Bring the form into view as a reader would; chromedp then clicks the real controls.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.getElementById("filters").scrollIntoView({block: "center"})`),
		chromedp.Click(chromedp.CSS(`button[type=reset]`)),
		chromedp.Click(chromedp.CSS(`input[name=outcome][value=pass]`))); err != nil {
		t.Fatal(err)
	}
	if lv := eval(`document.getElementById("filters").elements.level.value`); lv != "" {
		t.Errorf("reset did not clear the level filter: %v", lv)
	}
	if !evalBool(`document.getElementById(` + jsString("r-"+rules.TTLMissing400.ID) + `).hidden`) {
		t.Errorf("outcome filter: an all-pass row is still shown with pass unticked")
	}
	if evalBool(`document.getElementById(` + jsString("r-"+rules.FailWrongDelimiter.ID) + `).hidden`) {
		t.Errorf("outcome filter: a row with a fail cell is hidden")
	}
	// "targets disagree" keeps the rules whose targets got different outcomes.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`)),
		chromedp.Click(chromedp.CSS(`input[name=differ]`))); err != nil {
		t.Fatal(err)
	}
	want := "r-" + rules.PushEventFired.ID + " r-" + rules.SubscribeUserVisibleRequired.ID + " r-" + rules.FailWrongDelimiter.ID
	if got := eval(`[...document.querySelectorAll("tr.rule")].filter(r => !r.hidden).map(r => r.id).sort().join(" ")`); got != want {
		t.Errorf("targets disagree: rows %v, want %v", got, want)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`button[type=reset]`))); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(ctx, t, "screenshot.png", true)
	// Viewport-sized views of the main sections, easier to read than the whole page.
	for _, id := range []string{"summary", "interop", "matrix", "latency"} {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.getElementById("`+id+`").scrollIntoView()`)); err != nil {
			t.Fatal(err)
		}
		saveScreenshot(ctx, t, "section-"+id+".png", false)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	saveScreenshot(ctx, t, "section-top.png", false)

	console, thrown, requests := log.snapshot()
	if len(console) > 0 {
		t.Errorf("console errors: %q", console)
	}
	if len(thrown) > 0 {
		t.Errorf("uncaught exceptions: %q", thrown)
	}
	for _, u := range requests {
		if u != pageURL && !strings.HasPrefix(u, "data:") {
			t.Errorf("the page requested %s; only the page itself may be loaded", u)
		}
	}
	if len(requests) == 0 {
		t.Errorf("no request recorded at all: the network listener is not working")
	}
}

// TestHTMLInteropGridWidth renders the fixture with a full interop matrix, as `make run` has it
// (chromium and firefox in the rfc profile, the virtual UA in five profiles, three senders: 21
// interop targets), and requires the page to stay as wide as a 1400 px window. With a matrix
// column per target it was 3,287 px wide.
func TestHTMLInteropGridWidth(t *testing.T) {
	ctx := newChromium(t)
	res := fixtureResults(t)
	have := map[string]bool{}
	for _, tg := range res.Targets {
		have[tg.ID] = true
	}
	n := 0
	for _, recv := range []string{"chromium", "firefox", "virtual-ua"} {
		profiles := []string{"rfc"}
		if recv == "virtual-ua" {
			profiles = []string{"apple", "autopush", "fcm", "rfc", "wns"}
		}
		for _, send := range []string{"raw", "web-push", "webpush-go"} {
			for _, prof := range profiles {
				id := recv + "/" + send + "/" + prof
				if have[id] {
					continue
				}
				res.Targets = append(res.Targets, Target{ID: id, Kind: "user-agent", Name: recv + " ← " + send + " via the " + prof + " profile"})
				res.Results = append(res.Results, Result{Rule: rules.KeyDerivation.ID, Target: id,
					Finding: Finding{Outcome: rules.Pass, Evidence: map[string]string{"delivered": "\"interop " + send + " " + prof + "\""}}})
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no interop target added")
	}
	index, err := WriteAll(t.TempDir(), res)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+index), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	dims, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth,
		document.querySelectorAll("#interop-table td.cell:not(.o-none)").length, document.querySelectorAll("#matrix-table thead th.tcol").length]`))
	if err != nil {
		t.Fatal(err)
	}
	if w, vw := dims[0], dims[1]; w > vw+16 {
		t.Errorf("page is %d px wide in a %d px viewport", w, vw)
	}
	if got, want := dims[2], 21; got != want {
		t.Errorf("interop cells: got %d, want %d", got, want)
	}
	if got, want := dims[3], 4; got != want {
		t.Errorf("rule × target columns: got %d, want %d", got, want)
	}
	saveScreenshot(ctx, t, "interop-grid.png", true)
}

// TestHTMLWithoutJavaScript checks that the report reads with scripts off: rows are there and a
// cell's evidence opens with a click (<details>), and the filter form stays out of the way.
func TestHTMLWithoutJavaScript(t *testing.T) {
	ctx := newChromium(t)
	dir := t.TempDir()
	index, err := WriteAll(dir, fixtureResults(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`1`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+index), chromedp.WaitReady(chromedp.CSS("footer"))); err != nil {
		t.Fatal(err)
	}
	cell := "#" + cellID(rules.UrgencyMultiple400.ID, "fake:rfc")
	shown := func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(cell+" .ev")+`).checkVisibility()`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if shown() {
		t.Errorf("evidence shown before the click")
	}
	// <details> opens on the click itself, synchronously, with or without scripts.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(cell+" summary"))); err != nil {
		t.Fatal(err)
	}
	if !shown() {
		t.Errorf("evidence does not open without JavaScript")
	}
	// The same for an interop cell, brought clear of the sticky navigation bar first.
	cell = "#" + interopCellID("virtual-ua/webpush-go/apple")
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+jsString(cell)+`).scrollIntoView({block: "center"})`),
		chromedp.Click(chromedp.CSS(cell+" summary"))); err != nil {
		t.Fatal(err)
	}
	if !shown() {
		t.Errorf("interop evidence does not open without JavaScript")
	}
	// Without the script the filters could not work, so they are not shown.
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("filters").checkVisibility()`)); err != nil || v {
		t.Errorf("filter form shown without JavaScript (err %v)", err)
	}
	saveScreenshot(ctx, t, "nojs.png", false)
}

// waitShown waits until the element is really rendered: content inside a closed <details> still
// has a box in Chromium, so WaitVisible alone would pass; checkVisibility does not.
func waitShown(ctx context.Context, t *testing.T, sel string) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Run(wctx, chromedp.Poll[bool](`(() => { const e = document.querySelector(`+jsString(sel)+`); return !!e && e.checkVisibility(); })()`)); err != nil {
		t.Fatalf("%s never became visible: %v", sel, err)
	}
}

func saveScreenshot(ctx context.Context, t *testing.T, name string, full bool) {
	t.Helper()
	action := chromedp.CaptureScreenshot()
	if full {
		action = chromedp.FullScreenshot(100)
	}
	buf, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	path := filepath.Join("testdata", "out", name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
	}
}

func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
