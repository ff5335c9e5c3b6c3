package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The external load generator: the same load as Run, posted by a separate process with its own
// GOMAXPROCS, so that the senders do not share the measured service's Go scheduler, and through
// raw keep-alive HTTP/1.1 connections with every request serialized before the clock starts, so
// that a request costs the generator one write and one response read. The HTTP floor is measured
// with the same generator: its rate is the generator's (and the machine's) ceiling.
//
// The generator is the calling binary itself, run again with GeneratorEnv set: a binary that uses
// RunExternal calls GeneratorMain first thing (bench's TestMain does).

// GeneratorEnv, set in a process's environment, makes GeneratorMain run the generator.
const GeneratorEnv = "PUSHSPEC_LOADGEN"

// wireLoad is what the generator reads: one serialized request per message.
type wireLoad struct {
	Addrs    []string // host:port of each message (index into Addr)
	Addr     []int
	Raw      [][]byte
	Senders  int
	Timeout  time.Duration
	Accepted []int // statuses that count as accepted
}

// wireOutcome is Outcome without the error value (gob cannot carry it).
type wireOutcome struct {
	Status   int
	Location string
	Answer   string
	Latency  time.Duration
	Err      string
}

type wireResult struct {
	Outcomes []wireOutcome
	Elapsed  time.Duration
}

// ExternalRun is a Load run by the generator process.
type ExternalRun struct {
	*Result
	// GeneratorCPU is the generator process's CPU time over the load (10 ms resolution).
	GeneratorCPU time.Duration
	// SelfCPU is this process's CPU time over the same window.
	SelfCPU time.Duration
}

// serialize turns m into the bytes of one HTTP/1.1 request and the address to send them to.
func serialize(m Message) (addr string, raw []byte, err error) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return "", nil, err
	}
	if u.Scheme != "http" {
		return "", nil, fmt.Errorf("bench: the generator speaks plain http, not %s", u.Scheme)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", u.RequestURI(), u.Host, len(m.Body))
	if err := m.Header.Write(&b); err != nil {
		return "", nil, err
	}
	b.WriteString("\r\n")
	b.Write(m.Body)
	return u.Host, b.Bytes(), nil
}

// RunExternal posts l.Messages from a generator process running with GOMAXPROCS procs. start is
// called once the generator has read the load and opened its connections, just before the first
// request (a benchmark resets its timer there); the CPU times cover the load alone.
func RunExternal(ctx context.Context, l Load, procs int, start func()) (*ExternalRun, error) {
	timeout := l.Timeout
	if timeout == 0 {
		timeout = 2 * time.Minute
	}
	w := wireLoad{Senders: max(1, l.Senders), Timeout: timeout, Addr: make([]int, len(l.Messages)), Raw: make([][]byte, len(l.Messages))}
	addrIndex := map[string]int{}
	for i, m := range l.Messages {
		addr, raw, err := serialize(m)
		if err != nil {
			return nil, err
		}
		j, ok := addrIndex[addr]
		if !ok {
			j = len(w.Addrs)
			addrIndex[addr] = j
			w.Addrs = append(w.Addrs, addr)
		}
		w.Addr[i], w.Raw[i] = j, raw
	}
	accepted := l.Accepted
	if accepted == nil {
		accepted = func(s int) bool { return s == http.StatusCreated }
	}
	for s := 100; s < 600; s++ {
		if accepted(s) {
			w.Accepted = append(w.Accepted, s)
		}
	}
	f, err := os.CreateTemp("", "pushspec-load-*.gob")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriter(f)
	if err := gob.NewEncoder(bw).Encode(w); err != nil {
		f.Close()
		return nil, err
	}
	if err := errors.Join(bw.Flush(), f.Close()); err != nil {
		return nil, err
	}

	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, f.Name())
	cmd.Env = append(os.Environ(), GeneratorEnv+"=1", "GOMAXPROCS="+strconv.Itoa(max(1, procs)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer cmd.Wait()
	fail := func(err error) (*ExternalRun, error) {
		cancel()
		cmd.Wait()
		return nil, fmt.Errorf("bench: load generator: %w (stderr: %s)", err, bytes.TrimSpace(stderr.Bytes()))
	}
	br := bufio.NewReader(stdout)
	if line, err := br.ReadString('\n'); err != nil || line != "ready\n" {
		return fail(fmt.Errorf("no ready line (%q, %v)", line, err))
	}
	if start != nil {
		start()
	}
	self0, gen0 := ProcessCPU(), pidCPU(cmd)
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		return fail(err)
	}
	if line, err := br.ReadString('\n'); err != nil || line != "done\n" {
		return fail(fmt.Errorf("no done line (%q, %v)", line, err))
	}
	out := &ExternalRun{SelfCPU: ProcessCPU() - self0, GeneratorCPU: pidCPU(cmd) - gen0}
	var wr wireResult
	if err := gob.NewDecoder(br).Decode(&wr); err != nil {
		return fail(err)
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("bench: load generator: %w (stderr: %s)", err, bytes.TrimSpace(stderr.Bytes()))
	}
	res := &Result{Outcomes: make([]Outcome, len(wr.Outcomes)), Elapsed: wr.Elapsed}
	for i, o := range wr.Outcomes {
		res.Outcomes[i] = Outcome{Status: o.Status, Location: o.Location, Answer: o.Answer, Latency: o.Latency}
		if o.Err != "" {
			res.Outcomes[i].Err = errors.New(o.Err)
		}
	}
	res.tally(accepted)
	out.Result = res
	return out, nil
}

