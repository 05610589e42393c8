package runner

import (
	"path/filepath"
	"sync"
)

// dirLocks hands out one mutex per directory, dropping it when nobody holds or waits for it.
type dirLocks struct {
	mu    sync.Mutex
	locks map[string]*dirLock
}

type dirLock struct {
	sync.Mutex
	users int
}

// lock blocks until dir is free and returns the function that frees it.
func (d *dirLocks) lock(dir string) (unlock func()) {
	dir = filepath.Clean(dir)
	d.mu.Lock()
	if d.locks == nil {
		d.locks = map[string]*dirLock{}
	}
	l := d.locks[dir]
	if l == nil {
		l = &dirLock{}
		d.locks[dir] = l
	}
	l.users++
	d.mu.Unlock()

	l.Lock()
	return func() {
		l.Unlock()
		d.mu.Lock()
		l.users--
		if l.users == 0 {
			delete(d.locks, dir)
		}
		d.mu.Unlock()
	}
}
