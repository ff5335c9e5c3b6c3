package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pushspec/pushspec/reports"
	"github.com/pushspec/pushspec/rules"
)

// display shows the suites' progress: on a terminal one live line per suite, redrawn in place;
// otherwise (or with CI set) plain lines: when a suite starts, every plainEvery while it runs
// if it moved, and when it ends. The full output of every suite is in its raw log.
type display struct {
	w     io.Writer
	live  bool
	jobs  []*job
	began time.Time

	kick chan struct{}
	quit chan struct{}
	done chan struct{}

	lines []string // live: the lines on screen
}

const (
	liveEvery  = 500 * time.Millisecond
	plainEvery = 15 * time.Second
)

func newDisplay(w io.Writer, jobs []*job, start time.Time) *display {
	return &display{w: w, live: isTerminal(w) && os.Getenv("CI") == "" && os.Getenv("TERM") != "dumb",
		jobs: jobs, began: start, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// changed tells the display that a job moved.
func (d *display) changed() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *display) start() {
	go func() {
		defer close(d.done)
		every := plainEvery
		if d.live {
			every = liveEvery
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		throttle := time.NewTicker(liveEvery)
		defer throttle.Stop()
		for {
			select {
			case <-d.quit:
				d.update(true)
				return
			case <-d.kick:
				if d.live {
					<-throttle.C // at most one redraw per liveEvery
				}
				d.update(false)
			case <-tick.C:
				d.update(true)
			}
		}
	}()
}

func (d *display) stop() {
	close(d.quit)
	<-d.done
}

// update redraws the live lines, or prints the plain lines due: starts and ends always, progress
// only when periodic.
func (d *display) update(periodic bool) {
	now := time.Now()
	if d.live {
		d.redraw(now)
		return
	}
	var b strings.Builder
	for _, j := range d.jobs {
		j.mu.Lock()
		line, st := j.line(now, false), j.state
		due := line != j.shown && (st == finished || (st == running && (periodic || j.shown == "")))
		if due {
			j.shown = line
		}
		j.mu.Unlock()
		if due {
			b.WriteString(line + "\n")
		}
	}
	io.WriteString(d.w, b.String())
}

// redraw rewrites the live lines that changed, in place.
func (d *display) redraw(now time.Time) {
	var b strings.Builder
	if len(d.lines) > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", len(d.lines))
	}
	next := make([]string, len(d.jobs))
	for i, j := range d.jobs {
		j.mu.Lock()
		next[i] = j.line(now, true)
		j.mu.Unlock()
		if i < len(d.lines) && d.lines[i] == next[i] {
			b.WriteString("\n")
			continue
		}
		b.WriteString("\r\x1b[2K" + next[i] + "\n")
	}
	d.lines = next
	io.WriteString(d.w, b.String())
}

// line is the job's progress; callers hold j.mu. Live lines stay short, so they never wrap.
func (j *job) line(now time.Time, live bool) string {
	name := fmt.Sprintf("  %-18s", j.name)
	switch {
	case j.state == waiting:
		return name + " waiting"
	case j.state == running && j.total < 0 && j.done == 0:
		if j.procs > 1 {
			return fmt.Sprintf("%s started (%d processes)", name, j.procs)
		}
		return name + " started"
	}
	total := "?"
	if j.total >= 0 {
		total = fmt.Sprint(j.total)
	}
	s := fmt.Sprintf("%s %3d/%-3s specs  %d fail", name, j.done, total, j.fail)
	if j.known > 0 {
		s += fmt.Sprintf(" (+%d known)", j.known)
	}
	if j.errs > 0 {
		s += fmt.Sprintf(", %d error", j.errs)
	}
	end := now
	if j.state == finished {
		end = j.endedAt
	}
	s += fmt.Sprintf("  %4.0fs", end.Sub(j.startedAt).Seconds())
	switch {
	case j.state == running && !live:
		s += "  running"
	case j.state == finished && j.err != nil:
		s += "  " + j.err.Error()
	case j.state == finished:
		s += "  done"
	}
	return s
}

// maxFailureLines bounds the failures listed on the console (the report has them all), so that
// a run's console output stays small whatever the target breaks.
const maxFailureLines = 150

// printSummary prints the table of outcomes per target, then one line per failure (and error,
// and with strict a broken SHOULD), then the harness problems.
func printSummary(w io.Writer, res *reports.Results, strict bool) {
	cols := []rules.Outcome{rules.Pass, rules.Fail, rules.NonStrict, rules.Skip, rules.Error, rules.Info}
	width := len("target")
	for _, s := range res.Summary {
		width = max(width, len(s.Target))
	}
	fmt.Fprintf(w, "%-*s", width, "target")
	for _, o := range cols {
		fmt.Fprintf(w, "  %*s", max(len(o), 4), o)
	}
	fmt.Fprintln(w, "  known deviations")
	for _, s := range res.Summary {
		fmt.Fprintf(w, "%-*s", width, s.Target)
		for _, o := range cols {
			fmt.Fprintf(w, "  %*d", max(len(o), 4), s.Counts[o])
		}
		fmt.Fprintf(w, "  %d\n", s.KnownDeviations)
	}

	// Failures first; without --strict, the SHOULDs not met follow in their own list: they do
	// not fail the run, but they are findings a reader should see.
	var lines, should []string
	for _, r := range res.Results {
		failing := r.Outcome == rules.Fail || r.Outcome == rules.Error || (strict && r.Outcome == rules.NonStrict)
		if !failing && r.Outcome != rules.NonStrict {
			continue
		}
		reason := r.Message
		if r.IsKnownDeviation() {
			reason = "known deviation: " + r.Evidence[reports.EvidenceKnownDeviation]
		}
		l := fmt.Sprintf("%-10s %s  %s  %s", r.Outcome, r.Target, r.Rule, oneSentence(reason, 160))
		if failing {
			lines = append(lines, l)
		} else {
			should = append(should, l)
		}
	}
	printLines(w, "failures", lines)
	printLines(w, "SHOULD not met (not failing the run; --strict makes them failures)", should)
	if len(res.Problems) > 0 {
		fmt.Fprintf(w, "\nharness problems (%d):\n", len(res.Problems))
		for i, p := range res.Problems {
			if i == 20 {
				fmt.Fprintf(w, "  … and %d more in the report\n", len(res.Problems)-i)
				break
			}
			fmt.Fprintf(w, "  %s (%s): %s\n", oneSentence(p.Spec, 80), p.State, oneSentence(p.Message, 160))
		}
	}
}

// printLines prints a titled list of result lines, at most maxFailureLines of them.
func printLines(w io.Writer, title string, lines []string) {
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(lines))
	for i, l := range lines {
		if i == maxFailureLines {
			fmt.Fprintf(w, "  … and %d more in the report\n", len(lines)-i)
			break
		}
		fmt.Fprintln(w, "  "+l)
	}
}

// oneSentence is the first sentence (or line) of s, at most n runes.
func oneSentence(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	if utf8.RuneCountInString(s) > n {
		r := []rune(s)
		s = string(r[:n-1]) + "…"
	}
	return s
}
