package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/admin"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/metrics"
	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/policy"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/sandbox"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/webhook"
	"github.com/paved-road/paved/bot/workflow"
)

// errUsage reports a flag error that the flag package already printed.
var errUsage = errors.New("usage")

type serveConfig struct {
	configFile       string
	bind             string
	port             int
	dataDir          string
	allowlist        listFlag
	parallelism      int
	terraformGOGC    int
	ghHostname       string
	ghAPIURL         string
	ghAppID          int64
	ghAppKeyFile     string
	ghToken          string
	webhookSecret    string
	terraform        listFlag
	tofu             listFlag
	defaultTool      string
	pluginCache      string
	timeout          time.Duration
	maxBody          int64
	logFormat        string
	logLevel         string
	allowForks       bool
	noSandbox        bool
	sandboxBinds     listFlag
	tagKey           string
	reconcile        time.Duration
	metricsBind      string
	storeURL         string
	workers          int
	lease            time.Duration
	auditKeep        time.Duration
	policy           *policy.Policy       // the config file's repos rules
	policies         *planpolicy.Policies // and the policy sets they name
	policyTimeout    time.Duration
	policyMaxPlan    int64
	driftParallelism int
	web              webConfig // the operator page's flags (web.go)
}

func serveFlags(c *serveConfig, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("paved-bot serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.configFile, "config", "", "YAML file of flag values (keys are flag names)")
	fs.StringVar(&c.bind, "bind", "", "address to listen on (default all interfaces)")
	fs.IntVar(&c.port, "port", 8080, "port for /events and /healthz")
	fs.StringVar(&c.dataDir, "data-dir", "paved-data", "directory for working copies, plans, locks and the plugin cache")
	fs.Var(&c.allowlist, "repo-allowlist", "repositories to serve, as globs over host/owner/name (e.g. github.com/acme/*); repeatable or comma-separated")
	fs.IntVar(&c.parallelism, "parallelism", 4, "projects planned or applied at once per command")
	fs.IntVar(&c.terraformGOGC, "terraform-gogc", runner.DefaultGOGC, "GOGC of terraform and its providers: a higher value spends less CPU on garbage collection for more memory, within a soft limit of the bot's memory shared among the processes of --parallelism projects; 100 is Go's default, and sets no limit")
	fs.StringVar(&c.ghHostname, "github-hostname", "github.com", "GitHub host; a GitHub Enterprise Server host uses https://HOST/api/v3")
	fs.StringVar(&c.ghAPIURL, "github-api-url", "", "override the API base URL derived from --github-hostname")
	fs.Int64Var(&c.ghAppID, "github-app-id", 0, "GitHub App id (with --github-app-key-file)")
	fs.StringVar(&c.ghAppKeyFile, "github-app-key-file", "", "GitHub App private key (PEM)")
	fs.StringVar(&c.ghToken, "github-token", "", "token instead of a GitHub App (prefer PAVED_GITHUB_TOKEN)")
	fs.StringVar(&c.webhookSecret, "webhook-secret", "", "webhook secret (required; prefer PAVED_WEBHOOK_SECRET)")
	fs.Var(&c.terraform, "terraform", "a Terraform binary as VERSION=PATH (e.g. 1.8.5=/usr/local/bin/terraform); repeatable")
	fs.Var(&c.tofu, "tofu", "an OpenTofu binary as VERSION=PATH; repeatable")
	fs.StringVar(&c.defaultTool, "default-tool", "", "tool for projects that name none, as terraform@VERSION or tofu@VERSION (default: the first --terraform, else the first --tofu)")
	fs.StringVar(&c.pluginCache, "plugin-cache", "", "shared provider plugin cache (default DATA_DIR/plugin-cache)")
	fs.DurationVar(&c.timeout, "timeout", time.Hour, "longest a command may run")
	fs.IntVar(&c.driftParallelism, "drift-parallelism", workflow.DefaultDriftParallelism, "repositories drift checks plan at once, over all replicas (each plans one project at a time)")
	fs.DurationVar(&c.policyTimeout, "policy-timeout", workflow.DefaultPolicyTimeout, "longest one policy set may take to check one project's plan; a set that takes longer blocks the apply as a policy error")
	fs.Int64Var(&c.policyMaxPlan, "policy-max-plan-bytes", runner.DefaultShowJSONLimit, "largest plan JSON (`terraform show -json`) a policy check reads, in bytes; a larger plan blocks the apply as a policy error")
	fs.Int64Var(&c.maxBody, "max-body", webhook.MaxBody, "largest webhook body accepted, in bytes")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&c.allowForks, "allow-fork-prs", false, "plan and apply pull requests from forks (their code runs with the bot's credentials)")
	fs.BoolVar(&c.noSandbox, "unsafe-no-sandbox", false, "run terraform without the bubblewrap sandbox: pull-request code can then read the bot's secrets and files")
	fs.Var(&c.sandboxBinds, "sandbox-bind", "a path terraform may see inside its sandbox, as PATH (read-write) or PATH:ro, e.g. a provider mirror; repeatable or comma-separated")
	fs.StringVar(&c.tagKey, "tag-key", "", "key that signs deploy tags (prefer PAVED_TAG_KEY; default: derived from the webhook secret)")
	fs.StringVar(&c.storeURL, "store", "", "where locks, queues, deliveries and the command record live: redis://[:PASSWORD@]HOST:PORT/DB or rediss://… (prefer PAVED_STORE when it holds a password); default DATA_DIR/paved.db")
	fs.IntVar(&c.workers, "workers", workflow.DefaultWorkers, "commands this replica runs at once (of different pull requests; one pull request's run one at a time)")
	fs.DurationVar(&c.lease, "lease", workflow.DefaultLease, "how long a command stays with a replica that stopped renewing its lease (killed, or cut off from the store) before another replica takes it over")
	fs.DurationVar(&c.auditKeep, "audit-retention", 365*24*time.Hour, "how long the audit log keeps an entry (0 for ever)")
	fs.DurationVar(&c.reconcile, "reconcile-interval", 5*time.Minute, "how often to ask GitHub whether lock holders are still open, releasing the locks of those that are not")
	fs.StringVar(&c.metricsBind, "metrics-bind", "", "serve the unauthenticated /metrics on a listener of its own at HOST:PORT instead of --port's")
	c.web.flags(fs)
	return fs
}

