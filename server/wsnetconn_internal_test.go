//go:build linux

package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"
)

// tcpPair is a connected pair of loopback TCP connections.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// Between messages a read returns errWouldBlock instead of waiting, and
// the poller says when to read again; once a message has begun, reads wait
// for its rest; bytes read before the hijack come first.
func TestWSNetConnReadsWithoutWaitingBetweenMessages(t *testing.T) {
	srv, client := tcpPair(t)
	c := newWSNetConn(srv, []byte("p"))
	br := bufio.NewReaderSize(c, 16) // as hijackWatch makes it
	readable := make(chan struct{}, 1)
	p := pollerOnce()
	id, err := p.add(c.raw, func() {
		select {
		case readable <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer p.remove(c.raw, id)

	c.between(br)
	if c.nowait {
		t.Fatal("with a byte from before the hijack pending, reads must wait")
	}
	if b, err := br.ReadByte(); err != nil || b != 'p' {
		t.Fatalf("first byte: %q, %v; want the pending one", b, err)
	}

	c.between(br)
	if _, err := br.ReadByte(); !errors.Is(err, errWouldBlock) {
		t.Fatalf("nothing sent: %v; want errWouldBlock", err)
	}
	select {
	case <-readable: // registered armed: a wake with nothing to read is allowed
	default:
	}
	if err := p.arm(c.raw, id); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-readable:
	case <-time.After(10 * time.Second):
		t.Fatal("the poller never said the socket was readable")
	}
	c.between(br)
	if b, err := br.ReadByte(); err != nil || b != 'a' {
		t.Fatalf("after the wake: %q, %v", b, err)
	}
	// The message has begun: 'b' is buffered, and the next read waits for
	// 'c' rather than fail halfway.
	if c.nowait {
		t.Fatal("a message has begun; reads must wait")
	}
	if b, _ := br.ReadByte(); b != 'b' {
		t.Fatalf("got %q, want b", b)
	}
	got := make(chan byte, 1)
	go func() {
		b, _ := br.ReadByte()
		got <- b
	}()
	if _, err := client.Write([]byte("c")); err != nil {
		t.Fatal(err)
	}
	if b := <-got; b != 'c' {
		t.Fatalf("got %q, want c", b)
	}

	// The peer closing is io.EOF, and a wake.
	if err := p.arm(c.raw, id); err != nil {
		t.Fatal(err)
	}
	client.Close()
	<-readable
	c.between(br)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the peer closed: %v; want EOF", err)
	}
}

// A subscription's stream hands each value to gqlgen's side, closes it at
// the end, and returns for a wake or the end of the operation: the typed
// one and the one for channels of any other type alike.
func TestWSStreams(t *testing.T) {
	type event struct{ n int }
	for name, open := range map[string]func(src chan *event) (wsStream, <-chan *event){
		"typed": func(src chan *event) (wsStream, <-chan *event) {
			s := &typedStream[*event]{source: src, proxy: make(chan *event, 1)}
			return s, s.proxy
		},
		"reflect": func(src chan *event) (wsStream, <-chan *event) {
			s := &reflectStream{source: reflect.ValueOf((<-chan *event)(src)), proxy: reflect.MakeChan(reflect.TypeOf(src), 1)}
			return s, s.proxy.Interface().(chan *event)
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := make(chan *event, 2)
			wake, done := make(chan struct{}, 1), make(chan struct{})
			s, proxy := open(src)
			src <- &event{1}
			if !s.wait(wake, done) {
				t.Fatal("a value: wait reports nothing")
			}
			if e := <-proxy; e.n != 1 {
				t.Fatalf("proxy has %v", e)
			}
			wake <- struct{}{}
			if s.wait(wake, done) {
				t.Fatal("a wake: wait reports news")
			}
			close(src)
			if !s.wait(wake, done) {
				t.Fatal("the end: wait reports nothing")
			}
			if _, ok := <-proxy; ok {
				t.Fatal("the proxy is still open after the end")
			}
		})
	}
	s := &typedStream[int]{source: make(chan int), proxy: make(chan int, 1)}
	done := make(chan struct{})
	close(done)
	if !s.wait(nil, done) {
		t.Fatal("done: wait reports nothing (gqlgen's handler must end the operation)")
	}
}
