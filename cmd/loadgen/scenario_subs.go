package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

const caseUpdatedSubscription = `subscription { caseUpdated { caseId status version } }`

// subscriber is one idle caseUpdated subscription over graphql-transport-ws.
type subscriber struct {
	conn *websocket.Conn
	at   atomic.Int64 // ns from the event to its arrival here; 0 until then
}

// subscriptions is a fleet of idle subscribers.
type subscriptions struct {
	subs     []*subscriber
	armed    atomic.Int64 // when the event was triggered (Unix ns); 0 before
	received atomic.Int64
	closed   atomic.Int64 // sockets the server ended
	wg       sync.WaitGroup
}

// subscribe opens a socket, signs in at connection_init, waits for the
// ack and subscribes to caseUpdated; a goroutine then reads, answers
// pings and notes the first update after the fleet is armed.
func (f *subscriptions) subscribe(ctx context.Context, bff, token string) (*subscriber, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(bff, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, err
	}
	write := func(v any) error {
		b, _ := json.Marshal(v)
		return conn.Write(dctx, websocket.MessageText, b)
	}
	init, _ := json.Marshal(map[string]string{"Authorization": "Bearer " + token})
	if err := write(map[string]any{"type": "connection_init", "payload": json.RawMessage(init)}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	_, ack, err := conn.Read(dctx)
	if err != nil || !bytes.Contains(ack, []byte(`"connection_ack"`)) {
		conn.CloseNow()
		return nil, fmt.Errorf("connection_init: %s %v", ack, err)
	}
	q, _ := json.Marshal(map[string]string{"query": caseUpdatedSubscription})
	if err := write(map[string]any{"id": "1", "type": "subscribe", "payload": json.RawMessage(q)}); err != nil {
		conn.CloseNow()
		return nil, err
	}
	s := &subscriber{conn: conn}
	f.wg.Go(func() {
		for {
			_, msg, err := conn.Read(context.Background())
			if err != nil {
				f.closed.Add(1)
				return
			}
			switch {
			case bytes.Contains(msg, []byte(`"type":"next"`)):
				if t0 := f.armed.Load(); t0 != 0 && s.at.Load() == 0 {
					s.at.Store(max(time.Now().UnixNano()-t0, 1))
					f.received.Add(1)
				}
			case bytes.Contains(msg, []byte(`"type":"ping"`)):
				_ = conn.Write(context.Background(), websocket.MessageText, []byte(`{"type":"pong"}`))
			}
		}
	})
	return s, nil
}

func (f *subscriptions) close() {
	for _, s := range f.subs {
		s.conn.CloseNow()
	}
	f.wg.Wait()
}

// subscriptions measures idle caseUpdated subscribers: satupintu's memory
// per connection ((RSS with them − RSS before) / N) and the time one event
// takes to reach all of them. With -sub-citizens 1 (the default) every
// subscriber signs in as the same citizen, so one status change of their
// one case is one event that all N must receive: the whole fan-out of one
// event. With k citizens, one step changes k cases, one event each.
func (d *driver) subscriptions(ctx context.Context) error {
	o := d.o
	st, hc, err := d.ready(ctx, need{mode: bffCached, agencysim: true, citizens: min(o.subCitizens, o.subscribers, o.citizens)})
	if err != nil {
		return err
	}
	defer st.close()
	k := len(st.tokens)

	// A case per citizen, FORWARDED before anyone subscribes.
	ids := make([]string, k)
	for i := range k {
		status, body, err := post(ctx, hc, st.bff+"/graphql", st.tokens[i], lostItemReport(fmt.Sprintf("lg-%s-sub-%d", runNonce, i)))
		var a struct {
			Data struct {
				Submit struct {
					Case struct{ ID string } `json:"case"`
				} `json:"submitServiceRequest"`
			} `json:"data"`
		}
		if err != nil || status != 200 || json.Unmarshal(body, &a) != nil || a.Data.Submit.Case.ID == "" {
			return fmt.Errorf("submitting a case: HTTP %d %v %.200s", status, err, body)
		}
		ids[i] = a.Data.Submit.Case.ID
	}
	for i, id := range ids {
		if !waitUntil(ctx, 30*time.Second, 50*time.Millisecond, func() bool {
			data, err := graphQL(ctx, hc, st.bff, st.tokens[i], `query($id: ID!) { case(id: $id) { status } }`, map[string]any{"id": id})
			return err == nil && bytes.Contains(data, []byte(`"FORWARDED"`))
		}) {
			return fmt.Errorf("case %d was not FORWARDED within 30s", i)
		}
	}

	pid := st.bffPID()
	idle := func() { waitIdle(ctx, pid) }
	idle()
	rss0, rssErr := rssBytes(pid)
	mem0, memErr := goMem(ctx, d.ctl, st.bff)

	fleet := &subscriptions{subs: make([]*subscriber, 0, o.subscribers)}
	defer fleet.close()
	began := time.Now()
	var (
		mu   sync.Mutex
		errs []error
	)
	onePass(o.subscribers, min(o.concurrency, 128), func(i int64) outcome {
		s, err := fleet.subscribe(ctx, st.bff, st.tokens[int(i)%k])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return failed
		}
		fleet.subs = append(fleet.subs, s)
		return ok
	})
	connecting := time.Since(began)
	n := len(fleet.subs)
	fmt.Fprintf(d.out, "%d subscribers connected in %s (%d failed)\n", n, connecting.Round(time.Millisecond), len(errs))
	if len(errs) > 0 {
		fmt.Fprintf(d.out, "first failure: %v\n", errs[0])
	}
	if n == 0 {
		return errors.Join(errs...)
	}
	// Idle: the server has set every subscription up when it stops working.
	idle()
	rss1, err := rssBytes(pid)
	if rssErr == nil {
		rssErr = err
	}
	mem1, err := goMem(ctx, d.ctl, st.bff)
	if memErr == nil {
		memErr = err
	}
	perConnOf := func(after, before float64) float64 {
		if memErr != nil {
			return math.NaN()
		}
		return (after - before) / float64(n)
	}
	heapKB := perConnOf(mem1.heap, mem0.heap) / 1024
	stackKB := perConnOf(mem1.stack, mem0.stack) / 1024
	goroutines := perConnOf(mem1.goroutines, mem0.goroutines)

	fleet.armed.Store(time.Now().UnixNano())
	t0 := time.Now()
	if err := st.sim.step(ctx); err != nil {
		return err
	}
	stepped := time.Since(t0)
	waitUntil(ctx, 60*time.Second, 5*time.Millisecond, func() bool {
		return int(fleet.received.Load()) >= n || int(fleet.closed.Load()) >= n
	})
	var lat []time.Duration
	for _, s := range fleet.subs {
		if at := s.at.Load(); at > 0 {
			lat = append(lat, time.Duration(at))
		}
	}
	slices.Sort(lat)
	missing := n - len(lat)

	perConn, rssBefore, rssAfter := "NaN", "NaN", "NaN"
	if rssErr == nil {
		perConn = num(float64(rss1-rss0) / float64(n) / 1024)
		rssBefore, rssAfter = num(float64(rss0)/(1<<20)), num(float64(rss1)/(1<<20))
	} else {
		fmt.Fprintf(d.out, "no memory figures: %v (give -target-pid with -target)\n", rssErr)
	}
	t := newTable(d.out, "subscribers", "citizens", "RSS before MB", "RSS after MB", "KB/conn", "first ms", "p50 ms", "p99 ms", "all ms", "missing")
	t.row(fmt.Sprint(n), fmt.Sprint(k), rssBefore, rssAfter, perConn, ms(percentile(lat, 1e-9)), ms(percentile(lat, 50)),
		ms(percentile(lat, 99)), ms(percentile(lat, 100)), fmt.Sprint(missing))
	t.flush()
	fmt.Fprintf(d.out, "per connection by Go's account: heap in use %s KB, stacks %s KB, %s goroutines\n",
		num(heapKB), num(stackKB), num(goroutines))
	fmt.Fprintf(d.out, "the step (webhook delivered and answered) took %s\n", stepped.Round(time.Millisecond))
	fmt.Fprintln(d.out, resultLine("subscriptions", kvInt("subscribers", n), kvInt("citizens", k), kvInt("connect_failed", len(errs)),
		kvNum("connect_per_s", float64(n)/connecting.Seconds()),
		kvStr("rss_before_mb", rssBefore), kvStr("rss_after_mb", rssAfter), kvStr("kb_per_conn", perConn),
		kvNum("heap_kb_per_conn", heapKB), kvNum("stack_kb_per_conn", stackKB), kvNum("goroutines_per_conn", goroutines),
		kvMs("event_first_ms", percentile(lat, 1e-9)), kvMs("event_p50_ms", percentile(lat, 50)),
		kvMs("event_p99_ms", percentile(lat, 99)), kvMs("event_all_ms", percentile(lat, 100)),
		kvMs("step_ms", stepped), kvInt("missing", missing)))
	if missing > 0 {
		return fmt.Errorf("%d of %d subscribers did not receive the event", missing, n)
	}
	return nil
}

