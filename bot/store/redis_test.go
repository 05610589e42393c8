package store

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/redisserver"
)

func redisAt(t *testing.T, url string) *Redis {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := OpenRedis(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// redisReplica is another replica's client of the store at url.
func redisReplica(url string) func(t *testing.T) methods {
	return func(t *testing.T) methods {
		r := redisAt(t, url)
		t.Cleanup(func() { _ = r.Close() })
		return r
	}
}

func TestRedis(t *testing.T) {
	testStore(t, func(t *testing.T) storeUnderTest {
		srv := redisserver.Start(t)
		again := func(t *testing.T) methods { return redisAt(t, srv.URL()) }
		return &restartable{methods: again(t), again: again, other: redisReplica(srv.URL()), leases: true}
	})
}

// TestRedisAcrossServerCrash runs the suite with redis-server killed and
// started again at each restart of the bot: all the bot wrote comes back
// from the append-only file.
func TestRedisAcrossServerCrash(t *testing.T) {
	testStore(t, func(t *testing.T) storeUnderTest {
		srv := redisserver.Start(t)
		return &restartable{methods: redisAt(t, srv.URL()), again: func(t *testing.T) methods {
			srv.Restart(t)
			return redisAt(t, srv.URL())
		}, other: redisReplica(srv.URL()), leases: true}
	})
}

// A bot that stays up while redis-server crashes and comes back carries on
// with the same store, and finds it as it left it, leases included.
func TestRedisServerCrashUnderARunningBot(t *testing.T) {
	srv := redisserver.Start(t)
	s := redisAt(t, srv.URL())
	defer func() { _ = s.Close() }()
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	if _, held, err := s.TryLock(Fence{}, locks.Lock{Key: app, PR: 1, User: "alice"}); err != nil || !held {
		t.Fatal(held, err)
	}
	now := time.Unix(1_800_000_000, 0)
	id, first, err := s.Accept([]string{"delivery:a", "comment:7"}, now, "pr-1", []byte(`{"n":1}`))
	if err != nil || !first {
		t.Fatal(first, err)
	}
	c, ok, err := s.Claim("bot", now, time.Minute)
	if err != nil || !ok || c.ID != id {
		t.Fatal(c, ok, err)
	}
	if err := s.SaveCommand(c.Fence(), []byte(`{"n":1,"phase":"applying"}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Enqueue(c.Fence(), app, locks.Waiter{PR: 2}); err != nil {
		t.Fatal(err)
	}
	if err := s.SavePlan(c.Fence(), "pr-1", Plan{Name: "app/default", Meta: []byte(`{}`), File: []byte("plan")}); err != nil {
		t.Fatal(err)
	}

	srv.Restart(t)

	if all, err := s.Locks(); err != nil || len(all) != 1 || all[0].PR != 1 || all[0].User != "alice" {
		t.Fatalf("locks after redis-server restarted: %+v %v", all, err)
	}
	if cmds, err := s.Commands(); err != nil || len(cmds) != 1 || cmds[0].ID != id || string(cmds[0].Record) != `{"n":1,"phase":"applying"}` || cmds[0].Owner != "bot" || cmds[0].Token != c.Token {
		t.Fatalf("commands after redis-server restarted: %+v %v", cmds, err)
	}
	for _, k := range []string{"delivery:a", "comment:7"} {
		if _, first, err := s.Accept([]string{k}, now, "", nil); err != nil || first {
			t.Fatalf("delivery key %s after redis-server restarted: first %v %v", k, first, err)
		}
	}
	if qs, err := s.Queues(); err != nil || len(qs) != 1 || qs[0].Waiters[0].PR != 2 {
		t.Fatalf("queues after redis-server restarted: %+v %v", qs, err)
	}
	if file, err := s.PlanFile("pr-1", "app/default"); err != nil || string(file) != "plan" {
		t.Fatalf("plan file after redis-server restarted: %q %v", file, err)
	}
	// The lease goes on, and is renewed by its holder only.
	if err := s.Renew(c.Fence(), now, time.Minute); err != nil {
		t.Fatalf("renew after redis-server restarted: %v", err)
	}
	if got, ok, err := s.Claim("other", now, time.Minute); err != nil || ok {
		t.Fatalf("a live lease was claimed after redis-server restarted: %+v %v", got, err)
	}
	next, _, err := s.Accept([]string{"delivery:b"}, now, "pr-1", []byte(`{"n":2}`))
	if err != nil || next <= id {
		t.Fatalf("id after redis-server restarted: %q after %q (%v)", next, id, err)
	}
	if g, err := s.Group("pr-1"); err != nil || len(g) != 2 || g[0].ID != id || g[1].ID != next {
		t.Fatalf("group after redis-server restarted: %+v %v", g, err)
	}
}

func rawClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func openErr(t *testing.T, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := OpenRedis(ctx, url)
	if err == nil {
		_ = s.Close()
		t.Fatalf("OpenRedis(%s) opened", url)
	}
	return err
}

func wantInError(t *testing.T, err error, want ...string) {
	t.Helper()
	t.Log(err)
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

func TestRedisFormatVersion(t *testing.T) {
	srv := redisserver.Start(t)
	raw := rawClient(t, srv.URL())
	ctx := context.Background()

	s := redisAt(t, srv.URL())
	if v, err := raw.Get(ctx, keyVersion).Result(); err != nil || v != "2" {
		t.Fatalf("a new store's %s: %q %v", keyVersion, v, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Opening again keeps the store as it is.
	if err := redisAt(t, srv.URL()).Close(); err != nil {
		t.Fatal(err)
	}

	if err := raw.Set(ctx, keyVersion, "3", 0).Err(); err != nil {
		t.Fatal(err)
	}
	wantInError(t, openErr(t, srv.URL()), srv.URL(), "format version 3", "newer paved-bot", "knows version 2")
	if v, _ := raw.Get(ctx, keyVersion).Result(); v != "3" {
		t.Fatalf("a refused open changed %s to %q", keyVersion, v)
	}

	if err := raw.Set(ctx, keyVersion, "two", 0).Err(); err != nil {
		t.Fatal(err)
	}
	wantInError(t, openErr(t, srv.URL()), `"two"`, "not a store format version")
}

// TestRedisFormat1IsMigrated opens a store as format 1 left it, with the
// commands of a bot that stopped: they run, in order, as one group.
func TestRedisFormat1IsMigrated(t *testing.T) {
	srv := redisserver.Start(t)
	raw := rawClient(t, srv.URL())
	ctx := context.Background()
	if _, err := raw.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "paved:version", "1", 0)
		for _, n := range []int{3, 1, 2} {
			p.HSet(ctx, "paved:commands", fmt.Sprintf("%016d", n), fmt.Sprintf(`{"n":%d}`, n))
		}
		p.Set(ctx, "paved:command-seq", "3", 0)
		p.HSet(ctx, "paved:locks", "acme/infra|app|default", `{"key":{"Repo":"acme/infra","Dir":"app","Workspace":"default"},"pr":1}`)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := redisAt(t, srv.URL())
	defer func() { _ = s.Close() }()
	if v, err := raw.Get(ctx, keyVersion).Result(); err != nil || v != "2" {
		t.Fatalf("%s after migration: %q %v", keyVersion, v, err)
	}
	if all, err := s.Locks(); err != nil || len(all) != 1 || all[0].PR != 1 {
		t.Fatalf("locks after migration: %+v %v", all, err)
	}
	wantFormat1Migrated(t, s)
	// Opened again, the store is not migrated twice.
	if err := redisAt(t, srv.URL()).Close(); err != nil {
		t.Fatal(err)
	}
	if g, err := s.Group(format1Group); err != nil || len(g) != 2 {
		t.Fatalf("after reopen: %+v %v", g, err)
	}
}

func TestRedisUnreachable(t *testing.T) {
	var logged bytes.Buffer
	LogRedisTo(slog.New(slog.NewTextHandler(&logged, nil)))
	t.Cleanup(func() { LogRedisTo(slog.Default()) })
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	closed := "redis://:hunter2@127.0.0.1:" + strconv.Itoa(port) + "/0"
	err = openErr(t, closed)
	wantInError(t, err, "redis://:xxxxx@127.0.0.1:"+strconv.Itoa(port)+"/0", "does not answer")
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows the password: %v", err)
	}
	if !strings.Contains(logged.String(), "level=WARN msg=\"redis client\"") || strings.Contains(logged.String(), "hunter2") {
		t.Errorf("the client's own log of the failed dials: %q", logged.String())
	}

	// A server that takes the connection and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
		}
	}()
	start := time.Now()
	err = openErr(t, "redis://"+l.Addr().String()+"/0")
	wantInError(t, err, "redis://"+l.Addr().String()+"/0", "does not answer")
	if took := time.Since(start); took > openTimeout+2*time.Second {
		t.Errorf("a silent server held OpenRedis for %s", took)
	}
}

func TestRedisWrongPassword(t *testing.T) {
	srv := redisserver.Start(t, "--requirepass", "right-secret")
	withPassword := func(p string) string {
		u, err := url.Parse(srv.URL())
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword("", p)
		return u.String()
	}
	for _, u := range []string{withPassword("wrong-secret"), srv.URL()} {
		err := openErr(t, u)
		wantInError(t, err, redactURL(u), "refused the credentials")
		if strings.Contains(err.Error(), "secret") {
			t.Errorf("the error shows a password: %v", err)
		}
	}
	s := redisAt(t, withPassword("right-secret"))
	defer func() { _ = s.Close() }()
	if _, held, err := s.TryLock(Fence{}, locks.Lock{Key: locks.Key{Repo: "acme/infra", Dir: "app"}, PR: 1}); err != nil || !held {
		t.Fatal(held, err)
	}
}

func TestRedisBadURL(t *testing.T) {
	for u, want := range map[string]string{
		"redis://:hunter2@127.0.0.1:port/0":  "invalid port",
		"http://:hunter2@127.0.0.1:6379/0":   "invalid URL scheme",
		"redis://:hunter2@127.0.0.1:6379/db": "invalid database number",
		"redis://:hunter2@127.0.0.1/0?x=1":   "unexpected option",
	} {
		err := openErr(t, u)
		wantInError(t, err, "bad Redis URL", want, "xxxxx@127.0.0.1")
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

// TestRedisTLS opens a store over rediss:// on redis-server's TLS port.
func TestRedisTLS(t *testing.T) {
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSigned(t, cert, key)
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	redisserver.Start(t, "--tls-port", strconv.Itoa(port), "--tls-cert-file", cert, "--tls-key-file", key, "--tls-auth-clients", "no")
	// The certificate is its own, so the client is told not to check it.
	s := redisAt(t, "rediss://127.0.0.1:"+strconv.Itoa(port)+"/0?skip_verify=true")
	defer func() { _ = s.Close() }()
	if _, held, err := s.TryLock(Fence{}, locks.Lock{Key: locks.Key{Repo: "acme/infra", Dir: "app"}, PR: 1}); err != nil || !held {
		t.Fatal(held, err)
	}
}

func writeSelfSigned(t *testing.T, certPath, keyPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRedisRoundTrips pins how many round trips each call costs once the
// connection is up and the scripts are cached in redis-server.
func TestRedisRoundTrips(t *testing.T) {
	srv := redisserver.Start(t)
	s := redisAt(t, srv.URL())
	defer func() { _ = s.Close() }()
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	now := time.Unix(1_800_000_000, 0)
	count := func(name string, want uint64, call func() error) {
		t.Helper()
		before := s.RoundTrips()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := s.RoundTrips() - before
		if got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
		t.Logf("%s: %d round trips", name, got)
	}
	// The first run of a script after redis-server starts also loads it.
	count("first Accept", 2, func() error { _, _, err := s.Accept([]string{"delivery:warm"}, now, "", nil); return err })
	for _, script := range []*redis.Script{claimScript, renewScript, saveCommandScript, finishScript, commandsScript, groupScript, tryLockScript, savePlanScript, dropPlansScript, appendLogScript} {
		if err := script.Load(context.Background(), s.c).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var c Command
	count("Accept", 1, func() error {
		_, _, err := s.Accept([]string{"delivery:a", "comment:1"}, now, "pr-1", []byte(`{}`))
		return err
	})
	count("Accept of a repeat", 1, func() error { _, _, err := s.Accept([]string{"delivery:a"}, now, "pr-1", []byte(`{}`)); return err })
	count("Claim", 1, func() (err error) { c, _, err = s.Claim("bot", now, time.Minute); return err })
	count("Claim of nothing", 1, func() error { _, _, err := s.Claim("bot", now, time.Minute); return err })
	f := c.Fence()
	count("Renew", 1, func() error { return s.Renew(f, now, time.Minute) })
	count("TryLock", 1, func() error { _, _, err := s.TryLock(f, locks.Lock{Key: app, PR: 1}); return err })
	count("TryLock of a held lock", 1, func() error { _, _, err := s.TryLock(Fence{}, locks.Lock{Key: app, PR: 2}); return err })
	count("SaveCommand", 1, func() error { return s.SaveCommand(f, []byte(`{"phase":"planning"}`)) })
	count("SavePlan", 1, func() error {
		return s.SavePlan(f, "pr-1", Plan{Name: "app/default", Meta: []byte(`{}`), File: []byte("plan")})
	})
	count("Plans", 1, func() error { _, err := s.Plans("pr-1"); return err })
	count("PlanFile", 1, func() error { _, err := s.PlanFile("pr-1", "app/default"); return err })
	count("DropPlans", 1, func() error { return s.DropPlans(f, "pr-1", nil) })
	count("Commands", 1, func() error { _, err := s.Commands(); return err })
	count("Group", 1, func() error { _, err := s.Group("pr-1"); return err })
	count("Locks", 1, func() error { _, err := s.Locks(); return err })
	count("Enqueue", 3, func() error { _, err := s.Enqueue(f, app, locks.Waiter{PR: 2}); return err })
	count("Enqueue of a waiter", 3, func() error { _, err := s.Enqueue(f, app, locks.Waiter{PR: 2}); return err })
	count("Enqueue unfenced", 3, func() error { _, err := s.Enqueue(Fence{}, app, locks.Waiter{PR: 3}); return err })
	count("Queues", 1, func() error { _, err := s.Queues(); return err })
	count("Dequeue", 3, func() error { return s.Dequeue(f, app, 2) })
	count("Unlock", 3, func() error { _, err := s.Unlock(f, "acme/infra", 1, nil); return err })
	count("Unlock of nothing", 3, func() error { _, err := s.Unlock(f, "acme/infra", 1, nil); return err })
	count("FinishCommand", 1, func() error { return s.FinishCommand(f) })
	count("AppendLog", 1, func() error { return s.AppendLog("job-1", []byte("log"), now) })
	count("Log", 1, func() error { _, _, err := s.Log("job-1"); return err })
}

// TestRedisAffinity: a command whose group's previous command a replica
// ran waits Affinity for that replica, then goes to whoever claims.
func TestRedisAffinity(t *testing.T) {
	srv := redisserver.Start(t)
	s := redisAt(t, srv.URL())
	defer func() { _ = s.Close() }()
	s.Affinity = 700 * time.Millisecond
	claim := func(owner string) (Command, bool) {
		t.Helper()
		c, ok, err := s.Claim(owner, time.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return c, ok
	}
	accept := func(key string) string {
		t.Helper()
		id, _, err := s.Accept([]string{key}, time.Now(), "acme/infra#1", []byte("{}"))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	accept("d1")
	first, ok := claim("r1")
	if !ok {
		t.Fatal("the first command of a group goes to whoever claims")
	}
	second := accept("d2")
	if err := s.FinishCommand(first.Fence()); err != nil {
		t.Fatal(err)
	}
	if _, ok := claim("r2"); ok {
		t.Fatal("another replica took the command at once from the one that ran its group's last")
	}
	if c, ok := claim("r1"); !ok || c.ID != second {
		t.Fatalf("the replica that ran the group's last command: %+v %v", c, ok)
	} else if err := s.FinishCommand(c.Fence()); err != nil {
		t.Fatal(err)
	}
	third := accept("d3")
	time.Sleep(800 * time.Millisecond)
	if c, ok := claim("r2"); !ok || c.ID != third {
		t.Fatalf("past the affinity, another replica: %+v %v", c, ok)
	}
}
