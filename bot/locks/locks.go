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
	// Installation and CloneURL let the bot ask GitHub about the pull
	// request without a webhook, to release a lock whose close it missed.
	Installation int64  `json:"installation,omitempty"`
	CloneURL     string `json:"clone_url,omitempty"`
}

// Waiter is a pull request queued for a key another one holds: it is
// planned by itself when the key frees, so it keeps what that plan needs.
type Waiter struct {
	PR           int       `json:"pr"`
	PRURL        string    `json:"pr_url"`
	User         string    `json:"user"` // who asked for the plan
	Project      string    `json:"project"`
	Installation int64     `json:"installation"`
	CloneURL     string    `json:"clone_url"`
	Repo         string    `json:"repo"` // owner/name
	Time         time.Time `json:"time"`
}

// Queue is the pull requests waiting for one key, oldest first.
type Queue struct {
	Key     Key      `json:"key"`
	Waiters []Waiter `json:"waiters"`
}
