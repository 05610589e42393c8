// Package loopback finds free ports on 127.0.0.1 for the servers the tests,
// the demo and the benchmarks start: the emulator, Prism, paved-bot itself.
package loopback

import (
	"errors"
	"fmt"
	"net"
)

// FreePort returns a port nothing listens on now. Another process may take
// it before the caller does; the servers started here fail loudly if so.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("finding a free port: not a TCP address")
	}
	return addr.Port, nil
}
