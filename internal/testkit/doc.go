// Package testkit holds what satupintu's tests share: a fake clock, a
// buffer safe to write from one goroutine while another reads it, and a
// wait that polls a condition with a deadline. It is imported by tests
// (and store/storetest) only, never by production code.
package testkit
