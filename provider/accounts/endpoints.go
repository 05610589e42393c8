package accounts

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Endpoints overrides the URL of each AWS service, for emulators and VPC
// endpoints. An empty field means the SDK's default.
type Endpoints struct {
	STS         string
	IAM         string
	EC2         string
	ElastiCache string
	EKS         string
	ELBv2       string
}

func (e Endpoints) sts(o *sts.Options) {
	if e.STS != "" {
		o.BaseEndpoint = aws.String(e.STS)
	}
}

func (e Endpoints) iam(o *iam.Options) {
	if e.IAM != "" {
		o.BaseEndpoint = aws.String(e.IAM)
	}
}

func (e Endpoints) elasticache(o *elasticache.Options) {
	if e.ElastiCache != "" {
		o.BaseEndpoint = aws.String(e.ElastiCache)
	}
}

func (e Endpoints) eks(o *eks.Options) {
	if e.EKS != "" {
		o.BaseEndpoint = aws.String(e.EKS)
	}
}

func (e Endpoints) elbv2(o *elasticloadbalancingv2.Options) {
	if e.ELBv2 != "" {
		o.BaseEndpoint = aws.String(e.ELBv2)
	}
}

// cachedClient returns the client of a service in env's account, made on
// first use: one client, and so one connection pool, per service and
// environment, however many resources refresh at once.
func cachedClient[C any](ctx context.Context, s *Sessions, service, env string, newClient func(aws.Config) C) (C, error) {
	key := service + "/" + env
	if c, ok := s.clients.Load(key); ok {
		return c.(C), nil
	}
	cfg, err := s.Config(ctx, env)
	if err != nil {
		var none C
		return none, fmt.Errorf("%s client for %q: %w", service, env, err)
	}
	c, _ := s.clients.LoadOrStore(key, newClient(cfg))
	return c.(C), nil
}

// ElastiCache returns an ElastiCache client acting as the deployer role in
// env's account and region.
func (s *Sessions) ElastiCache(ctx context.Context, env string) (*elasticache.Client, error) {
	return cachedClient(ctx, s, "ElastiCache", env, func(cfg aws.Config) *elasticache.Client {
		return elasticache.NewFromConfig(cfg, s.opts.Endpoints.elasticache)
	})
}

// EKS returns an EKS client acting as the deployer role in env's account and region.
func (s *Sessions) EKS(ctx context.Context, env string) (*eks.Client, error) {
	return cachedClient(ctx, s, "EKS", env, func(cfg aws.Config) *eks.Client {
		return eks.NewFromConfig(cfg, s.opts.Endpoints.eks)
	})
}

// ELBv2 returns an Elastic Load Balancing v2 client acting as the deployer
// role in env's account and region.
func (s *Sessions) ELBv2(ctx context.Context, env string) (*elasticloadbalancingv2.Client, error) {
	return cachedClient(ctx, s, "ELBv2", env, func(cfg aws.Config) *elasticloadbalancingv2.Client {
		return elasticloadbalancingv2.NewFromConfig(cfg, s.opts.Endpoints.elbv2)
	})
}

// IAM returns an IAM client acting as the deployer role in env's account.
func (s *Sessions) IAM(ctx context.Context, env string) (*iam.Client, error) {
	return cachedClient(ctx, s, "IAM", env, func(cfg aws.Config) *iam.Client {
		return iam.NewFromConfig(cfg, s.opts.Endpoints.iam)
	})
}
