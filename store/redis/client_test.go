package redis

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

func TestParseURL(t *testing.T) {
	type want struct {
		kind         string // single, sentinel or cluster
		addrs        []string
		db           int
		user, pass   string
		sentinelPass string
		master       string
		tls          string // the TLS server name; "" for no TLS
	}
	tests := []struct {
		url  string
		want want
	}{
		{"redis://127.0.0.1:6379/15", want{kind: "single", addrs: []string{"127.0.0.1:6379"}, db: 15}},
		{"redis://cache.internal", want{kind: "single", addrs: []string{"cache.internal:6379"}}},
		{"redis://:s3cret@cache.internal:6380/2", want{kind: "single", addrs: []string{"cache.internal:6380"}, db: 2, pass: "s3cret"}},
		{"redis://app:p%40ss@[::1]:6379/0", want{kind: "single", addrs: []string{"[::1]:6379"}, user: "app", pass: "p@ss"}},
		{"rediss://:s3cret@redis.example.id:6380/1", want{kind: "single", addrs: []string{"redis.example.id:6380"}, db: 1, pass: "s3cret", tls: "redis.example.id"}},
		{"REDIS://h:1", want{kind: "single", addrs: []string{"h:1"}}},
		{
			"redis-sentinel://:s3cret@s1:26379,s2:26379,s3:26379/3?master=mymaster",
			want{kind: "sentinel", addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, db: 3, pass: "s3cret", master: "mymaster"},
		},
		{
			"redis-sentinel://s1:26379?master_name=m&sentinel_password=sp",
			want{kind: "sentinel", addrs: []string{"s1:26379"}, master: "m", sentinelPass: "sp"},
		},
		{
			"rediss-sentinel://[::1]:26379,[::2]:26379?master=m",
			want{kind: "sentinel", addrs: []string{"[::1]:26379", "[::2]:26379"}, master: "m", tls: "::1"},
		},
		{
			"redis-cluster://:s3cret@n1:7000,n2:7001,n3:7002",
			want{kind: "cluster", addrs: []string{"n1:7000", "n2:7001", "n3:7002"}, pass: "s3cret"},
		},
		{"rediss-cluster://n1:7000/0?read_only=true", want{kind: "cluster", addrs: []string{"n1:7000"}, tls: "n1"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			e, err := parseURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			var got want
			var tlsName *string
			switch {
			case e.single != nil:
				o := e.single
				got = want{kind: "single", addrs: []string{o.Addr}, db: o.DB, user: o.Username, pass: o.Password}
				if o.TLSConfig != nil {
					tlsName = &o.TLSConfig.ServerName
				}
			case e.sentinel != nil:
				o := e.sentinel
				got = want{kind: "sentinel", addrs: o.SentinelAddrs, db: o.DB, user: o.Username, pass: o.Password,
					sentinelPass: o.SentinelPassword, master: o.MasterName}
				if o.TLSConfig != nil {
					tlsName = &o.TLSConfig.ServerName
				}
			case e.cluster != nil:
				o := e.cluster
				got = want{kind: "cluster", addrs: o.Addrs, user: o.Username, pass: o.Password}
				if o.TLSConfig != nil {
					tlsName = &o.TLSConfig.ServerName
				}
			}
			if tlsName != nil {
				got.tls = *tlsName
				if got.tls == "" {
					got.tls = "(TLS without a server name)"
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("parsed\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"", "want redis://"},
		{"127.0.0.1:6379", "want redis://"},
		{"http://h:1", `unknown scheme "http"`},
		{"redis://h:1/x", "invalid database number"},
		{"redis://h:1/0?dial_timeout=soon", "dial_timeout"},
		{"redis://h:1/0?bogus=1", "bogus"},
		{"redis-sentinel://s1:26379,s2:26379", "needs ?master=NAME"},
		{"redis-sentinel://s1:26379,:bad?master=m", "addr"},
		{"redis-cluster://n1:7000/3", "database 0 only"},
		// The password must never be echoed, even from a malformed URL.
		{"redis://:s3cret@h:bad/0", "invalid port"},
		{"redis://:s3/cret@h:1/0", "percent-encode"},
		{"redis://:s3?cret@h:1/0", "percent-encode"},
		{"redis://:s3#cret@h:1/0", "percent-encode"},
		{"redis-sentinel://:s3/cret@s1:26379?master=m", "percent-encode"},
		{"redis://:s3%zzcret@h:1/0", "percent-encode"},
		{"redis-cluster://:s3%zzcret@n1:7000", "percent-encode"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := parseURL(tt.url)
			if err == nil {
				t.Fatal("parsed; want an error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
			if !strings.HasPrefix(msg, "invalid REDIS_URL") {
				t.Errorf("error %q does not name REDIS_URL", msg)
			}
			for _, secret := range []string{"s3", "cret"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error %q shows part of the password", msg)
				}
			}
		})
	}
}

func TestConfigure(t *testing.T) {
	e, err := parseURL("redis://h:1/0")
	if err != nil {
		t.Fatal(err)
	}
	e.configure(ConnectOptions{})
	o := e.single
	if o.DialTimeout != time.Second || o.ReadTimeout != 500*time.Millisecond || o.WriteTimeout != 500*time.Millisecond ||
		o.MaxRetries != 1 || o.DialerRetries != 1 || !o.ContextTimeoutEnabled {
		t.Errorf("defaults: dial %v read %v write %v retries %d dial attempts %d context timeouts %v",
			o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries, o.DialerRetries, o.ContextTimeoutEnabled)
	}

	// The URL's options beat the defaults; ConnectOptions beat the URL's.
	e, err = parseURL("redis-cluster://n1:7000?dial_timeout=3s&read_timeout=2s&max_retries=4")
	if err != nil {
		t.Fatal(err)
	}
	e.configure(ConnectOptions{ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
	c := e.cluster
	if c.DialTimeout != 3*time.Second || c.ReadTimeout != 200*time.Millisecond || c.WriteTimeout != 500*time.Millisecond ||
		c.MaxRetries != -1 || !c.ContextTimeoutEnabled {
		t.Errorf("cluster: dial %v read %v write %v retries %d context timeouts %v",
			c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.MaxRetries, c.ContextTimeoutEnabled)
	}

	e, err = parseURL("redis-sentinel://s1:26379?master=m")
	if err != nil {
		t.Fatal(err)
	}
	e.configure(ConnectOptions{DialTimeout: 250 * time.Millisecond})
	if s := e.sentinel; s.DialTimeout != 250*time.Millisecond || s.ReadTimeout != 500*time.Millisecond || !s.ContextTimeoutEnabled {
		t.Errorf("sentinel: dial %v read %v context timeouts %v", s.DialTimeout, s.ReadTimeout, s.ContextTimeoutEnabled)
	}
}

func TestConnect(t *testing.T) {
	mr := miniredis.RunT(t)
	mr.RequireAuth("s3cret")
	ctx := context.Background()

	c, err := Connect(ctx, "redis://:s3cret@"+mr.Addr()+"/0", ConnectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, _ := mr.Get("k"); got != "v" {
		t.Errorf("miniredis holds %q, want the value set through the client", got)
	}

	_, err = Connect(ctx, "redis://:wrong-s3cret@"+mr.Addr()+"/0", ConnectOptions{})
	if err == nil {
		t.Fatal("connected with a wrong password")
	}
	wantReachError(t, err, mr.Addr(), "wrong-s3cret")
}

func TestConnectUnreachable(t *testing.T) {
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close() // nothing listens there now

	start := time.Now()
	_, err := Connect(context.Background(), "redis://:s3cret@"+addr+"/0", ConnectOptions{})
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	wantReachError(t, err, addr, "s3cret")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Connect to a closed port took %v; want it prompt", d)
	}
}

// TestConnectSilentServer: a server that accepts but never answers is given
// up on after the read timeout, not go-redis's default 3s.
func TestConnectSilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; conn.Close() }()
		}
	}()

	start := time.Now()
	_, err = Connect(context.Background(), "redis://"+l.Addr().String()+"/0",
		ConnectOptions{ReadTimeout: 100 * time.Millisecond, MaxRetries: -1})
	if err == nil {
		t.Fatal("connected to a server that never answers")
	}
	wantReachError(t, err, l.Addr().String(), "")
	if d := time.Since(start); d > time.Second {
		t.Errorf("Connect took %v with a 100ms read timeout", d)
	}
}

func wantReachError(t *testing.T, err error, addr, secret string) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach Redis at "+addr+": ") {
		t.Errorf("error %q does not say which Redis it could not reach", msg)
	}
	if secret != "" && strings.Contains(msg, secret) {
		t.Errorf("error %q shows the password", msg)
	}
}
