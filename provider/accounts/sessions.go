// Package accounts turns hub-account credentials into verified sessions in
// the environment accounts that the standards document names.
package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/paved-road/paved/provider/standards"
)

// Override replaces, for one environment, what the standards imply about how
// the deployer role is assumed.
type Override struct {
	RoleARN     string
	ExternalID  string
	SessionName string
	Duration    time.Duration
}

// Identity is what GetCallerIdentity answered.
type Identity struct {
	AccountID string
	ARN       string
	UserID    string
}

// Options configures Sessions.
type Options struct {
	Hub       aws.Config // credentials from the normal AWS chain, in the hub account
	Standards *standards.Document
	Overrides map[string]Override
	Endpoints Endpoints
}

// Sessions hands out one verified aws.Config per environment, assuming the
// deployer role at most once per environment and refreshing its credentials
// before they expire.
type Sessions struct {
	opts Options

	mu          sync.Mutex
	hubIdentity *Identity
	envs        map[string]*session
	clients     sync.Map // "<service>/<environment>" -> service client
}

// session is one environment's verified config. Only success is kept: a
// failed AssumeRole is tried again by the next caller.
type session struct {
	mu       sync.Mutex
	ready    bool
	cfg      aws.Config
	identity Identity
}

// refreshWindow makes the credential cache renew assumed-role credentials
// this long before they expire, so a long apply never uses stale keys.
const refreshWindow = 5 * time.Minute

// New returns Sessions for the given options. Nothing is called until an
// environment is first used.
func New(opts Options) *Sessions {
	if opts.Hub.HTTPClient == nil {
		// One transport for every client, so connections are pooled and
		// reused rather than opened per client.
		opts.Hub.HTTPClient = awshttp.NewBuildableClient()
	}
	return &Sessions{opts: opts, envs: map[string]*session{}}
}

// Endpoints returns the per-service endpoint overrides.
func (s *Sessions) Endpoints() Endpoints { return s.opts.Endpoints }

// Environment returns the named environment from the standards.
func (s *Sessions) Environment(name string) (standards.Environment, error) {
	return s.opts.Standards.Environment(name)
}

// Config returns an aws.Config whose credentials are the deployer role in the
// environment's account, in the environment's region.
func (s *Sessions) Config(ctx context.Context, env string) (aws.Config, error) {
	sess, err := s.session(ctx, env)
	if err != nil {
		return aws.Config{}, err
	}
	return sess.cfg, nil
}

// Identity returns who the provider is in the environment's account.
func (s *Sessions) Identity(ctx context.Context, env string) (Identity, error) {
	sess, err := s.session(ctx, env)
	if err != nil {
		return Identity{}, err
	}
	return sess.identity, nil
}

// HubIdentity returns who the provider is in the hub account.
func (s *Sessions) HubIdentity(ctx context.Context) (Identity, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hubIdentity != nil {
		return *s.hubIdentity, nil
	}
	id, err := callerIdentity(ctx, s.opts.Hub, s.opts.Endpoints)
	if err != nil {
		return Identity{}, fmt.Errorf("checking hub credentials with GetCallerIdentity: %w", err)
	}
	s.hubIdentity = &id
	return id, nil
}

func (s *Sessions) session(ctx context.Context, env string) (*session, error) {
	if _, err := s.opts.Standards.Environment(env); err != nil {
		return nil, err
	}
	s.mu.Lock()
	sess, ok := s.envs[env]
	if !ok {
		sess = &session{}
		s.envs[env] = sess
	}
	s.mu.Unlock()
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if !sess.ready {
		cfg, id, err := s.assume(ctx, env)
		if err != nil {
			return nil, err
		}
		sess.cfg, sess.identity, sess.ready = cfg, id, true
	}
	return sess, nil
}

// assume takes the deployer role for env and proves, with GetCallerIdentity,
// that the credentials work in the account the standards name.
func (s *Sessions) assume(ctx context.Context, env string) (aws.Config, Identity, error) {
	e, err := s.opts.Standards.Environment(env)
	if err != nil {
		return aws.Config{}, Identity{}, err
	}
	ov := s.opts.Overrides[env]
	roleARN := ov.RoleARN
	if roleARN == "" {
		roleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", e.AccountID, s.opts.Standards.DeployerRoleName)
	}
	sessionName := ov.SessionName
	if sessionName == "" {
		hub, err := s.HubIdentity(ctx)
		if err != nil {
			return aws.Config{}, Identity{}, err
		}
		sessionName = SessionName(hub.ARN)
	}

	hubSTS := sts.NewFromConfig(s.opts.Hub, s.opts.Endpoints.sts)
	provider := stscreds.NewAssumeRoleProvider(hubSTS, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = sessionName
		if ov.ExternalID != "" {
			o.ExternalID = aws.String(ov.ExternalID)
		}
		if ov.Duration > 0 {
			o.Duration = ov.Duration
		}
	})
	cfg := s.opts.Hub.Copy()
	cfg.Region = e.Region
	cfg.Credentials = aws.NewCredentialsCache(provider, func(o *aws.CredentialsCacheOptions) {
		o.ExpiryWindow = refreshWindow
	})

	id, err := callerIdentity(ctx, cfg, s.opts.Endpoints)
	if err != nil {
		return aws.Config{}, Identity{}, fmt.Errorf("environment %q: assuming %s: %w", env, roleARN, err)
	}
	if id.AccountID != e.AccountID {
		return aws.Config{}, Identity{}, fmt.Errorf(
			"environment %q: assuming %s landed in account %s, but the standards name account %s for %q; "+
				"check environments.%s.account_id in %s and any assume_role override for %q",
			env, roleARN, id.AccountID, e.AccountID, env, env, s.opts.Standards.File, env)
	}
	return cfg, id, nil
}

func callerIdentity(ctx context.Context, cfg aws.Config, ep Endpoints) (Identity, error) {
	out, err := sts.NewFromConfig(cfg, ep.sts).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, err
	}
	return Identity{
		AccountID: aws.ToString(out.Account),
		ARN:       aws.ToString(out.Arn),
		UserID:    aws.ToString(out.UserId),
	}, nil
}

var invalidSessionChars = regexp.MustCompile(`[^\w+=,.@-]`)

// SessionName derives the AssumeRole session name from the hub caller's ARN,
// so CloudTrail in the environment account says who ran Terraform: a user
// "alice" gives "paved-alice", an assumed-role session "alice@corp" gives
// "paved-alice@corp".
func SessionName(callerARN string) string {
	who := "unknown"
	if a, err := arn.Parse(callerARN); err == nil {
		parts := strings.Split(a.Resource, "/")
		who = parts[len(parts)-1]
	}
	name := "paved-" + invalidSessionChars.ReplaceAllString(who, "-")
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}
