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

// ElastiCache returns an ElastiCache client acting as the deployer role in
// env's account and region.
func (s *Sessions) ElastiCache(ctx context.Context, env string) (*elasticache.Client, error) {
	cfg, err := s.Config(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("ElastiCache client for %q: %w", env, err)
	}
	return elasticache.NewFromConfig(cfg, s.opts.Endpoints.elasticache), nil
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

// EKS returns an EKS client acting as the deployer role in env's account and region.
func (s *Sessions) EKS(ctx context.Context, env string) (*eks.Client, error) {
	cfg, err := s.Config(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("EKS client for %q: %w", env, err)
	}
	return eks.NewFromConfig(cfg, s.opts.Endpoints.eks), nil
}

// ELBv2 returns an Elastic Load Balancing v2 client acting as the deployer
// role in env's account and region.
func (s *Sessions) ELBv2(ctx context.Context, env string) (*elasticloadbalancingv2.Client, error) {
	cfg, err := s.Config(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("ELBv2 client for %q: %w", env, err)
	}
	return elasticloadbalancingv2.NewFromConfig(cfg, s.opts.Endpoints.elbv2), nil
}

// IAM returns an IAM client acting as the deployer role in env's account.
func (s *Sessions) IAM(ctx context.Context, env string) (*iam.Client, error) {
	cfg, err := s.Config(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("IAM client for %q: %w", env, err)
	}
	return iam.NewFromConfig(cfg, s.opts.Endpoints.iam), nil
}