func pidCPU(cmd *exec.Cmd) time.Duration {
	if cmd.Process == nil {
		return 0
	}
	d, _ := PidCPU(cmd.Process.Pid)
	return d
}

// GeneratorMain runs the load generator when GeneratorEnv is set and reports whether it did; the
// caller then exits with the code. Protocol: argument 1 is the load file; the generator opens its
// connections, writes "ready\n", waits for a line on stdin, runs the load, writes "done\n" and
// then the result (gob) to stdout.
func GeneratorMain() (ran bool, code int) {
	if os.Getenv(GeneratorEnv) == "" {
		return false, 0
	}
	if err := generate(os.Args[len(os.Args)-1], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return true, 1
	}
	return true, 0
}

func generate(path string, in io.Reader, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	var w wireLoad
	err = gob.NewDecoder(bufio.NewReader(f)).Decode(&w)
	f.Close()
	if err != nil {
		return err
	}
	// One connection per sender, opened before the clock starts; a sender keeps its connection
	// and sends to the address of each message it takes (one address per load in practice).
	senders := make([]*rawConn, w.Senders)
	for i := range senders {
		senders[i] = &rawConn{}
		if len(w.Addrs) > 0 {
			if err := senders[i].dial(w.Addrs[0]); err != nil {
				return err
			}
		}
	}
	if _, err := io.WriteString(out, "ready\n"); err != nil {
		return err
	}
	if _, err := bufio.NewReader(in).ReadString('\n'); err != nil {
		return err
	}
	deadline := time.Now().Add(w.Timeout)
	res := wireResult{Outcomes: make([]wireOutcome, len(w.Raw))}
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.close()
			for time.Now().Before(deadline) {
				i := int(next.Add(1)) - 1
				if i >= len(w.Raw) {
					return
				}
				res.Outcomes[i] = c.post(w.Addrs[w.Addr[i]], w.Raw[i], deadline)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if _, err := io.WriteString(out, "done\n"); err != nil {
		return err
	}
	bw := bufio.NewWriter(out)
	if err := gob.NewEncoder(bw).Encode(res); err != nil {
		return err
	}
	return bw.Flush()
}

// rawConn is one sender's keep-alive HTTP/1.1 connection.
type rawConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func (c *rawConn) dial(addr string) error {
	c.close()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	c.addr, c.c, c.br = addr, conn, bufio.NewReaderSize(conn, 8<<10)
	return nil
}

func (c *rawConn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// post sends one serialized request and reads its answer, reconnecting first when the server
// closed the connection or the address differs.
func (c *rawConn) post(addr string, raw []byte, deadline time.Time) wireOutcome {
	t0 := time.Now()
	if c.c == nil || c.addr != addr {
		if err := c.dial(addr); err != nil {
			return wireOutcome{Err: err.Error(), Latency: time.Since(t0)}
		}
	}
	c.c.SetDeadline(deadline)
	if _, err := c.c.Write(raw); err != nil {
		c.close()
		return wireOutcome{Err: err.Error(), Latency: time.Since(t0)}
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.close()
		return wireOutcome{Err: err.Error(), Latency: time.Since(t0)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body) // the connection is reused: read the answer to its end
	}
	resp.Body.Close()
	o := wireOutcome{Status: resp.StatusCode, Location: resp.Header.Get("Location"), Latency: time.Since(t0)}
	if err != nil || resp.Close {
		c.close()
	}
	if o.Status >= 300 {
		o.Answer = resp.Status + " " + string(body)
	}
	return o
}
