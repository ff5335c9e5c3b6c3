package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LostError says that a browser pushspec was driving went away without Close: its process
// exited (with a status, or killed by a signal) or the connection to it dropped. A check that
// was running then could not be made: it is the harness's error, never the browser's failure.
type LostError struct {
	Kind Kind
	// PID is the browser's main process, 0 when unknown (a remote browser).
	PID int
	// At is when pushspec noticed.
	At time.Time
	// How is what happened: "its process ended: signal: killed", "its process ended: exit
	// status 1", "the connection to it dropped: EOF".
	How string
}

func (e *LostError) Error() string {
	pid := ""
	if e.PID > 0 {
		pid = fmt.Sprintf(" (pid %d)", e.PID)
	}
	return fmt.Sprintf("the %s browser%s went away at %s: %s", e.Kind, pid, e.At.Format("15:04:05.000"), e.How)
}

// Watched is implemented by the browsers of this package: it tells when one went away.
type Watched interface {
	// Lost is closed once the browser process has exited or the connection to it dropped,
	// unless Close ended it (then it never closes).
	Lost() <-chan struct{}
	// LostErr is the *LostError once Lost is closed, else nil. It looks at the process first,
	// so that a process that is already gone counts even before its connection's end has been
	// noticed.
	LostErr() error
	// PID is the browser's main process, 0 when unknown (a remote browser).
	PID() int
}

// lossWatch is the Lost/LostErr state shared by both browsers.
type lossWatch struct {
	kind Kind
	pid  int
	ch   chan struct{}
	once sync.Once
	err  *LostError // set before ch closes
}

func newLossWatch(kind Kind, pid int) *lossWatch {
	return &lossWatch{kind: kind, pid: pid, ch: make(chan struct{})}
}

// lose records how the browser went away; the first call wins.
func (w *lossWatch) lose(how string) {
	w.once.Do(func() {
		w.err = &LostError{Kind: w.kind, PID: w.pid, At: time.Now(), How: how}
		close(w.ch)
	})
}

func (w *lossWatch) Lost() <-chan struct{} { return w.ch }

// noticed is the loss once recorded (also after Close), else nil.
func (w *lossWatch) noticed() error {
	select {
	case <-w.ch:
		return w.err
	default:
		return nil
	}
}

func (w *lossWatch) PID() int { return w.pid }

// lostErr returns the loss; when the process is gone but the watcher has not said so yet, it
// gives the watcher settle (it learns the exit status) and otherwise records the loss itself.
func (w *lossWatch) lostErr(settle time.Duration) error {
	select {
	case <-w.ch:
		return w.err
	default:
	}
	if w.pid <= 0 || !processGone(w.pid) {
		return nil
	}
	t := time.NewTimer(settle)
	defer t.Stop()
	select {
	case <-w.ch:
	case <-t.C:
		w.lose("its process is gone")
	}
	return w.err
}

// processGone reports whether pid has exited: no /proc entry, or a zombie not reaped yet.
func processGone(pid int) bool {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return os.IsNotExist(err)
	}
	st, ok := procState(string(b))
	return ok && (st == "Z" || st == "X")
}

// procState is the state field of a /proc/<pid>/stat line ("1234 (name) S 1 …"); the name
// may hold spaces and parentheses, so the state follows the last ")".
func procState(stat string) (string, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 2 {
		return "", false
	}
	return f[0], true
}

// procParent is the parent pid of pid, 0 when unknown.
func procParent(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// descendants lists the processes below this one (children, grandchildren, …) whose
// executable's base name starts with prefix, mapped to their parent.
func descendants(prefix string) map[int]int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp := procParent(pid); pp > 0 {
			parent[pid] = pp
		}
	}
	self := os.Getpid()
	below := func(pid int) bool {
		for p, n := parent[pid], 0; p > 1 && n < 64; p, n = parent[p], n+1 {
			if p == self {
				return true
			}
		}
		return false
	}
	out := map[int]int{}
	for pid, pp := range parent {
		exe, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
		if err != nil || !strings.HasPrefix(filepath.Base(exe), prefix) || !below(pid) {
			continue
		}
		out[pid] = pp
	}
	return out
}

// mainProcesses keeps the processes of procs whose parent is not one of procs: a browser's
// main process, not its content or helper processes.
func mainProcesses(procs map[int]int) map[int]bool {
	out := map[int]bool{}
	for pid, pp := range procs {
		if _, child := procs[pp]; !child {
			out[pid] = true
		}
	}
	return out
}

// claimedPIDs are the Firefox main processes this process's firefoxBrowsers already own, so
// that a second Firefox started alongside is not mistaken for the first.
var (
	claimedMu  sync.Mutex
	claimedPID = map[int]bool{}
)

// claimNewFirefox finds the Firefox main process that appeared since before (a set of main
// processes taken before the launch) and claims it; 0 when there is none or more than one.
func claimNewFirefox(before map[int]bool) int {
	claimedMu.Lock()
	defer claimedMu.Unlock()
	var found []int
	for pid := range mainProcesses(descendants("firefox")) {
		if !before[pid] && !claimedPID[pid] {
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		return 0
	}
	claimedPID[found[0]] = true
	return found[0]
}

func releaseFirefox(pid int) {
	claimedMu.Lock()
	delete(claimedPID, pid)
	claimedMu.Unlock()
}
