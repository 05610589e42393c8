package store

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// Unavailable reports whether err says the store could not be reached
// (refused or dropped connection, a timeout, a redis-server still loading
// its data), as opposed to a refusal: a call that failed so may succeed
// when tried again.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, ErrLeaseLost) {
		return false
	}
	if rerr, ok := errors.AsType[redis.Error](err); ok {
		return strings.HasPrefix(rerr.Error(), "LOADING") || strings.HasPrefix(rerr.Error(), "MASTERDOWN")
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout)
}
