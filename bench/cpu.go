package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// On a shared machine wall-clock rates say more about the neighbours than about the code. CPU
// time per message does not (much): the benchmarks report it next to the rates, and the summary
// projects the rate an otherwise idle machine of this kind would reach from it.

// ProcessCPU is the CPU time (user + system) this process has used so far.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times: 100 on every Linux
// architecture Go supports (it is fixed by the kernel ABI, whatever CONFIG_HZ is).
const clockTicks = 100

// PidCPU is the CPU time (user + system) process pid has used so far, from /proc/<pid>/stat
// (10 ms resolution).
func PidCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; the fields after it start after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: /proc/%d/stat: %v %v", pid, err1, err2)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// CPU is the CPU time the peer's node process has used so far (0 when it cannot be read).
func (p *WebPushTesting) CPU() time.Duration {
	if p.cmd.Process == nil {
		return 0
	}
	d, _ := PidCPU(p.cmd.Process.Pid)
	return d
}
