package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/webhook"
	"github.com/paved-road/paved/bot/workflow"
)

// errUsage reports a flag error that the flag package already printed.
var errUsage = errors.New("usage")

type serveConfig struct {
	configFile    string
	bind          string
	port          int
	dataDir       string
	allowlist     listFlag
	parallelism   int
	ghHostname    string
	ghAPIURL      string
	ghAppID       int64
	ghAppKeyFile  string
	ghToken       string
	webhookSecret string
	terraform     listFlag
	tofu          listFlag
	defaultTool   string
	pluginCache   string
	timeout       time.Duration
	maxBody       int64
	logFormat     string
	logLevel      string
	allowForks    bool
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
	fs.Int64Var(&c.maxBody, "max-body", webhook.MaxBody, "largest webhook body accepted, in bytes")
	fs.StringVar(&c.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.BoolVar(&c.allowForks, "allow-fork-prs", false, "plan and apply pull requests from forks (their code runs with the bot's credentials)")
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
	if c.parallelism < 1 || c.parallelism > 64 {
		bad("parallelism", "%d: want 1 to 64", c.parallelism)
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
	return tools, auth, errors.Join(problems...)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	var c serveConfig
	fs := serveFlags(&c, stderr)
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve takes no arguments, got %q", fs.Args())
	}
	if err := resolve(fs, c.configFile); err != nil {
		return err
	}
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
	store, err := locks.OpenBolt(filepath.Join(c.dataDir, "locks.db"))
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if c.pluginCache == "" {
		c.pluginCache = filepath.Join(c.dataDir, "plugin-cache")
	}
	bot := &workflow.Bot{
		GitHub:      func(id int64) workflow.GitHub { return clients.For(id) },
		Locks:       store,
		Runner:      &runner.Runner{PluginCache: c.pluginCache},
		Tools:       tools,
		DataDir:     c.dataDir,
		Parallelism: c.parallelism,
		Timeout:     c.timeout,
		AllowForks:  c.allowForks,
		Log:         log,
	}
	intake := &webhook.Intake{
		Secret: []byte(c.webhookSecret), Allowlist: c.allowlist, Host: c.ghHostname,
		Handler: bot, MaxBody: c.maxBody, Log: log,
	}
	mux := http.NewServeMux()
	mux.Handle("/events", intake)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", net.JoinHostPort(c.bind, strconv.Itoa(c.port)))
	if err != nil {
		return fmt.Errorf("--port: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute}
	log.Info("paved-bot listening", "addr", ln.Addr().String(), "version", version, "github", c.ghHostname, "allowlist", c.allowlist.String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing the commands in flight")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	intake.Wait()
	return nil
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
