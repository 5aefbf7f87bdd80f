package main

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// summary is one measurement.
type summary struct {
	N        int // requests answered (or failed)
	OK       int
	Degraded int
	Failed   int
	Elapsed  time.Duration
	RPS      float64 // answered without failure, per second
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
	Max      time.Duration
	// CPU is the CPU time each process used per request, in ms ("server",
	// "agencysim", "loadgen"). Busy is the share of the machine's CPUs in
	// use (by any process), Steal the share the hypervisor took, in
	// percent. Nil and NaN when not measured.
	CPU   map[string]float64
	Busy  float64
	Steal float64
	// Other is the share of the CPUs used by processes other than those
	// measured (another job on the machine skews the figures).
	Other float64
}

// summarize measures samples over elapsed. Latency percentiles cover every
// request, failed ones included; throughput counts the ones that did not fail.
func summarize(samples []sample, elapsed time.Duration) summary {
	s := summary{N: len(samples), Elapsed: elapsed, Busy: math.NaN(), Steal: math.NaN(), Other: math.NaN()}
	lat := make([]time.Duration, 0, len(samples))
	for _, x := range samples {
		switch x.out {
		case ok:
			s.OK++
		case degraded:
			s.Degraded++
		default:
			s.Failed++
		}
		lat = append(lat, x.latency())
	}
	slices.Sort(lat)
	s.P50, s.P90, s.P99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
	if len(lat) > 0 {
		s.Max = lat[len(lat)-1]
	}
	if elapsed > 0 {
		s.RPS = float64(s.OK+s.Degraded) / elapsed.Seconds()
	}
	return s
}

// withCPU adds the CPU time processes used over the measurement.
func (s summary) withCPU(used map[string]time.Duration, cpus int) summary {
	s.CPU = map[string]float64{}
	var ours time.Duration
	for name, d := range used {
		if name == "machine" || name == "steal" {
			continue
		}
		ours += d
		s.CPU[name] = math.NaN()
		if s.N > 0 {
			s.CPU[name] = msOf(d) / float64(s.N)
		}
	}
	share := func(d time.Duration) float64 {
		if s.Elapsed <= 0 || cpus <= 0 {
			return math.NaN()
		}
		return 100 * d.Seconds() / (s.Elapsed.Seconds() * float64(cpus))
	}
	if d, ok := used["machine"]; ok {
		s.Busy, s.Steal, s.Other = share(d), share(used["steal"]), max(share(d-ours), 0)
	}
	return s
}

// cpuOf is one process's CPU ms per request, NaN when not measured.
func (s summary) cpuOf(name string) float64 {
	if v, ok := s.CPU[name]; ok {
		return v
	}
	return math.NaN()
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted: the
// smallest value with at least p% of the values at or below it. 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// median of xs (the mean of the middle two for an even count); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// medianOf is the median of one figure over measurements.
func medianOf(ss []summary, f func(summary) float64) float64 {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	return median(xs)
}

// ratio is a/b, NaN when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// kv is one key=value of a RESULT line.
type kv struct{ k, v string }

func kvInt(k string, n int) kv          { return kv{k, strconv.Itoa(n)} }
func kvStr(k, v string) kv              { return kv{k, v} }
func kvNum(k string, f float64) kv      { return kv{k, num(f)} }
func kvMs(k string, d time.Duration) kv { return kv{k, num(msOf(d))} }
func kvRatio(k string, f float64) kv {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return kv{k, "NaN"}
	}
	return kv{k, strconv.FormatFloat(f, 'f', 3, 64)}
}

// num writes a figure with two decimals; NaN as NaN.
func num(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "NaN"
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

var resultKey = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// resultLine is the machine-readable line of a scenario:
// "RESULT scenario=<name> key=value …", keys in the order given. Keys are
// lower-case identifiers; a value with a space or a quote is quoted (Go
// syntax), an empty one is written "".
func resultLine(scenario string, kvs ...kv) string {
	var b strings.Builder
	b.WriteString("RESULT scenario=")
	b.WriteString(scenario)
	for _, x := range kvs {
		if !resultKey.MatchString(x.k) {
			panic(fmt.Sprintf("RESULT key %q is not a lower-case identifier", x.k))
		}
		v := x.v
		if v == "" || strings.ContainsAny(v, " \t\n\"=") {
			v = strconv.Quote(v)
		}
		b.WriteString(" " + x.k + "=" + v)
	}
	return b.String()
}

// parseResult reads a RESULT line back: the scenario and every key.
func parseResult(line string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(line, "RESULT ")
	if !ok {
		return nil, fmt.Errorf("not a RESULT line: %q", line)
	}
	out := map[string]string{}
	for rest != "" {
		k, after, ok := strings.Cut(rest, "=")
		if !ok || !resultKey.MatchString(k) {
			return nil, fmt.Errorf("bad key at %q", rest)
		}
		var v string
		if strings.HasPrefix(after, `"`) {
			q, err := strconv.QuotedPrefix(after)
			if err != nil {
				return nil, fmt.Errorf("bad quoted value at %q", after)
			}
			v, _ = strconv.Unquote(q)
			after = after[len(q):]
		} else {
			v, after, _ = strings.Cut(after, " ")
			after = " " + after
		}
		out[k] = v
		rest = strings.TrimPrefix(after, " ")
	}
	return out, nil
}
