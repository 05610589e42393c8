package pavedbot

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
)

const (
	// StartTimeout bounds the wait for a bot's first /healthz answer.
	StartTimeout = time.Minute
	// StopTimeout is how long a bot has after SIGTERM to finish what it
	// runs (nothing, when a benchmark stops it) before it is killed.
	StopTimeout = 30 * time.Second
)

// Serve is one `paved-bot serve` as the benchmarks run it: on a free
// loopback port, against a GitHub stand-in, logging JSON to a file, with
// terraform in the bot's sandbox as in production.
type Serve struct {
	Name    string // what errors call it: "paved-bot", "replica r1"
	Port    int    // 0: a free one
	DataDir string
	Home    string
	LogPath string
	GitHub  string // the stand-in's API URL
	Owner   string // whose repositories it serves
	Secret  string // the webhook secret
	Token   string // the GitHub token
	// State is bound into the sandbox: the state files stand for a remote
	// backend.
	State string
	Args  []string // more flags
	Env   []string // more environment
}

// Bot is a started `paved-bot serve`.
type Bot struct {
	*proc.Group
	Name    string
	URL     string // http://127.0.0.1:PORT
	Port    int
	LogPath string
}

// Start starts s with the kit's binary and terraform; WaitServing waits
// until it answers.
func (k *Kit) Start(s Serve) (*Bot, error) {
	if err := os.MkdirAll(s.Home, 0o700); err != nil {
		return nil, err
	}
	port := s.Port
	if port == 0 {
		var err error
		if port, err = loopback.FreePort(); err != nil {
			return nil, err
		}
	}
	b := &Bot{Name: s.Name, URL: "http://127.0.0.1:" + strconv.Itoa(port), Port: port, LogPath: s.LogPath}
	logFile, err := os.Create(s.LogPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := []string{"serve",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--data-dir", s.DataDir,
		"--repo-allowlist", "github.com/" + s.Owner + "/*", "--github-api-url", s.GitHub,
		"--terraform", k.TFVersion + "=" + k.Terraform, "--log-format", "json",
		"--sandbox-bind", s.State}
	cmd := exec.Command(k.Binary, append(args, s.Args...)...)
	// Only what the bot needs: nothing from the caller's environment
	// configures it or terraform.
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + s.Home, "TMPDIR=" + os.TempDir(),
		"PAVED_WEBHOOK_SECRET=" + s.Secret, "PAVED_GITHUB_TOKEN=" + s.Token,
		"TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1", "GIT_CONFIG_NOSYSTEM=1",
	}, s.Env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if b.Group, err = proc.StartGroup(cmd); err != nil {
		return nil, fmt.Errorf("starting %s: %w", b.Name, err)
	}
	return b, nil
}

// WaitServing waits until the bot answers /healthz, and fails, with the
// end of its log, when it exits first or takes longer than StartTimeout.
func (b *Bot) WaitServing(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(StartTimeout)
	for {
		if resp, err := client.Get(b.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-b.Exited:
			return fmt.Errorf("%s exited before serving (%s):\n%s", b.Name, b.ExitStatus(), b.LogTail())
		case <-ctx.Done():
			return cli.Stopped(ctx, "waiting for "+b.Name+" to serve")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer /healthz within %s:\n%s", b.Name, StartTimeout, b.LogTail())
		}
	}
}

// Shutdown asks the bot to finish (SIGTERM), then kills its process group;
// the error says when it had to. It may be called more than once.
func (b *Bot) Shutdown() error {
	if b.Stop(StopTimeout) {
		return fmt.Errorf("%s did not stop within %s of SIGTERM, so it was killed", b.Name, StopTimeout)
	}
	return nil
}

// LogTail is the end of the bot's log, for errors.
func (b *Bot) LogTail() string {
	raw, _ := os.ReadFile(b.LogPath)
	return proc.Tail(string(raw))
}

// Log returns the bot's JSON log entries so far.
func (b *Bot) Log() ([]map[string]any, error) {
	raw, err := os.ReadFile(b.LogPath)
	if err != nil {
		return nil, err
	}
	return ParseLog(raw), nil
}

// ParseLog reads a JSON log, one entry a line, passing over the lines that
// are not JSON.
func ParseLog(raw []byte) []map[string]any {
	var entries []map[string]any
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		var e map[string]any
		if json.Unmarshal(line, &e) == nil {
			entries = append(entries, e)
		}
	}
	return entries
}

// LogIssues counts a log's WARN and ERROR entries by message, in the order
// they first came: "WARN comment failed (boom) ×2".
func LogIssues(entries []map[string]any) []string {
	counts := map[string]int{}
	var order []string
	for _, e := range entries {
		level, _ := e["level"].(string)
		if level != "WARN" && level != "ERROR" {
			continue
		}
		msg, _ := e["msg"].(string)
		key := level + " " + msg
		if errText, ok := e["err"].(string); ok {
			key += " (" + proc.FirstLine(errText) + ")"
		}
		if counts[key] == 0 {
			order = append(order, key)
		}
		counts[key]++
	}
	out := make([]string, 0, len(order))
	for _, key := range order {
		if counts[key] > 1 {
			key += " ×" + strconv.Itoa(counts[key])
		}
		out = append(out, key)
	}
	return out
}

// Deliver posts one webhook to the bot as GitHub would: signed with
// secret, as delivery id.
func (b *Bot) Deliver(ctx context.Context, secret, event, id string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL+"/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", githubfake.Sign(secret, body))
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", event, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("webhook %s: status %d", event, resp.StatusCode)
	}
	return nil
}
