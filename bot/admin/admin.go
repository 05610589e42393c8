// Package admin is the bot's operator endpoint: a unix socket in the data
// dir (mode 0600, so the file system says who may use it) over which
// `paved-bot locks` lists locks and queues and releases a lock the running
// bot holds in its store, `paved-bot audit` reads the audit log and
// `paved-bot drift` runs a drift check. It is never on the network.
package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/locks"
)

// SocketName is the socket's name in the data dir.
const SocketName = "admin.sock"

// Bot is what the endpoint asks of the bot.
type Bot interface {
	Locks() ([]locks.Lock, error)
	Queues() ([]locks.Queue, error)
	// ReleaseLock releases the lock on k, whichever pull request holds it,
	// says so on that pull request and hands it to the first queued.
	ReleaseLock(k locks.Key) (locks.Lock, error)
	// Audit returns the audit log's entries (JSON) from since on.
	Audit(since time.Time) ([][]byte, error)
	// CheckDrift runs a drift check of repo now, of every project or the
	// ones named, and returns its results once it has run.
	CheckDrift(ctx context.Context, repo string, projects []string) ([]drift.Result, error)
}

// DriftRequest is what POST /drift takes.
type DriftRequest struct {
	Repo     string   `json:"repo"` // owner/name
	Projects []string `json:"projects,omitempty"`
}

// ErrNotLocked is ReleaseLock's answer for a key nobody holds.
var ErrNotLocked = errors.New("not locked")

// Listing is what GET /locks answers.
type Listing struct {
	Locks  []locks.Lock  `json:"locks"`
	Queues []locks.Queue `json:"queues"`
}

// Handler serves GET /locks, POST /locks/release (a locks.Key as JSON),
// GET /audit?since=RFC3339 and POST /drift (a DriftRequest).
func Handler(b Bot) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /audit", func(w http.ResponseWriter, r *http.Request) {
		since, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
		if err != nil {
			http.Error(w, "want since=RFC3339 time", http.StatusBadRequest)
			return
		}
		entries, err := b.Audit(since)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out := make([]json.RawMessage, len(entries))
		for i, e := range entries {
			out[i] = e
		}
		writeJSON(w, out)
	})
	mux.HandleFunc("GET /locks", func(w http.ResponseWriter, _ *http.Request) {
		held, err := b.Locks()
		var queues []locks.Queue
		if err == nil {
			queues, err = b.Queues()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, Listing{Locks: held, Queues: queues})
	})
	mux.HandleFunc("POST /locks/release", func(w http.ResponseWriter, r *http.Request) {
		var k locks.Key
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&k); err != nil || k.Repo == "" || k.Dir == "" || k.Workspace == "" {
			http.Error(w, "want a JSON object with repo, dir and workspace", http.StatusBadRequest)
			return
		}
		l, err := b.ReleaseLock(k)
		switch {
		case errors.Is(err, ErrNotLocked):
			http.Error(w, err.Error(), http.StatusNotFound)
		case err != nil:
			http.Error(w, err.Error(), http.StatusInternalServerError)
		default:
			writeJSON(w, l)
		}
	})
	mux.HandleFunc("POST /drift", func(w http.ResponseWriter, r *http.Request) {
		var req DriftRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil || req.Repo == "" {
			http.Error(w, "want a JSON object with repo (owner/name) and optionally projects", http.StatusBadRequest)
			return
		}
		results, err := b.CheckDrift(r.Context(), req.Repo, req.Projects)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnprocessableEntity)
			return
		}
		writeJSON(w, results)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// Listen opens the socket in dataDir for the operator alone, replacing one
// a killed bot left behind.
func Listen(dataDir string) (net.Listener, error) {
	path := filepath.Join(dataDir, SocketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	return ln, nil
}

// Client talks to a running bot's socket.
type Client struct{ hc *http.Client }

// Dial returns a client for the bot whose data dir is dataDir, or an error
// wrapping os.ErrNotExist when no bot serves there.
func Dial(dataDir string) (*Client, error) {
	path := filepath.Join(dataDir, SocketName)
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("no paved-bot serves %s: %w", dataDir, os.ErrNotExist)
	}
	_ = conn.Close()
	return &Client{hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}, nil
}

// List returns the locks and queues.
func (c *Client) List(ctx context.Context) (Listing, error) {
	var l Listing
	err := c.do(ctx, http.MethodGet, "/locks", nil, &l)
	return l, err
}

// Audit fetches the audit log's entries from since on.
func (c *Client) Audit(ctx context.Context, since time.Time) ([][]byte, error) {
	var raw []json.RawMessage
	if err := c.do(ctx, http.MethodGet, "/audit?since="+url.QueryEscape(since.UTC().Format(time.RFC3339Nano)), nil, &raw); err != nil {
		return nil, err
	}
	out := make([][]byte, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out, nil
}

// Release releases the lock on k.
func (c *Client) Release(ctx context.Context, k locks.Key) (locks.Lock, error) {
	var l locks.Lock
	body, err := json.Marshal(k)
	if err != nil {
		return l, err
	}
	err = c.do(ctx, http.MethodPost, "/locks/release", body, &l)
	return l, err
}

// Drift runs a drift check through the bot and returns its results. It
// waits as long as ctx lets it: a check plans every project.
func (c *Client) Drift(ctx context.Context, req DriftRequest) ([]drift.Result, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	var out []drift.Result
	err = c.do(ctx, http.MethodPost, "/drift", body, &out)
	return out, err
}

// defaultWait bounds a call whose context has no deadline of its own; a
// drift check gives the one it waits for.
const defaultWait = time.Minute

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultWait)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://paved-bot"+path, rd)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("paved-bot admin socket: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("paved-bot: %s", strings.TrimSpace(string(msg)))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
