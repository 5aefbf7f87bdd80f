package server

import (
	"errors"
	"io"
	"log/slog"
	"sync"
	"syscall"
)

// wsPoller tells the websocket transport's connections when their sockets
// have something to read, so that none needs a goroutine blocked in a read
// while it waits for its subscription's events: one epoll instance, and
// one goroutine for the whole process, blocked in epoll_wait. Each socket
// is registered one-shot: after it fires, it stays silent until its
// connection has read what there was and arms it again. Go's own poller
// keeps the socket in its epoll set as well; the two do not interfere.
type wsPoller struct {
	epfd  int
	mu    sync.Mutex
	next  uint64
	conns map[uint64]func()
}

// pollerOnce starts the poller at the first websocket; nil when epoll is
// not available, and the transport then serves with gqlgen's.
var pollerOnce = sync.OnceValue(func() *wsPoller {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		slog.Warn("websocket poller unavailable: serving websockets with a reading goroutine each", "error", err.Error())
		return nil
	}
	p := &wsPoller{epfd: fd, conns: map[uint64]func(){}}
	go p.run()
	return p
})

func (p *wsPoller) run() {
	events := make([]syscall.EpollEvent, 128)
	for {
		n, err := syscall.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			slog.Error("websocket poller stopped", "error", err.Error())
			return
		}
		p.mu.Lock()
		for _, ev := range events[:n] {
			if wake := p.conns[uint64(uint32(ev.Fd))|uint64(uint32(ev.Pad))<<32]; wake != nil {
				wake()
			}
		}
		p.mu.Unlock()
	}
}

// add registers a socket; wake is called (never blocking) each time an
// armed socket becomes readable or is closed by the peer.
func (p *wsPoller) add(raw syscall.RawConn, wake func()) (uint64, error) {
	p.mu.Lock()
	p.next++
	id := p.next
	p.conns[id] = wake
	p.mu.Unlock()
	if err := p.ctl(raw, syscall.EPOLL_CTL_ADD, id); err != nil {
		p.remove(raw, id)
		return 0, err
	}
	return id, nil
}

// arm asks for one wake when the socket is readable (at once if it is).
func (p *wsPoller) arm(raw syscall.RawConn, id uint64) error {
	return p.ctl(raw, syscall.EPOLL_CTL_MOD, id)
}

// remove forgets a socket. A socket already closed has left the epoll set
// by itself.
func (p *wsPoller) remove(raw syscall.RawConn, id uint64) {
	p.mu.Lock()
	delete(p.conns, id)
	p.mu.Unlock()
	_ = raw.Control(func(fd uintptr) {
		_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
	})
}

// ctl changes the registration through Control, which holds the socket
// open meanwhile: its descriptor cannot be closed and reused by another
// socket under our feet.
func (p *wsPoller) ctl(raw syscall.RawConn, op int, id uint64) error {
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(uint32(id)), Pad: int32(uint32(id >> 32))}
	var err error
	if cerr := raw.Control(func(fd uintptr) { err = syscall.EpollCtl(p.epfd, op, int(fd), &ev) }); cerr != nil {
		return cerr
	}
	return err
}

// readNow reads what the socket holds without waiting: errWouldBlock when
// it holds nothing, io.EOF when the peer has closed it.
func readNow(raw syscall.RawConn, p []byte) (int, error) {
	if raw == nil {
		return 0, errWouldBlock
	}
	var n int
	var err error
	if cerr := raw.Read(func(fd uintptr) bool {
		n, err = syscall.Read(int(fd), p)
		return true // one attempt: never wait
	}); cerr != nil {
		return 0, cerr
	}
	switch {
	case errors.Is(err, syscall.EAGAIN), errors.Is(err, syscall.EINTR):
		return 0, errWouldBlock
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}