// check validates the resolved configuration, naming the flag at fault.
func (c *serveConfig) check() (runner.Tools, githubapi.Auth, error) {
	var problems []error
	bad := func(flagName, format string, args ...any) {
		problems = append(problems, fmt.Errorf("--%s (%s): %s", flagName, envName(flagName), fmt.Sprintf(format, args...)))
	}
	if c.webhookSecret == "" {
		bad("webhook-secret", "required: paved-bot does not accept unsigned webhooks")
	}
	if len(c.allowlist) == 0 {
		bad("repo-allowlist", "required, e.g. github.com/acme/*")
	}
	for _, g := range c.allowlist {
		if _, err := path.Match(g, ""); err != nil {
			bad("repo-allowlist", "bad glob %q", g)
		}
	}
	if c.port < 1 || c.port > 65535 {
		bad("port", "%d is not a port", c.port)
	}
	if c.metricsBind != "" {
		if _, p, err := net.SplitHostPort(c.metricsBind); err != nil {
			bad("metrics-bind", "%q: want HOST:PORT", c.metricsBind)
		} else if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			bad("metrics-bind", "%q: %q is not a port", c.metricsBind, p)
		}
	}
	// Never echo the value: it may hold a password.
	if c.storeURL != "" && !strings.HasPrefix(c.storeURL, "redis://") && !strings.HasPrefix(c.storeURL, "rediss://") {
		bad("store", "want redis://HOST:PORT/DB or rediss://HOST:PORT/DB")
	}
	if c.reconcile < time.Second {
		bad("reconcile-interval", "%s: want at least 1s", c.reconcile)
	}
	if c.workers < 1 || c.workers > 256 {
		bad("workers", "%d: want 1 to 256", c.workers)
	}
	if c.auditKeep < 0 {
		bad("audit-retention", "%s: want 0 (for ever) or more", c.auditKeep)
	}
	if c.driftParallelism < 1 || c.driftParallelism > 64 {
		bad("drift-parallelism", "%d: want 1 to 64", c.driftParallelism)
	}
	if c.policyMaxPlan < 1 {
		bad("policy-max-plan-bytes", "%d: want a positive number of bytes such as 67108864 (64 MiB)", c.policyMaxPlan)
	}
	if c.policyTimeout <= 0 {
		bad("policy-timeout", "%s: want a positive duration such as 10s", c.policyTimeout)
	}
	if c.lease < 3*time.Second {
		bad("lease", "%s: want at least 3s (it is renewed every third of it)", c.lease)
	}
	if c.parallelism < 1 || c.parallelism > 64 {
		bad("parallelism", "%d: want 1 to 64", c.parallelism)
	}
	if c.terraformGOGC < 25 || c.terraformGOGC > 1000 {
		bad("terraform-gogc", "%d: want 25 to 1000 (100 is Go's default)", c.terraformGOGC)
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		bad("log-format", "%q: want text or json", c.logFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		bad("log-level", "%q: want debug, info, warn or error", c.logLevel)
	}
	auth := githubapi.Auth{Token: c.ghToken, AppID: c.ghAppID}
	switch {
	case c.ghToken != "" && c.ghAppID != 0:
		bad("github-token", "give a token or a GitHub App (--github-app-id), not both")
	case c.ghAppID != 0:
		key, err := os.ReadFile(c.ghAppKeyFile)
		if err != nil {
			bad("github-app-key-file", "%v", err)
		}
		auth.AppKey = key
	case c.ghToken == "":
		bad("github-token", "give a token, or --github-app-id and --github-app-key-file")
	}
	var specs []string
	for _, v := range c.terraform {
		specs = append(specs, "terraform@"+v)
	}
	for _, v := range c.tofu {
		specs = append(specs, "tofu@"+v)
	}
	tools, err := runner.ParseTools(specs)
	if err != nil {
		bad("terraform", "%v", err)
	}
	if len(specs) == 0 {
		bad("terraform", "give at least one --terraform or --tofu binary as VERSION=PATH")
	}
	if c.defaultTool != "" {
		if _, ok := tools.Paths[c.defaultTool]; !ok {
			bad("default-tool", "%q is not one of the configured binaries", c.defaultTool)
		}
		tools.Default = c.defaultTool
	}
	for _, b := range c.sandboxBinds {
		if _, err := parseBind(b); err != nil {
			bad("sandbox-bind", "%v", err)
		}
	}
	problems = append(problems, c.web.check()...)
	return tools, auth, errors.Join(problems...)
}

