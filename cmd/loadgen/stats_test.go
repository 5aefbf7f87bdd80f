package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func msec(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileIsNearestRank(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, msec(i))
	}
	for _, c := range []struct {
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{hundred, 50, msec(50)},
		{hundred, 90, msec(90)},
		{hundred, 99, msec(99)},
		{hundred, 100, msec(100)},
		{hundred, 0.5, msec(1)},
		{[]time.Duration{msec(7)}, 99, msec(7)},
		{[]time.Duration{msec(1), msec(2), msec(3), msec(4)}, 50, msec(2)}, // rank ceil(2) = 2
		{[]time.Duration{msec(1), msec(2), msec(3), msec(4)}, 51, msec(3)}, // rank ceil(2.04) = 3
		{[]time.Duration{msec(1), msec(2), msec(3)}, 1e-9, msec(1)},        // the first
		{nil, 50, 0},
	} {
		if got := percentile(c.sorted, c.p); got != c.want {
			t.Errorf("p%v of %d values = %v, want %v", c.p, len(c.sorted), got, c.want)
		}
	}
}

func TestMedianAndRatio(t *testing.T) {
	if got := median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 values = %v", got)
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 4 values = %v", got)
	}
	in := []float64{5, 1, 9}
	median(in)
	if in[0] != 5 {
		t.Error("median sorted its argument")
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	if got := ratio(800, 1000); got != 0.8 {
		t.Errorf("ratio = %v", got)
	}
	if !math.IsNaN(ratio(1, 0)) {
		t.Error("ratio over 0 is not NaN")
	}
	ss := []summary{{RPS: 100, P50: msec(30)}, {RPS: 300, P50: msec(10)}, {RPS: 200, P50: msec(20)}}
	m := medianSummary(ss)
	if m.RPS != 200 || m.P50 != msec(20) {
		t.Errorf("median summary %+v", m)
	}
}

func TestSummarize(t *testing.T) {
	samples := []sample{
		{start: 0, end: msec(10), out: ok},
		{start: msec(5), end: msec(25), out: ok},
		{start: msec(10), end: msec(40), out: degraded},
		{start: msec(20), end: msec(21), out: failed},
	}
	s := summarize(samples, 2*time.Second)
	if s.N != 4 || s.OK != 2 || s.Degraded != 1 || s.Failed != 1 {
		t.Errorf("counts %+v", s)
	}
	if s.RPS != 1.5 { // ok and degraded answers, per second
		t.Errorf("rps %v, want 1.5", s.RPS)
	}
	// Latencies 1, 10, 20, 30 ms: every request counts, failed ones too.
	if s.P50 != msec(10) || s.P90 != msec(30) || s.P99 != msec(30) || s.Max != msec(30) {
		t.Errorf("percentiles %v %v %v %v", s.P50, s.P90, s.P99, s.Max)
	}
	if z := summarize(nil, 0); z.RPS != 0 || z.P99 != 0 {
		t.Errorf("empty summary %+v", z)
	}
}

func TestResultLine(t *testing.T) {
	line := resultLine("home", kvStr("mode", "cold"), kvNum("bff_rps", 1234.5678), kvRatio("ratio", 0.8123456),
		kvMs("bff_p50_ms", 1500*time.Microsecond), kvInt("errors", 0), kvNum("nothing", math.NaN()),
		kvStr("error", `agency "police" down`), kvStr("empty", ""))
	want := `RESULT scenario=home mode=cold bff_rps=1234.57 ratio=0.812 bff_p50_ms=1.50 errors=0 nothing=NaN error="agency \"police\" down" empty=""`
	if line != want {
		t.Fatalf("got  %s\nwant %s", line, want)
	}
	got, err := parseResult(line)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"scenario": "home", "mode": "cold", "bff_rps": "1234.57", "errors": "0",
		"error": `agency "police" down`, "empty": "", "nothing": "NaN"} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, err := parseResult("scenario=home"); err == nil {
		t.Error("a line without RESULT parsed")
	}
	defer func() {
		if recover() == nil {
			t.Error("a key with a space was accepted")
		}
	}()
	resultLine("home", kvStr("bad key", "x"))
}

func TestMetric(t *testing.T) {
	body := []byte(strings.Join([]string{
		`# HELP satupintu_agency_breaker_state Circuit breaker state`,
		`satupintu_agency_breaker_state{agency="bpjs"} 0`,
		`satupintu_agency_breaker_state{agency="police"} 2`,
		`satupintu_agency_breaker_state_total 9`,
		`satupintu_pushes_total{result="sent"} 1500`,
		`satupintu_pushes_total{result="unregistered"} 3`,
		`go_goroutines 42`,
	}, "\n"))
	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"satupintu_agency_breaker_state", `agency="police"`, 2},
		{"satupintu_pushes_total", `result="sent"`, 1500},
		{"satupintu_pushes_total", "", 1503},
		{"go_goroutines", "", 42},
	} {
		got, err := metric(body, c.name, c.label)
		if err != nil || got != c.want {
			t.Errorf("%s{%s} = %v, %v; want %v", c.name, c.label, got, err, c.want)
		}
	}
	if _, err := metric(body, "satupintu_agency_breaker_state", `agency="social"`); err == nil {
		t.Error("an absent sample was found")
	}
}

func TestClassifyHome(t *testing.T) {
	okBody := []byte(`{"data":{"home":{"name":"X"}}}`)
	policeDown := []byte(`{"errors":[{"message":"m","path":["home","police"],"extensions":{"code":"AGENCY_UNAVAILABLE","agency":"POLICE"}}],"data":{"home":{"name":"X","police":null}}}`)
	for _, c := range []struct {
		status int
		body   []byte
		down   string
		want   outcome
	}{
		{200, okBody, "", ok},
		{200, policeDown, "", failed},
		{200, policeDown, "POLICE", degraded},
		{200, policeDown, "BPJS", failed},
		{401, []byte(`{"errors":[{"message":"sign in"}]}`), "", failed},
		{200, []byte(`{"data":null}`), "", failed},
	} {
		if got := classifyHome(c.status, c.body, nil, c.down); got != c.want {
			t.Errorf("HTTP %d %s (down %q): %v, want %v", c.status, c.body, c.down, got, c.want)
		}
	}
}

func TestFlags(t *testing.T) {
	o, err := parseFlags(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.scenarios) != 6 || o.duration != 10*time.Second || o.concurrency != 64 || o.latency != 20*time.Millisecond ||
		o.rounds != 3 || o.citizens != 1000 || o.devices != 10_000 || o.subscribers != 10_000 || o.downAgency != "police" ||
		o.openLoop != 0 || o.overloadFactor != 1.2 {
		t.Errorf("defaults %+v", o)
	}
	_, err = parseFlags([]string{"-scenario", "home,bogus", "-concurrency", "0", "-down-agency", "nasa", "-open-loop", "-5"}, &strings.Builder{})
	for _, want := range []string{"bogus", "-concurrency", "nasa", "-open-loop"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad flags: %v, want it to name %s", err, want)
		}
	}
}
