package emulator_test

import (
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
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