// parseBind reads a --sandbox-bind value: an absolute path, with ":ro" for
// read-only.
func parseBind(v string) (sandbox.Bind, error) {
	p, ro := strings.CutSuffix(v, ":ro")
	switch {
	case !filepath.IsAbs(p):
		return sandbox.Bind{}, fmt.Errorf("%q: the path must be absolute", v)
	case filepath.Clean(p) == "/":
		return sandbox.Bind{}, fmt.Errorf("%q: binding / would show terraform everything", v)
	}
	if _, err := os.Stat(p); err != nil {
		return sandbox.Bind{}, fmt.Errorf("%q: %w", v, err)
	}
	return sandbox.Bind{Path: filepath.Clean(p), Writable: !ro}, nil
}

// sandboxConfig finds bubblewrap unless the operator turned the sandbox off.
func (c *serveConfig) sandboxConfig(log *slog.Logger) (*sandbox.Config, error) {
	if c.noSandbox {
		log.Warn("terraform runs WITHOUT a sandbox (--unsafe-no-sandbox): pull-request code can read this bot's secrets, its data dir and every file it can")
		return nil, nil
	}
	sb, err := sandbox.Find()
	if err != nil {
		return nil, fmt.Errorf("--unsafe-no-sandbox (%s) not given, and the sandbox cannot run: %w", envName("unsafe-no-sandbox"), err)
	}
	for _, v := range c.sandboxBinds {
		b, _ := parseBind(v)
		sb.Binds = append(sb.Binds, b)
	}
	// The release puts the small launcher beside paved-bot; without it paved-bot is its own,
	// slower to start.
	self, err := sandbox.Executable()
	if err != nil {
		return nil, err
	}
	if launcher := filepath.Join(filepath.Dir(self), sandbox.LauncherName); fileExists(launcher) {
		if err := sb.UseLauncher(launcher); err != nil {
			return nil, err
		}
	}
	log.Info("terraform runs sandboxed", "bwrap", sb.Bwrap, "launcher", cmp.Or(sb.Launcher, self))
	return sb, nil
}

