package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/gomod"
	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/lbproxy"
	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/redisserver"
)

const (
	startTimeout = time.Minute
	// stopTimeout is how long a replica has after SIGTERM to finish what it
	// runs (nothing, when the benchmark stops it) before it is killed.
	stopTimeout = 30 * time.Second
	sampleEvery = 50 * time.Millisecond
)

// kit is what both configurations share: the bot binary and what the report
// says about the tools.
type kit struct {
	scratch      string
	root         string
	terraform    string // the real CLI, absolute
	tfVersion    string // as it reports itself, e.g. 1.8.5
	redisVersion string
	commit       string            // what the bot was built from
	bot          string            // the paved-bot binary
	defaults     map[string]string // of the serve flags left alone: lease, parallelism
}

func newKit(ctx context.Context, o options) (k *kit, err error) {
	k = &kit{}
	if k.terraform, err = filepath.Abs(o.terraform); err != nil {
		return nil, err
	}
	if k.root, err = gomod.Root(ctx, "replicabench"); err != nil {
		return nil, err
	}
	if k.scratch, err = os.MkdirTemp("", "replicabench-"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			k.close(false)
			k = nil
		}
	}()
	out, err := proc.Output(ctx, "", nil, k.terraform, "version")
	if err != nil {
		return nil, err
	}
	// "Terraform v1.8.5\non linux_amd64"
	k.tfVersion = strings.TrimPrefix(proc.LastField(proc.FirstLine(out)), "v")
	if out, err = proc.Output(ctx, "", nil, "redis-server", "--version"); err != nil {
		return nil, fmt.Errorf("%w (scripts/tools.sh redis installs redis-server)", err)
	}
	// "Redis server v=7.0.15 sha=… malloc=…"
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			k.redisVersion = v
		}
	}
	k.commit = pavedbot.DescribeCommit(ctx, k.root)
	prog.Progress("building paved-bot in %s", k.scratch)
	k.bot = filepath.Join(k.scratch, "paved-bot")
	if _, err := proc.Output(ctx, k.root, nil, "go", "build", "-o", k.bot, "./cmd/paved-bot"); err != nil {
		return nil, err
	}
	// What the report says of the flags it leaves at their defaults.
	help, _ := exec.CommandContext(ctx, k.bot, "serve", "-h").CombinedOutput()
	k.defaults = flagDefaults(string(help), "lease", "parallelism")
	return k, nil
}

// flagDefaults reads the defaults of the named flags out of a Go flag
// package's usage text ("  -lease duration\n    \thow long … (default 30s)").
func flagDefaults(usage string, names ...string) map[string]string {
	out := map[string]string{}
	current := ""
	for line := range strings.SplitSeq(usage, "\n") {
		if rest, ok := strings.CutPrefix(line, "  -"); ok {
			current = strings.Fields(rest + " ")[0]
		}
		if !slices.Contains(names, current) {
			continue
		}
		if _, v, ok := strings.Cut(line, "(default "); ok {
			if v, _, ok := strings.Cut(v, ")"); ok {
				out[current] = v
			}
		}
	}
	return out
}

func (k *kit) close(keep bool) {
	if keep {
		prog.Progress("kept %s", k.scratch)
		return
	}
	if err := os.RemoveAll(k.scratch); err != nil {
		prog.Progress("removing %s: %v", k.scratch, err)
	}
}

// cluster is one configuration: a repository and its GitHub, a fresh
// redis-server, the replicas sharing it and the round-robin proxy in front
// of them.
type cluster struct {
	dir      string
	gh       *github
	redis    *redisserver.Server
	redisRSS *proc.Sampler
	replicas []*replica
	proxy    *httptest.Server
	client   *http.Client
}

// replica is one `paved-bot serve` process.
type replica struct {
	*proc.Group // nil until started
	name        string
	port        int
	dir         string
	logPath     string
	rss         *proc.Sampler
}

// newCluster starts n replicas on a fresh redis-server in front of gh.
func newCluster(ctx context.Context, k *kit, dir string, gh *github, n, workers int) (c *cluster, err error) {
	c = &cluster{dir: dir, gh: gh, client: &http.Client{Timeout: time.Minute}}
	defer func() {
		if err != nil {
			c.close()
			c = nil
		}
	}()
	redisDir := filepath.Join(dir, "redis")
	if err := os.MkdirAll(redisDir, 0o755); err != nil {
		return nil, err
	}
	if c.redis, err = redisserver.Launch(redisDir); err != nil {
		return nil, err
	}
	c.redisRSS = proc.StartSampler(c.redis.PID(), sampleEvery)
	for i := range n {
		name := "r" + strconv.Itoa(i+1)
		port, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		r := &replica{name: name, port: port, dir: filepath.Join(dir, name), logPath: filepath.Join(dir, name, "bot.log")}
		c.replicas = append(c.replicas, r)
		if err := r.start(ctx, k, gh, c.redis.URL(), workers); err != nil {
			return nil, err
		}
	}
	lb := &lbproxy.Proxy{Client: c.client}
	for _, r := range c.replicas {
		lb.Backends = append(lb.Backends, lbproxy.Backend{Name: r.name, Port: r.port})
	}
	c.proxy = httptest.NewServer(lb)
	return c, nil
}

