package accounts

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
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

// IAM returns an IAM client acting as the deployer role in env's account.
func (s *Sessions) IAM(ctx context.Context, env string) (*iam.Client, error) {
	cfg, err := s.Config(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("IAM client for %q: %w", env, err)
	}
	return iam.NewFromConfig(cfg, s.opts.Endpoints.iam), nil
}
