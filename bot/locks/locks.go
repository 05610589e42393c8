// Package locks says what a project lock is: a pull request that plans a
// project (repository, dir, workspace) holds it until the pull request is
// merged or closed or someone with write access comments `paved unlock`, so
// two pull requests never apply over each other. The bot's store keeps them.
package locks

import "time"

// Key names what is locked.
type Key struct {
	Repo      string // owner/name
	Dir       string
	Workspace string
}

func (k Key) String() string { return k.Repo + "|" + k.Dir + "|" + k.Workspace }

// Lock is who holds a key.
type Lock struct {
	Key     Key       `json:"key"`
	Project string    `json:"project"`
	PR      int       `json:"pr"`
	PRURL   string    `json:"pr_url"`
	User    string    `json:"user"`
	Time    time.Time `json:"time"`
}