// fileExists says whether path names something, whatever it is.
func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// secrets are the values no reply may show: the bot's credentials and the
// AWS credentials Terraform gets from its environment.
func (c *serveConfig) secrets(auth githubapi.Auth) []string {
	out := []string{c.webhookSecret, c.ghToken, c.tagKey, string(auth.AppKey), c.web.clientSecret, c.web.sessionKey}
	if u, err := url.Parse(c.storeURL); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, name := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID"} {
		out = append(out, os.Getenv(name))
	}
	return out
}

// replicaAffinity is how long a command waits for the replica that ran its
// pull request's previous one, when several share a Redis store.
const replicaAffinity = 2 * time.Second

// replicaName names this process in the leases it holds: host, port and
// process, so that replicas on one host stay apart.
func replicaName(port int) string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s:%d:%d", host, port, os.Getpid())
}

// botStore is what serve needs of either engine.
type botStore interface {
	workflow.Store
	metrics.Store
	Close() error
}

// openStore opens the store --store names, or the bbolt file in the data
// dir by default.
func openStore(ctx context.Context, storeURL, dataDir string, log *slog.Logger) (botStore, error) {
	if storeURL != "" {
		store.LogRedisTo(log)
		s, err := store.OpenRedis(ctx, storeURL)
		if err != nil {
			return nil, fmt.Errorf("--store (%s): %w", envName("store"), err)
		}
		return s, nil
	}
	db, err := openBolt(dataDir)
	if err != nil {
		return nil, err // not a nil *Bolt in the interface
	}
	return db, nil
}

