package main

import (
	"bufio"
	"context"
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

	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/lbproxy"
	"github.com/paved-road/paved/internal/redisserver"
)

const sampleEvery = 50 * time.Millisecond

// kit is what both configurations share: the bot binary and what the report
// says about the tools.
type kit struct {
	pavedbot.Kit
	redisVersion string
	defaults     map[string]string // of the serve flags left alone: lease, parallelism
}

func newKit(ctx context.Context, o options) (*kit, error) {
	k := &kit{}
	if err := k.Open(ctx, prog, o.terraform, func() error { return k.setUp(ctx) }); err != nil {
		return nil, err
	}
	return k, nil
}

// setUp finds redis-server and builds the bot.
func (k *kit) setUp(ctx context.Context) error {
	out, err := proc.Output(ctx, "", nil, "redis-server", "--version")
	if err != nil {
		return fmt.Errorf("%w (scripts/tools.sh redis installs redis-server)", err)
	}
	// "Redis server v=7.0.15 sha=… malloc=…"
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, "v="); ok {
			k.redisVersion = v
		}
	}
	if err := k.BuildBot(ctx); err != nil {
		return err
	}
	// What the report says of the flags it leaves at their defaults.
	help, _ := exec.CommandContext(ctx, k.Binary, "serve", "-h").CombinedOutput()
	k.defaults = flagDefaults(string(help), "lease", "parallelism")
	return nil
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
	*pavedbot.Bot // nil until started
	name          string
	dir           string
	rss           *proc.Sampler
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
		r := &replica{name: name, dir: filepath.Join(dir, name)}
		c.replicas = append(c.replicas, r)
		if err := r.start(ctx, k, gh, c.redis.URL(), workers); err != nil {
			return nil, err
		}
	}
	lb := &lbproxy.Proxy{Client: c.client}
	for _, r := range c.replicas {
		lb.Backends = append(lb.Backends, lbproxy.Backend{Name: r.name, Port: r.Port})
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
// it answers /healthz; its resident set is sampled from its start.
func (r *replica) start(ctx context.Context, k *kit, gh *github, storeURL string, workers int) (err error) {
	r.Bot, err = k.Start(pavedbot.Serve{
		Name: "replica " + r.name, DataDir: filepath.Join(r.dir, "data"), Home: filepath.Join(r.dir, "home"),
		LogPath: filepath.Join(r.dir, "bot.log"), GitHub: gh.api.URL, Owner: owner, Secret: secret, Token: token,
		State: gh.state, Args: []string{"--store", storeURL, "--workers", strconv.Itoa(workers)},
	})
	if err != nil {
		return err
	}
	r.rss = proc.StartSampler(r.PID(), sampleEvery)
	return r.WaitServing(ctx)
}

// running reports whether the replica's process is still there.
func (r *replica) running() bool { return r.Bot != nil && r.Running() }

// stop asks the replica to finish (SIGTERM), then kills its process group;
// it may be called more than once.
func (r *replica) stop() error {
	if r.Bot == nil {
		return nil
	}
	if r.rss != nil {
		defer r.rss.Finish()
	}
	return r.Shutdown()
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
