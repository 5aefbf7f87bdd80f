package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// table prints aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)}
	t.row(header...)
	return t
}

func (t *table) row(cells ...string) { fmt.Fprintln(t.tw, strings.Join(cells, "\t")+"\t") }

func (t *table) flush() { _ = t.tw.Flush() }

// measurementHeader and measurementRow print a summary.
// The CPU columns are CPU ms per request of the server measured, of the
// agencysim and of loadgen, how busy the machine's CPUs were (any
// process), the part of that other processes took (another job skews
// the figures) and what the hypervisor took (steal).
var measurementHeader = []string{"run", "requests", "rps", "p50 ms", "p90 ms", "p99 ms", "max ms", "degraded", "errors",
	"cpu/req server", "agencysim", "loadgen", "busy %", "other %", "steal %"}

func measurementRow(name string, s summary) []string {
	cpu := func(name string) string {
		if s.CPU == nil {
			return "-"
		}
		return num(s.cpuOf(name))
	}
	busy, other, steal := "-", "-", "-"
	if s.CPU != nil {
		busy, other, steal = num(s.Busy), num(s.Other), num(s.Steal)
	}
	return []string{name, fmt.Sprint(s.N), num(s.RPS), num(msOf(s.P50)), num(msOf(s.P90)), num(msOf(s.P99)),
		num(msOf(s.Max)), fmt.Sprint(s.Degraded), fmt.Sprint(s.Failed), cpu("server"), cpu("agencysim"), cpu("loadgen"), busy, other, steal}
}

func ms(d time.Duration) string { return num(msOf(d)) }

// machine names the machine the figures come from.
func machine() string {
	model := ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		s := bufio.NewScanner(f)
		for s.Scan() {
			if rest, ok := strings.CutPrefix(s.Text(), "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), ":"))
				break
			}
		}
		f.Close()
	}
	if model == "" {
		model = runtime.GOARCH
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s", runtime.NumCPU(), model, runtime.Version(), runtime.GOOS)
}
