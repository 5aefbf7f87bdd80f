package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// proc is a server loadgen started: agencysim, satupintu or the baseline.
type proc struct {
	name   string
	url    string
	cmd    *exec.Cmd
	log    *os.File
	exited chan struct{}
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

var procSeq atomic.Int64

// start runs bin with env (and nothing else of loadgen's environment but
// PATH and HOME), its output in a log file, and waits until GET health
// answers 2xx.
func (d *driver) start(ctx context.Context, name, bin string, args []string, env map[string]string, addr, health string) (*proc, error) {
	logPath := filepath.Join(d.logs, fmt.Sprintf("%02d-%s.log", procSeq.Add(1), name))
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = f, f
	// Should loadgen die without cleaning up, its servers go too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, url: "http://" + addr, cmd: cmd, log: f, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	d.procs = append(d.procs, p)
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url+health, nil)
		resp, err := d.ctl.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return p, nil
			}
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("%s exited at start: %s", name, lastLines(logPath, 5))
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s not ready after 60s: %s", name, lastLines(logPath, 5))
		}
	}
}

// stop asks p to finish (SIGTERM), then kills it after 15s.
func (d *driver) stop(p *proc) {
	if p == nil {
		return
	}
	d.ctl.CloseIdleConnections()
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	}
	p.log.Close()
	for i, q := range d.procs {
		if q == p {
			d.procs = append(d.procs[:i], d.procs[i+1:]...)
			break
		}
	}
}

// freeAddr finds a loopback port nobody listens on.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// binaries are the servers loadgen starts, each built from ./cmd/<name>.
var serverBinaries = []string{"satupintu", "agencysim"}

// missingBinaries are the binaries dir does not hold.
func missingBinaries(dir string) []string {
	var out []string
	for _, name := range serverBinaries {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			out = append(out, name)
		}
	}
	return out
}

// build compiles the named binaries into dir, from the module loadgen is
// run in; outside it, the error says how to build them.
func build(ctx context.Context, dir string, names []string) error {
	var cmds []string
	for _, name := range names {
		cmds = append(cmds, "./cmd/"+name)
	}
	howTo := fmt.Sprintf("%s lacks %s: build with `go build -o %s %s` in the satupintu module, or run loadgen there",
		dir, strings.Join(names, " and "), dir, strings.Join(cmds, " "))
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if gomod := strings.TrimSpace(string(out)); err != nil || gomod == "" || gomod == os.DevNull {
		return fmt.Errorf("not inside the satupintu module (go env GOMOD: %q, %v); %s", gomod, err, howTo)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%w; %s", err, howTo)
	}
	for _, name := range names {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, name), "./cmd/"+name)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build ./cmd/%s (in %s): %v\n%s", name, root, err, out)
		}
	}
	return nil
}

// rssBytes reads a process's resident set (VmRSS) from /proc.
func rssBytes(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmRSS: %w", err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}

// lastLines is the end of a log, for an error message.
func lastLines(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ") + " (log " + path + ")"
}

// clockTick is the unit of /proc/<pid>/stat CPU times (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// cpuMeter measures the CPU time processes use over a window: the server
// measured, the agencysim and loadgen itself, which share the machine.
type cpuMeter struct {
	names []string
	pids  []int
	start []int64
	stat  machineStat
	prof  chan struct{} // closed when the CPU profile is written; nil when not profiling
}

// meter starts measuring the server at pid (0: unknown, not measured),
// the agencysim and loadgen.
func (st *stage) meter(server int) *cpuMeter {
	m := &cpuMeter{}
	add := func(name string, pid int) {
		if pid != 0 {
			m.names, m.pids = append(m.names, name), append(m.pids, pid)
		}
	}
	add("server", server)
	if st.simProc != nil {
		add("agencysim", st.simProc.pid())
	}
	add("loadgen", os.Getpid())
	for _, pid := range m.pids {
		t, _ := cpuTicks(pid)
		m.start = append(m.start, t)
	}
	m.stat, _ = readMachineStat()
	pprofURL, name := "", ""
	switch {
	case server == 0:
	case server == st.bffPID() && st.bffPprof != "":
		pprofURL, name = st.bffPprof, st.bffName
	case server == st.basePID() && st.basePprof != "":
		pprofURL, name = st.basePprof, "baseline"
	}
	if pprofURL != "" {
		m.prof = make(chan struct{})
		go func() {
			defer close(m.prof)
			var wg sync.WaitGroup
			if st.simPprof != "" {
				// The agencysim over the same window: it shares the cores.
				wg.Go(func() {
					if err := st.cpuProfile(st.simPprof, "agencysim"); err != nil {
						fmt.Fprintf(st.d.errOut, "loadgen: CPU profile of the agencysim: %v\n", err)
					}
				})
			}
			if err := st.cpuProfile(pprofURL, name); err != nil {
				fmt.Fprintf(st.d.errOut, "loadgen: CPU profile: %v\n", err)
			}
			wg.Wait()
		}()
	}
	return m
}

var profileSeq atomic.Int64

// cpuProfile writes a CPU profile of the process serving pprof at base
// (satupintu, the baseline, or the agencysim loadgen started) over the next
// -duration (whole seconds, at least one) into -profile, its file named
// after name.
func (st *stage) cpuProfile(base, name string) error {
	secs := max(1, int((st.d.o.duration+time.Second-1)/time.Second))
	resp, err := st.d.ctl.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(b)))
	}
	path := filepath.Join(st.d.o.profileDir, fmt.Sprintf("%02d-%s.pprof", profileSeq.Add(1), name))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(st.d.out, "loadgen: CPU profile of %s written to %s\n", name, path)
	return f.Close()
}

// stop returns the CPU time each process used since the meter started,
// and, under "machine" and "steal", the CPU time the whole machine was
// busy (any process) and the time the hypervisor took from it.
func (m *cpuMeter) stop() map[string]time.Duration {
	out := map[string]time.Duration{}
	defer func() {
		if m.prof != nil {
			<-m.prof // the next measurement may profile too: one at a time
		}
	}()
	for i, pid := range m.pids {
		if t, err := cpuTicks(pid); err == nil {
			out[m.names[i]] = time.Duration(t-m.start[i]) * clockTick
		}
	}
	if now, err := readMachineStat(); err == nil && m.stat.total > 0 {
		out["machine"] = time.Duration(now.busy-m.stat.busy) * clockTick
		out["steal"] = time.Duration(now.steal-m.stat.steal) * clockTick
	}
	return out
}

// machineStat is the "cpu" line of /proc/stat, in clock ticks.
type machineStat struct{ busy, steal, total int64 }

func readMachineStat() (machineStat, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineStat{}, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineStat{}, fmt.Errorf("unexpected /proc/stat")
	}
	var v [8]int64 // user nice system idle iowait irq softirq steal
	for i := range v {
		v[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	var st machineStat
	for _, x := range v {
		st.total += x
	}
	st.steal = v[7]
	st.busy = st.total - v[3] - v[4] - v[7]
	return st, nil
}
