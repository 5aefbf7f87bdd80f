//go:build !linux

package server

import "syscall"

// wsPoller exists on Linux only (epoll); elsewhere websockets are served
// by gqlgen's transport, with a reading goroutine each.
type wsPoller struct{}

func pollerOnce() *wsPoller { return nil }

func (*wsPoller) add(syscall.RawConn, func()) (uint64, error) { return 0, errWouldBlock }
func (*wsPoller) arm(syscall.RawConn, uint64) error           { return errWouldBlock }
func (*wsPoller) remove(syscall.RawConn, uint64)              {}

func readNow(syscall.RawConn, []byte) (int, error) { return 0, errWouldBlock }