// goMemStats is a Go process's memory by its own account (/metrics).
type goMemStats struct{ heap, stack, goroutines float64 }

func goMem(ctx context.Context, hc *http.Client, bff string) (goMemStats, error) {
	status, body, err := get(ctx, hc, bff+"/metrics")
	if err != nil {
		return goMemStats{}, err
	}
	if status != http.StatusOK {
		return goMemStats{}, fmt.Errorf("GET /metrics: HTTP %d", status)
	}
	var m goMemStats
	var errs [3]error
	m.heap, errs[0] = metric(body, "go_memstats_heap_inuse_bytes", "")
	m.stack, errs[1] = metric(body, "go_memstats_stack_inuse_bytes", "")
	m.goroutines, errs[2] = metric(body, "go_goroutines", "")
	return m, errors.Join(errs[:]...)
}

// waitIdle waits until process pid has used no more than 20 ms of CPU in
// 500 ms (at most 30s); without a pid, it waits 2s.
func waitIdle(ctx context.Context, pid int) {
	if pid == 0 {
		sleep(ctx, 2*time.Second)
		return
	}
	last, err := cpuTicks(pid)
	if err != nil {
		sleep(ctx, 2*time.Second)
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		sleep(ctx, 500*time.Millisecond)
		cur, err := cpuTicks(pid)
		if err != nil || cur-last <= 2 { // clock ticks of 10 ms
			return
		}
		last = cur
	}
}

// cpuTicks is the user and system CPU time of pid, in clock ticks.
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields count from after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/pid/stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/pid/stat")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	s, err2 := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + s, nil
}
