package emulator_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/paved-road/paved/internal/emulator"
)

const region = "eu-west-1"

var server *emulator.Server

func TestMain(m *testing.M) {
	os.Exit(emulator.Main(&server, m.Run))
}

// hubConfig has plain credentials: its calls land in emulator.HubAccountID.
func hubConfig() aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAEMULATORTEST0001", "secret", ""),
	}
}

// accountConfig assumes a role in account from the hub; the emulator lands
// calls made with the role's credentials in that account, as AWS does.
func accountConfig(account string) aws.Config {
	hub := hubConfig()
	client := sts.NewFromConfig(hub, func(o *sts.Options) { o.BaseEndpoint = aws.String(server.URL) })
	cfg := hub.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, "arn:aws:iam::"+account+":role/x"))
	return cfg
}

// wantCode fails the test unless err is an AWS API error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		t.Fatalf("error code %s (%v), want %s", apiErr.ErrorCode(), err, code)
	}
}

// TestEKSNodegroupTags checks the extension's node group tagging, which
// moto alone refuses.
func TestEKSNodegroupTags(t *testing.T) {
	ctx := context.Background()
	cfg := hubConfig()
	client := eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(server.URL) })
	if _, err := client.CreateCluster(ctx, &eks.CreateClusterInput{
		Name: aws.String("tags-test"), RoleArn: aws.String("arn:aws:iam::123456789012:role/eks"),
		ResourcesVpcConfig: &ekstypes.VpcConfigRequest{SubnetIds: []string{"subnet-0a1b2c3d"}},
	}); err != nil {
		t.Fatal(err)
	}
	ng, err := client.CreateNodegroup(ctx, &eks.CreateNodegroupInput{
		ClusterName: aws.String("tags-test"), NodegroupName: aws.String("workers"),
		NodeRole: aws.String("arn:aws:iam::123456789012:role/node"), Subnets: []string{"subnet-0a1b2c3d"},
		Tags: map[string]string{"team": "games"},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := ng.Nodegroup.NodegroupArn
	if _, err := client.TagResource(ctx, &eks.TagResourceInput{ResourceArn: arn, Tags: map[string]string{"tier": "gold"}}); err != nil {
		t.Fatalf("TagResource on a node group: %v", err)
	}
	if _, err := client.UntagResource(ctx, &eks.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatalf("UntagResource on a node group: %v", err)
	}
	out, err := client.ListTagsForResource(ctx, &eks.ListTagsForResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || out.Tags["tier"] != "gold" {
		t.Errorf("node group tags = %v, want only tier=gold", out.Tags)
	}
	if _, err := client.TagResource(ctx, &eks.TagResourceInput{
		ResourceArn: aws.String("arn:aws:eks:eu-west-1:123456789012:nodegroup/none/none/x"), Tags: map[string]string{"a": "b"},
	}); err == nil {
		t.Error("TagResource on a missing node group succeeded")
	}
}