// openBolt opens the bot's store in the data dir. Its file was called
// locks.db when it held only locks; an existing one is taken over.
func openBolt(dataDir string) (*store.Bolt, error) {
	path := filepath.Join(dataDir, "paved.db")
	old := filepath.Join(dataDir, "locks.db")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.Rename(old, path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--data-dir: take over %s: %w", old, err)
		}
	}
	return store.Open(path)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	var c serveConfig
	fs := serveFlags(&c, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	rules, err := resolve(fs, c.configFile)
	if err != nil {
		return err
	}
	c.policy, c.policies = rules.repos, rules.policies
	tools, auth, err := c.check()
	if err != nil {
		return err
	}
	log := newLogger(stderr, c.logFormat, c.logLevel)
	clients, err := githubapi.NewClients(auth, githubapi.Endpoint{Hostname: c.ghHostname, APIURL: c.ghAPIURL})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	sb, err := c.sandboxConfig(log)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c.storeURL, c.dataDir, log)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	if r, ok := db.(*store.Redis); ok {
		// A pull request's next command goes first to the replica whose
		// working copy of it is warm: applying elsewhere means a checkout
		// and an init.
		r.Affinity = replicaAffinity
	}
	if c.pluginCache == "" {
		c.pluginCache = filepath.Join(c.dataDir, "plugin-cache")
	}
	scratch := filepath.Join(c.dataDir, "scratch")
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return fmt.Errorf("--data-dir: %w", err)
	}
	tagKey := []byte(c.tagKey)
	if c.tagKey == "" {
		tagKey = history.KeyFromSecret([]byte(c.webhookSecret))
	}
	bot := &workflow.Bot{
		GitHub: func(id int64) workflow.GitHub { return clients.For(id) },
		Store:  db,
		Runner: &runner.Runner{
			PluginCache: c.pluginCache, Sandbox: sb, ScratchDir: scratch,
			GOGC: c.terraformGOGC, MemoryLimit: c.terraformMemoryLimit(),
		},
		Tools:       tools,
		DataDir:     c.dataDir,
		Parallelism: c.parallelism,
		Timeout:     c.timeout,
		AllowForks:  c.allowForks,
		Host:        c.ghHostname,
		Policy:      c.policy,
		Policies:    c.policies,

		PolicyTimeout:     c.policyTimeout,
		PolicyMaxPlanJSON: c.policyMaxPlan,
		Repositories:      clients.Repositories,
		Allowed:           func(repo string) bool { return webhook.Allowed(c.allowlist, repo) },

		DriftParallelism: c.driftParallelism,
		CheckRuns:        auth.AppID != 0,
		TagKey:           tagKey,
		WebURL:           c.webURL(),
		Secrets:          c.secrets(auth),
		Log:              log,
		Owner:            replicaName(c.port),
		Workers:          c.workers,
		Lease:            c.lease,

		AuditRetention: c.auditKeep,
	}
	// The bot's own registry; GitHub's calls are counted from the first For.
	m := metrics.New(db, log)
	bot.Observe, clients.Observe = m, m.GitHubRequest
	m.Drift(bot.DriftCounts)
	engine := "bbolt in the data dir"
	if c.storeURL != "" {
		engine = "redis"
	}
	log.Info("paved-bot starting", "version", version, "data_dir", c.dataDir, "store", engine, "replica", bot.Owner)
	// The workers take what a previous run accepted first: the queue is in
	// the order commands were accepted.
	bot.Start()
	intake := &webhook.Intake{
		Secret: []byte(c.webhookSecret), Allowlist: c.allowlist, Host: c.ghHostname,
		Handler: bot, MaxBody: c.maxBody, Log: log,
	}
	mux := http.NewServeMux()
	mux.Handle("/events", intake)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	// The operator page answers every other path, when it is on (web.go).
	closeWeb, err := c.serveWeb(mux, bot, log, bot.Secrets)
	if err != nil {
		return err
	}
	intake.Observe = m.WebhookDelivery
	stopMetrics, err := c.serveMetrics(mux, m.Handler(), log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ln, err := net.Listen("tcp", net.JoinHostPort(c.bind, strconv.Itoa(c.port)))
	if err != nil {
		return fmt.Errorf("--port: %w", err)
	}
	srv := &http.Server{Handler: mux}
	srv.RegisterOnShutdown(closeWeb) // open log streams end
	webhook.ServerTimeouts(srv)
	log.Info("paved-bot listening", "addr", ln.Addr().String(), "version", version, "github", c.ghHostname, "allowlist", c.allowlist.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// The operator's socket; without it `paved-bot locks` works only while the bot is stopped.
	if adminLn, err := admin.Listen(c.dataDir); err != nil {
		log.Warn("no operator socket: paved-bot locks can reach the store only while the bot is stopped", "err", err)
	} else {
		adminSrv := &http.Server{Handler: admin.Handler(bot), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = adminSrv.Serve(adminLn) }()
		defer func() { _ = adminSrv.Close() }()
	}
	// Locks whose pull request closed without the bot hearing of it are released.
	reconciling, stopReconciling := context.WithCancel(context.Background())
	defer stopReconciling()
	go bot.ReconcileEvery(reconciling, c.reconcile)
	go bot.DriftEvery(reconciling)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	// No new webhooks; what was accepted is recorded. Commands that run
	// finish, those that wait are left in the store for the next start or
	// another replica.
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	stopReconciling()
	bot.Shutdown()
	stopped := []any{}
	if r, ok := db.(interface{ RoundTrips() uint64 }); ok {
		stopped = append(stopped, "store_round_trips", r.RoundTrips())
	}
	log.Info("paved-bot stopped", stopped...)
	return nil
}

// serveMetrics puts /metrics on mux, unauthenticated as /healthz, or with
// --metrics-bind on a listener of its own (then only there); stop closes
// that listener.
func (c *serveConfig) serveMetrics(mux *http.ServeMux, h http.Handler, log *slog.Logger) (stop func(), err error) {
	if c.metricsBind == "" {
		mux.Handle("/metrics", h)
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", c.metricsBind)
	if err != nil {
		return nil, fmt.Errorf("--metrics-bind: %w", err)
	}
	own := http.NewServeMux()
	own.Handle("/metrics", h)
	srv := &http.Server{Handler: own, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: time.Minute, IdleTimeout: time.Minute}
	log.Info("metrics listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() { _ = srv.Close() }, nil
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