// close stops the proxy, every replica and redis-server; it may be called
// more than once.
func (c *cluster) close() {
	if c.proxy != nil {
		c.proxy.Close()
	}
	for _, r := range c.replicas {
		if err := r.stop(); err != nil {
			prog.Progress("%v", err)
		}
	}
	if c.redisRSS != nil {
		c.redisRSS.Finish()
	}
	if c.redis != nil {
		if err := c.redis.Stop(); err != nil {
			prog.Progress("stopping redis-server: %v", err)
		}
	}
}

// start runs the replica as an operator would, sandboxed, and waits until
// it answers /healthz.
func (r *replica) start(ctx context.Context, k *kit, gh *github, storeURL string, workers int) error {
	home := filepath.Join(r.dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	logFile, err := os.Create(r.logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	cmd := exec.Command(k.bot, "serve",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(r.port), "--data-dir", filepath.Join(r.dir, "data"),
		"--repo-allowlist", "github.com/"+owner+"/*", "--github-api-url", gh.api.URL,
		"--terraform", k.tfVersion+"="+k.terraform, "--log-format", "json",
		"--store", storeURL, "--workers", strconv.Itoa(workers),
		// Terraform runs in the bot's sandbox, as in production; the state
		// dir stands for a remote backend.
		"--sandbox-bind", gh.state)
	// Only what the bot needs: nothing from the caller's environment
	// configures it or terraform.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + os.TempDir(),
		"PAVED_WEBHOOK_SECRET=" + secret, "PAVED_GITHUB_TOKEN=" + token,
		"TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1", "GIT_CONFIG_NOSYSTEM=1",
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if r.Group, err = proc.StartGroup(cmd); err != nil {
		return fmt.Errorf("starting replica %s: %w", r.name, err)
	}
	r.rss = proc.StartSampler(r.PID(), sampleEvery)
	client := &http.Client{Timeout: time.Second}
	url := "http://127.0.0.1:" + strconv.Itoa(r.port) + "/healthz"
	deadline := time.Now().Add(startTimeout)
	for {
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-r.Exited:
			return fmt.Errorf("replica %s exited before serving (%s):\n%s", r.name, r.ExitStatus(), r.logTail())
		case <-ctx.Done():
			return cli.Stopped(ctx, "waiting for replica "+r.name+" to serve")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica %s did not answer /healthz within %s:\n%s", r.name, startTimeout, r.logTail())
		}
	}
}

// running reports whether the replica's process is still there.
func (r *replica) running() bool { return r.Group != nil && r.Running() }

// stop asks the replica to finish (SIGTERM), then kills its process group;
// it may be called more than once.
func (r *replica) stop() error {
	if r.Group == nil {
		return nil
	}
	if r.rss != nil {
		defer r.rss.Finish()
	}
	if r.Stop(stopTimeout) {
		return fmt.Errorf("replica %s did not stop within %s of SIGTERM, so it was killed", r.name, stopTimeout)
	}
	return nil
}

// log returns the replica's JSON log entries so far.
func (r *replica) log() ([]map[string]any, error) {
	raw, err := os.ReadFile(r.logPath)
	if err != nil {
		return nil, err
	}
	return parseLog(raw), nil
}

func parseLog(raw []byte) []map[string]any {
	var entries []map[string]any
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		var e map[string]any
		if json.Unmarshal(line, &e) == nil {
			entries = append(entries, e)
		}
	}
	return entries
}

func (r *replica) logTail() string {
	raw, _ := os.ReadFile(r.logPath)
	return proc.Tail(string(raw))
}

// redisCommands is redis-server's total_commands_processed, over a
// connection of its own; the INFO that reads it is not counted in what it
// returns, but in the next reading.
func (c *cluster) redisCommands() (int64, error) {
	info, err := redisInfo(strings.TrimSuffix(strings.TrimPrefix(c.redis.URL(), "redis://"), "/0"), "stats")
	if err != nil {
		return 0, err
	}
	v, ok := infoField(info, "total_commands_processed")
	if !ok {
		return 0, fmt.Errorf("redis-server's INFO stats has no total_commands_processed")
	}
	return strconv.ParseInt(v, 10, 64)
}

// redisInfo sends INFO section as an inline command and returns the bulk
// string that answers it.
func redisInfo(addr, section string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	if err := conn.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte("INFO " + section + "\r\n")); err != nil {
		return "", err
	}
	return readBulk(bufio.NewReader(conn))
}

// readBulk reads one RESP bulk string ("$N\r\n" then N bytes and "\r\n").
func readBulk(r *bufio.Reader) (string, error) {
	head, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	head = strings.TrimRight(head, "\r\n")
	if !strings.HasPrefix(head, "$") {
		return "", fmt.Errorf("redis-server answered %q, want a bulk string", head)
	}
	n, err := strconv.Atoi(head[1:])
	if err != nil || n < 0 {
		return "", fmt.Errorf("redis-server answered %q, want a bulk string", head)
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// infoField is the value of name in an INFO reply ("name:value" lines).
func infoField(info, name string) (string, bool) {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), name+":"); ok {
			return v, true
		}
	}
	return "", false
}
